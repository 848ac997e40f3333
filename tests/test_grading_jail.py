"""The jail's command line and its fail-closed rule, without starting kernels.

The real jail is exercised end to end by tests/test_grader_attacks.py (every attack class) and
tests/test_grading_batch.py (solutions, stubs, wrong and hostile submissions, all jailed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deconv_course import cli
from deconv_course.grading import jail
from deconv_course.grading.kernel import Limits, kernel_environment, limit_environment

ROOT = Path(__file__).resolve().parents[1]
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("DECONV_REQUIRE_JAIL") != "1",
    reason="bubblewrap (bwrap) is not installed: apt-get install bubblewrap to run the jail tests",
)


def _spec(tmp_path, **kw):
    return jail.JailSpec(kernel_dir=tmp_path / "k", package_root=tmp_path / "pkg", **kw)


def _pairs(argv, flag):
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == flag]


@needs_bwrap
def test_the_command_isolates_and_clears_everything(tmp_path, monkeypatch):
    monkeypatch.setenv("DECONV_GRADER_SECRET", "s3cret")
    argv = jail.jail_argv(_spec(tmp_path, extra_env={"X_LIMIT": "1"}), ["python", "-c", "pass"])
    for flag in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
                 "--new-session", "--clearenv"):  # fmt: skip
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    env = dict(_pairs(argv, "--setenv"))
    assert "s3cret" not in " ".join(argv) and "DECONV_GRADER_SECRET" not in env
    assert env["HOME"].startswith(jail.SCRATCH) and env["IPYTHONDIR"].startswith(env["HOME"])
    assert env["PYTHONPATH"] == jail.PACKAGE_DIR and env["X_LIMIT"] == "1"
    assert "JPY_PARENT_PID" not in env
    # writable: only the kernel's own folder; everything else read-only
    assert _pairs(argv, "--bind") == [(str(tmp_path / "k"), jail.KERNEL_DIR)]
    ro = dict((dst, src) for src, dst in _pairs(argv, "--ro-bind"))
    assert ro[jail.PACKAGE_DIR] == str(tmp_path / "pkg")
    assert str(ROOT) not in ro and str(ROOT / "solutions") not in ro
    assert argv[argv.index("--size") + 1] == str(jail.JailSpec(tmp_path, tmp_path).scratch_bytes)
    assert argv[-3:] == ["python", "-c", "pass"]


@needs_bwrap
def test_as_root_the_kernel_drops_to_its_own_uid(tmp_path, monkeypatch):
    monkeypatch.setattr(jail, "as_root", lambda: True)
    argv = jail.jail_argv(_spec(tmp_path, uid=64007), ["python"])
    i = argv.index("--")
    tail = argv[i + 1 :]
    assert tail[0].endswith("setpriv")
    assert "--reuid=64007" in tail and "--regid=64007" in tail and "--no-new-privs" in tail
    assert "--bounding-set=-all" in tail and "--inh-caps=-all" in tail
    monkeypatch.setattr(jail, "as_root", lambda: False)
    argv = jail.jail_argv(_spec(tmp_path), ["python"])
    assert "--unshare-user" in argv and "setpriv" not in " ".join(argv)


def test_the_student_package_has_no_answer_key(tmp_path):
    root = jail.copy_student_package(tmp_path / "pkg")
    pkg = root / "deconv_course"
    assert (pkg / "grading" / "feedback.py").is_file() and (pkg / "numpy_ops").is_dir()
    assert not (pkg / "grading" / "questions").exists()
    assert not list(pkg.rglob("__pycache__"))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from deconv_course.grading import check\n"
        "try:\n    import deconv_course.grading.questions\nexcept ImportError:\n    print('no key')\n"
        "import deconv_course, deconv_course.numpy_ops\nprint(deconv_course.__file__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code, str(root)], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["no key", str(pkg / "__init__.py")]


def test_no_kernel_environment_carries_the_secret(monkeypatch):
    monkeypatch.setenv("DECONV_GRADER_SECRET", "s3cret")
    monkeypatch.setenv("JPY_PARENT_PID", "1")
    env = kernel_environment(Limits())
    assert "DECONV_GRADER_SECRET" not in env and "JPY_PARENT_PID" not in env
    assert env["DECONV_COURSE_GRADER"] == "1"
    lim = limit_environment(Limits(memory_limit=2**30, processes=9), processes=True)
    assert lim["DECONV_GRADER_MEMORY_BYTES"] == str(2**30) and lim["DECONV_GRADER_NPROC"] == "9"
    assert limit_environment(Limits(processes=9), processes=False)["DECONV_GRADER_NPROC"] == "0"


def test_grade_fails_closed_without_a_jail(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(jail, "jail_problem", lambda: "bubblewrap (bwrap) is not installed: install it")
    sol = ROOT / "solutions" / "ex01_two_meanings.ipynb"
    with pytest.raises(jail.JailUnavailable, match="bwrap"):
        __import__("deconv_course.grading", fromlist=["grade"]).grade([sol], tmp_path / "o")
    assert not (tmp_path / "o").exists()  # nothing ran, nothing written
    assert cli.main(["grade", str(sol), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "refusing to run student code without a jail" in err and "bwrap" in err


def test_jail_problem_names_the_fix(monkeypatch):
    jail.jail_problem.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        msg = jail.jail_problem()
    finally:
        jail.jail_problem.cache_clear()
    assert "apt-get install bubblewrap" in msg and "--no-sandbox" in msg
    monkeypatch.setattr(sys, "platform", "darwin")
    jail.jail_problem.cache_clear()
    try:
        assert "needs Linux" in jail.jail_problem()
    finally:
        jail.jail_problem.cache_clear()


@pytest.mark.slow
def test_no_sandbox_is_recorded_in_every_report(tmp_path):
    sol = ROOT / "solutions" / "ex01_two_meanings.ipynb"
    out = tmp_path / "o"
    assert cli.main(["grade", str(sol), "--out", str(out), "--no-sandbox", "--secret", "x", "-q"]) == 0
    rep = json.loads((out / "ex01_two_meanings.json").read_text())
    assert rep["sandbox"] == "none (--no-sandbox)" and rep["score"] == rep["max_score"] == 4
