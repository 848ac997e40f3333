"""Tests of the shipped public-case data: fresh, equal to the references, enough for check() alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from deconv_course.grading import public
from deconv_course.grading.compare import merge_hints
from deconv_course.grading.questions import MINUTES, QUESTIONS, expected_for

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b, path="") -> None:
    """Equal structures; float arrays equal to 1e-12 (a BLAS may differ in the last bits)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), path
        for k in a:
            if k == "__npy__":
                x, y = public.decode({"__npy__": a[k]}), public.decode({"__npy__": b[k]})
                assert x.dtype == y.dtype and x.shape == y.shape, path
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=path)
            else:
                _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}/{i}")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-12, abs=1e-14), path
    else:
        assert a == b, path


def test_the_shipped_file_is_what_the_generator_writes_now():
    shipped = json.loads(public.PATH.read_text(encoding="utf-8"))
    _same(shipped, json.loads(public.dumps(public.build())))  # stale data: run build-public-cases
    assert public.dumps(shipped) == public.PATH.read_text(encoding="utf-8")  # deterministic text


def test_the_file_is_package_data():
    assert '"deconv_course.grading" = ["public_cases.json"]' in (ROOT / "pyproject.toml").read_text()


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_expected_values_equal_the_references(qid):
    q, pq = QUESTIONS[qid], public.load(qid)
    assert (pq.name, pq.title, pq.points, pq.kind, pq.hints) == (q.name, q.title, q.points, q.kind, q.hints)
    cases = q.public()
    assert [c.label for c in pq.cases] == [c.label or f"case {i + 1}" for i, c in enumerate(cases)]
    for case, pc in zip(cases, pq.cases):
        ref = expected_for(q, case)
        if q.answers:
            assert pc.expected is None and pc.answer_sha256 == public.answer_hash(qid, case.select, ref)
        elif isinstance(ref, (str, bool, int)):
            assert pc.expected == ref and type(pc.expected) is type(ref)
        else:
            np.testing.assert_allclose(pc.expected, ref, rtol=1e-12, atol=1e-14)
            assert np.asarray(pc.expected).dtype == np.asarray(ref).dtype


def test_mistakes_are_stored_only_where_they_differ_from_the_answer():
    n = 0
    for qid, _q in QUESTIONS.items():
        for pc in public.load(qid).cases:
            for _, by, value in pc.predictions:
                n += 1
                if by == "shape":
                    assert tuple(value) != np.shape(pc.expected)
                elif isinstance(value, str):
                    assert value != pc.expected, qid
                else:
                    same = np.shape(value) == np.shape(pc.expected) and np.allclose(value, pc.expected)
                    assert not same, qid
    assert n > 100


def test_the_quiz_key_is_not_readable():
    text = public.PATH.read_text(encoding="utf-8")
    quiz = json.loads(text)["questions"]["ex06.quiz"]
    for case in quiz["cases"]:
        assert "expected" not in case and len(case["answer_sha256"]) == 64
    from deconv_course.grading.questions.ex06 import ANSWERS

    for item, answer in ANSWERS.items():
        for q in ('"', "'"):
            assert f"{q}{item}{q}: {q}{answer}{q}" not in text


def test_exercises_carry_a_time_estimate():
    assert {ex: meta["minutes"] for ex, meta in public.exercises().items()} == MINUTES
    assert all(5 <= m <= 240 for m in MINUTES.values())


def test_merge_hints_drops_the_contradicted_and_the_subsumed():
    # the newcomer's case: rows flipped only; kernels 1 and 3 are symmetric top to bottom
    evidence = {"not flipped": {0: True, 1: False, 2: True}, "BOTH axes": {0: True, 1: True, 2: True}}
    assert merge_hints(evidence) == [("BOTH axes", [0, 1, 2])]
    # a mistake that explains a subset of another, never contradicted, is dropped
    assert merge_hints({"no op": {1: True}, "off by one": {0: True, 1: True}}) == [("off by one", [0, 1])]
    # two independent mistakes on different cases are both shown
    assert merge_hints({"a": {0: True}, "b": {1: True}}) == [("a", [0]), ("b", [1])]
    assert merge_hints({"a": {0: False}}) == []


SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    os.environ["DECONV_COURSE_HOME"] = sys.argv[1]
    from deconv_course.grading.questions import QUESTIONS, solver_for  # taken before the key goes
    fns = {qid: (solver_for(q), [(v.name, v.fn, v.hint) for v in q.variants if v.by == "value"])
           for qid, q in QUESTIONS.items()}
    for name in [m for m in sys.modules if m.startswith("deconv_course.grading.questions")]:
        del sys.modules[name]
    sys.modules["deconv_course.grading.questions"] = None  # any import of the key now fails
    from deconv_course.grading import check, public
    out = {}
    for qid, (ref, variants) in fns.items():
        r = check(qid, ref)
        rows = [("reference", r.passed, r.status, [h for h, _ in r.hints], "")]
        explained = {v: set() for v in range(len(public.load(qid).mistakes))}
        for c in public.load(qid).cases:
            for m, _, _ in c.predictions:
                explained[m].add(1)
        mistakes = public.load(qid).mistakes
        for name, fn, hint in variants:
            r = check(qid, fn)
            shown = [h for h, _ in r.hints] + [c.hint for c in r.cases if c.hint]
            stored = hint in mistakes
            rows.append((name, r.passed, r.status, shown, hint if stored else ""))
        out[qid] = rows
    assert "deconv_course.grading.questions" not in {k for k, v in sys.modules.items() if v is not None}
    print(json.dumps(out))
    """
)


def test_check_works_with_the_answer_key_unimportable(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(out) == set(QUESTIONS)
    for qid, rows in out.items():
        name, passed, status, shown, _ = rows[0]
        assert passed and status == "passed" and shown == [], (qid, rows[0])
        for name, passed, status, shown, hint in rows[1:]:
            if hint:  # the mistake differs from the answer on some public case: it is caught
                assert not passed and hint in shown, (qid, name, status, shown)
