"""A learner's saved work is theirs: it never fails `make test`, and one command resets an exercise.

``deconv_course.workspace`` makes git-ignored work copies (``work/exNN_*.ipynb``) and resets them;
``conftest.py`` makes nbval check the committed version of an exercise a learner saved in place.
Each test builds a small course repository (git) in a temporary folder from this checkout's files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from deconv_course import cli, workspace

REPO = Path(__file__).resolve().parents[1]
EXERCISE = "ex01_two_meanings.ipynb"  # the smallest exercise: two questions

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git (the course is a git clone)")


def _pristine(relpath: str) -> str:
    """This checkout's committed text of ``relpath`` (its file where git has none)."""
    done = subprocess.run(["git", "-C", str(REPO), "show", f"HEAD:{relpath}"], capture_output=True, text=True)
    if done.returncode == 0 and relpath.startswith("exercises/"):
        return done.stdout
    return (REPO / relpath).read_text(encoding="utf-8")


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A git repository with the course's test configuration and its pristine exercises."""
    root = tmp_path / "course"
    for relpath in ["conftest.py", "pyproject.toml", ".gitignore", "tests/nbval_sanitize.cfg"] + [
        f"exercises/{p.name}" for p in sorted((REPO / "exercises").glob("ex*.ipynb"))
    ]:
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_pristine(relpath), encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "course")
    return root


def _half_solve(path: Path) -> None:
    """Save a half-solved exercise as JupyterLab would: a wrong answer and the output it gave."""
    nb = nbformat.read(path, as_version=4)
    stub = next(c for c in nb.cells if c.cell_type == "code" and "def meaning" in c.source)
    stub.source = 'def meaning(term):\n    return "upsampling operator"  # half done\n'
    stub.execution_count = 3
    checked = next(
        c for c in nb.cells if c.cell_type == "code" and c.source.startswith('check("ex01.meaning')
    )
    checked.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="my own output, not the course's\n")
    ]
    checked.execution_count = 4
    nbformat.write(nb, path)


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "exercises/", "-q", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_make_test_checks_the_pristine_exercise_where_a_learner_saved_in_place(course: Path) -> None:
    for other in (course / "exercises").glob("ex*.ipynb"):  # one notebook keeps the run short
        if other.name != EXERCISE:
            other.unlink()
    _git(course, "commit", "-q", "-am", "only ex01")
    edited = course / "exercises" / EXERCISE
    _half_solve(edited)
    saved = edited.read_text(encoding="utf-8")

    as_is = _pytest(course, "--exercises-as-is", "-x")
    assert as_is.returncode == 1, as_is.stdout[-3000:]  # the saved file itself would fail nbval

    done = _pytest(course)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"exercises/{EXERCISE} differs from git HEAD" in done.stdout
    assert "checking the committed version" in done.stdout
    assert edited.read_text(encoding="utf-8") == saved  # the learner's file is untouched


def test_work_copies_are_made_once_and_never_overwritten(course: Path) -> None:
    lines = workspace.make_work_copies(course)
    names = sorted(p.name for p in (course / "exercises").glob("ex*.ipynb"))
    assert sorted(p.name for p in (course / "work").glob("ex*.ipynb")) == names
    assert all(line.startswith("made") for line in lines)
    mine = course / "work" / EXERCISE
    assert mine.read_text(encoding="utf-8") == (course / "exercises" / EXERCISE).read_text(encoding="utf-8")

    _half_solve(mine)
    saved = mine.read_text(encoding="utf-8")
    again = workspace.make_work_copies(course)
    assert mine.read_text(encoding="utf-8") == saved
    assert any(line.startswith("kept") and EXERCISE in line for line in again)


def test_work_is_ignored_by_git_so_a_pull_never_conflicts(course: Path) -> None:
    workspace.make_work_copies(course)
    _half_solve(course / "work" / EXERCISE)
    status = subprocess.run(
        ["git", "-C", str(course), "status", "--porcelain"], capture_output=True, text=True, check=True
    )
    assert status.stdout == ""  # nothing a `git pull` could conflict with


def test_reset_restores_the_work_copy_and_keeps_a_backup(course: Path) -> None:
    workspace.make_work_copies(course, ["ex01"])
    mine = course / "work" / EXERCISE
    _half_solve(mine)
    saved = mine.read_text(encoding="utf-8")

    lines = workspace.reset(course, "ex01")
    assert mine.read_text(encoding="utf-8") == (course / "exercises" / EXERCISE).read_text(encoding="utf-8")
    backups = list((course / "work" / ".backup").rglob(EXERCISE))
    assert [b.read_text(encoding="utf-8") for b in backups] == [saved]
    assert any("restored work/" in line for line in lines)

    _half_solve(mine)  # a second reset keeps both backups
    workspace.reset(course, "1")
    assert len(list((course / "work" / ".backup").rglob(EXERCISE))) == 2


def test_reset_restores_an_exercise_edited_in_place(course: Path) -> None:
    edited = course / "exercises" / EXERCISE
    _half_solve(edited)
    saved = edited.read_text(encoding="utf-8")
    assert workspace.edited_in_place(course, f"exercises/{EXERCISE}")

    lines = workspace.reset(course, "ex01_two_meanings")
    assert not workspace.edited_in_place(course, f"exercises/{EXERCISE}")
    assert any(line.startswith("restored exercises/") for line in lines)
    backup = course / "work" / ".backup"
    assert [p.read_text(encoding="utf-8") for p in backup.rglob(EXERCISE)] == [saved]
    assert (course / "work" / EXERCISE).is_file()  # and a fresh work copy to start from


def test_work_moves_edits_made_in_place_into_the_work_copy(course: Path) -> None:
    edited = course / "exercises" / EXERCISE
    _half_solve(edited)
    saved = edited.read_text(encoding="utf-8")

    skipped = workspace.make_work_copies(course, adopt=False)  # what `deconv-course lab` does
    assert any(line.startswith("skipped") and EXERCISE in line for line in skipped)
    assert edited.read_text(encoding="utf-8") == saved and not (course / "work" / EXERCISE).exists()

    lines = workspace.make_work_copies(course)
    assert (course / "work" / EXERCISE).read_text(encoding="utf-8") == saved
    assert not workspace.edited_in_place(course, f"exercises/{EXERCISE}")  # `git pull` can update it
    assert any(line.startswith("moved") for line in lines)
    assert [p.read_text(encoding="utf-8") for p in (course / "work" / ".backup").rglob(EXERCISE)] == [saved]


def test_cli_work_and_reset(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["work", "ex01", "--course-dir", str(course)]) == 0
    out = capsys.readouterr().out
    assert f"made     work/{EXERCISE}" in out and "git ignores it" in out
    assert cli.main(["reset", "ex01", "--course-dir", str(course)]) == 0
    assert "already the course's version" in capsys.readouterr().out
    assert cli.main(["reset", "ex99", "--course-dir", str(course)]) == 2
    assert "ex01_two_meanings" in capsys.readouterr().err  # the message lists the exercises


def test_lab_server_finds_deconv_course_on_its_path() -> None:
    env = cli.lab_environment({"PATH": "/usr/bin:/bin"})
    found = shutil.which("deconv-course", path=env["PATH"])
    assert found is not None and Path(found).parent == Path(sys.executable).parent


def test_gitignore_ignores_the_work_folder() -> None:
    assert "work/" in (REPO / ".gitignore").read_text(encoding="utf-8").split()


def test_no_learner_cell_shows_an_nbval_comment() -> None:
    """nbval's markers are cell tags (nbval-ignore-output, raises-exception), never visible comments."""
    for folder in ("notebooks", "exercises", "solutions"):
        for path in sorted((REPO / folder).glob("*.ipynb")):
            for cell in json.loads(_pristine(f"{folder}/{path.name}"))["cells"]:
                source = "".join(cell["source"])
                if cell["cell_type"] == "code":
                    assert "# NBVAL_" not in source, (
                        f"{folder}/{path.name}: use a cell tag, not {source[:60]!r}"
                    )


def test_lab_terminals_are_not_login_shells() -> None:
    """A login shell re-reads /etc/profile, which resets PATH: `deconv-course` was not found."""
    options = cli.lab_server_options({"SHELL": "/bin/bash"})
    assert options == ["--ServerApp.terminado_settings=shell_command=/bin/bash"]


def test_start_here_table_links_every_exercise_with_its_time() -> None:
    """Notebook 00's lessons -> exercises table: every lesson in order, real links, the course's times.

    A lesson that continues the one before it (01b, 05b) shares that lesson's exercise and says so
    ("with 01") instead of repeating its time; every exercise's time appears exactly once.
    """
    import re

    from deconv_course.grading.questions import MINUTES

    nb = nbformat.reads(_pristine("notebooks/00_start_here.ipynb"), as_version=4)
    table = next(
        c.source for c in nb.cells if c.cell_type == "markdown" and "### Lessons → exercises" in c.source
    )
    rows = re.findall(
        r"^\| \[(\d\d[a-z]?) · [^\]]+\]\((\d\d[a-z]?_\w+\.ipynb)\).*"
        r"\[(ex\d\d[a-z]?)\]\(\.\./exercises/(\w+\.ipynb)\) \| (?:~(\d+)&nbsp;(min|h)|with (\d\d[a-z]?)) \|$",
        table,
        re.M,
    )
    assert [row[0] for row in rows] == ["01", "01b", "02", "03a", "03b", "04", "05", "05b", "06"]
    timed, first_lesson = [], {}
    for number, lesson, ex, exercise, amount, unit, shared_with in rows:
        assert (REPO / "notebooks" / lesson).is_file() and lesson.startswith(number + "_"), lesson
        assert (REPO / "exercises" / exercise).is_file() and exercise.startswith(ex + "_"), exercise
        if shared_with:
            assert first_lesson.get(ex) == shared_with, (number, ex, shared_with)
        else:
            assert ex not in first_lesson, f"{ex}: its time is given twice"
            first_lesson[ex] = number
            assert int(amount) * (60 if unit == "h" else 1) == MINUTES[ex], ex
            timed.append(ex)
    assert sorted(timed) == sorted(MINUTES)  # every exercise, each with its time once


def test_lab_makes_missing_work_copies_before_starting(
    course: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (course / "notebooks").mkdir()
    started = []
    monkeypatch.setattr(cli, "check_env", lambda **kwargs: True)
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, **kwargs: started.append(cmd) or 0)
    workspace.make_work_copies(course, ["ex01"])
    _half_solve(course / "work" / EXERCISE)
    saved = (course / "work" / EXERCISE).read_text(encoding="utf-8")

    assert cli.main(["lab", "--no-browser", "--course-dir", str(course)]) == 0
    assert started and any("terminado_settings" in part for part in started[0])
    assert len(list((course / "work").glob("ex*.ipynb"))) == len(
        list((course / "exercises").glob("ex*.ipynb"))
    )
    assert (course / "work" / EXERCISE).read_text(encoding="utf-8") == saved  # never overwritten
    assert "kept" not in capsys.readouterr().out  # lab prints only what it made
