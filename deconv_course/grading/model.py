"""The grader's data model: questions, cases, known mistakes, and the reports built from them.

A :class:`Question` says which function the exercise notebook defines, how many points it is
worth, the *public* cases that ``check`` runs in the notebook and a generator of *hidden* cases
that the batch grader draws at grade time. A :class:`Variant` is a known misconception; when a
student's output matches one, the report shows its hint. Reports are dataclasses whose
``to_dict()`` gives the JSON form the grader writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GRADER_VERSION = "1"
STATUS_GRADED = "graded"
STATUS_ERRORS = "graded with errors"
STATUS_NOT_ATTEMPTED = "not attempted"
STATUS_TIMEOUT = "timeout"
STATUS_INVALID = "invalid"
STATUS_GRADER_ERROR = "grader error"


class MatrixOp:
    """A linear map given by a dense matrix, applied to arrays of ``in_shape``.

    Used to hand operators (not just arrays) to a student's adjoint test. In the batch grader
    only the matrix and the shapes travel to the kernel; the kernel rebuilds the callable.
    """

    def __init__(self, matrix: Any, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> None:
        self.matrix = np.asarray(matrix, dtype=np.float64)
        self.in_shape = tuple(int(s) for s in in_shape)
        self.out_shape = tuple(int(s) for s in out_shape)

    def __call__(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return (self.matrix @ x.reshape(-1)).reshape(self.out_shape)

    def __repr__(self) -> str:
        return f"MatrixOp({self.in_shape} -> {self.out_shape})"


@dataclass
class Case:
    """One call ``fn(*args, **kwargs)``.

    ``select`` picks one key of a returned dict (a quiz item); ``hint`` is shown whenever this
    case fails (a quiz item's explanation), before any variant is tried.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    select: str | None = None
    hint: str = ""


@dataclass(frozen=True)
class Variant:
    """A known wrong answer: ``fn`` has the reference's signature; ``hint`` explains it.

    ``by="value"``: ``fn`` returns the wrong answer itself. ``by="shape"``: ``fn`` returns only
    the shape the mistake produces (where its values are not defined, e.g. a weight read in the
    wrong layout when the channel counts differ); an array of that shape matches.
    """

    name: str
    fn: Callable
    hint: str
    by: str = "value"  # value | shape


@dataclass(frozen=True)
class Question:
    """One graded function of an exercise notebook.

    ``reference`` computes the right answer from a case's arguments; for a quiz it returns the
    whole answer key (``answers``) and each case selects one item of it.
    """

    id: str
    name: str
    title: str
    points: int
    reference: Callable
    public: Callable[[], list]
    hidden: Callable[[np.random.Generator], list]
    kind: str = "float"  # float | complex | numeric | int | bool | str | choice
    variants: tuple = ()
    rtol: float = 1e-7
    atol: float = 1e-9
    answers: Mapping[str, str] = field(default_factory=dict)  # a quiz's answer key: item -> answer
    hints: tuple[str, ...] = ()  # hints on demand (``hint(id)``): a nudge first, then more

    @property
    def exercise(self) -> str:
        return self.id.split(".")[0]


# ---------------------------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------------------------
@dataclass
class CaseResult:
    """The verdict on one case: ``status`` is passed | failed | error | timeout | not attempted | ..."""

    status: str
    passed: bool
    message: str = ""
    hint: str = ""
    case: str = ""

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "passed": self.passed,
            "message": self.message,
            "hint": self.hint,
            "case": self.case,
        }


@dataclass
class QuestionReport:
    """The verdict on one question; ``hints`` is None for the in-notebook check (not reported)."""

    id: str
    name: str
    title: str
    points: int
    score: float
    status: str
    cases: list[CaseResult]
    hints: list[str] | None = None

    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "points": self.points,
            "score": self.score,
            "status": self.status,
        }
        if self.hints is not None:
            out["hints"] = list(self.hints)
        out["cases"] = [c.to_dict() for c in self.cases]
        return out


@dataclass
class SubmissionReport:
    """The verdict on one notebook: the JSON report of :func:`deconv_course.grading.grade`."""

    submission: str
    path: str
    exercise: str | None = None
    status: str = ""
    score: float = 0.0
    max_score: float = 0.0
    reason: str = ""
    mode: str | None = None  # "public" | "hidden"; None on a grader error
    grader_version: str = GRADER_VERSION
    cells: list[dict] = field(default_factory=list)
    questions: list[QuestionReport] = field(default_factory=list)
    seconds: float | None = None
    traceback: str | None = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "submission": self.submission,
            "path": self.path,
            "exercise": self.exercise,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "reason": self.reason,
        }
        if self.mode is not None:
            out["mode"] = self.mode
        out["grader_version"] = self.grader_version
        out["cells"] = list(self.cells)
        out["questions"] = [q.to_dict() for q in self.questions]
        for key in ("seconds", "traceback"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def grader_error(path: str, name: str, reason: str, traceback: str | None = None) -> dict:
    """The report of a submission on which the grader itself failed."""
    return SubmissionReport(
        name, path, status=STATUS_GRADER_ERROR, reason=reason[:500], traceback=traceback
    ).to_dict()
