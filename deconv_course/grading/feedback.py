"""In-notebook feedback: ``check`` runs a question's public cases at once and says what it found.

Taught in notebooks/00_start_here.ipynb ("How the exercises work"). ``check`` returns a
:class:`CheckResult` (``passed``, ``score``, per-case results) that renders as HTML in Jupyter and
as text in a terminal, and that a learner can ``assert`` on. It runs from the shipped public-case
data (:mod:`.public`), never from the answer key, so it works in the student edition. An
untouched stub reports "not attempted"; a function that raises gets a short traceback at the
learner's own line; a failed case gets the hint of a known mistake only where that mistake
explains it (:func:`.compare.merge_hints`); a graded function that calls what its question
forbids gets a warning (the static method check of :mod:`.methods`). ``hint(id)`` gives hints on
demand. Also the text of a whole submission's report (``validate``).
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import linecache
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..i18n import translate as tr
from . import public, render
from .compare import _matches, compare, merge_hints, score_question
from .kernel_side.harness import plain
from .model import CaseResult
from .render import CaseCheck, CheckResult, HintResult

__all__ = ["check", "hint", "run_public", "format_report", "format_submission", "CheckResult", "CaseCheck"]

_PACKAGE = str(Path(__file__).resolve().parents[1])
_TRIMMED = ("numpy", "torch", "scipy", "skimage", "site-packages", "dist-packages")
_HINT_LEVEL: dict[str, int] = {}


def _caller_namespace(depth: int = 2) -> dict:
    frame = inspect.currentframe()
    try:
        for _ in range(depth):
            frame = frame.f_back
        return frame.f_globals
    finally:
        del frame


def _ipython() -> Any:
    shell = sys.modules.get("IPython")
    try:
        return shell.get_ipython() if shell is not None else None
    except Exception:
        return None


def _cell_name(filename: str) -> str:
    """``Cell In[5]`` for a notebook cell's temporary file, the file's name otherwise."""
    ip = _ipython()
    try:
        named = ip.compile.format_code_name(filename) if ip is not None else None
    except Exception:
        named = None
    return f"{named[0]} {named[1]}" if named else Path(filename).name


def short_traceback(exc: BaseException) -> str:
    """Where the learner's code raised: their own frames only (this package and libraries trimmed).

    Up to three frames, each as ``Cell In[5], line 3, in f`` and the line's source; the
    exception itself is in the case's message.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    own = [
        f
        for f in frames
        if not str(Path(f.filename).resolve()).startswith(_PACKAGE)
        and not any(part in Path(f.filename).parts for part in _TRIMMED)
        and not f.filename.startswith("<frozen")
    ]
    lines = []
    for f in own[-3:]:
        lines.append(f"{_cell_name(f.filename)}, line {f.lineno}, in {f.name}")
        if f.line:
            lines.append(f"    {f.line.strip()}")
    return "\n".join(lines)


def _call_here(fn: Callable, case: public.PublicCase) -> dict:
    try:
        value = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    except NotImplementedError:
        return {"status": "not attempted"}
    except Exception as exc:
        return {
            "status": "error",
            "message": f"{type(exc).__name__}: {str(exc)[:300]}",
            "traceback": short_traceback(exc),
        }
    try:
        p = plain(value)
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "type": p["type"], "value": p["value"]}


def _judge_quiz_item(q: public.PublicQuestion, case: public.PublicCase, got: dict) -> tuple[bool, str]:
    if got["type"] != "dict":
        return False, f"{q.name}() must return a dict like {{'q1': 'a', ...}}, not a {got['type']}"
    if case.select not in got["value"]:
        return False, f"no answer for {case.select}"
    value = got["value"][case.select]
    if not isinstance(value, str):
        return False, f"answer {case.select} with a string, not a {type(value).__name__}"
    ok = public.answer_hash(q.id, case.select, value) == case.answer_sha256
    return ok, "" if ok else f"answered {value[:60]!r}"


_MESSAGES = {
    "not attempted": "not attempted (still raises NotImplementedError)",
    "not callable": "is not a function",
}


def _arg_names(fn: Any, case: public.PublicCase) -> list[str]:
    try:
        bound = inspect.signature(fn).bind(*case.args, **case.kwargs)
        return list(bound.arguments)
    except (TypeError, ValueError):
        return [f"argument {i + 1}" for i in range(len(case.args))] + list(case.kwargs)


def _judge(q: public.PublicQuestion, fn: Any, i: int, case: public.PublicCase, raw: dict) -> CaseCheck:
    status = raw["status"]
    res = CaseCheck(case.label, status, False)
    if status != "ok":
        res.message = raw.get("message") or _MESSAGES.get(status, f"no function named {q.name!r} is defined")
        if status == "error":
            res.message = "raised " + res.message
            res.traceback = raw.get("traceback")
        return res
    got = {"type": raw["type"], "value": raw["value"]}
    try:
        if case.answer_sha256 is not None:
            ok, res.message = _judge_quiz_item(q, case, got)
        else:
            ok, res.message = compare(q, got, case.expected, case)
    except Exception as exc:  # a malformed value must never break check
        ok, res.message = False, f"could not compare the answer ({type(exc).__name__})"
    res.passed, res.status = ok, "passed" if ok else "failed"
    if not ok and case.hint:
        res.hint = case.hint
    if got["type"] == "array" and case.expected is not None:
        res.inputs = [
            (name, value)
            for name, value in zip(_arg_names(fn, case), case.args + tuple(case.kwargs.values()))
        ]
        res.expected, res.returned = case.expected, got["value"]
    return res


def _evidence(q: public.PublicQuestion, raws: list[dict]) -> dict[str, dict[int, bool]]:
    """For each mistake: on which cases it is distinguishable, and whether the answer matched it."""
    ev: dict[int, dict[int, bool]] = {}
    for i, (case, raw) in enumerate(zip(q.cases, raws)):
        if raw["status"] != "ok":
            continue
        got = {"type": raw["type"], "value": raw["value"]}
        for m, by, value in case.predictions:
            hit = ev.setdefault(m, {}).get(i, False)
            with contextlib.suppress(Exception):  # a malformed value matches nothing
                hit = hit or _matches(q, got, value, by)
            ev[m][i] = hit
    return {q.mistakes[m]: ev[m] for m in sorted(ev)}


_LINE_MAGIC = re.compile(r"^(\s*)get_ipython\(\)\.run_line_magic\(('[^']*'), (.*)\)\s*$")
_CELL_MAGIC = re.compile(
    r"^get_ipython\(\)\.run_cell_magic\(('[^']*'), ('(?:[^'\\]|\\.)*'), (.*)\)\s*$", re.S
)


def _as_typed(code: str) -> str:
    """A cell as the learner typed it, from IPython's transformed code (magics back as ``%``)."""
    with contextlib.suppress(Exception):
        m = _CELL_MAGIC.match(code.strip())
        if m:
            name, line, body = (ast.literal_eval(g) for g in m.groups())
            return f"%%{name} {line}\n{body}"
    out = []
    for line in code.splitlines():
        m = _LINE_MAGIC.match(line)
        try:
            out.append(
                f"{m.group(1)}%{ast.literal_eval(m.group(2))} {ast.literal_eval(m.group(3))}" if m else line
            )
        except (ValueError, SyntaxError):
            out.append(line)
    return "\n".join(out)


def _notebook_cells(namespace: dict | None) -> list[str] | None:
    """The cells run so far in this kernel, in order, or None outside a notebook.

    From IPython's cache of compiled cells (filled whether or not a cell is stored in the
    history, so nbval's runs and a learner's agree), with magics turned back into ``%`` lines as
    the grader reads them in the notebook's source; else an ``In`` list in ``namespace``.
    """
    ip = _ipython()
    names = list(getattr(getattr(ip, "compile", None), "_filename_map", {}) or {}) if ip is not None else []
    cells = [_as_typed("".join(linecache.cache[n][2])) for n in names if n in linecache.cache]
    if not cells:
        cells = (namespace or {}).get("In")
    return [c if isinstance(c, str) else "" for c in cells] if isinstance(cells, list) else None


def _source_line(cells: list[str], where: tuple[int, int]) -> str:
    cell, line = where
    try:
        return cells[cell].splitlines()[line - 1].strip()[:120]
    except (IndexError, TypeError):
        return ""


def method_warnings(question_id: str, name: str, cells: list[str] | None) -> list[str]:
    """The static method check on the notebook's cells, as warnings for the learner."""
    if not cells:
        return []
    try:
        from .methods import FORBIDDEN, POLICY, check_function

        if question_id not in POLICY:
            return []
        fn_name, policy = POLICY[question_id]
        findings = check_function(cells, fn_name, policy)
    except Exception:
        return []  # the check must never break check()

    def at(f) -> str:
        src = _source_line(cells, f.line)
        return f" (in `{src}`)" if src else ""

    calls = [f"{f.name}{at(f)}" for f in findings if f.kind == FORBIDDEN]
    out = []
    if calls:
        out.append(
            f"your {name} calls {', '.join(calls[:4])}: the grader gives this question 0 points; {policy.reason}"
        )
    for f in [f for f in findings if f.kind != FORBIDDEN][:2]:
        who = "notebook code" if f.message.startswith("notebook-level") else f"your {name}"
        out.append(
            f"{who} uses {f.name}{at(f)}, which the grader's method check cannot follow: the grader "
            "gives this question 0 points; write it without that"
        )
    return out


def run_check(question_id: str, fn: Callable | None = None, namespace: dict | None = None) -> CheckResult:
    """Run the public cases of one question in this process, from the shipped data; no printing."""
    q = public.load(question_id)
    if fn is None:
        fn = (namespace or {}).get(q.name)
    if fn is None:
        raws = [{"status": "missing"} for _ in q.cases]
    elif not callable(fn):
        raws = [{"status": "not callable", "message": f"{q.name!r} is not a function"} for _ in q.cases]
    else:
        raws = [_call_here(fn, case) for case in q.cases]
    cases = [_judge(q, fn, i, case, raw) for i, (case, raw) in enumerate(zip(q.cases, raws))]
    merged = merge_hints(_evidence(q, raws))
    for text, idx in merged:
        for i in idx:
            if not cases[i].passed and not cases[i].hint:
                cases[i].hint = text
    score, status = score_question(q, [CaseResult(c.status, c.passed) for c in cases])
    shown = [(text, [i + 1 for i in idx if not cases[i].passed]) for text, idx in merged]
    hints = [(text, numbers) for text, numbers in shown if numbers]
    return CheckResult(q.id, q.name, q.title, q.points, score, status, status == "passed", cases, hints)


def run_public(question_id: str, fn: Callable | None = None, namespace: dict | None = None) -> dict:
    """The question report (the JSON form) of the public cases; see :func:`run_check`."""
    return run_check(question_id, fn, namespace).to_dict()


def _show(obj: Any) -> None:
    """Print ``obj`` where nothing else would show it: a script, not IPython and not a REPL."""
    if _ipython() is None and not hasattr(sys, "ps1"):
        print(obj)


def check(question_id: str, fn: Callable | None = None) -> CheckResult:
    """Run the public cases of ``question_id`` on ``fn``; return a :class:`CheckResult`.

    ``fn`` defaults to the function of the question's name in the caller's (the notebook's)
    globals. As a cell's last line the result renders as HTML (text in a terminal; elsewhere in
    a cell, ``display(check(...))``; in a script it prints its text);
    ``assert check("ex03.output_size")`` fails unless every public case passed. An untouched
    stub is "not attempted". Each run is recorded for ``progress()``. Inside the batch grader
    (``DECONV_COURSE_GRADER=1``) nothing runs: the grader runs its own cases. Taught in
    notebooks/00_start_here.ipynb.
    """
    if os.environ.get("DECONV_COURSE_GRADER") == "1":
        return CheckResult(question_id, "", "", 0, 0.0, "skipped", True, [], [], skipped=True)
    ns = _caller_namespace()
    result = run_check(question_id, fn, ns if fn is None else None)
    result.warnings = method_warnings(question_id, result.name, _notebook_cells(ns))
    try:
        from . import progress_log

        progress_log.record(result)
    except Exception:
        pass  # a read-only home must not break check()
    _show(result)
    return result


def hint(question_id: str) -> HintResult:
    """Hints on demand for one question: a nudge on the first call, then more on each call."""
    info = public.summary(question_id) if question_id in public.question_ids() else None
    if info is None:
        public.load(question_id)  # raises the ValueError that lists the known ids
    levels = info["hints"]
    level = min(_HINT_LEVEL.get(question_id, 0) + 1, len(levels))
    _HINT_LEVEL[question_id] = level
    result = HintResult(question_id, info["title"], level, len(levels), levels[level - 1])
    _show(result)
    return result


def format_report(rep: dict, public: bool = True) -> str:
    """The plain text of one question report (the JSON form of :func:`run_public`)."""
    return render.text_report(rep, public)


def format_submission(rep: dict) -> str:
    """The text that ``validate`` prints for one submission report (the JSON form).

    In the learner's language (:func:`deconv_course.i18n.language`); the report itself stays as
    it is (its statuses and messages are data).
    """
    head = tr(
        "{submission}: {status}, {score} / {max_score} points",
        submission=rep["submission"],
        status=render.status_text(rep["status"]),
        score=f"{rep['score']:g}",
        max_score=f"{rep['max_score']:g}",
    )
    modes = {"public": tr(" (public cases)"), "hidden": tr(" (hidden cases)")}
    if rep.get("mode"):
        head += modes.get(rep["mode"], f" ({rep['mode']} cases)")
    lines = [head]
    if rep.get("reason"):
        lines.append(tr("  reason: {reason}", reason=render.reason_text(rep["reason"])))
    for q in rep.get("questions", []):
        status = render.status_text(q["status"])
        lines.append(f"  {q['id']:<26} {q['score']:>5g} / {q['points']:<3g} {status}")
        for c in q["cases"]:
            if not c["passed"] and q["status"] not in ("not attempted", "missing"):
                lines.append(f"      {tr(c['case'])}: {render.case_message(c['message'])}")
        for h in q.get("hints", []):
            lines.append(tr("      hint: {hint}", hint=tr(h)))
    return "\n".join(lines)
