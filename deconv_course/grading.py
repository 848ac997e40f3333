"""Exercises and grading: ``check`` in the notebook, ``validate`` for one file, ``grade`` for a class.

Taught in notebooks/00_start_here.ipynb ("How the exercises work").

* ``check("ex03.conv_transpose2d", conv_transpose2d)`` (or ``check("ex03.conv_transpose2d")``,
  which looks the function up in the notebook) runs the question's *public* cases at once and
  prints a short report. A failed case gets a hint when the output matches a known mistake
  (kernel flipped, weight layout swapped, padding not cropped, output_padding missing, ...).
  An untouched stub (``raise NotImplementedError``) reports "not attempted", never a traceback.
* ``validate(path)`` / ``deconv-course validate NOTEBOOK`` re-runs a saved notebook in a fresh
  kernel and prints what the grader would award on the public cases.
* ``grade(paths, out_dir, jobs)`` / ``deconv-course grade PATHS... --out DIR [-j N]`` grades a
  batch: ``DIR/grades.csv`` (one row per submission: submission, status, score, max_score,
  reason, one column per question id) and ``DIR/<name>.json`` (every case's result and message).
  Exit code 0 means the grader worked, whatever the students scored.
* ``python -m deconv_course.grading build-exercises`` writes ``exercises/`` from ``solutions/``:
  each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes a stub.

How a submission is graded
--------------------------
Each notebook runs in a fresh ipykernel (``sys.executable``) started in a temporary folder,
in its own process group, with one thread per math library, ``RLIMIT_AS`` (memory) set before
the kernel starts, a per-cell and a per-notebook wall-clock limit (on time-out the whole process
group gets SIGKILL), a per-call limit (SIGALRM) and an output cap. A cell that hangs, floods
its output or kills the kernel is skipped: the kernel is restarted and the other cells re-run
(at most ``max_restarts`` times); ``exit()`` and ``quit()`` are made no-ops. Then, for each question, hidden inputs drawn at grade time
from a secret seed are written as ``.npy``/JSON files and a small harness (sent afresh each
time) calls the student's function on them inside the kernel. Only plain data comes back:
arrays saved with ``np.save`` and loaded with ``allow_pickle=False``, numbers and strings as
JSON. Expected values are computed here, in the grader's process, from independent references
(PyTorch, SciPy, scikit-image, closed forms). So redefining ``check``, patching NumPy or PyTorch,
or editing this module inside the kernel changes nothing: the kernel never judges itself.

Limits, honestly
----------------
This isolates and time-limits student code; it is **not a sandbox**. Student code runs with your
user's rights: it can read and write your files, open network connections, start processes
that leave the process group (``setsid``), kill other processes of yours (a submission that kills
its grading worker turns that batch's pending rows into "grader error", exit code 2), or use
more memory where ``RLIMIT_AS`` is unavailable (it is a no-op on macOS). For an
untrusted class, run the grader inside a container or VM without network and with only the
submissions mounted. The grader checks *results*, not methods: a function that calls
``torch.nn.functional.conv_transpose2d`` (or ``deconv_course.numpy_ops``) gets the marks; read
code where that matters. The hidden seed defaults to a fresh random value per run (set
``--secret`` or ``DECONV_GRADER_SECRET`` to reproduce a run); a student who knows the seed and
the (open) case generators knows the hidden inputs. The quiz (ex06) has one fixed set of
items, so its public check gives the answers away to anyone who tries every letter.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import traceback
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from ._grader_questions import EXERCISES, QUESTIONS, Case, Question, expected_for, questions_for, variant_output

__all__ = ["check", "run_public", "validate", "grade", "cli_grade", "cli_validate", "build_exercises",
           "QUESTIONS", "EXERCISES", "max_score"]

GRADER_VERSION = "1"
STATUS_GRADED = "graded"
STATUS_ERRORS = "graded with errors"
STATUS_NOT_ATTEMPTED = "not attempted"
STATUS_TIMEOUT = "timeout"
STATUS_INVALID = "invalid"
STATUS_GRADER_ERROR = "grader error"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("replace this line with your solution")'


# =============================================================================================
# comparing one answer with the reference (used by check and by the batch grader)
# =============================================================================================
_HARNESS_NS: dict = {}


def _plain(value) -> dict:
    """The same conversion the kernel harness applies to a return value."""
    if not _HARNESS_NS:
        from ._grader_kernel import HARNESS_SRC

        exec(HARNESS_SRC, _HARNESS_NS)
        _HARNESS_NS["plain"], _HARNESS_NS["run"] = _HARNESS_NS["__deconv_grader_harness"]()
    return _HARNESS_NS["plain"](value)


def _norm_choice(s: str) -> str:
    return " ".join(s.strip().lower().replace("-", " ").split())


def _as_array(got: dict):
    if got["type"] == "array":
        return got["value"]
    if got["type"] in ("int", "float", "bool"):
        return np.asarray(got["value"])
    return None


def _describe(got: dict) -> str:
    if got["type"] == "array":
        return f"an array of shape {tuple(got['value'].shape)}"
    return f"a {got['type']} ({str(got['value'])[:40]!r})" if got["type"] != "none" else "None"


def compare(q: Question, got: dict, expected: Any, case: Case | None = None) -> tuple[bool, str]:
    """Compare a plain result ``got`` ({"type", "value"}) with ``expected``. Returns (ok, message)."""
    kind = q.kind
    if case is not None and case.select is not None:
        if got["type"] != "dict":
            return False, f"{q.name}() must return a dict like {{'q1': 'a', ...}}, not {_describe(got)}"
        if case.select not in got["value"]:
            return False, f"no answer for {case.select}"
        value = got["value"][case.select]
        got = {"type": "str" if isinstance(value, str) else type(value).__name__, "value": value}
    if kind == "choice":
        if got["type"] != "str":
            return False, f"return a string, not {_describe(got)}"
        ok = _norm_choice(got["value"]) == _norm_choice(expected)
        return ok, "" if ok else f"answered {got['value'][:60]!r}"
    if kind == "bool":
        if got["type"] != "bool":
            return False, f"return True or False, not {_describe(got)}"
        ok = got["value"] == expected
        return ok, "" if ok else f"returned {got['value']}, expected {expected}"
    if kind == "int":
        if got["type"] != "int":
            return False, f"return an int, not {_describe(got)}"
        ok = got["value"] == expected
        return ok, "" if ok else f"returned {got['value']}, expected {expected}"
    arr = _as_array(got)
    if arr is None:
        return False, f"return an array, not {_describe(got)}"
    exp = np.asarray(expected)
    if arr.shape != exp.shape:
        return False, f"wrong shape: got {tuple(arr.shape)}, expected {tuple(exp.shape)}"
    if kind == "float" and arr.dtype.kind != "f":
        what = "complex" if arr.dtype.kind == "c" else arr.dtype.name
        return False, f"wrong dtype: got {what}, expected a floating-point array (float64)"
    if kind == "complex" and arr.dtype.kind not in "fc":
        return False, f"wrong dtype: got {arr.dtype.name}, expected a complex array"
    if kind == "numeric" and arr.dtype.kind not in "iuf":
        return False, f"wrong dtype: got {arr.dtype.name}, expected numbers"
    if not np.all(np.isfinite(arr)):
        return False, "output contains NaN or inf"
    if np.allclose(arr, exp, rtol=q.rtol, atol=q.atol):
        return True, ""
    err = np.abs(arr.astype(complex if arr.dtype.kind == "c" or exp.dtype.kind == "c" else float) - exp)
    where = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    return False, f"wrong values: largest error {float(err.max()):.3g} at index {tuple(int(i) for i in where)}"


def _matches(q: Question, got: dict, variant_value) -> bool:
    """Does the answer equal a known wrong variant (dtype ignored, so int buffers match too)?"""
    if variant_value is None:
        return False
    if q.kind == "choice":
        return got["type"] == "str" and _norm_choice(got["value"]) == _norm_choice(str(variant_value))
    if q.kind in ("bool", "int"):
        return got["type"] == q.kind and got["value"] == variant_value
    arr = _as_array(got)
    vv = np.asarray(variant_value)
    if arr is None or arr.shape != vv.shape or arr.dtype.kind not in "biufc":
        return False
    return bool(np.all(np.isfinite(arr)) and np.allclose(arr, vv, rtol=max(q.rtol, 1e-7), atol=max(q.atol, 1e-9)))


def _hint_for(q: Question, case: Case, got: dict, expected) -> str:
    if q.id == "ex06.quiz":
        from ._grader_questions import QUIZ

        return QUIZ[case.select][1]
    for v in q.variants:
        try:
            vv = variant_output(q, v, case)
        except Exception:
            continue
        if _same(vv, expected):
            continue  # this variant is indistinguishable from the answer here
        if _matches(q, got, vv):
            return v.hint
    return ""


def _same(a, b) -> bool:
    try:
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b))
    except Exception:
        return a == b


def judge_case(q: Question, case: Case, raw: dict, expected) -> dict:
    """Turn one raw call result into a case report: status, passed, message, hint."""
    status = raw["status"]
    if status == "ok":
        got = {"type": raw["type"], "value": raw["value"]}
        try:
            ok, message = compare(q, got, expected, case)
        except Exception as exc:  # a malformed value must never break the grader
            ok, message = False, f"could not compare the answer ({type(exc).__name__})"
        hint = "" if ok else _hint_for(q, case, got, expected)
        return {"status": "passed" if ok else "failed", "passed": ok, "message": message, "hint": hint}
    messages = {"not attempted": "not attempted (still raises NotImplementedError)",
                "missing": f"no function named {q.name!r} is defined",
                "not callable": f"{q.name!r} is not a function"}
    message = raw.get("message") or messages.get(status, status)
    if status == "error":
        message = "raised " + message
    return {"status": status, "passed": False, "message": message, "hint": ""}


def score_question(q: Question, case_reports: list[dict]) -> tuple[float, str]:
    n = len(case_reports)
    passed = sum(c["passed"] for c in case_reports)
    statuses = {c["status"] for c in case_reports}
    score = round(q.points * passed / n, 2) if n else 0.0
    if passed == n:
        return score, "passed"
    if passed:
        return score, "partial"
    for s in ("missing", "not callable", "not attempted"):
        if statuses == {s}:
            return 0.0, s
    if "not attempted" in statuses and statuses <= {"not attempted", "error", "timeout", "failed"} \
            and all(c["status"] == "not attempted" for c in case_reports[:1]):
        return 0.0, "not attempted"
    return 0.0, "failed"


def max_score(exercise: str | None = None) -> float:
    """Total points of one exercise (``"ex03"``) or of the whole course."""
    qs = questions_for(exercise) if exercise else list(QUESTIONS.values())
    return float(sum(q.points for q in qs))


# =============================================================================================
# check: the in-notebook feedback
# =============================================================================================
def _caller_namespace(depth: int = 2) -> dict:
    frame = inspect.currentframe()
    try:
        for _ in range(depth):
            frame = frame.f_back
        return frame.f_globals
    finally:
        del frame


def run_public(question_id: str, fn: Callable | None = None, namespace: dict | None = None) -> dict:
    """Run the public cases of one question in this process; return the question report (no printing)."""
    if question_id not in QUESTIONS:
        known = ", ".join(QUESTIONS)
        raise ValueError(f"question_id={question_id!r} is not a known question; known ids: {known}")
    q = QUESTIONS[question_id]
    if fn is None:
        fn = (namespace or {}).get(q.name)
    cases = q.public()
    reports = []
    for case in cases:
        if fn is None:
            raw = {"status": "missing"}
        elif not callable(fn):
            raw = {"status": "not callable"}
        else:
            raw = _call_here(fn, case)
        expected = expected_for(q, case)
        rep = judge_case(q, case, raw, expected)
        rep["case"] = case.label or f"case {len(reports) + 1}"
        reports.append(rep)
        if raw["status"] in ("missing", "not callable"):
            # the same for every case: report it once per case without looking again
            for later in cases[len(reports):]:
                r2 = dict(rep, case=later.label or f"case {len(reports) + 1}")
                reports.append(r2)
            break
    score, status = score_question(q, reports)
    return {"id": q.id, "name": q.name, "title": q.title, "points": q.points, "score": score,
            "status": status, "cases": reports}


def _call_here(fn: Callable, case: Case) -> dict:
    import copy

    try:
        value = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    except NotImplementedError:
        return {"status": "not attempted"}
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {str(exc)[:300]}"}
    try:
        p = _plain(value)
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "type": p["type"], "value": p["value"]}


def format_report(rep: dict, public: bool = True) -> str:
    """The short, friendly text that ``check`` prints."""
    qid, n = rep["id"], len(rep["cases"])
    passed = sum(c["passed"] for c in rep["cases"])
    if rep["status"] == "passed":
        extra = " (the grader also runs hidden cases)" if public else ""
        return f"{qid}: all {n} {'public ' if public else ''}cases passed \u2714{extra}"
    if rep["status"] == "not attempted":
        return (f"{qid}: not attempted yet. Replace the `raise NotImplementedError` in "
                f"`{rep['name']}` with your code, run that cell, then run this check again.")
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


# =============================================================================================
# running a submission in a kernel
# =============================================================================================
def _secret_seed(secret) -> int:
    if secret is None:
        secret = os.environ.get("DECONV_GRADER_SECRET")
    if secret is None:
        return secrets.randbits(63)
    if isinstance(secret, int):
        return secret
    return zlib.crc32(str(secret).encode()) * 2**32 + zlib.crc32(str(secret)[::-1].encode())


def hidden_cases(q: Question, seed: int) -> list[Case]:
    """The hidden cases of one question for one grading run."""
    rng = np.random.default_rng([seed % 2**63, zlib.crc32(q.id.encode())])
    return q.hidden(rng)


def _read_notebook(path: Path):
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


def detect_exercise(nb, path: Path) -> str | None:
    """Which exercise a notebook is: metadata first, then its check() calls, then the file name."""
    meta = nb.get("metadata", {}).get("deconv_course", {})
    if isinstance(meta, dict) and meta.get("exercise") in EXERCISES:
        return meta["exercise"]
    found = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            found += re.findall(r"check\(\s*['\"](ex0\d)\.", cell.get("source", ""))
    if found:
        return max(set(found), key=found.count)
    m = re.search(r"(ex0[1-6])", path.name)
    return m.group(1) if m else None


def _code_cells(nb) -> list[str]:
    return [c.get("source", "") for c in nb.cells if c.get("cell_type") == "code"]


def run_submission(path: Path, *, public: bool = False, seed: int = 0, limits=None,
                   exercise: str | None = None) -> dict:
    """Run one notebook in fresh kernels and grade it. Returns the JSON-able report."""
    from ._grader_kernel import Limits

    limits = limits or Limits()
    t0 = time.monotonic()
    report = {"submission": path.name, "path": str(path), "exercise": None, "status": "", "score": 0.0,
              "max_score": 0.0, "reason": "", "mode": "public" if public else "hidden",
              "grader_version": GRADER_VERSION, "cells": [], "questions": []}
    try:
        nb = _read_notebook(path)
    except ValueError as exc:
        report.update(status=STATUS_INVALID, reason=str(exc))
        return report
    exercise = exercise or detect_exercise(nb, path)
    if exercise not in EXERCISES:
        report.update(status=STATUS_INVALID, reason="cannot tell which exercise this is (ex01..ex06)")
        return report
    questions = questions_for(exercise)
    report["exercise"] = exercise
    report["max_score"] = float(sum(q.points for q in questions))
    cells = _code_cells(nb)
    plans = {q.id: (q.public() if public else hidden_cases(q, seed)) for q in questions}
    tmp = Path(tempfile.mkdtemp(prefix="deconv-grade-"))
    try:
        raw, cell_log, notebook_timed_out = _execute(cells, questions, plans, tmp, limits, t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report["cells"] = cell_log
    total, reasons, qstatuses = 0.0, [], []
    for q in questions:
        cases = plans[q.id]
        results = raw.get(q.id)
        if isinstance(results, str):  # the whole question failed (kernel died, time-out, ...)
            creps = [{"status": "error", "passed": False, "message": results, "hint": ""} for _ in cases]
        else:
            creps = []
            for case, r in zip(cases, results):
                try:
                    expected = expected_for(q, case)
                except Exception as exc:  # our own reference broke: that is a grader error
                    raise RuntimeError(f"reference for {q.id} failed: {exc}") from exc
                creps.append(judge_case(q, case, r, expected))
        for i, (case, c) in enumerate(zip(cases, creps)):
            c["case"] = (case.label or f"public case {i + 1}") if public else f"hidden case {i + 1}"
        score, status = score_question(q, creps)
        if isinstance(results, str):
            status = "error"
        hints = sorted({c["hint"] for c in creps if c.get("hint")})
        report["questions"].append({"id": q.id, "name": q.name, "title": q.title, "points": q.points,
                                    "score": score, "status": status, "hints": hints, "cases": creps})
        total += score
        qstatuses.append(status)
        if status == "error":
            reasons.append(f"{q.id}: {results}")
    report["score"] = round(total, 2)
    bad_cells = [c for c in cell_log if c["status"] != "ok"]
    for c in bad_cells[:3]:
        reasons.insert(0, f"cell {c['index']}: {c['status']}: {c['message']}"[:200])
    if len(bad_cells) > 3:
        reasons.insert(3, f"{len(bad_cells) - 3} more cells failed")
    if notebook_timed_out:
        status = STATUS_TIMEOUT
        reasons.insert(0, f"notebook time limit of {limits.notebook_timeout:g} s reached")
    elif all(s in ("not attempted", "missing", "not callable") for s in qstatuses) and report["score"] == 0:
        status = STATUS_NOT_ATTEMPTED
        if not reasons:
            reasons.append("every function still raises NotImplementedError"
                           if all(s == "not attempted" for s in qstatuses) else "no graded function defined")
    elif bad_cells or "error" in qstatuses:
        status = STATUS_ERRORS
    else:
        status = STATUS_GRADED
    report["status"] = status
    report["reason"] = "; ".join(reasons)[:500]
    report["seconds"] = round(time.monotonic() - t0, 2)
    return report


_PRE_CELL = ("try:\n    get_ipython().ask_exit = lambda *args, **kwargs: None\n"
             "except Exception:\n    pass\n")


def _execute(cells, questions, plans, tmp: Path, limits, t0):
    """Run cells, then one harness call per question; restart the kernel after a fatal cell."""
    from ._grader_kernel import Kernel, encode_inputs, harness_cell, read_results

    work = tmp / "work"
    work.mkdir()
    deadline = t0 + limits.notebook_timeout
    skip: set[int] = set()
    cell_log: dict[int, dict] = {}
    raw: dict[str, Any] = {}
    pending = [q for q in questions]
    restarts = 0
    timed_out = False

    def remaining():
        return deadline - time.monotonic()

    while pending:
        if remaining() <= 0:
            timed_out = True
            break
        try:
            try:
                kernel = Kernel(work, limits)
            except Exception:  # e.g. a port taken between choosing it and binding it: try once more
                kernel = Kernel(work, limits)
        except Exception as exc:
            for q in pending:
                raw[q.id] = f"the kernel could not start ({type(exc).__name__})"
            pending = []
            break
        fatal = False
        try:
            # exit() / quit() in a notebook would end the kernel after the cell: make them no-ops
            kernel.execute(_PRE_CELL, min(limits.cell_timeout, max(remaining(), 0.1)))
            for i, src in enumerate(cells):
                if i in skip:
                    continue
                if remaining() <= 0:
                    timed_out = True
                    break
                run = kernel.execute(src, min(limits.cell_timeout, remaining()))
                if run.status == "timeout" and remaining() <= 0.05:
                    timed_out = True
                if i not in cell_log or run.status != "ok":
                    cell_log[i] = {"index": i, "status": run.status, "message": run.message,
                                   "seconds": round(run.seconds, 2)}
                if run.status in ("timeout", "died", "output"):
                    skip.add(i)
                    fatal = True
                    break
                if not kernel.alive():  # exit() / quit() end the kernel after the cell
                    cell_log[i] = {"index": i, "status": "died", "seconds": round(run.seconds, 2),
                                   "message": "the kernel exited during this cell"}
                    skip.add(i)
                    fatal = True
                    break
            if timed_out:
                break
            if fatal:
                restarts += 1
                if restarts > limits.max_restarts:
                    for q in pending:
                        raw[q.id] = "not graded: too many kernel restarts"
                    pending = []
                continue
            # questions, one harness call each, with freshly written hidden inputs
            while pending:
                q = pending[0]
                if remaining() <= 0:
                    timed_out = True
                    break
                cases = plans[q.id]
                folder = tmp / f"io-{secrets.token_hex(8)}"
                folder.mkdir()
                counter = [0]
                spec = {"name": q.name, "call_timeout": limits.call_timeout,
                        "cases": [{"args": encode_inputs(list(c.args), folder, counter),
                                   "kwargs": encode_inputs(dict(c.kwargs), folder, counter)} for c in cases]}
                (folder / "spec.json").write_text(json.dumps(spec))
                code = harness_cell(str(folder / "spec.json"))
                budget = min(limits.call_timeout * len(cases) + limits.cell_timeout, remaining())
                run = kernel.execute(code, budget)
                pending.pop(0)
                if run.status == "ok":
                    try:
                        raw[q.id] = read_results(folder, len(cases))
                    except Exception as exc:
                        raw[q.id] = f"no usable results ({exc})"
                else:
                    what = {"timeout": "timed out", "died": "the kernel died", "output": "printed too much",
                            "error": "the harness failed"}.get(run.status, run.status)
                    raw[q.id] = f"{what} while calling {q.name}: {run.message}"[:300]
                    if run.status == "timeout" and remaining() <= 0.05:
                        timed_out = True
                shutil.rmtree(folder, ignore_errors=True)
                if run.status in ("timeout", "died", "output") or not kernel.alive():
                    restarts += 1
                    if restarts > limits.max_restarts:
                        for q2 in pending:
                            raw[q2.id] = "not graded: too many kernel restarts"
                        pending = []
                    break
            if timed_out:
                break
        finally:
            kernel.kill()
    for q in pending:
        raw.setdefault(q.id, "not graded: notebook time limit reached")
    return raw, [cell_log[i] for i in sorted(cell_log)], timed_out


# =============================================================================================
# validate and grade
# =============================================================================================
def _limits(cell_timeout=None, timeout=None, call_timeout=None, memory_mb=None, output_limit=None):
    from ._grader_kernel import Limits

    lim = Limits()
    if cell_timeout is not None:
        lim.cell_timeout = float(cell_timeout)
    if timeout is not None:
        lim.notebook_timeout = float(timeout)
    if call_timeout is not None:
        lim.call_timeout = float(call_timeout)
    if memory_mb is not None:
        lim.memory_limit = int(memory_mb) * 2**20
    if output_limit is not None:
        lim.output_limit = int(output_limit)
    return lim


def validate(path, *, exercise: str | None = None, verbose: bool = True, **limit_kwargs) -> dict:
    """Re-run a saved notebook in a fresh kernel; print what the grader would award (public cases).

    Returns the report (the same form as one JSON report of :func:`grade`).
    """
    rep = _safe_run(Path(path), public=True, seed=0, limits=_limits(**limit_kwargs), exercise=exercise)
    if verbose:
        print(format_submission(rep))
    return rep


def format_submission(rep: dict) -> str:
    lines = [f"{rep['submission']}: {rep['status']}, {rep['score']:g} / {rep['max_score']:g} points"
             + (f" ({rep['mode']} cases)" if rep.get("mode") else "")]
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


def _safe_run(path: Path, **kwargs) -> dict:
    try:
        return run_submission(path, **kwargs)
    except Exception as exc:
        return {"submission": path.name, "path": str(path), "exercise": None, "status": STATUS_GRADER_ERROR,
                "score": 0.0, "max_score": 0.0, "grader_version": GRADER_VERSION,
                "reason": f"{type(exc).__name__}: {exc}"[:500], "questions": [], "cells": [],
                "traceback": traceback.format_exc()[-4000:]}


def _worker(args):
    path, seed, limits, exercise = args
    return _safe_run(Path(path), public=False, seed=seed, limits=limits, exercise=exercise)


def _expand(paths: Iterable) -> list[Path]:
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(x for x in p.glob("*.ipynb") if x.is_file())
        else:
            out.append(p)
    return out


def grade(paths, out_dir, jobs: int = 1, *, secret=None, exercise: str | None = None, cell_timeout=None,
          timeout=None, call_timeout=None, memory_mb=None, output_limit=None, progress=None) -> list[dict]:
    """Grade notebooks (files, or folders of ``*.ipynb``) into ``out_dir``; return the reports.

    Writes ``out_dir/grades.csv`` and one ``out_dir/<name>.json`` per submission. Each
    submission runs in its own fresh kernel; ``jobs`` submissions run at once. A submission
    that breaks anything gets its row with a status and reason; the batch always finishes.
    """
    paths = _expand(paths)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = _secret_seed(secret)
    limits = _limits(cell_timeout, timeout, call_timeout, memory_mb, output_limit)
    tasks = [(str(p), seed, limits, exercise) for p in paths]
    reports: list[dict | None] = [None] * len(tasks)
    if jobs <= 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            reports[i] = _worker(t)
            if progress:
                progress(reports[i])
    else:
        import concurrent.futures as cf
        import multiprocessing as mp

        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_worker, t): i for i, t in enumerate(tasks)}
            for fut in cf.as_completed(futures):
                i = futures[fut]
                try:
                    reports[i] = fut.result()
                except Exception as exc:  # a worker process died: that is the grader's fault
                    reports[i] = {"submission": Path(tasks[i][0]).name, "path": tasks[i][0], "exercise": None,
                                  "status": STATUS_GRADER_ERROR, "score": 0.0, "max_score": 0.0,
                                  "reason": f"worker failed: {type(exc).__name__}: {exc}"[:500],
                                  "questions": [], "cells": [], "grader_version": GRADER_VERSION}
                if progress:
                    progress(reports[i])
    _write_outputs(reports, out_dir)
    return reports


def _write_outputs(reports: list[dict], out_dir: Path) -> None:
    exercises = sorted({r["exercise"] for r in reports if r.get("exercise")})
    qids = [q for q in QUESTIONS if QUESTIONS[q].exercise in exercises]
    used: set[str] = set()
    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "status", "score", "max_score", "reason"] + qids)
        for r in reports:
            scores = {q["id"]: q["score"] for q in r.get("questions", [])}
            w.writerow([r["submission"], r["status"], f"{r['score']:g}", f"{r['max_score']:g}", r["reason"]]
                       + [f"{scores[q]:g}" if q in scores else "" for q in qids])
            stem = re.sub(r"[^\w.-]", "_", Path(r["submission"]).stem) or "submission"
            name, k = stem, 2
            while name in used or name == "grades":
                name, k = f"{stem}-{k}", k + 1
            used.add(name)
            r["report_file"] = f"{name}.json"
            (out_dir / f"{name}.json").write_text(json.dumps(r, indent=1, default=_json_default),
                                                  encoding="utf-8")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


# =============================================================================================
# command line (wired by deconv_course.cli: `deconv-course grade|validate`)
# =============================================================================================
def _add_limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (default 60)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per notebook (default 300)")
    p.add_argument("--call-timeout", type=float, default=None,
                   help="seconds per call of a graded function (default 20)")
    p.add_argument("--memory-mb", type=int, default=None, help="kernel address-space limit in MiB (default 4096)")
    p.add_argument("--output-limit", type=int, default=None, help="characters of output per cell (default 1e6)")
    p.add_argument("--exercise", choices=sorted(EXERCISES), default=None,
                   help="grade as this exercise instead of detecting it")


def cli_grade(argv: list[str]) -> int:
    """``deconv-course grade PATHS... --out DIR [-j N]``; 0 when the grader worked."""
    p = argparse.ArgumentParser(prog="deconv-course grade",
                                description="Grade exercise notebooks; writes DIR/grades.csv and one JSON per submission.")
    p.add_argument("paths", nargs="+", help="notebooks, or folders of notebooks")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded at once")
    p.add_argument("--secret", default=None,
                   help="seed of the hidden cases (default: $DECONV_GRADER_SECRET or a fresh random one)")
    p.add_argument("-q", "--quiet", action="store_true")
    _add_limit_args(p)
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f"--jobs={args.jobs} must be at least 1")

    def show(rep):
        if not args.quiet:
            print(f"{rep['submission']}: {rep['status']}, {rep['score']:g}/{rep['max_score']:g}"
                  + (f" ({rep['reason'][:100]})" if rep.get("reason") else ""), flush=True)

    try:
        reports = grade(args.paths, args.out, args.jobs, secret=args.secret, exercise=args.exercise,
                        cell_timeout=args.cell_timeout, timeout=args.timeout, call_timeout=args.call_timeout,
                        memory_mb=args.memory_mb, output_limit=args.output_limit, progress=show)
    except Exception as exc:
        print(f"deconv-course grade: the grader failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    broken = [r for r in reports if r["status"] == STATUS_GRADER_ERROR]
    print(f"wrote {Path(args.out) / 'grades.csv'} ({len(reports)} submissions)")
    if broken:
        print(f"the grader itself failed on {len(broken)} submission(s); see their JSON reports", file=sys.stderr)
        return 2
    return 0


def cli_validate(argv: list[str]) -> int:
    """``deconv-course validate NOTEBOOK``: 0 when it ran (whatever the score), 1 if not gradable."""
    p = argparse.ArgumentParser(prog="deconv-course validate",
                                description="Re-run a saved notebook in a fresh kernel and show what the "
                                            "grader would award on the public cases.")
    p.add_argument("notebook")
    _add_limit_args(p)
    args = p.parse_args(argv)
    rep = validate(args.notebook, exercise=args.exercise, cell_timeout=args.cell_timeout, timeout=args.timeout,
                   call_timeout=args.call_timeout, memory_mb=args.memory_mb, output_limit=args.output_limit)
    if rep["status"] == STATUS_GRADER_ERROR:
        return 2
    return 1 if rep["status"] == STATUS_INVALID else 0


# =============================================================================================
# exercises from solutions
# =============================================================================================
def stub_source(source: str) -> str:
    """Replace every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region with a stub."""
    out, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError("nested '### BEGIN SOLUTION'")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f"{indent}{STUB}")
        elif stripped == END:
            if not inside:
                raise ValueError("'### END SOLUTION' without BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("'### BEGIN SOLUTION' without END")
    return "\n".join(out)


def exercise_notebook(solution_path):
    """The exercise notebook (outputs cleared) generated from one solution notebook."""
    import nbformat

    nb = nbformat.read(str(solution_path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source)
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.setdefault("deconv_course", {})["role"] = "exercise"
    return nb


def build_exercises(solutions_dir="solutions", exercises_dir="exercises", execute: bool = True) -> list[Path]:
    """Write ``exercises/exNN_*.ipynb`` from ``solutions/``; execute them to store outputs."""
    import nbformat

    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sol in sorted(solutions_dir.glob("ex0*.ipynb")):
        nb = exercise_notebook(sol)
        if execute:
            from nbclient import NotebookClient

            NotebookClient(nb, timeout=120, kernel_name="python3",
                           resources={"metadata": {"path": str(exercises_dir)}}).execute()
        dest = exercises_dir / sol.name
        nbformat.write(nb, str(dest))
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m deconv_course.grading")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build-exercises", help="write exercises/ from solutions/ (stubs + outputs)")
    b.add_argument("--solutions", default="solutions")
    b.add_argument("--exercises", default="exercises")
    b.add_argument("--no-execute", action="store_true")
    sub.add_parser("grade", add_help=False)
    sub.add_parser("validate", add_help=False)
    if argv and argv[0] in ("grade", "validate"):
        return (cli_grade if argv[0] == "grade" else cli_validate)(argv[1:])
    args = p.parse_args(argv)
    for path in build_exercises(args.solutions, args.exercises, execute=not args.no_execute):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
