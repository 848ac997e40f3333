"""Tests of the exercise generator: exercises are generated from solutions and never drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deconv_course import grading
from deconv_course.grading.questions import questions_for

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _pairs():
    sols = sorted(SOLUTIONS.glob("ex0*.ipynb"))
    assert [p.stem for p in sols] == sorted(grading.EXERCISES.values())
    return [(s, EXERCISES / s.name) for s in sols]


def test_committed_exercises_equal_the_generators_output():
    for sol, ex in _pairs():
        generated = grading.exercise_notebook(sol)
        committed = _read(ex)
        assert [(c.cell_type, c.source) for c in committed.cells] == [
            (c.cell_type, c.source) for c in generated.cells
        ], ex.name
        assert "### BEGIN SOLUTION" not in json.dumps([c.source for c in committed.cells])


def test_each_question_is_checked_once_in_its_notebook():
    for sol, ex in _pairs():
        exercise = grading.detect_exercise(_read(sol), sol)
        ids = [q.id for q in questions_for(exercise)]
        for path in (sol, ex):
            sources = [c.source for c in _read(path).cells if c.cell_type == "code"]
            for qid in ids:
                assert sum(s.count(f'check("{qid}")') for s in sources) == 1, (path.name, qid)
            assert sum(s.count("### BEGIN SOLUTION") for s in sources) == (len(ids) if path == sol else 0)


def test_stored_outputs_pass_in_solutions_and_say_not_attempted_in_exercises():
    for sol, ex in _pairs():
        for path, needle in ((sol, "public cases passed"), (ex, "not attempted yet")):
            for cell in _read(path).cells:
                if cell.cell_type == "code" and cell.source.startswith("check("):
                    text = "".join(o.get("text", "") + "".join(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)  # fmt: skip
                    assert needle in " ".join(text.split()), (
                        path.name,
                        cell.source,
                        text,
                    )  # wrapped at words


def test_stub_source_replaces_regions_and_rejects_unbalanced_markers():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    out = grading.stub_source(src)
    assert "return x" not in out and "    raise NotImplementedError(" in out and "    y = 1" in out
    with pytest.raises(ValueError):
        grading.stub_source("### BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(ValueError):
        grading.stub_source("x = 1\n### END SOLUTION\n")


def test_a_chinese_solution_gets_a_chinese_stub_that_still_counts_as_not_attempted():
    import re

    src = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    english, chinese = grading.stub_source(src), grading.stub_source(src, "zh-CN")
    assert "# YOUR CODE HERE" in english and not re.search("[\u4e00-\u9fff]", english)
    assert re.search("# [\u4e00-\u9fff]", chinese) and "YOUR CODE" not in chinese
    namespace = {}
    exec(chinese, namespace)  # still a function that raises NotImplementedError: "not attempted"
    with pytest.raises(NotImplementedError, match="[\u4e00-\u9fff]"):
        namespace["f"](1)
    # the generator takes the language from the notebook (tools/translate.py build records it)
    from deconv_course.grading.generate import exercise_notebook

    zh = exercise_notebook(
        Path(__file__).resolve().parents[1] / "zh-CN" / "solutions" / "ex02_core_concepts.ipynb"
    )
    stubs = "\n".join(
        c.source for c in zh.cells if c.cell_type == "code" and "NotImplementedError" in c.source
    )
    assert stubs and "YOUR CODE" not in stubs
