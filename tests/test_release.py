"""Tests of the student edition (``deconv-course release DIR``): nothing of the answer key is in
it, and its exercises run clean with the answer key unimportable."""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

from deconv_course import cli
from deconv_course.grading.questions import QUESTIONS
from deconv_course.grading.questions.ex06 import ANSWERS
from deconv_course.grading.release import write_release

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    dest = tmp_path_factory.mktemp("release") / "student"
    assert cli.main(["release", str(dest), "--course-dir", str(ROOT)]) == 0
    return dest


def _texts(root: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file()}


def test_the_release_has_what_students_need_and_nothing_else(release):
    top = {p.name for p in release.iterdir()}
    assert top == {"notebooks", "exercises", "deconv_course", "README.md", "pyproject.toml", "LICENSE"}
    assert sorted(p.name for p in (release / "exercises").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "exercises").glob("ex0*.ipynb")
    )
    assert (release / "notebooks" / "00_start_here.ipynb").is_file()
    assert not (release / "deconv_course" / "grading" / "questions").exists()
    assert (release / "deconv_course" / "grading" / "public_cases.json").is_file()
    assert not list(release.rglob("solutions")) and not list(release.rglob("__pycache__"))
    pyproject = (release / "pyproject.toml").read_text()
    assert '"deconv_course.grading" = ["public_cases.json"]' in pyproject
    assert "[tool.pytest" not in pyproject and "[project]" in pyproject
    assert (release / "README.md").read_text().startswith("> **Student edition.**")


def _functions(q):
    fns = [q.reference] + [v.fn for v in q.variants]
    out = []
    for fn in fns:
        while isinstance(fn, functools.partial):
            fn = fn.func
        if fn is not None and fn.__name__ != "<lambda>":
            out.append(fn)
    return out


def test_no_reference_implementation_is_released(release):
    texts = _texts(release)
    for q in QUESTIONS.values():
        for fn in _functions(q):
            source = inspect.getsource(fn)
            name = re.compile(rf"(?<![\w.]){re.escape(fn.__qualname__)}(?!\w)")
            for path, text in texts.items():
                assert source not in text, (q.id, fn.__qualname__, path)
                assert not name.search(text), (q.id, fn.__qualname__, path)
                assert f"{fn.__module__}.{fn.__qualname__}" not in text


def test_no_quiz_answer_is_released_as_a_graded_literal(release):
    for path, text in _texts(release).items():
        for item, answer in ANSWERS.items():
            literal = rf"\\?[\"']{item}\\?[\"']\s*:\s*\\?[\"']{answer}\\?[\"']"
            assert not re.search(literal, text), (path, item)


def test_no_released_notebook_links_to_the_absent_solutions(release):
    import json

    for path in sorted(release.rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "](../solutions" not in text and "reference: `solutions/" not in text, path.name
    lesson = (release / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")
    assert "](" in lesson  # other links are kept


def test_release_refuses_a_folder_that_is_not_empty_or_inside_the_checkout(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("")
    with pytest.raises(FileExistsError):
        write_release(tmp_path / "x", ROOT)
    with pytest.raises(ValueError, match="inside the checkout"):
        write_release(ROOT / "student-edition-test", ROOT)


BLOCK = (
    "import sys; sys.modules['deconv_course.grading.questions'] = None; "
    "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
)


def test_the_released_exercises_run_clean_without_the_answer_key(release, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    spec = tmp_path / "jupyter" / "kernels" / "student"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-c", BLOCK, "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "student", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(release))  # the release's package, not the checkout's
    monkeypatch.setenv("DECONV_COURSE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DECONV_COURSE_GRADER", raising=False)
    probe = (
        "import deconv_course, importlib.util\n"
        "print(deconv_course.__file__)\n"
        "from deconv_course.grading import check\n"
        "print(check('ex01.meaning', lambda term: 1 / 0).status)\n"
        "try:\n    import deconv_course.grading.questions\nexcept ImportError:\n    print('no answer key')"
    )
    for path in sorted((release / "exercises").glob("ex0*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(probe))
        NotebookClient(
            nb, timeout=300, kernel_name="student", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], path.name
        shown = json.dumps([o for o in outputs if o.output_type != "error"])
        assert "not attempted yet" in shown, path.name  # check() on the stubs
        last = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        lines = last.split()
        assert lines[0].startswith(str(release)) and lines[1] == "failed" and "no answer key" in last
