"""Judging one answer: compare it with the reference, pick a hint, score a question. No I/O.

A result from a student's function arrives as plain data ``{"type": ..., "value": ...}`` (see
``kernel_side/harness.py``'s ``plain``); the same code judges it in ``check`` and in the batch.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .model import Case, CaseResult, Question, Variant


def _norm_choice(s: str) -> str:
    return " ".join(s.strip().lower().replace("-", " ").split())


def _as_array(got: dict) -> np.ndarray | None:
    if got["type"] == "array":
        return got["value"]
    if got["type"] in ("int", "float", "bool"):
        return np.asarray(got["value"])
    return None


def _describe(got: dict) -> str:
    if got["type"] == "array":
        return f"an array of shape {tuple(got['value'].shape)}"
    return f"a {got['type']} ({str(got['value'])[:40]!r})" if got["type"] != "none" else "None"


def _compare_scalar(q: Question, got: dict, expected: Any) -> tuple[bool, str]:
    """choice, bool and int answers."""
    if q.kind == "choice":
        if got["type"] != "str":
            return False, f"return a string, not {_describe(got)}"
        ok = _norm_choice(got["value"]) == _norm_choice(expected)
        return ok, "" if ok else f"answered {got['value'][:60]!r}"
    what = "True or False" if q.kind == "bool" else "an int"
    if got["type"] != q.kind:
        return False, f"return {what}, not {_describe(got)}"
    ok = got["value"] == expected
    return ok, "" if ok else f"returned {got['value']}, expected {expected}"


def _compare_psnr(got: dict, expected: Any) -> tuple[bool, str]:
    """kind "psnr": the answer is a weight lam, judged by the PSNR its restoration reaches.

    ``expected`` (computed by the grader, which alone knows the true image) has three rows:
    log10(lam) on a grid, the PSNR in dB of the restoration with each lam, and (constant) how many
    dB below the best one an answer may be; the answer's PSNR is interpolated on the grid.
    """
    arr = _as_array(got)
    if arr is None or arr.size != 1 or arr.dtype.kind not in "iuf":
        return False, f"return one number (the weight), not {_describe(got)}"
    lam = float(arr.reshape(()))
    if not np.isfinite(lam) or lam <= 0:
        return False, f"returned {lam!r}: the weight must be a finite number > 0"
    grid, curve, tolerance = np.asarray(expected, dtype=float)
    reached, best = float(np.interp(np.log10(lam), grid, curve)), float(curve.max())
    if reached >= best - tolerance[0]:
        return True, ""
    at = 10 ** grid[int(np.argmax(curve))]
    return False, (
        f"PSNR too low: your weight {lam:.3g} restores to {reached:.2f} dB, {best - reached:.2f} dB below "
        f"the best weight ({at:.3g}: {best:.2f} dB); {tolerance[0]:g} dB are allowed here"
    )


def compare(q: Question, got: dict, expected: Any, case: Case | None = None) -> tuple[bool, str]:
    """Compare a plain result ``got`` ({"type", "value"}) with ``expected``. Returns (ok, message)."""
    if case is not None and case.select is not None:
        if got["type"] != "dict":
            return False, f"{q.name}() must return a dict like {{'q1': 'a', ...}}, not {_describe(got)}"
        if case.select not in got["value"]:
            return False, f"no answer for {case.select}"
        value = got["value"][case.select]
        got = {"type": "str" if isinstance(value, str) else type(value).__name__, "value": value}
    if q.kind in ("choice", "bool", "int"):
        return _compare_scalar(q, got, expected)
    if q.kind == "psnr":
        return _compare_psnr(got, expected)
    arr = _as_array(got)
    if arr is None:
        return False, f"return an array, not {_describe(got)}"
    exp = np.asarray(expected)
    if arr.shape != exp.shape:
        return False, f"wrong shape: got {tuple(arr.shape)}, expected {tuple(exp.shape)}"
    if q.kind == "float" and arr.dtype.kind != "f":
        what = "complex" if arr.dtype.kind == "c" else arr.dtype.name
        return False, f"wrong dtype: got {what}, expected a floating-point array (float64)"
    if q.kind == "complex" and arr.dtype.kind not in "fc":
        return False, f"wrong dtype: got {arr.dtype.name}, expected a complex array"
    if q.kind == "numeric" and arr.dtype.kind not in "iuf":
        return False, f"wrong dtype: got {arr.dtype.name}, expected numbers"
    if not np.all(np.isfinite(arr)):
        return False, "output contains NaN or inf"
    if np.allclose(arr, exp, rtol=q.rtol, atol=q.atol):
        return True, ""
    err = np.abs(arr.astype(complex if arr.dtype.kind == "c" or exp.dtype.kind == "c" else float) - exp)
    where = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    return (
        False,
        f"wrong values: largest error {float(err.max()):.3g} at index {tuple(int(i) for i in where)}",
    )


INT_TRUNCATION = Variant(
    "integer truncation",
    None,  # computed from the reference: see mistakes()
    "your values are the right ones truncated to whole numbers: an int buffer (np.zeros_like of "
    "an int input, or dtype=int) drops the fractions; allocate the output with dtype=float",
)


def mistakes(q: Question) -> list[Variant]:
    """The known mistakes of ``q``: its own variants, and on float questions integer truncation.

    Integer truncation (values equal to ``np.trunc`` of the right answer) is generic; it is left
    out where the question has its own variant for it (``"integer buffer"``).
    """
    out = list(q.variants)
    if q.kind == "float" and not any(v.name == "integer buffer" for v in out):
        ref = q.reference
        out.append(replace(INT_TRUNCATION, fn=lambda *a, **k: np.trunc(np.asarray(ref(*a, **k), float))))
    return out


def _matches(q: Question, got: dict, variant_value: Any, by: str = "value") -> bool:
    """Does the answer equal a known wrong variant (dtype ignored, so int buffers match too)?

    ``by="shape"``: ``variant_value`` is the shape the mistake gives; any array of it matches.
    """
    if variant_value is None:
        return False
    if by == "shape":
        arr = _as_array(got)
        return arr is not None and tuple(arr.shape) == tuple(variant_value)
    if q.kind == "choice":
        return got["type"] == "str" and _norm_choice(got["value"]) == _norm_choice(str(variant_value))
    if q.kind in ("bool", "int"):
        return got["type"] == q.kind and got["value"] == variant_value
    arr = _as_array(got)
    vv = np.asarray(variant_value)
    if arr is None or arr.shape != vv.shape or arr.dtype.kind not in "biufc":
        return False
    return bool(
        np.all(np.isfinite(arr)) and np.allclose(arr, vv, rtol=max(q.rtol, 1e-7), atol=max(q.atol, 1e-9))
    )


def _same(a: Any, b: Any) -> bool:
    try:
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b))
    except Exception:
        return a == b


def distinguishable(v: Variant, vv: Any, expected: Any) -> bool:
    """Is the mistake's output ``vv`` different from the right answer on this case?"""
    if v.by == "shape":
        return tuple(vv) != tuple(np.shape(expected))
    return not _same(vv, expected)


def hint_for(q: Question, case: Case, got: dict, expected: Any) -> str:
    """The hint for a failed case: the case's own, else the first known mistake the answer matches."""
    if case.hint:
        return case.hint
    from .questions import variant_output  # the answer key: grader side only

    for v in mistakes(q):
        try:
            vv = variant_output(q, v, case)
        except Exception:
            continue
        if not distinguishable(v, vv, expected):
            continue  # this variant is indistinguishable from the answer here
        if _matches(q, got, vv, v.by):
            return v.hint
    return ""


def merge_hints(evidence: dict[str, dict[int, bool]]) -> list[tuple[str, list[int]]]:
    """The hints to show for one question, each once, with the cases it explains.

    ``evidence`` maps a hint to {case index: does the answer match the mistake there}, for the
    cases where the mistake differs from the right answer and the answer came back (a crash says
    nothing). A mistake the answer contradicts on some case (it matched the mistake on none of
    its predictions there) is not shown while an uncontradicted one explains something, and a
    mistake that explains only a subset of what another explains is dropped: flipping only the
    rows looks like "not flipped" on kernels that are symmetric top to bottom, but only "flip in
    BOTH axes" explains every case. Returns [(hint, case indices)] in the order of ``evidence``.
    """
    explained = {h: {i for i, m in ev.items() if m} for h, ev in evidence.items()}
    clean = [h for h, ev in evidence.items() if explained[h] and all(ev.values())]
    if clean:
        chosen = [h for h in clean if not any(explained[h] < explained[o] for o in clean if o != h)]
    else:
        best = max((len(e) for e in explained.values()), default=0)
        chosen = [next(h for h, e in explained.items() if len(e) == best)] if best else []
    return [(h, sorted(explained[h])) for h in chosen]


def judge_case(q: Question, case: Case, raw: dict, expected: Any) -> CaseResult:
    """Turn one raw call result into a case result: status, passed, message, hint."""
    status = raw["status"]
    if status == "ok":
        got = {"type": raw["type"], "value": raw["value"]}
        try:
            ok, message = compare(q, got, expected, case)
        except Exception as exc:  # a malformed value must never break the grader
            ok, message = False, f"could not compare the answer ({type(exc).__name__})"
        hint = "" if ok else hint_for(q, case, got, expected)
        return CaseResult("passed" if ok else "failed", ok, message, hint)
    messages = {
        "not attempted": "not attempted (still raises NotImplementedError)",
        "missing": f"no function named {q.name!r} is defined",
        "not callable": f"{q.name!r} is not a function",
    }
    message = raw.get("message") or messages.get(status, status)
    if status == "error":
        message = "raised " + message
    return CaseResult(status, False, message, "")


def score_question(q: Question, case_results: list[CaseResult]) -> tuple[float, str]:
    """Points (``q.points`` times the fraction passed) and the question's status."""
    n = len(case_results)
    passed = sum(c.passed for c in case_results)
    statuses = {c.status for c in case_results}
    score = round(q.points * passed / n, 2) if n else 0.0
    if passed == n:
        return score, "passed"
    if passed:
        return score, "partial"
    for s in ("missing", "not callable", "not attempted"):
        if statuses == {s}:
            return 0.0, s
    if (
        "not attempted" in statuses
        and statuses <= {"not attempted", "error", "timeout", "failed"}
        and all(c.status == "not attempted" for c in case_results[:1])
    ):
        return 0.0, "not attempted"
    return 0.0, "failed"
