"""The exercise registry: every graded question, its reference answer and its known wrong answers.

One module per exercise (``ex01`` ... ``ex06``) holds its questions' references, misconception
variants and hidden-case generators next to their entries. Expected values come from independent
references (PyTorch, SciPy, scikit-image, closed forms), never from the student's kernel.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from ..model import Case, Question, Variant
from . import ex01, ex02, ex03, ex03_restoration, ex04, ex05, ex06

__all__ = [
    "QUESTIONS",
    "EXERCISES",
    "MINUTES",
    "questions_for",
    "expected_for",
    "variant_output",
    "hidden_cases",
    "max_score",
]

QUESTIONS: dict[str, Question] = {
    q.id: q for module in (ex01, ex02, ex03, ex03_restoration, ex04, ex05, ex06) for q in module.QUESTIONS
}

EXERCISES = {
    "ex01": "ex01_two_meanings",
    "ex02": "ex02_core_concepts",
    "ex03": "ex03_algorithms",
    "ex04": "ex04_fixing_the_code",
    "ex05": "ex05_trends_and_challenges",
    "ex06": "ex06_faq_quiz",
}

# An honest estimate of the time a newcomer needs per exercise (reading, coding, debugging),
# shown by ``progress()``; measured against the number and difficulty of its questions.
MINUTES = {
    "ex01": 15,
    "ex02": 30,
    "ex03": 120,
    "ex04": 45,
    "ex05": 45,
    "ex06": 15,
}


def questions_for(exercise: str) -> list[Question]:
    """The questions of one exercise (``"ex03"``), in notebook order."""
    return [q for q in QUESTIONS.values() if q.exercise == exercise]


def _call(fn: Any, case: Case) -> Any:
    value = fn(*case.args, **case.kwargs)
    return value[case.select] if case.select is not None else value


def expected_for(q: Question, case: Case) -> Any:
    """The reference answer of one case (computed in the caller's process).

    When the case selects one item (a quiz), the reference returns every answer and this picks one.
    """
    return _call(q.reference, case)


def variant_output(q: Question, v: Variant, case: Case) -> Any:
    """What the known mistake ``v`` returns on ``case``."""
    return _call(v.fn, case)


def hidden_cases(q: Question, seed: int) -> list[Case]:
    """The hidden cases of one question for one grading run."""
    rng = np.random.default_rng([seed % 2**63, zlib.crc32(q.id.encode())])
    return q.hidden(rng)


def max_score(exercise: str | None = None) -> float:
    """Total points of one exercise (``"ex03"``) or of the whole course."""
    qs = questions_for(exercise) if exercise else list(QUESTIONS.values())
    return float(sum(q.points for q in qs))
