"""Exercises and grading: ``check`` in the notebook, ``validate`` for one file, ``grade`` for a class.

Taught in notebooks/00_start_here.ipynb ("How the exercises work").

* ``check("ex03.conv_transpose2d", conv_transpose2d)`` (or ``check("ex03.conv_transpose2d")``,
  which looks the function up in the notebook) runs the question's *public* cases at once, with
  a hint where the output matches a known mistake. It returns a ``CheckResult`` (HTML in Jupyter, text in a terminal; ``assert check(...)``
  fails unless every public case passed) and runs from the shipped public-case data
  (``public``), so it works where the answer key is absent. ``hint(id)`` gives hints on demand.
* ``progress()`` / ``deconv-course progress`` lists every question with its status and points.
* ``validate(path)`` (callable from a notebook cell) / ``deconv-course validate NOTEBOOK``
  re-runs a saved notebook in a fresh kernel and prints what the grader would award on the
  public cases.
* ``grade(paths, out_dir, jobs)`` / ``deconv-course grade PATHS... --out DIR [-j N]`` grades a
  batch into ``DIR/grades.csv`` and one ``DIR/<name>.json`` per submission.
* ``deconv-course build-exercises`` writes ``exercises/`` from ``solutions/`` (and the public-case
  data, ``deconv-course build-public-cases``); ``deconv-course release DIR`` writes the student
  edition (``release``).

One job per module: ``model`` (questions, cases, reports), ``questions`` (one module per
exercise), ``compare`` (judging and hints), ``public`` (the public cases as shipped data),
``feedback`` (``check``, ``hint``), ``render`` (their HTML and text), ``progress_log``
(``progress``), ``release`` (the student edition), ``kernel`` (the kernel runner), ``kernel_side`` (the code that runs in the kernel, as files), ``exchange`` (the
plain-data boundary), ``runner`` (one submission), ``batch`` (a class and its reports) and
``generate`` (exercises from solutions). Read ``batch``'s docstring for the grader's limits.
"""

from __future__ import annotations

import importlib

# Names are imported on first use (PEP 562), so that ``from deconv_course.grading import check``
# works where the answer key (``questions``) is absent: in the grader's jail and in the student
# edition. Each name maps to the module that defines it.
_WHERE = {
    "grade": "batch",
    "secret_seed": "batch",
    "validate": "batch",
    "write_reports": "batch",
    "judge_case": "compare",
    "score_question": "compare",
    "check": "feedback",
    "hint": "feedback",
    "run_check": "feedback",
    "CheckResult": "render",
    "progress": "progress_log",
    "write_release": "release",
    "format_report": "feedback",
    "format_submission": "feedback",
    "run_public": "feedback",
    "build_exercises": "generate",
    "exercise_notebook": "generate",
    "stub_source": "generate",
    "JailUnavailable": "jail",
    "Limits": "kernel",
    "Sandbox": "kernel",
    "GRADER_VERSION": "model",
    "STATUS_ERRORS": "model",
    "STATUS_GRADED": "model",
    "STATUS_GRADER_ERROR": "model",
    "STATUS_INVALID": "model",
    "STATUS_NOT_ATTEMPTED": "model",
    "STATUS_TIMEOUT": "model",
    "Case": "model",
    "MatrixOp": "model",
    "Question": "model",
    "Variant": "model",
    "EXERCISES": "questions",
    "QUESTIONS": "questions",
    "expected_for": "questions",
    "hidden_cases": "questions",
    "max_score": "questions",
    "questions_for": "questions",
    "variant_output": "questions",
    "detect_exercise": "runner",
    "run_submission": "runner",
}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "check",
    "hint",
    "progress",
    "CheckResult",
    "run_check",
    "write_release",
    "run_public",
    "validate",
    "grade",
    "build_exercises",
    "QUESTIONS",
    "EXERCISES",
    "max_score",
    "format_report",
    "format_submission",
    "judge_case",
    "score_question",
    "expected_for",
    "hidden_cases",
    "questions_for",
    "variant_output",
    "detect_exercise",
    "run_submission",
    "exercise_notebook",
    "stub_source",
    "secret_seed",
    "write_reports",
    "Limits",
    "Sandbox",
    "JailUnavailable",
    "Case",
    "MatrixOp",
    "Question",
    "Variant",
    "GRADER_VERSION",
    "STATUS_GRADED",
    "STATUS_ERRORS",
    "STATUS_NOT_ATTEMPTED",
    "STATUS_TIMEOUT",
    "STATUS_INVALID",
    "STATUS_GRADER_ERROR",
]
