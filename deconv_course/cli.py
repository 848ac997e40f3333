"""The ``deconv-course`` command: ``lab | check-env | grade | validate | bench``.

``make lab`` and ``make test`` call this after installing the course into ``.venv``;
``notebooks/00_start_here.ipynb`` calls :func:`check_env` directly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

# (import name, distribution name shown to the user, minimum version, needed for)
REQUIREMENTS = [
    ("numpy", "numpy", "1.24", "core"),
    ("scipy", "scipy", "1.10", "core"),
    ("matplotlib", "matplotlib", "3.7", "core"),
    ("torch", "torch", "2.1", "core"),
    ("skimage", "scikit-image", "0.22", "core"),
    ("sklearn", "scikit-learn", "1.3", "core"),
    ("jupyterlab", "jupyterlab", "4.0", "core"),
    ("ipywidgets", "ipywidgets", "8.1", "core"),
    ("jupyterlab_widgets", "jupyterlab_widgets", "3.0", "core"),
    ("ipykernel", "ipykernel", "6.25", "core"),
    ("nbformat", "nbformat", "5.9", "core"),
    ("nbclient", "nbclient", "0.8", "core"),
    ("tqdm", "tqdm", "4.65", "core"),
    ("threadpoolctl", "threadpoolctl", "3.1", "core"),
    ("pytest", "pytest", "7.4", "test"),
    ("nbval", "nbval", "0.11", "test"),
    ("hypothesis", "hypothesis", "6.90", "test"),
    ("playwright", "playwright", "1.40", "browser"),
]

COURSE_ROOT = Path(__file__).resolve().parents[1]


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_env(verbose: bool = True, include: tuple[str, ...] = ("core", "test")) -> bool:
    """Print OK/FAIL for each dependency with its version, and the torch device.

    Returns True when every dependency in the groups ``include`` imports and is at
    least its minimum version. Optional groups not in ``include`` are shown as
    ``--`` when missing and never fail. Taught in notebooks/00_start_here.ipynb.
    """
    all_ok = True
    lines = []
    for module, dist, minimum, group in REQUIREMENTS:
        try:
            mod = importlib.import_module(module)
            version = getattr(mod, "__version__", None)
            if version is None:
                from importlib.metadata import version as dist_version

                version = dist_version(dist)
            ok = _version_tuple(version) >= _version_tuple(minimum)
            status = "OK" if ok else "FAIL"
            detail = version if ok else f"{version} (need >= {minimum})"
        except Exception as exc:  # ImportError, or a broken install raising anything
            ok = False
            status = "FAIL" if group in include else "--"
            detail = f"missing ({type(exc).__name__}); needed for {group}"
        if not ok and group in include:
            all_ok = False
        lines.append(f"  {status:<4}  {dist:<20} {detail}")

    try:
        from deconv_course.torch_ops import pick_device

        device = str(pick_device())
    except Exception as exc:
        device = f"unknown ({type(exc).__name__}: {exc})"
        all_ok = False

    if verbose:
        print(f"Python {sys.version.split()[0]}")
        print("\n".join(lines))
        print(f"  torch device: {device}  (override with DECONV_DEVICE=cpu|cuda|mps)")
        print("Environment OK" if all_ok else "Environment has FAILs: run `make lab` (or "
              "`pip install -e \".[test]\"`) to install what is missing")
    return all_ok


def _cmd_check_env(args: argparse.Namespace) -> int:
    groups = ("core",) if args.core_only else ("core", "test")
    return 0 if check_env(verbose=True, include=groups) else 1


def _cmd_lab(args: argparse.Namespace) -> int:
    if not check_env(verbose=True, include=("core",)):
        return 1
    start = COURSE_ROOT / "notebooks" / "00_start_here.ipynb"
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={args.ip}",
           f"--ServerApp.root_dir={COURSE_ROOT}"]
    if args.port:
        cmd.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    if start.exists():
        cmd.append(str(start.relative_to(COURSE_ROOT)))
    print("Starting:", " ".join(cmd[2:]))
    return subprocess.call(cmd, cwd=COURSE_ROOT)


def _cmd_bench(args: argparse.Namespace) -> int:
    folder = COURSE_ROOT / "benchmarks"
    scripts = sorted(folder.glob("bench_*.py"))
    if args.name:
        scripts = [s for s in scripts if s.stem == f"bench_{args.name}"]
        if not scripts:
            names = ", ".join(s.stem[len("bench_"):] for s in sorted(folder.glob("bench_*.py")))
            print(f"no benchmark named {args.name!r}; available: {names}", file=sys.stderr)
            return 2
    status = 0
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        extra = ["--quick"] if args.quick else []
        status |= subprocess.call([sys.executable, str(script), *extra], cwd=COURSE_ROOT)
    return status


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="deconv-course", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check-env", help="print OK/FAIL per dependency and the torch device")
    p.add_argument("--core-only", action="store_true", help="ignore the test extras")
    p.set_defaults(func=_cmd_check_env)

    p = sub.add_parser("lab", help="check the environment, then start JupyterLab on this folder")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 lets Jupyter choose")
    p.add_argument("--no-browser", action="store_true")
    p.set_defaults(func=_cmd_lab)

    p = sub.add_parser("bench", help="run the benchmarks in benchmarks/ (prints ratios)")
    p.add_argument("name", nargs="?", help="conv, restoration or grading (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    p.set_defaults(func=_cmd_bench)

    # grade and validate parse their own arguments (see deconv_course.grading).
    sub.add_parser("grade", help="grade submitted notebooks: grade PATHS... --out DIR [-j N]",
                   add_help=False)
    sub.add_parser("validate", help="re-run a saved notebook in a fresh kernel and show its score",
                   add_help=False)

    if argv and argv[0] in ("grade", "validate"):
        from deconv_course import grading

        handler = grading.cli_grade if argv[0] == "grade" else grading.cli_validate
        return int(handler(argv[1:]) or 0)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
