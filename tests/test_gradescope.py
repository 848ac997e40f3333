"""Tests of the Gradescope autograder zip: build it, run it on a simulated /autograder, check results.json.

The zip is unpacked into a temporary folder laid out as Gradescope's ``/autograder`` (``source/``,
``submission/``, ``results/``); ``$AUTOGRADER_ROOT`` points ``run_autograder`` there,
``$DECONV_PYTHON`` at this venv's Python (the course is importable already) and
``$DECONV_SKIP_INSTALL`` makes ``setup.sh`` skip its apt-get and pip installs.
``results.json`` is checked against Gradescope's documented format: top-level ``score``,
``output``, ``visibility``, ``stdout_visibility``, ``execution_time`` and ``tests``, each test with
``name``, ``score``, ``max_score``, ``output`` and ``visibility``.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deconv_course import cli
from deconv_course.grading import gradescope
from deconv_course.grading.questions import questions_for

ROOT = Path(__file__).resolve().parents[1]
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def check_results_format(res: dict, exercise: str) -> None:
    """Gradescope's documented results.json: required keys, types, the sum and the maximum per test."""
    assert isinstance(res["score"], (int, float))
    assert isinstance(res["output"], str) and isinstance(res["execution_time"], int)
    assert res["visibility"] in VISIBILITY and res["stdout_visibility"] in VISIBILITY
    tests = res["tests"]
    assert isinstance(tests, list) and len(tests) == len(questions_for(exercise))
    for t, q in zip(tests, questions_for(exercise)):
        assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
        assert isinstance(t["name"], str) and q.id in t["name"]
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert t["max_score"] == q.points and 0 <= t["score"] <= t["max_score"]
        assert isinstance(t["output"], str) and t["visibility"] in VISIBILITY
    assert res["score"] == pytest.approx(sum(t["score"] for t in tests))
    json.dumps(res)  # plain JSON


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gs")
    zpath = tmp / "ex01.zip"
    assert cli.main(["gradescope", "build", "ex01", "--out", str(zpath)]) == 0
    return zpath


def _unpack(zpath: Path, root: Path) -> None:
    with zipfile.ZipFile(zpath) as z:
        z.extractall(root / "source")
        for info in z.infolist():  # zipfile does not restore the modes
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / "source" / info.filename, stat.S_IMODE(mode))


def test_zip_has_gradescopes_layout(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
        assert "course/pyproject.toml" in names and "course/deconv_course/grading/batch.py" in names
        assert not any("__pycache__" in n for n in names)
        req = z.read("requirements.txt").decode()
        setup = z.read("setup.sh").decode()
        assert (z.getinfo("run_autograder").external_attr >> 16) & 0o111
    from deconv_course import __version__

    assert f"deconv-course {__version__}" in req and "+cpu" in req and "download.pytorch.org/whl/cpu" in req
    assert "apt-get install -y" in setup and "bubblewrap" in setup
    _unpack(autograder, tmp_path)
    env = dict(os.environ, AUTOGRADER_ROOT=str(tmp_path), DECONV_SKIP_INSTALL="1")
    done = subprocess.run(
        ["bash", str(tmp_path / "source" / "setup.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and "not installing" in done.stdout


@pytest.mark.parametrize(
    "notebook,full",
    [("solutions/ex01_two_meanings.ipynb", True), ("exercises/ex01_two_meanings.ipynb", False)],
)
def test_run_autograder_writes_documented_results(autograder, tmp_path, notebook, full):
    _unpack(autograder, tmp_path)
    (tmp_path / "submission").mkdir()
    shutil.copyfile(ROOT / notebook, tmp_path / "submission" / "my_ex01.ipynb")
    env = dict(
        os.environ, AUTOGRADER_ROOT=str(tmp_path), DECONV_PYTHON=sys.executable, DECONV_SKIP_INSTALL="1"
    )
    env.pop("DECONV_GRADER_SECRET", None)
    done = subprocess.run(
        ["bash", str(tmp_path / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    res = json.loads((tmp_path / "results" / "results.json").read_text())
    check_results_format(res, "ex01")
    assert res["score"] == (4.0 if full else 0.0), res["output"]
    if not full:
        assert all("NotImplementedError" in t["output"] for t in res["tests"])


def test_results_json_without_a_notebook_or_a_jail():
    res = gradescope.results_json(None, "ex03", "No .ipynb file found in your submission")
    check_results_format(res, "ex03")
    assert res["score"] == 0 and "No .ipynb" in res["output"]
    report = {
        "submission": "x.ipynb",
        "status": "graded",
        "score": 2.0,
        "max_score": 4.0,
        "reason": "",
        "questions": [
            {"id": "ex01.meaning", "name": "meaning", "title": "t", "points": 2, "score": 2.0, "status": "passed",
             "hints": [], "cases": [{"status": "passed", "passed": True, "message": "", "hint": "", "case": "c"}]},
        ],
    }  # fmt: skip
    note = gradescope.NO_JAIL_NOTE.format(problem="bwrap not installed")
    res = gradescope.results_json(report, "ex01", note, 3.4)
    check_results_format(res, "ex01")
    assert res["score"] == 2.0 and res["execution_time"] == 3
    assert "--no-sandbox" in res["output"] and "container is itself the sandbox" in res["output"]
    assert res["tests"][1]["score"] == 0 and "not graded" in res["tests"][1]["output"]


def test_empty_submission_gets_a_results_file(autograder, tmp_path):
    _unpack(autograder, tmp_path)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "notes.txt").write_text("oops")
    env = dict(os.environ, AUTOGRADER_ROOT=str(tmp_path), DECONV_PYTHON=sys.executable)
    subprocess.run(
        ["bash", str(tmp_path / "source" / "run_autograder")], env=env, capture_output=True, timeout=120
    )
    res = json.loads((tmp_path / "results" / "results.json").read_text())
    check_results_format(res, "ex01")
    assert res["score"] == 0 and "No .ipynb" in res["output"]
