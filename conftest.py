"""Collection rules for the course's single `pytest --nbval` run."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Submissions used by the grader tests are inputs, some deliberately hostile:
# they must never be collected and run as notebooks by nbval.
# A learner's work copies (work/, git-ignored) are theirs, never the course's tests.
collect_ignore_glob = ["tests/submissions/*", "tests/submissions/**/*", "work/*", "work/**/*"]

# check() records each run for progress() in $DECONV_COURSE_HOME (default ~/.deconv-course): the
# notebooks that the tests run (solutions pass every check) must not write to the learner's own.
os.environ["DECONV_COURSE_HOME"] = os.path.join(tempfile.gettempdir(), "deconv-course-test-home")

try:
    from hypothesis import settings
except ImportError:  # pragma: no cover - hypothesis comes with the [test] extra
    settings = None

if settings is not None:
    # In CI, property tests draw the same examples every run (a red build is then
    # reproducible, never a fluke); locally they explore new examples each run.
    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")


# --- A learner's half-solved exercise never fails the course's tests ---------------------------
# An exercises/*.ipynb (or zh-CN/exercises/*.ipynb) that differs from git HEAD was saved by a learner (in place): nbval then
# checks the committed version (written to a temporary folder), and says so in one line. The
# learner's file is never read or changed. `--exercises-as-is` tests the working copy instead
# (for whoever regenerates the exercises before committing them).

REPO = Path(__file__).resolve().parent
_pristine = {"dir": None, "lines": []}


def pytest_addoption(parser):
    parser.addoption(
        "--exercises-as-is",
        action="store_true",
        help="nbval: test exercises/*.ipynb as they are on disk, even where they differ from git "
        "HEAD (by default such a learner-edited exercise is replaced by its committed version)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collected = yield
    config = parent.config
    if (
        not collected
        or file_path.suffix != ".ipynb"
        or file_path.parent not in (REPO / "exercises", REPO / "zh-CN" / "exercises")
        or not (config.option.nbval or config.option.nbval_lax)
        or config.getoption("exercises_as_is")
    ):
        return collected
    from nbval.plugin import IPyNbFile

    from deconv_course.workspace import committed_text, edited_in_place

    relpath = file_path.relative_to(REPO).as_posix()
    if not edited_in_place(REPO, relpath):
        return collected
    if _pristine["dir"] is None:
        _pristine["dir"] = Path(tempfile.mkdtemp(prefix="deconv-pristine-"))
    # the same folder names as in the checkout: a kernel in .../zh-CN/exercises speaks Chinese
    copy = _pristine["dir"] / relpath
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(committed_text(REPO, relpath), encoding="utf-8")
    _pristine["lines"].append(
        f"{relpath} differs from git HEAD (your saved work): checking the committed version "
        "instead; your file is untouched (`deconv-course work` moves it to work/)"
    )
    return [
        IPyNbFile.from_parent(parent, path=copy, nodeid=relpath) if isinstance(node, IPyNbFile) else node
        for node in collected
    ]


def pytest_report_collectionfinish(config, start_path, items):
    return list(_pristine["lines"])


def pytest_unconfigure(config):
    if _pristine["dir"] is not None:
        shutil.rmtree(_pristine["dir"], ignore_errors=True)
        _pristine["dir"] = None
