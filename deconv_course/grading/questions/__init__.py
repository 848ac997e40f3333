"""The exercise registry: every graded question, its reference answer and its known wrong answers.

One module per exercise (``ex01`` ... ``ex06``, ``ex03b``; a long one in two) holds its questions'
references, misconception variants and hidden-case generators next to their entries. Expected
values come from independent references (PyTorch, SciPy, scikit-image, closed forms), never from
the student's kernel. A case may carry ``private`` keyword arguments for its reference only (the
true image a restoration is scored against): :func:`expected_for` passes them, nothing sends them
to the kernel.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import numpy as np

from ..model import Case, Question, Variant
from . import ex01, ex02, ex03, ex03b, ex03b_practice, ex04, ex05, ex06

__all__ = [
    "QUESTIONS",
    "EXERCISES",
    "MINUTES",
    "exercise_in",
    "solver_for",
    "questions_for",
    "expected_for",
    "variant_output",
    "hidden_cases",
    "max_score",
]

QUESTIONS: dict[str, Question] = {
    q.id: q
    for module in (ex01, ex02, ex03, ex03b, ex03b_practice, ex04, ex05, ex06)
    for q in module.QUESTIONS
}

EXERCISES = {
    "ex01": "ex01_two_meanings",
    "ex02": "ex02_core_concepts",
    "ex03": "ex03_algorithms",
    "ex03b": "ex03b_restoration",
    "ex04": "ex04_fixing_the_code",
    "ex05": "ex05_trends_and_challenges",
    "ex06": "ex06_faq_quiz",
}

# An honest estimate of the time a newcomer needs per exercise (reading, coding, debugging),
# shown by ``progress()``; measured against the number and difficulty of its questions.
MINUTES = {
    "ex01": 15,
    "ex02": 50,
    "ex03": 80,
    "ex03b": 110,
    "ex04": 85,
    "ex05": 100,
    "ex06": 15,
}


# An exercise id inside a longer name ("s1234_ex03b_restoration.ipynb", check("ex03b.wiener")):
# the longest id first, and no letter or digit right after it, so ex03b is never read as ex03.
_EXERCISE_ID = re.compile(
    "(" + "|".join(sorted(map(re.escape, EXERCISES), key=len, reverse=True)) + ")(?![A-Za-z0-9])"
)


def exercise_in(text: str) -> str | None:
    """The first exercise id in ``text`` (a file name), or None: ``ex03b`` in ``ex03b_restoration``."""
    m = _EXERCISE_ID.search(text)
    return m.group(1) if m else None


def solver_for(q: Question) -> Any:
    """A function that answers ``q`` as a learner should: its reference, except where the reference
    returns what the answer is judged by (kind "psnr": a PSNR curve) and names, as its ``solver``
    attribute, a rule that answers (e.g. the discrepancy principle)."""
    return getattr(q.reference, "solver", q.reference)


def questions_for(exercise: str) -> list[Question]:
    """The questions of one exercise (``"ex03"``), in notebook order."""
    return [q for q in QUESTIONS.values() if q.exercise == exercise]


def _call(fn: Any, case: Case, private: bool = False) -> Any:
    kwargs = {**case.kwargs, **getattr(case, "private", {})} if private else case.kwargs
    value = fn(*case.args, **kwargs)
    return value[case.select] if case.select is not None else value


def expected_for(q: Question, case: Case) -> Any:
    """The reference answer of one case (computed in the caller's process).

    When the case selects one item (a quiz), the reference returns every answer and this picks one.
    A case's ``private`` keyword arguments (e.g. the true image) go to the reference only.
    """
    return _call(q.reference, case, private=True)


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
