"""Grade one notebook: run its cells in a fresh kernel, then call each graded function on its cases.

Each notebook runs in a fresh kernel (:mod:`.kernel`) with a per-cell and a per-notebook
wall-clock limit, a per-call limit and an output cap. A cell that hangs, floods its output or
kills the kernel is skipped from then on: the kernel is restarted and the other cells re-run (at
most ``max_restarts`` times); ``exit()`` and ``quit()`` are made no-ops. Then, for each question,
the harness (sent afresh each time, its inputs inside the cell) calls the student's function on
its cases inside the kernel. Only plain data comes back, as one bounded message
(:mod:`.exchange`); expected values are computed here, in the grader's process, so nothing the
kernel does can judge itself. Before anything runs, the static method check (:mod:`.methods`)
reads the notebook's code: a graded function that reaches a forbidden module (or hides what it
reaches) scores 0 on that question, with a reason that names the call.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .compare import judge_case, score_question
from .exchange import decode_results, harness_cell
from .kernel import FATAL, Kernel, Limits, Sandbox
from .methods import POLICY, Finding, Policy, check_notebook
from .model import (
    STATUS_ERRORS,
    STATUS_GRADED,
    STATUS_INVALID,
    STATUS_NOT_ATTEMPTED,
    STATUS_TIMEOUT,
    Case,
    CaseResult,
    Question,
    QuestionReport,
    SubmissionReport,
)
from .questions import EXERCISES, exercise_in, expected_for, hidden_cases, questions_for

_PRE_CELL = "try:\n    get_ipython().ask_exit = lambda *args, **kwargs: None\nexcept Exception:\n    pass\n"
_WHAT = {
    "timeout": "timed out",
    "died": "the kernel died",
    "output": "printed too much",
    "error": "the harness failed",
}


def read_notebook(path: Path) -> Any:
    """The notebook at ``path`` (nbformat 4); ValueError with the reason when it is not one."""
    import nbformat

    if not path.is_file():
        raise ValueError("file not found")
    if path.stat().st_size > 50 * 2**20:
        raise ValueError("file larger than 50 MB")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise ValueError(f"not a Jupyter notebook ({type(exc).__name__})") from None
    if not isinstance(nb.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no cells)")
    return nb


def detect_exercise(nb: Any, path: Path) -> str | None:
    """Which exercise a notebook is: metadata first, then its check() calls, then the file name."""
    meta = nb.get("metadata", {}).get("deconv_course", {})
    if isinstance(meta, dict) and meta.get("exercise") in EXERCISES:
        return meta["exercise"]
    found = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            found += re.findall(r"check\(\s*['\"](ex0\d[a-z]?)\.", cell.get("source", ""))
    found = [f for f in found if f in EXERCISES]
    if found:
        return max(set(found), key=found.count)
    return exercise_in(path.name)


# =============================================================================================
# running the cells and the questions, with one restart policy
# =============================================================================================
@dataclass
class _Run:
    """What one submission's run has done so far, across kernel restarts."""

    cells: list[str]
    plans: dict[str, list[Case]]
    pending: list[Question]
    tmp: Path
    limits: Limits
    deadline: float
    sandbox: Sandbox = field(default_factory=Sandbox)
    skip: set[int] = field(default_factory=set)
    cell_log: dict[int, dict] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    restarts: int = 0
    timed_out: bool = False

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def give_up(self, reason: str) -> None:
        for q in self.pending:
            self.raw[q.id] = reason
        self.pending = []


def _run_cells(kernel: Kernel, run: _Run) -> bool:
    """Run every cell not skipped; False when one ended the kernel (that cell is skipped from now on)."""
    # exit() / quit() in a notebook would end the kernel after the cell: make them no-ops
    kernel.execute(_PRE_CELL, min(run.limits.cell_timeout, max(run.remaining(), 0.1)))
    for i, src in enumerate(run.cells):
        if i in run.skip:
            continue
        if run.remaining() <= 0:
            run.timed_out = True
            return True
        res = kernel.execute(src, min(run.limits.cell_timeout, run.remaining()))
        if res.status == "timeout" and run.remaining() <= 0.05:
            run.timed_out = True
        if i not in run.cell_log or res.status != "ok":
            run.cell_log[i] = {
                "index": i,
                "status": res.status,
                "message": res.message,
                "seconds": round(res.seconds, 2),
            }
        if res.status in FATAL or not kernel.alive():
            if res.status not in FATAL:  # exit() / quit() end the kernel after the cell
                run.cell_log[i] = {
                    "index": i,
                    "status": "died",
                    "seconds": round(res.seconds, 2),
                    "message": "the kernel exited during this cell",
                }
            run.skip.add(i)
            return False
    return True


def _ask(kernel: Kernel, q: Question, run: _Run) -> bool:
    """One harness call for ``q`` (its inputs inside the cell); False when it ended the kernel."""
    cases = run.plans[q.id]
    budget = min(run.limits.call_timeout * len(cases) + run.limits.cell_timeout, run.remaining())
    res = kernel.execute(harness_cell(q.name, cases, run.limits.call_timeout), budget)
    if res.status == "ok":
        try:
            if not res.results:
                raise ValueError("the harness sent no results")
            run.raw[q.id] = decode_results(res.results[-1], len(cases))
        except Exception as exc:
            run.raw[q.id] = f"no usable results ({exc})"
    else:
        run.raw[q.id] = f"{_WHAT.get(res.status, res.status)} while calling {q.name}: {res.message}"[:300]
        if res.status == "timeout" and run.remaining() <= 0.05:
            run.timed_out = True
    return res.status not in FATAL and kernel.alive()


def _run_questions(kernel: Kernel, run: _Run) -> bool:
    """One harness call per pending question; False when one ended the kernel."""
    while run.pending:
        if run.remaining() <= 0:
            run.timed_out = True
            return True
        q = run.pending.pop(0)
        if not _ask(kernel, q, run):
            return False
    return True


def _start_kernel(work: Path, limits: Limits, sandbox: Sandbox) -> Kernel:
    try:
        return Kernel(work, limits, sandbox)
    except Exception:  # e.g. a port taken between choosing it and binding it: try once more
        return Kernel(work, limits, sandbox)


def _execute(run: _Run) -> None:
    """Cells, then questions, in fresh kernels; after a kernel ends, restart (the one restart policy)."""
    work = run.tmp / "work"
    work.mkdir()
    while run.pending and not run.timed_out:
        if run.remaining() <= 0:
            run.timed_out = True
            break
        try:
            kernel = _start_kernel(work, run.limits, run.sandbox)
        except Exception as exc:
            run.give_up(f"the kernel could not start ({type(exc).__name__})")
            break
        try:
            survived = _run_cells(kernel, run)
            if survived and not run.timed_out:
                survived = _run_questions(kernel, run)
        finally:
            kernel.kill()
        if not survived and not run.timed_out:
            run.restarts += 1
            if run.restarts > run.limits.max_restarts:
                run.give_up("not graded: too many kernel restarts")
    for q in run.pending:
        run.raw.setdefault(q.id, "not graded: notebook time limit reached")


def method_findings(cells: list[str], questions: list[Question]) -> dict[str, list[Finding]]:
    """The static method check of every question (only findings that cost points).

    ``DECONV_GRADER_METHOD_CHECK=off`` in the grader's environment turns it off: the attack suite
    uses it to show that the jail alone holds.
    """
    if os.environ.get("DECONV_GRADER_METHOD_CHECK", "on") == "off":
        return {}
    plan = {q.id: (q.name, POLICY.get(q.id, (q.name, Policy()))[1]) for q in questions}
    found = check_notebook(cells, plan)
    return {qid: [f for f in fs if f.kind != "unparsed cell"] for qid, fs in found.items() if fs}


# =============================================================================================
# judging what came back
# =============================================================================================
def _case_name(case: Case, i: int, public: bool) -> str:
    """A public case by its label; a hidden one by its number and its category (never its values)."""
    if public:
        return case.label or f"public case {i + 1}"
    return f"hidden case {i + 1}" + (f" ({case.label})" if case.label else "")


def answer_digest(raw: dict) -> str:
    """A short hash of one returned value (arrays rounded to 6 decimals), to find identical answers."""
    h = hashlib.sha256(str(raw.get("type")).encode())
    value = raw.get("value")
    if isinstance(value, np.ndarray):
        arr = value.astype(complex) if value.dtype.kind == "c" else value.astype(float)
        h.update(repr(arr.shape).encode())
        h.update(np.round(arr, 6).tobytes())
    else:
        h.update(json.dumps(value, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _annotate(qdict: dict, cases: list[Case], raw: Any, public: bool) -> None:
    """Add each case's category, the student's traceback of a failed call and the answer's digest."""
    entries = raw if isinstance(raw, list) else [None] * len(cases)
    for cd, case, r in zip(qdict["cases"], cases, entries):
        if case.label and not public:
            cd["category"] = case.label
        if not isinstance(r, dict):
            continue
        if r.get("traceback") and cd["status"] == "error":
            cd["traceback"] = r["traceback"]
        if r.get("status") == "ok":
            with contextlib.suppress(Exception):  # a digest is a convenience, never a failure
                cd["digest"] = answer_digest(r)


def _judge_question(
    q: Question, cases: list[Case], results: Any, public: bool, findings: list[Finding]
) -> QuestionReport:
    if findings:  # the method is not allowed: no points, whatever the values
        message = "; ".join(f.message for f in findings[:3])
        creps = [CaseResult("method", False, message, "") for _ in cases]
        for i, (case, c) in enumerate(zip(cases, creps)):
            c.case = _case_name(case, i, public)
        return QuestionReport(q.id, q.name, q.title, q.points, 0.0, "forbidden method", creps, [])
    if isinstance(results, str):  # the whole question failed (kernel died, time-out, ...)
        creps = [CaseResult("error", False, results, "") for _ in cases]
    else:
        creps = []
        for case, r in zip(cases, results):
            try:
                expected = expected_for(q, case)
            except Exception as exc:  # our own reference broke: that is a grader error
                raise RuntimeError(f"reference for {q.id} failed: {exc}") from exc
            creps.append(judge_case(q, case, r, expected))
    for i, (case, c) in enumerate(zip(cases, creps)):
        c.case = _case_name(case, i, public)
    score, status = score_question(q, creps)
    if isinstance(results, str):
        status = "error"
    hints = sorted({c.hint for c in creps if c.hint})
    return QuestionReport(q.id, q.name, q.title, q.points, score, status, creps, hints)


def _overall(report: SubmissionReport, run: _Run, reasons: list[str]) -> None:
    """The submission's status and reason from its cells and questions."""
    qstatuses = [q.status for q in report.questions]
    bad_cells = [c for c in report.cells if c["status"] != "ok"]
    for c in bad_cells[:3]:
        reasons.insert(0, f"cell {c['index']}: {c['status']}: {c['message']}"[:200])
    if len(bad_cells) > 3:
        reasons.insert(3, f"{len(bad_cells) - 3} more cells failed")
    if run.timed_out:
        status = STATUS_TIMEOUT
        reasons.insert(0, f"notebook time limit of {run.limits.notebook_timeout:g} s reached")
    elif all(s in ("not attempted", "missing", "not callable") for s in qstatuses) and report.score == 0:
        status = STATUS_NOT_ATTEMPTED
        if not reasons:
            reasons.append(
                "every function still raises NotImplementedError"
                if all(s == "not attempted" for s in qstatuses)
                else "no graded function defined"
            )
    elif bad_cells or "error" in qstatuses:
        status = STATUS_ERRORS
    else:
        status = STATUS_GRADED
    report.status = status
    report.reason = "; ".join(reasons)[:500]


def run_submission(
    path: Path,
    *,
    public: bool = False,
    seed: int = 0,
    limits: Limits | None = None,
    exercise: str | None = None,
    sandbox: Sandbox | None = None,
) -> dict:
    """Run one notebook in fresh kernels and grade it. Returns the JSON-able report.

    ``sandbox`` says how each kernel is confined (default: not jailed, as ``validate`` runs a
    learner's own notebook); :func:`deconv_course.grading.grade` jails every kernel.
    """
    limits = limits or Limits()
    t0 = time.monotonic()
    report = SubmissionReport(path.name, str(path), mode="public" if public else "hidden")
    try:
        nb = read_notebook(path)
    except ValueError as exc:
        report.status, report.reason = STATUS_INVALID, str(exc)
        return report.to_dict()
    exercise = exercise or detect_exercise(nb, path)
    if exercise not in EXERCISES:
        report.status, report.reason = STATUS_INVALID, "cannot tell which exercise this is (ex01..ex06)"
        return report.to_dict()
    questions = questions_for(exercise)
    report.exercise = exercise
    report.max_score = float(sum(q.points for q in questions))
    cells = [c.get("source", "") for c in nb.cells if c.get("cell_type") == "code"]
    findings = method_findings(cells, questions)
    plans = {q.id: (q.public() if public else hidden_cases(q, seed)) for q in questions}
    run = _Run(
        cells,
        plans,
        list(questions),
        Path(tempfile.mkdtemp(prefix="deconv-grade-")),
        limits,
        t0 + limits.notebook_timeout,
        sandbox or Sandbox(),
    )
    try:
        _execute(run)
    finally:
        shutil.rmtree(run.tmp, ignore_errors=True)
    report.cells = [run.cell_log[i] for i in sorted(run.cell_log)]
    reasons = []
    for q in questions:
        report.questions.append(
            _judge_question(q, plans[q.id], run.raw.get(q.id), public, findings.get(q.id, []))
        )
        if report.questions[-1].status == "error":
            reasons.append(f"{q.id}: {run.raw.get(q.id)}")
        elif findings.get(q.id):
            reasons.append(findings[q.id][0].message)
    report.score = round(sum(q.score for q in report.questions), 2)
    _overall(report, run, reasons)
    report.seconds = round(time.monotonic() - t0, 2)
    out = report.to_dict()
    for qd, q in zip(out["questions"], questions):
        _annotate(qd, plans[q.id], run.raw.get(q.id), public)
    return out
