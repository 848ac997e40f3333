"""In-notebook feedback: ``check`` runs a question's public cases at once and prints a short report.

Taught in notebooks/00_start_here.ipynb ("How the exercises work"). An untouched stub (``raise
NotImplementedError``) reports "not attempted", never a traceback; a failed case gets a hint when
the output matches a known mistake. Also the text of a whole submission's report (``validate``).
"""

from __future__ import annotations

import copy
import inspect
import os
from collections.abc import Callable

from .compare import judge_case, score_question
from .kernel_side.harness import plain
from .model import Case, QuestionReport


def _caller_namespace(depth: int = 2) -> dict:
    frame = inspect.currentframe()
    try:
        for _ in range(depth):
            frame = frame.f_back
        return frame.f_globals
    finally:
        del frame


def _call_here(fn: Callable, case: Case) -> dict:
    try:
        value = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    except NotImplementedError:
        return {"status": "not attempted"}
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {str(exc)[:300]}"}
    try:
        p = plain(value)
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "type": p["type"], "value": p["value"]}


def run_public(question_id: str, fn: Callable | None = None, namespace: dict | None = None) -> dict:
    """Run the public cases of one question in this process; return the question report (no printing)."""
    from .questions import QUESTIONS, expected_for

    if question_id not in QUESTIONS:
        known = ", ".join(QUESTIONS)
        raise ValueError(f"question_id={question_id!r} is not a known question; known ids: {known}")
    q = QUESTIONS[question_id]
    if fn is None:
        fn = (namespace or {}).get(q.name)
    cases = q.public()
    results = []
    for i, case in enumerate(cases):
        if fn is None:
            raw = {"status": "missing"}
        elif not callable(fn):
            raw = {"status": "not callable"}
        else:
            raw = _call_here(fn, case)
        expected = expected_for(q, case) if raw["status"] == "ok" else None  # only answers are compared
        res = judge_case(q, case, raw, expected)
        res.case = case.label or f"case {i + 1}"
        results.append(res)
    score, status = score_question(q, results)
    return QuestionReport(q.id, q.name, q.title, q.points, score, status, results).to_dict()


def format_report(rep: dict, public: bool = True) -> str:
    """The short, friendly text that ``check`` prints for one question report."""
    qid, n = rep["id"], len(rep["cases"])
    passed = sum(c["passed"] for c in rep["cases"])
    if rep["status"] == "passed":
        extra = " (the grader also runs hidden cases)" if public else ""
        return f"{qid}: all {n} {'public ' if public else ''}cases passed \u2714{extra}"
    if rep["status"] == "not attempted":
        return (
            f"{qid}: not attempted yet. Replace the `raise NotImplementedError` in "
            f"`{rep['name']}` with your code, run that cell, then run this check again."
        )
    if rep["status"] in ("missing", "not callable"):
        return f"{qid}: no function `{rep['name']}` is defined yet; run the cell that defines it."
    lines = [f"{qid} \u00b7 {rep['title']} ({rep['points']} points)"]
    for c in rep["cases"]:
        mark = "\u2714" if c["passed"] else "\u2718"
        lines.append(f"  {mark} {c['case']}" + ("" if c["passed"] else f": {c['message']}"))
        if c.get("hint"):
            lines.append(f"      hint: {c['hint']}")
    lines.append(f"  {passed} of {n} {'public ' if public else ''}cases passed.")
    return "\n".join(lines)


def check(question_id: str, fn: Callable | None = None) -> None:
    """Run the public cases of ``question_id`` on ``fn`` and print a short report.

    ``fn`` defaults to the function of the question's name in the caller's (the notebook's)
    globals. Prints "not attempted" for an untouched stub. Inside the batch grader (environment
    variable ``DECONV_COURSE_GRADER=1``) it does nothing: the grader runs its own cases.
    Taught in notebooks/00_start_here.ipynb.
    """
    if os.environ.get("DECONV_COURSE_GRADER") == "1":
        return None
    ns = _caller_namespace() if fn is None else None
    rep = run_public(question_id, fn, ns)
    print(format_report(rep))
    return None


def format_submission(rep: dict) -> str:
    """The text that ``validate`` prints for one submission report (the JSON form)."""
    lines = [
        f"{rep['submission']}: {rep['status']}, {rep['score']:g} / {rep['max_score']:g} points"
        + (f" ({rep['mode']} cases)" if rep.get("mode") else "")
    ]
    if rep.get("reason"):
        lines.append(f"  reason: {rep['reason']}")
    for q in rep.get("questions", []):
        lines.append(f"  {q['id']:<26} {q['score']:>5g} / {q['points']:<3g} {q['status']}")
        for c in q["cases"]:
            if not c["passed"] and q["status"] not in ("not attempted", "missing"):
                lines.append(f"      {c['case']}: {c['message']}")
        for h in q.get("hints", []):
            lines.append(f"      hint: {h}")
    return "\n".join(lines)
