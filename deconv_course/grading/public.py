"""The public cases as shipped data: everything ``check()`` needs, without the answer key.

``check()`` must teach where ``deconv_course.grading.questions`` (the references, the hidden-case
generators and the quiz answers) is absent: in the student edition and in the grader's jail. A
maintainer step (``deconv-course build-public-cases``, also run by ``build-exercises``) writes
``public_cases.json`` next to this module from the questions: per question its name, title,
points, kind and tolerances, its hints on demand, and per *public* case the arguments (arrays
as base64 ``.npy``, lossless), the label, the expected value and, for each known mistake that
is distinguishable from the answer *on that case*, what the mistake returns there (or, for a
mistake known only by its shape, that shape). So a hint can only ever be given where the
mistake explains the case.

A quiz's answers are not stored: per item only a salted SHA-256 of the normalised right answer,
which ``check()`` compares with the hash of the learner's answer. That keeps the key from being
*read* off the file; with one-letter answers it cannot keep a determined learner from trying
every letter, which ``check()`` lets them do anyway.

``tests/test_grading_public.py`` proves the shipped file is what the generator writes now, that
its expected values equal the references, and that ``check()`` works with the answer key made
unimportable.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .kernel_side.harness import decode as harness_decode
from .model import MatrixOp

PATH = Path(__file__).with_name("public_cases.json")
FORMAT = 1


def _norm_choice(s: str) -> str:
    return " ".join(s.strip().lower().replace("-", " ").split())


def answer_hash(question_id: str, item: str, answer: str) -> str:
    """The salted hash of one quiz answer, normalised as ``compare`` normalises choices."""
    salt = f"deconv-course/{question_id}/{item}"
    return hashlib.sha256(f"{salt}\0{_norm_choice(answer)}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# reading (student side: no answer key)
# ---------------------------------------------------------------------------------------------
@dataclass
class PublicCase:
    """One public case as ``check()`` runs it; ``expected`` is None for a quiz item."""

    args: tuple
    kwargs: dict
    label: str
    select: str | None
    hint: str
    expected: Any
    answer_sha256: str | None
    predictions: list[tuple[int, str, Any]]  # (mistake index, "value" | "shape", what it gives)


@dataclass
class PublicQuestion:
    """A question as ``check()`` sees it: what ``compare`` needs, and no reference."""

    id: str
    name: str
    title: str
    points: int
    kind: str
    rtol: float
    atol: float
    hints: tuple[str, ...]
    mistakes: list[str]
    cases: list[PublicCase] = field(repr=False)

    @property
    def exercise(self) -> str:
        return self.id.split(".")[0]


def decode(obj: Any) -> Any:
    """Tagged JSON back to values: arrays, tuples, and operators as :class:`~.model.MatrixOp`."""
    return harness_decode(obj, make_operator=MatrixOp)


def _decode_value(obj: Any) -> Any:
    value = decode(obj)
    return tuple(value) if isinstance(value, list) else value


def _question(qid: str, d: dict) -> PublicQuestion:
    cases = []
    for c in d["cases"]:
        preds = [
            (p["mistake"], "shape" if "shape" in p else "value", tuple(p["shape"]) if "shape" in p else _decode_value(p["value"]))
            for p in c.get("mistakes", [])
        ]  # fmt: skip
        cases.append(
            PublicCase(
                tuple(decode(c["args"])),
                dict(decode(c["kwargs"])),
                c["label"],
                c.get("select"),
                c.get("hint", ""),
                _decode_value(c["expected"]) if "expected" in c else None,
                c.get("answer_sha256"),
                preds,
            )
        )
    return PublicQuestion(
        qid, d["name"], d["title"], d["points"], d["kind"], d["rtol"], d["atol"],
        tuple(d["hints"]), list(d["mistakes"]), cases,
    )  # fmt: skip


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with open(PATH, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != FORMAT:
        raise RuntimeError(f"{PATH} has format {data.get('format')!r}, expected {FORMAT}")
    return data


def exercises() -> dict[str, dict]:
    """Exercise id -> {"notebook": stem, "minutes": estimate}, in course order."""
    return dict(_data()["exercises"])


def question_ids() -> list[str]:
    """Every graded question's id, in course order."""
    return list(_data()["questions"])


def summary(question_id: str) -> dict:
    """name, title, points, kind, hints of one question (no cases)."""
    d = _data()["questions"][question_id]
    return {k: d[k] for k in ("name", "title", "points", "kind", "hints")}


def load(question_id: str) -> PublicQuestion:
    """One question with its public cases decoded (fresh copies: a learner may mutate them)."""
    questions = _data()["questions"]
    if question_id not in questions:
        raise ValueError(
            f"question_id={question_id!r} is not a known question; known ids: {', '.join(questions)}"
        )
    return _question(question_id, questions[question_id])


# ---------------------------------------------------------------------------------------------
# writing (maintainer side: needs the answer key)
# ---------------------------------------------------------------------------------------------
def _encode_value(value: Any) -> Any:
    from .exchange import encode_inputs

    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    return encode_inputs(np.asarray(value))


def build() -> dict:
    """The public-case data, computed from the questions (the answer key must be importable)."""
    from .compare import distinguishable, mistakes
    from .exchange import encode_inputs
    from .questions import EXERCISES, MINUTES, QUESTIONS, expected_for, variant_output

    out: dict[str, Any] = {
        "format": FORMAT,
        "generated_by": "deconv-course build-public-cases (deconv_course/grading/public.py)",
        "exercises": {ex: {"notebook": nb, "minutes": MINUTES[ex]} for ex, nb in EXERCISES.items()},
        "questions": {},
    }
    for qid, q in QUESTIONS.items():
        known = mistakes(q)
        hints = list(dict.fromkeys(v.hint for v in known))  # one entry per distinct hint
        cases = []
        for i, case in enumerate(q.public()):
            entry: dict[str, Any] = {
                "label": case.label or f"case {i + 1}",
                "args": encode_inputs(list(case.args)),
                "kwargs": encode_inputs(dict(case.kwargs)),
            }
            if case.select is not None:
                entry["select"] = case.select
            if case.hint:
                entry["hint"] = case.hint
            expected = expected_for(q, case)
            if q.answers:  # a quiz: the key is stored only as a salted hash
                entry["answer_sha256"] = answer_hash(qid, case.select, str(expected))
            else:
                entry["expected"] = _encode_value(expected)
            preds = []
            for v in known:
                try:
                    vv = variant_output(q, v, case)
                except Exception:
                    continue  # the mistake is undefined here (e.g. a layout that cannot apply)
                if not distinguishable(v, vv, expected):
                    continue
                pred: dict[str, Any] = {"mistake": hints.index(v.hint), "variant": v.name}
                if v.by == "shape":
                    pred["shape"] = [int(s) for s in vv]
                else:
                    pred["value"] = _encode_value(vv)
                preds.append(pred)
            if preds:
                entry["mistakes"] = preds
            cases.append(entry)
        out["questions"][qid] = {
            "name": q.name,
            "title": q.title,
            "points": q.points,
            "kind": q.kind,
            "rtol": q.rtol,
            "atol": q.atol,
            "hints": list(q.hints),
            "mistakes": hints,
            "cases": cases,
        }
    return out


def dumps(data: dict) -> str:
    """The file's text: deterministic (insertion order, one key per line for readable diffs)."""
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def write(path: str | Path = PATH) -> Path:
    """Write the public-case data to ``path`` (default: next to this module); return the path."""
    path = Path(path)
    path.write_text(dumps(build()), encoding="utf-8")
    _data.cache_clear()
    return path
