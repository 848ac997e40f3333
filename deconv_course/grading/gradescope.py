"""Gradescope: the autograder zip of one exercise, and the ``results.json`` it writes.

``deconv-course gradescope build exNN`` writes a zip with Gradescope's documented layout: at its
top ``setup.sh`` (run once when the image is built: installs Python, bubblewrap and the pinned
requirements), ``run_autograder`` (run per submission), ``requirements.txt`` (this course's pinned
dependencies, a CPU-only torch) and ``course/`` (this course's package, installed by setup.sh).
In the container the zip lies in ``/autograder/source``, the student's upload in
``/autograder/submission`` and the result goes to ``/autograder/results/results.json``. For tests
the root is ``$AUTOGRADER_ROOT`` (default ``/autograder``), ``$DECONV_PYTHON`` the interpreter and
``$DECONV_SKIP_INSTALL`` skips setup.sh's installs.

Each question becomes one test (``name``, ``score``, ``max_score``, ``output``, ``visibility``),
with the same student feedback as ``DIR/feedback/`` (categories, hints, the student's own
traceback; never hidden inputs or expected values). Where no bubblewrap jail can be made in the
container, the notebook is graded without one and the output says so: Gradescope's container is
then the sandbox (one submission per container, discarded afterwards), but the answer key and
the secret inside it are not hidden from the student's code.

The human texts of results.json (each test's ``output``, its name's title, the top ``output``)
speak the language in force when the grader runs (:func:`deconv_course.i18n.language`), like the
feedback files; its structure, keys, scores and statuses are the same in every language.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path

from ..i18n import translate as tr
from .questions import EXERCISES, questions_for

ROOT = Path(__file__).resolve().parents[2]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if [ -n "${DECONV_SKIP_INSTALL:-}" ]; then
  echo "DECONV_SKIP_INSTALL is set: not installing anything"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# bubblewrap: the grader's jail for the student's kernel (the grader falls back without it, and says so)
apt-get install -y python3 python3-pip python3-venv bubblewrap
python3 -m venv /opt/deconv
/opt/deconv/bin/pip install --upgrade pip
/opt/deconv/bin/pip install -r "$ROOT/source/requirements.txt"
/opt/deconv/bin/pip install --no-deps "$ROOT/source/course"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes $ROOT/results/results.json.
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${DECONV_PYTHON:-/opt/deconv/bin/python}"
[ -x "$PY" ] || PY=python3
mkdir -p "$ROOT/results"
"$PY" -m deconv_course.grading.gradescope run --root "$ROOT" --exercise __EXERCISE__
if [ ! -s "$ROOT/results/results.json" ]; then
  cat > "$ROOT/results/results.json" <<'EOF'
{"score": 0, "output": "The autograder itself failed before it could grade this submission; please tell your instructor.", "visibility": "visible", "stdout_visibility": "visible", "tests": []}
EOF
fi
"""


def _requirements() -> str:
    """This course's dependencies pinned to the versions installed here; torch from the CPU index."""
    from .. import __version__

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib

        deps = tomllib.loads(text)["project"]["dependencies"]
    except ImportError:  # Python 3.10: the dependency list's quoted lines
        block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
        deps = re.findall(r'"([^"]+)"', block)
    lines = [
        f"# deconv-course {__version__}: installed from ./course by setup.sh (pip install --no-deps)",
        "--extra-index-url https://download.pytorch.org/whl/cpu",
    ]
    skip = {"jupyterlab", "ipywidgets"}  # the grader needs no JupyterLab front end
    for dep in deps:
        name = dep.split(">")[0].split("=")[0].split("<")[0].strip()
        if name.lower() in skip:
            continue
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            lines.append(dep)
            continue
        if name == "torch":
            version = version.split("+")[0] + "+cpu"
        lines.append(f"{name}=={version}")
    return "\n".join(lines) + "\n"


def build(exercise: str, out: str | Path | None = None, *, secret_file: str | Path | None = None) -> Path:
    """Write the autograder zip of ``exercise``; return its path."""
    from .. import __version__

    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r} (choose from {', '.join(sorted(EXERCISES))})")
    out = Path(out or f"gradescope-{exercise}.zip")
    pkg = ROOT / "deconv_course"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:

        def add_text(name: str, text: str, mode: int = 0o644) -> None:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)

        add_text("setup.sh", SETUP_SH, 0o755)
        add_text("run_autograder", RUN_AUTOGRADER.replace("__EXERCISE__", exercise), 0o755)
        add_text("requirements.txt", _requirements())
        add_text("config.json", json.dumps({"exercise": exercise, "course_version": __version__}, indent=1))
        if secret_file:
            add_text("secret.txt", Path(secret_file).read_text(encoding="utf-8").strip() + "\n", 0o600)
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (ROOT / name).is_file():
                add_text(f"course/{name}", (ROOT / name).read_text(encoding="utf-8"))
        for f in sorted(pkg.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo"):
                z.write(f, f"course/deconv_course/{f.relative_to(pkg).as_posix()}")
    return out


# ---------------------------------------------------------------------------------------------
# inside the container
# ---------------------------------------------------------------------------------------------
def results_json(report: dict | None, exercise: str, note: str = "", seconds: float = 0.0) -> dict:
    """Gradescope's results.json of one graded notebook (``report`` None: nothing to grade)."""
    from .feedback_files import mask_numbers, question_feedback, question_text, reason_text, status_text

    by_id = {q["id"]: q for q in (report or {}).get("questions", [])}
    tests = []
    for q in questions_for(exercise):
        rq = by_id.get(q.id)
        if rq is None:
            reason = reason_text(mask_numbers(str((report or {}).get("reason") or "no notebook")))
            out, score = tr("not graded: {reason}", reason=reason), 0.0
        else:
            out, score = question_text(question_feedback(rq)), float(rq["score"])
        tests.append(
            {
                "name": f"{q.id}: {tr(q.title)}",
                "score": score,
                "max_score": float(q.points),
                "output": out,
                "visibility": "visible",
                "status": "passed" if rq is not None and rq["status"] == "passed" else "failed",
            }
        )
    lines = []
    if report is not None:
        lines.append(
            tr(
                "{submission}: {status}, {score} / {max_score}",
                submission=report["submission"],
                status=status_text(report["status"]),
                score=f"{report['score']:g}",
                max_score=f"{report['max_score']:g}",
            )
        )
        if report.get("reason"):
            lines.append(reason_text(mask_numbers(str(report["reason"]))[:500]))
    else:
        lines.append(note or tr("no notebook found"))
    if note and report is not None:
        lines.append(note)
    return {
        "score": round(sum(t["score"] for t in tests), 2),
        "execution_time": int(round(seconds)),
        "output": "\n\n".join(lines),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


NO_JAIL_NOTE = (
    "Note: no bubblewrap jail could be made in this container ({problem}), so this notebook was graded "
    "without it (--no-sandbox). Gradescope's container is itself the sandbox here: it holds only this "
    "submission and is discarded afterwards."
)


def no_jail_note(problem: str) -> str:
    """:data:`NO_JAIL_NOTE` about ``problem``, in the reader's language."""
    return tr(
        "Note: no bubblewrap jail could be made in this container ({problem}), so this notebook was graded "
        "without it (--no-sandbox). Gradescope's container is itself the sandbox here: it holds only this "
        "submission and is discarded afterwards.",
        problem=problem,
    )


def _pick_notebook(folder: Path, exercise: str) -> Path | None:
    found = sorted(p for p in folder.rglob("*.ipynb") if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    named = [p for p in found if exercise in p.name]
    return (named or found or [None])[0]


def run(root: str | Path, exercise: str) -> dict:
    """Grade ``root/submission``'s notebook; write and return ``root/results/results.json``."""
    from . import jail
    from .batch import grade

    t0 = time.monotonic()
    root = Path(root)
    (root / "results").mkdir(parents=True, exist_ok=True)
    nb = _pick_notebook(root / "submission", exercise)
    note = ""
    report = None
    if nb is None:
        note = tr(
            "No .ipynb file found in your submission: upload your {notebook}.ipynb.",
            notebook=EXERCISES[exercise],
        )
    else:
        problem = jail.jail_problem()
        if problem:
            note = no_jail_note(problem)
        secret_path = root / "source" / "secret.txt"
        secret = secret_path.read_text(encoding="utf-8").strip() if secret_path.is_file() else None
        with tempfile.TemporaryDirectory(prefix="deconv-gradescope-") as tmp:
            report = grade(
                [nb],
                Path(tmp) / "out",
                secret=secret,
                exercise=exercise,
                sandbox=not problem,
                similarity=False,
            )[0]
    results = results_json(report, exercise, note, time.monotonic() - t0)
    (root / "results" / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deconv_course.grading.gradescope")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="grade /autograder/submission into /autograder/results/results.json")
    r.add_argument("--root", default="/autograder")
    r.add_argument("--exercise", required=True, choices=sorted(EXERCISES))
    args = p.parse_args(argv)
    try:
        res = run(args.root, args.exercise)
    except Exception as exc:  # never leave Gradescope without a results.json
        res = results_json(None, args.exercise, f"The autograder failed: {type(exc).__name__}: {exc}"[:500])
        Path(args.root, "results").mkdir(parents=True, exist_ok=True)
        Path(args.root, "results", "results.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(f"score {res['score']:g}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
