"""Exercises and grading: ``check`` in the notebook, ``validate`` for one file, ``grade`` for a class.

Taught in notebooks/00_start_here.ipynb ("How the exercises work").

* ``check("ex03.conv_transpose2d", conv_transpose2d)`` (or ``check("ex03.conv_transpose2d")``,
  which looks the function up in the notebook) runs the question's *public* cases at once and
  prints a short report, with a hint when the output matches a known mistake.
* ``validate(path)`` / ``deconv-course validate NOTEBOOK`` re-runs a saved notebook in a fresh
  kernel and prints what the grader would award on the public cases.
* ``grade(paths, out_dir, jobs)`` / ``deconv-course grade PATHS... --out DIR [-j N]`` grades a
  batch into ``DIR/grades.csv`` and one ``DIR/<name>.json`` per submission.
* ``deconv-course build-exercises`` writes ``exercises/`` from ``solutions/``.

One job per module: ``model`` (questions, cases, reports), ``questions`` (one module per
exercise), ``compare`` (judging and hints), ``feedback`` (``check``), ``kernel`` (the kernel
runner), ``kernel_side`` (the code that runs in the kernel, as files), ``exchange`` (the
plain-data boundary), ``runner`` (one submission), ``batch`` (a class and its reports) and
``generate`` (exercises from solutions). Read ``batch``'s docstring for the grader's limits.
"""

from __future__ import annotations

from .batch import grade, secret_seed, validate, write_reports
from .compare import judge_case, score_question
from .feedback import check, format_report, format_submission, run_public
from .generate import build_exercises, exercise_notebook, stub_source
from .kernel import Limits
from .model import (
    GRADER_VERSION,
    STATUS_ERRORS,
    STATUS_GRADED,
    STATUS_GRADER_ERROR,
    STATUS_INVALID,
    STATUS_NOT_ATTEMPTED,
    STATUS_TIMEOUT,
    Case,
    MatrixOp,
    Question,
    Variant,
)
from .questions import (
    EXERCISES,
    QUESTIONS,
    expected_for,
    hidden_cases,
    max_score,
    questions_for,
    variant_output,
)
from .runner import detect_exercise, run_submission

__all__ = [
    "check",
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
