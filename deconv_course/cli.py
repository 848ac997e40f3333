"""The ``deconv-course`` command: ``lab | check-env | grade | regrade | merge | gradescope | validate | build-exercises | release | progress | bench``.

``make lab`` and ``make test`` call this after installing the course into ``.venv``;
``notebooks/00_start_here.ipynb`` calls :func:`check_env` directly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

# The distribution whose metadata lists the requirements (pyproject.toml is the one list).
DISTRIBUTION = "deconv-course"

# Import names, only where they differ from the distribution's name with "-" read as "_".
IMPORT_NAMES = {"scikit-image": "skimage", "scikit-learn": "sklearn"}

# The package's parent folder: the checkout when the package runs from one (see course_dir()).
COURSE_ROOT = Path(__file__).resolve().parents[1]


def requirements(distribution: str = DISTRIBUTION) -> list[tuple[str, str, str, str]]:
    """The installed distribution's requirements as (import name, distribution, specifier, group).

    Read from the metadata pip installed (``importlib.metadata.requires``), so pyproject.toml
    stays the only list. ``group`` is ``"core"`` or the extra that asks for the requirement
    (``"test"``, ``"browser"``); a requirement whose marker is false here for every group (another
    platform or Python) is left out. Raises ``importlib.metadata.PackageNotFoundError`` when
    the course is not installed.
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    meta = metadata.metadata(distribution)
    extras = meta.get_all("Provides-Extra") or []
    found = []
    for line in metadata.requires(distribution) or []:
        req = Requirement(line)
        for group in ("core", *extras):
            env = {"extra": "" if group == "core" else group}
            if req.marker is None or req.marker.evaluate(env):
                break
        else:
            continue
        import_name = IMPORT_NAMES.get(req.name.lower(), req.name.replace("-", "_"))
        found.append((import_name, req.name, str(req.specifier), group))
    return found


def cjk_font() -> str | None:
    """The name of a font matplotlib can draw Chinese titles with, or None when there is none.

    One list of fonts for the whole course: :func:`deconv_course.plotting.fonts.cjk_font`.
    """
    from deconv_course.plotting.fonts import cjk_font as installed_cjk_font

    return installed_cjk_font()


def check_env(verbose: bool = True, include: tuple[str, ...] = ("core", "test")) -> bool:
    """Print OK/FAIL for each dependency with its version, and the torch device.

    The dependencies are the installed course's own (:func:`requirements`, read from its
    metadata). Returns True when every dependency in the groups ``include`` imports and its
    version meets the requirement. Optional groups not in ``include`` are shown as ``--`` when
    missing and never fail. Also reports, without failing, whether matplotlib has a CJK font for
    the Chinese titles and whether bubblewrap (``bwrap``, the grader's jail) is installed.
    Taught in notebooks/00_start_here.ipynb.
    """
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    all_ok = True
    lines = []
    try:
        needed = requirements()
        own = f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        needed = []
        own = f"{DISTRIBUTION} not installed"
        all_ok = False
        lines.append(
            f"  FAIL  {DISTRIBUTION:<20} not installed (no package metadata): run `make lab` "
            f"or `pip install -e .` in the course folder"
        )
    for module, dist, specifier, group in needed:
        try:
            mod = importlib.import_module(module)
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                version = str(getattr(mod, "__version__", "0"))
            ok = SpecifierSet(specifier).contains(version, prereleases=True)
            status = "OK" if ok else "FAIL"
            detail = version if ok else f"{version} (need {specifier})"
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

    try:
        font = cjk_font()
    except Exception:  # matplotlib missing: already a FAIL line above
        font = None
    if font:
        font_line = f"  CJK font: {font} — Chinese titles render"
    else:
        font_line = (
            "  CJK font: none — Chinese titles show as boxes; install Debian's fonts-noto-cjk "
            "(or any Noto Sans CJK / Source Han Sans font), then `rm -rf ~/.cache/matplotlib` once "
            "so that matplotlib sees it"
        )
    bwrap = shutil.which("bwrap")
    if bwrap:
        jail_line = f"  bubblewrap: {bwrap} — `deconv-course grade` can jail each kernel"
    else:
        jail_line = (
            "  bubblewrap: not found — `deconv-course grade` needs it to jail kernels; "
            "install Debian's bubblewrap"
        )

    if verbose:
        print(f"Python {sys.version.split()[0]} | {own} ({Path(__file__).resolve().parent})")
        print("\n".join(lines))
        print(f"  torch device: {device}  (override with DECONV_DEVICE=cpu|cuda|mps)")
        print(font_line)
        print(jail_line)
        print(
            "Environment OK"
            if all_ok
            else "Environment has FAILs: run `make lab` (or "
            '`pip install -e ".[test]"`) to install what is missing'
        )
    return all_ok


def _cmd_check_env(args: argparse.Namespace) -> int:
    groups = ("core",) if args.core_only else ("core", "test")
    return 0 if check_env(verbose=True, include=groups) else 1


class CourseDirError(Exception):
    """No course folder (a clone with notebooks/, benchmarks/, …) was given or found."""


def checkout_root() -> Path | None:
    """The checkout the package runs from (an editable install), or None for a wheel install.

    A checkout is the folder above the package holding ``pyproject.toml`` and ``notebooks/``.
    """
    root = COURSE_ROOT
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def course_dir(
    explicit: str | os.PathLike[str] | None = None, *, needs: str = "notebooks", command: str = "lab"
) -> Path:
    """The course folder a command works on: it must hold the subfolder ``needs``.

    ``explicit`` (the ``--course-dir`` option) wins; else the checkout the package runs from;
    else the current folder. Raises :class:`CourseDirError`, with a message naming
    ``--course-dir``, when none of them holds ``needs/`` (e.g. a wheel installed into a venv,
    run from an unrelated folder).
    """
    if explicit is not None:
        folder = Path(explicit).expanduser().resolve()
        if not (folder / needs).is_dir():
            raise CourseDirError(
                f"deconv-course {command} --course-dir {folder}: that folder has no {needs}/; "
                f"pass the folder of a clone of the course (it holds notebooks/ and benchmarks/)"
            )
        return folder
    checkout = checkout_root()
    if checkout is not None and (checkout / needs).is_dir():
        return checkout
    here = Path.cwd()
    if (here / needs).is_dir():
        return here
    raise CourseDirError(
        f"deconv-course {command} needs the course's {needs}/ folder: the package is installed at "
        f"{Path(__file__).resolve().parent}, outside a checkout, and the current folder {here} "
        f"has no {needs}/. Pass --course-dir DIR (a clone of the course), or run it from that folder."
    )


def _resolve_course_dir(args: argparse.Namespace, needs: str) -> Path | None:
    try:
        return course_dir(args.course_dir, needs=needs, command=args.command)
    except CourseDirError as exc:
        print(exc, file=sys.stderr)
        return None


def lab_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The JupyterLab server's environment: ``environ`` with this interpreter's ``bin`` first on PATH.

    So ``deconv-course`` (installed beside the interpreter) is found in the lab's terminals even
    when the virtual environment was never activated.
    """
    env = dict(os.environ if environ is None else environ)
    bindir = str(Path(sys.executable).parent)
    path = env.get("PATH", "")
    if path.split(os.pathsep)[0] != bindir:
        env["PATH"] = bindir + (os.pathsep + path if path else "")
    return env


def lab_server_options(environ: dict[str, str] | None = None) -> list[str]:
    """JupyterLab options of ``deconv-course lab`` beyond its folder and address.

    Its terminals run the user's shell as a non-login shell. Jupyter otherwise starts a *login*
    shell whenever its output is not a terminal (``make lab`` in an IDE, a launcher), and a login
    shell re-reads /etc/profile, which resets PATH and loses the interpreter's ``bin`` that
    :func:`lab_environment` put first: ``deconv-course`` was then "command not found".
    """
    env = os.environ if environ is None else environ
    shell = env.get("SHELL") or shutil.which("sh") or "/bin/sh"
    return [f"--ServerApp.terminado_settings=shell_command={shell}"]


def _cmd_lab(args: argparse.Namespace) -> int:
    root = _resolve_course_dir(args, needs="notebooks")
    if root is None:
        return 2
    if not check_env(verbose=True, include=("core",)):
        return 1
    start = root / "notebooks" / "00_start_here.ipynb"
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={args.ip}", f"--ServerApp.root_dir={root}"]
    cmd += lab_server_options()
    if args.port:
        cmd.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    if start.exists():
        cmd.append(str(start.relative_to(root)))
    if (root / "exercises").is_dir():  # the learner's work copies (git-ignored), never overwritten
        from deconv_course.workspace import make_work_copies

        for line in make_work_copies(root, adopt=False):
            if not line.startswith("kept"):
                print(line)
    print("Starting:", " ".join(cmd[2:]))
    return subprocess.call(cmd, cwd=root, env=lab_environment())


def _cmd_bench(args: argparse.Namespace) -> int:
    root = _resolve_course_dir(args, needs="benchmarks")
    if root is None:
        return 2
    folder = root / "benchmarks"
    available = sorted(folder.glob("bench_*.py"))
    if not available:
        print(f"deconv-course bench: no bench_*.py scripts in {folder}", file=sys.stderr)
        return 2
    scripts = available
    if args.name:
        scripts = [s for s in available if s.stem == f"bench_{args.name}"]
        if not scripts:
            names = ", ".join(s.stem[len("bench_") :] for s in available)
            print(f"no benchmark named {args.name!r}; available: {names}", file=sys.stderr)
            return 2
    status = 0
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        extra = ["--quick"] if args.quick else []
        status |= subprocess.call([sys.executable, str(script), *extra], cwd=root)
    return status


COURSE_DIR_HELP = (
    "the course folder (a clone with notebooks/ and benchmarks/); default: the checkout "
    "the package runs from, else the current folder"
)


# ---------------------------------------------------------------------------------------------
# grade | validate | build-exercises (deconv_course.grading, imported only when one of them runs)
# ---------------------------------------------------------------------------------------------
def _at_least_one(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs={n} must be at least 1")
    return n


def _exercise(value: str) -> str:
    from deconv_course.grading import EXERCISES

    if value not in EXERCISES:
        raise argparse.ArgumentTypeError(
            f"invalid choice: {value!r} (choose from {', '.join(sorted(EXERCISES))})"
        )
    return value


def _add_limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (default 60)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per notebook (default 300)")
    p.add_argument(
        "--call-timeout", type=float, default=None, help="seconds per call of a graded function (default 20)"
    )
    p.add_argument(
        "--memory-mb", type=int, default=None, help="kernel address-space limit in MiB (default 4096)"
    )
    p.add_argument(
        "--output-limit", type=int, default=None, help="characters of output per cell (default 1e6)"
    )
    p.add_argument(
        "--exercise",
        type=_exercise,
        default=None,
        metavar="EXERCISE",
        help="grade as this exercise (ex01..ex06) instead of detecting it",
    )


def _limit_options(args: argparse.Namespace) -> dict:
    return dict(
        exercise=args.exercise,
        cell_timeout=args.cell_timeout,
        timeout=args.timeout,
        call_timeout=args.call_timeout,
        memory_mb=args.memory_mb,
        output_limit=args.output_limit,
    )


def _read_secret_arg(args: argparse.Namespace, command: str) -> tuple[bool, str | None]:
    """(ok, secret) from --secret / --secret-file; prints the reason when the file cannot be read."""
    secret = getattr(args, "secret", None)
    if args.secret_file:
        try:
            secret = Path(args.secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            print(
                f"deconv-course {command}: --secret-file={args.secret_file}: {exc.strerror}", file=sys.stderr
            )
            return False, None
    return True, secret


def _show_report(args: argparse.Namespace):
    """One line per graded submission (above the progress bar), unless -q."""

    def show(rep: dict) -> None:
        if args.quiet:
            return
        from tqdm import tqdm

        tqdm.write(
            f"{rep['submission']}: {rep['status']}, {rep['score']:g}/{rep['max_score']:g}"
            + (f" ({rep['reason'][:100]})" if rep.get("reason") else ""),
            file=sys.stdout,
        )

    return show


def _after_grading(reports: list, out: Path, command: str) -> int:
    from deconv_course import grading

    print(
        f"wrote {out / 'grades.csv'} ({len(reports)} submissions), {out / 'gradebook.csv'}, feedback/, manifest.json"
    )
    if (out / "run-secret.txt").is_file() and command == "grade":
        print(
            f"no secret given: generated one and kept it in {out / 'run-secret.txt'} (mode 0600) so this run "
            "can be reproduced (deconv-course regrade); keep it private, students never see it"
        )
    broken = [r for r in reports if r["status"] == grading.STATUS_GRADER_ERROR]
    if broken:
        print(
            f"the grader itself failed on {len(broken)} submission(s); see their JSON reports",
            file=sys.stderr,
        )
        return 2
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    """``deconv-course grade PATHS... --out DIR [-j N]``; 0 when the grader worked, 2 when it failed."""
    from deconv_course import grading

    ok, secret = _read_secret_arg(args, "grade")
    if not ok:
        return 2
    if args.no_sandbox:
        print(
            "deconv-course grade: --no-sandbox: student code runs UNJAILED, with your rights", file=sys.stderr
        )
    try:
        reports = grading.grade(
            args.paths,
            args.out,
            args.jobs,
            secret=secret,
            progress=_show_report(args),
            sandbox=not args.no_sandbox,
            shard=args.shard,
            id_pattern=args.id_pattern,
            roster=args.roster,
            similarity=not args.no_similarity,
            progress_bar=not args.quiet,
            **_limit_options(args),
        )
    except grading.JailUnavailable as exc:
        print(f"deconv-course grade: refusing to run student code without a jail: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:  # a bad --shard, --id-pattern or --roster
        print(f"deconv-course grade: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        print(f"deconv-course grade: the grader failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return _after_grading(reports, Path(args.out), "grade")


def _cmd_regrade(args: argparse.Namespace) -> int:
    """``deconv-course regrade DIR [--secret-file F] [--out NEWDIR]``: re-run the stored submissions."""
    from deconv_course import grading
    from deconv_course.grading import runs

    ok, secret = _read_secret_arg(args, "regrade")
    if not ok:
        return 2
    try:
        reports, lines, out = runs.regrade(
            args.dir,
            args.out,
            secret=secret,
            jobs=args.jobs,
            sandbox=not args.no_sandbox,
            progress=_show_report(args),
        )
    except grading.JailUnavailable as exc:
        print(f"deconv-course regrade: refusing to run student code without a jail: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        print(f"deconv-course regrade: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return _after_grading(reports, out, "regrade")


def _cmd_merge(args: argparse.Namespace) -> int:
    """``deconv-course merge DIR1 DIR2 ... --out DIR``: one set of tables from shard outputs."""
    from deconv_course.grading import runs

    try:
        reports = runs.merge(args.dirs, args.out, similarity=not args.no_similarity)
    except (ValueError, OSError) as exc:
        print(f"deconv-course merge: {exc}", file=sys.stderr)
        return 2
    print(f"merged {len(args.dirs)} run(s), {len(reports)} submissions, into {args.out}")
    return 0


def _cmd_gradescope(args: argparse.Namespace) -> int:
    """``deconv-course gradescope build exNN [--out ZIP]``: the Gradescope autograder zip."""
    from deconv_course.grading import gradescope

    try:
        path = gradescope.build(args.exercise, args.out, secret_file=args.secret_file)
    except (ValueError, OSError) as exc:
        print(f"deconv-course gradescope: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    """``deconv-course validate NOTEBOOK``: 0 when it ran (whatever the score), 1 if not gradable, 2 on a grader error."""
    from deconv_course import grading

    rep = grading.validate(args.notebook, **_limit_options(args))
    if rep["status"] == grading.STATUS_GRADER_ERROR:
        return 2
    return 1 if rep["status"] == grading.STATUS_INVALID else 0


def _cmd_build_exercises(args: argparse.Namespace) -> int:
    """``deconv-course build-exercises``: write exercises/ from solutions/."""
    from deconv_course.grading import build_exercises, public

    print(f"wrote {public.write()}")  # check() in the exercises runs from it
    for path in build_exercises(args.solutions, args.exercises, execute=not args.no_execute):
        print(f"wrote {path}")
    return 0


def _cmd_build_public_cases(args: argparse.Namespace) -> int:
    """``deconv-course build-public-cases``: write grading/public_cases.json from the questions."""
    from deconv_course.grading import public

    print(f"wrote {public.write(args.out or public.PATH)}")
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    """``deconv-course release DIR``: write the student edition into DIR."""
    from deconv_course.grading.release import write_release

    root = _resolve_course_dir(args, needs="exercises")
    if root is None:
        return 1
    try:
        dest = write_release(args.dir, root)
    except (FileExistsError, ValueError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    print(f"wrote the student edition to {dest}")
    return 0


def _cmd_progress(args: argparse.Namespace) -> int:
    """``deconv-course progress``: every question with its status, from check()'s record."""
    from deconv_course.grading import progress

    print(progress())
    return 0


def _cmd_work(args: argparse.Namespace) -> int:
    """``deconv-course work [exNN ...]``: make the learner's work copies in work/."""
    from deconv_course.workspace import ExerciseNotFound, make_work_copies

    root = _resolve_course_dir(args, needs="exercises")
    if root is None:
        return 2
    try:
        lines = make_work_copies(root, args.exercises or None)
    except ExerciseNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    print(f"Work in {root / 'work'}: git ignores it, `make test` never runs it, `git pull` never touches it.")
    return 0


def _cmd_reset(args: argparse.Namespace) -> int:
    """``deconv-course reset exNN``: restore one exercise, keeping the old one in work/.backup/."""
    from deconv_course.workspace import ExerciseNotFound, reset

    root = _resolve_course_dir(args, needs="exercises")
    if root is None:
        return 2
    try:
        lines = reset(root, args.exercise)
    except ExerciseNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


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
    p.add_argument("--course-dir", metavar="DIR", help=COURSE_DIR_HELP)
    p.set_defaults(func=_cmd_lab)

    p = sub.add_parser("bench", help="run the benchmarks in benchmarks/ (prints ratios)")
    p.add_argument("name", nargs="?", help="conv, restoration or grading (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    p.add_argument("--course-dir", metavar="DIR", help=COURSE_DIR_HELP)
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser(
        "grade",
        help="grade submitted notebooks: grade PATHS... --out DIR [-j N]",
        description="Grade exercise notebooks; writes DIR/grades.csv and one JSON per submission.",
    )
    p.add_argument("paths", nargs="+", help="notebooks, or folders of notebooks")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("-j", "--jobs", type=_at_least_one, default=1, help="submissions graded at once")
    p.add_argument(
        "--secret",
        default=None,
        help="seed of the hidden cases (default: $DECONV_GRADER_SECRET or a fresh random one); "
        "other users of this machine can read a command line: prefer --secret-file",
    )
    p.add_argument("--secret-file", metavar="FILE", help="read the seed of the hidden cases from FILE")
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run student code without the bubblewrap jail (recorded in every report); only for "
        "trusted notebooks or where no jail can be made",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no line per submission")
    p.add_argument(
        "--shard",
        metavar="K/N",
        default=None,
        help="grade only the K-th (1-based) of N slices of the sorted inputs (an array job; needs a secret)",
    )
    p.add_argument(
        "--id-pattern",
        metavar="REGEX",
        default=None,
        help="student id from the file name: a regex with a named group 'id' (default: the stem up to "
        "its first _ or -, else the whole stem)",
    )
    p.add_argument(
        "--roster", metavar="CSV", default=None, help="roster with columns like id,name,email,canvas_id"
    )
    p.add_argument("--no-similarity", action="store_true", help="skip the similarity report")
    _add_limit_args(p)
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "regrade",
        help="re-run a grading run's stored submissions and print what changed per student",
        description="Re-grade DIR/submissions/ (new cases with a new secret, or a new grader version) "
        "into NEWDIR and print, per student, the score before -> after.",
    )
    p.add_argument("dir", help="the output folder of an earlier grade run")
    p.add_argument("--out", default=None, help="new output folder (default: DIR-regrade)")
    p.add_argument("--secret-file", metavar="FILE", help="the secret (default: DIR/run-secret.txt if any)")
    p.add_argument("-j", "--jobs", type=_at_least_one, default=1)
    p.add_argument("--no-sandbox", action="store_true", help="as for grade")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=_cmd_regrade)

    p = sub.add_parser(
        "merge",
        help="combine the outputs of grade --shard K/N runs into one set of tables",
        description="Merge shard outputs (same secret, same grader version) into one folder.",
    )
    p.add_argument("dirs", nargs="+", help="the shards' output folders")
    p.add_argument("--out", required=True)
    p.add_argument("--no-similarity", action="store_true")
    p.set_defaults(func=_cmd_merge)

    p = sub.add_parser("gradescope", help="Gradescope: gradescope build exNN [--out ZIP]")
    gs = p.add_subparsers(dest="gradescope_command", required=True)
    g = gs.add_parser("build", help="make the autograder zip of one exercise")
    g.add_argument("exercise", type=_exercise, metavar="exNN")
    g.add_argument("--out", default=None, help="zip to write (default: gradescope-exNN.zip)")
    g.add_argument(
        "--secret-file",
        metavar="FILE",
        help="bake this secret into the zip (default: fresh cases per submission)",
    )
    g.set_defaults(func=_cmd_gradescope)

    p = sub.add_parser(
        "validate",
        help="re-run a saved notebook in a fresh kernel and show its score",
        description="Re-run a saved notebook in a fresh kernel and show what the "
        "grader would award on the public cases.",
    )
    p.add_argument("notebook")
    _add_limit_args(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("build-exercises", help="write exercises/ from solutions/ (stubs + outputs)")
    p.add_argument("--solutions", default="solutions", help="folder of solution notebooks")
    p.add_argument("--exercises", default="exercises", help="folder to write the exercises into")
    p.add_argument("--no-execute", action="store_true", help="do not execute them to store outputs")
    p.set_defaults(func=_cmd_build_exercises)

    p = sub.add_parser(
        "build-public-cases",
        help="write grading/public_cases.json (what check() runs) from the questions",
    )
    p.add_argument("--out", help="file to write (default: the package's public_cases.json)")
    p.set_defaults(func=_cmd_build_public_cases)

    p = sub.add_parser(
        "release",
        help="write the student edition into DIR (no solutions, references or quiz answers)",
        description="Write what students receive: notebooks/, exercises/, the deconv_course "
        "package without its answer key, README.md, pyproject.toml and LICENSE.",
    )
    p.add_argument("dir", metavar="DIR", help="a new or empty folder outside the checkout")
    p.add_argument("--course-dir", metavar="DIR", help=COURSE_DIR_HELP)
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("progress", help="list every question with its status and points")
    p.set_defaults(func=_cmd_progress)

    p = sub.add_parser(
        "work",
        help="make your work copies work/exNN_*.ipynb (git-ignored; existing ones are kept)",
        description="Make a work copy of each exercise (or of those named) in work/, where your "
        "answers are safe from `git pull` and `make test`. An existing work copy is never "
        "overwritten; edits made in exercises/ itself are moved there.",
    )
    p.add_argument("exercises", nargs="*", metavar="exNN", help="e.g. ex03 (default: all)")
    p.add_argument("--course-dir", metavar="DIR", help=COURSE_DIR_HELP)
    p.set_defaults(func=_cmd_work)

    p = sub.add_parser(
        "reset",
        help="restore one exercise as the course ships it (the old one goes to work/.backup/)",
        description="Restore work/exNN_*.ipynb (and exercises/exNN_*.ipynb, if you edited it in "
        "place) to the course's version; what was there is moved to work/.backup/.",
    )
    p.add_argument("exercise", metavar="exNN", help="e.g. ex03")
    p.add_argument("--course-dir", metavar="DIR", help=COURSE_DIR_HELP)
    p.set_defaults(func=_cmd_reset)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
