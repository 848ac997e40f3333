"""Committed notebooks carry no volatile per-cell metadata, so a re-run only changes what changed.

JupyterLab and nbclient record per-cell ``execution`` timestamps; ``tools/execute_notebooks.py``
re-executes a notebook and strips them (``--strip-only`` strips without running). This test reads
the keys to strip from that tool, so the two never disagree.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "exercises", "solutions")
# the Chinese edition (tools/translate.py build) keeps the same rules
EDITION_FOLDERS = ("zh-CN/notebooks", "zh-CN/exercises", "zh-CN/solutions")


def _tool():
    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", REPO / "tools" / "execute_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)


def _in_git() -> bool:
    return shutil.which("git") is not None and _git("rev-parse", "--is-inside-work-tree").returncode == 0


def committed_notebooks() -> list[tuple[str, str]]:
    """(path, text) of each committed notebook in notebooks/, exercises/ and solutions/.

    In a git checkout these are the tracked files; for an exercise a learner has saved over
    (it differs from HEAD) the committed text is read instead, so a learner's own work never
    fails this test. Outside git (an unpacked archive) every notebook of the folders is read.
    """
    found = []
    if _in_git():
        folders = FOLDERS + EDITION_FOLDERS
        paths = _git("ls-files", "--", *(f"{folder}/*.ipynb" for folder in folders)).stdout.split()
        for path in paths:
            file = REPO / path
            learner_edited = (
                path.startswith(("exercises/", "zh-CN/exercises/"))
                and _git("diff", "--quiet", "HEAD", "--", path).returncode
            )
            if learner_edited or not file.exists():
                found.append((path, _git("show", f"HEAD:{path}").stdout))
            else:
                found.append((path, file.read_text(encoding="utf-8")))
    else:
        for folder in FOLDERS + EDITION_FOLDERS:
            for file in sorted((REPO / folder).glob("*.ipynb")):
                found.append((file.relative_to(REPO).as_posix(), file.read_text(encoding="utf-8")))
    return found


NOTEBOOKS = committed_notebooks()


def test_every_folder_has_notebooks():
    for folder in FOLDERS:
        assert any(path.startswith(f"{folder}/") for path, _ in NOTEBOOKS), folder


def test_the_tool_strips_per_cell_execution_metadata():
    tool = _tool()
    assert "execution" in tool.VOLATILE_CELL_KEYS
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb.cells[0].metadata["tags"] = ["keep"]
    assert tool.strip_volatile(nb) == 1
    assert nb.cells[0].metadata == {"tags": ["keep"]}


@pytest.mark.parametrize("path, text", NOTEBOOKS, ids=[path for path, _ in NOTEBOOKS])
def test_committed_notebook_has_no_volatile_cell_metadata(path, text):
    keys = _tool().VOLATILE_CELL_KEYS
    cells = json.loads(text)["cells"]
    dirty = [i for i, cell in enumerate(cells) if any(key in cell.get("metadata", {}) for key in keys)]
    assert not dirty, (
        f"{path}: cells {dirty} keep per-cell {'/'.join(keys)} metadata; run "
        f"`python tools/execute_notebooks.py --strip-only {path}` (or re-execute it with that tool)"
    )


@pytest.mark.parametrize("path, text", NOTEBOOKS, ids=[path for path, _ in NOTEBOOKS])
def test_no_markdown_shows_a_literal_unicode_escape(path, text):
    """A `\\u2013` typed into a Python string and pasted into markdown renders as those six characters."""
    for cell in json.loads(text)["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            assert not re.search(r"\\u[0-9a-fA-F]{4}", source), f"{path}: {source[:80]!r}"
