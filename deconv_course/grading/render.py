"""What ``check()`` and ``hint()`` return, and how they render: HTML in Jupyter, text in a terminal.

The HTML uses JupyterLab's CSS variables (with fallbacks) so that it reads in the light and the
dark theme, wraps at words, and shows a small failed case's input, expected and returned arrays
side by side with the differing cells marked. Both forms are deterministic (no ids, no times),
so notebooks that store them compare cleanly under nbval.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..i18n import language
from ..i18n import translate as tr

OK = "var(--jp-success-color1, #388e3c)"
BAD = "var(--jp-error-color1, #d32f2f)"
WARN = "var(--jp-warn-color1, #f57c00)"
DIM = "var(--jp-ui-font-color2, #616161)"
BOX = (
    "font-family: var(--jp-ui-font-family, sans-serif); font-size: var(--jp-ui-font-size1, 13px); "
    "color: var(--jp-ui-font-color1, inherit); border-left: 4px solid {c}; padding: 0.3em 0.8em; "
    "margin: 0.2em 0; max-width: 62em; word-break: normal; overflow-wrap: anywhere"
)
CELL = "padding: 0.1em 0.6em; text-align: left; vertical-align: top; border: none; color: inherit"
NUM = "padding: 0.05em 0.4em; text-align: right; border: 1px solid var(--jp-border-color2, #e0e0e0); color: inherit"
DIFF = "background: rgba(211, 47, 47, 0.28); font-weight: 600"
MAX_SIDE = 8  # arrays up to 8 x 8 (after dropping leading axes of length 1) are shown
WIDTH = 88


@dataclass
class CaseCheck:
    """One public case's verdict; ``inputs``/``expected``/``returned`` are set for array answers."""

    label: str
    status: str
    passed: bool
    message: str = ""
    hint: str = ""
    traceback: str | None = None
    inputs: list[tuple[str, Any]] | None = None
    expected: Any = None
    returned: Any = None

    def to_dict(self) -> dict:
        return {"status": self.status, "passed": self.passed, "message": self.message, "hint": self.hint, "case": self.label}  # fmt: skip


@dataclass
class CheckResult:
    """What ``check()`` found: ``assert check(...)`` (or ``.passed``) fails unless all cases passed.

    ``hints`` are the known mistakes the answer matches, each once: (hint, numbers of the cases
    it explains, counted from 1). ``warnings`` come from the static method check (they are not failures here,
    but the grader gives the question 0 points).
    """

    id: str
    name: str
    title: str
    points: int
    score: float
    status: str
    passed: bool
    cases: list[CaseCheck]
    hints: list[tuple[str, list[int]]]
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict:
        """The question report's JSON form (as ``run_public`` returns it)."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "points": self.points,
            "score": self.score,
            "status": self.status,
            "cases": [c.to_dict() for c in self.cases],
        }

    def __repr__(self) -> str:
        if self.skipped:
            return f"{self.id}: check skipped (the grader runs its own cases)"
        return text_check(self)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if self.skipped:
            return ""
        return html_check(self)


@dataclass
class HintResult:
    """One hint of ``hint(id)``: ``level`` of ``levels``."""

    id: str
    title: str
    level: int
    levels: int
    text: str

    def _more(self) -> str:
        if self.level < self.levels:
            return tr("run hint({id!r}) again for more", id=self.id)
        return tr("that was the last hint; check() shows hints aimed at your own answer")

    def __repr__(self) -> str:
        head = tr(
            "hint {level} of {levels} for {id} ({title}): ",
            level=self.level,
            levels=self.levels,
            id=self.id,
            title=tr(self.title),
        )
        return _wrap(head + tr(self.text)) + "\n" + _wrap(f"({self._more()})")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        e = _e
        return (
            f'<div style="{BOX.format(c=WARN)}"><b>{e(tr("hint {level} of {levels}", level=self.level, levels=self.levels))}</b> '
            f"<code>{e(self.id)}</code> ({e(tr(self.title))})<div>{e(tr(self.text))}</div>"
            f'<div style="color: {DIM}">{e(self._more())}</div></div>'
        )


# ---------------------------------------------------------------------------------------------
# shared wording
# ---------------------------------------------------------------------------------------------
# What compare() and the harness say about one case, as templates: in the learner's language at
# display time (the grader's reports keep the English, whose prefixes feedback_files reads).
_CASE_MESSAGES = [
    (
        r"wrong shape: got (?P<got>.+), expected (?P<expected>.+)",
        "wrong shape: got {got}, expected {expected}",
    ),
    (
        r"wrong dtype: got (?P<got>\S+), expected a floating-point array \(float64\)",
        "wrong dtype: got {got}, expected a floating-point array (float64)",
    ),
    (
        r"wrong dtype: got (?P<got>\S+), expected a complex array",
        "wrong dtype: got {got}, expected a complex array",
    ),
    (r"wrong dtype: got (?P<got>\S+), expected numbers", "wrong dtype: got {got}, expected numbers"),
    (r"output contains NaN or inf", "output contains NaN or inf"),
    (
        r"wrong values: largest error (?P<err>\S+) at index (?P<index>.+)",
        "wrong values: largest error {err} at index {index}",
    ),
    (r"return an array, not (?P<got>.+)", "return an array, not {got}"),
    (r"return a string, not (?P<got>.+)", "return a string, not {got}"),
    (r"return True or False, not (?P<got>.+)", "return True or False, not {got}"),
    (r"return an int, not (?P<got>.+)", "return an int, not {got}"),
    (r"return one number \(the weight\), not (?P<got>.+)", "return one number (the weight), not {got}"),
    (
        r"returned (?P<got>.+): the weight must be a finite number > 0",
        "returned {got}: the weight must be a finite number > 0",
    ),
    (r"returned (?P<got>.+), expected (?P<expected>.+)", "returned {got}, expected {expected}"),
    (r"answered (?P<got>.+)", "answered {got}"),
    (r"no answer for (?P<item>\S+)", "no answer for {item}"),
    (r"answer (?P<item>\S+) with a string, not a (?P<type>\S+)", "answer {item} with a string, not a {type}"),
    (
        r"(?P<name>\w+)\(\) must return a dict like (?P<example>\{.*\}), not (?P<got>.+)",
        "{name}() must return a dict like {example}, not {got}",
    ),
    (
        r"not attempted \(still raises NotImplementedError\)",
        "not attempted (still raises NotImplementedError)",
    ),
    (r"is not a function", "is not a function"),
    (r"no function named (?P<name>.+) is defined", "no function named {name} is defined"),
    (r"raised (?P<error>.+)", "raised {error}"),
    (r"took longer than (?P<seconds>\S+) s", "took longer than {seconds} s"),
    (
        r"PSNR too low: your weight (?P<lam>\S+) restores to (?P<reached>\S+) dB, (?P<gap>\S+) dB below "
        r"the best weight \((?P<at>[^:]+): (?P<best>\S+) dB\); (?P<allowed>\S+) dB are allowed here",
        "PSNR too low: your weight {lam} restores to {reached} dB, {gap} dB below the best weight ({at}: {best} dB); "
        "{allowed} dB are allowed here",
    ),
]


def case_message(message: str) -> str:
    """One case's message in the learner's language (unchanged where no template matches)."""
    for pattern, template in _CASE_MESSAGES:
        m = re.fullmatch(pattern, message, flags=re.S)
        if m:
            return tr(template, **m.groupdict())
    return message


def status_text(status: str) -> str:
    """A question's or a submission's status word as the reader reads it."""
    words = {
        "passed": tr("passed"),
        "partial": tr("partial"),
        "failed": tr("failed"),
        "not attempted": tr("not attempted"),
        "missing": tr("missing"),
        "not callable": tr("not callable"),
        "forbidden method": tr("forbidden method"),
        "error": tr("error"),
        "graded": tr("graded"),
        "graded with errors": tr("graded with errors"),
        "timeout": tr("timeout"),
        "invalid": tr("invalid"),
        "grader error": tr("grader error"),
    }
    return words.get(status, status)


def reason_text(reason: str) -> str:
    """A submission's reason (``reason`` already masked), its fixed parts in the reader's language."""
    if language() == "en":
        return reason
    fixed = {
        "every function still raises NotImplementedError": tr(
            "every function still raises NotImplementedError"
        ),
        "no graded function defined": tr("no graded function defined"),
        "no notebook": tr("no notebook"),
        "cannot tell which exercise this is (ex01..ex06)": tr(
            "cannot tell which exercise this is (ex01..ex06)"
        ),
    }
    patterns = (
        (r"cell (?P<n>\S+): (?P<status>[\w ]+): (?P<error>.*)", lambda m: tr(
            "cell {n}: {status}: {error}", n=m["n"], status=status_text(m["status"]), error=m["error"]
        )),
        (r"notebook time limit of (?P<seconds>\S+) s reached", lambda m: tr(
            "notebook time limit of {seconds} s reached", seconds=m["seconds"]
        )),
        (r"(?P<n>\S+) more cells failed", lambda m: tr("{n} more cells failed", n=m["n"])),
    )  # fmt: skip
    parts = []
    for part in reason.split("; "):
        found = fixed.get(part)
        for pattern, said in patterns if found is None else ():
            m = re.fullmatch(pattern, part, flags=re.S)
            if m:
                found = said(m)
                break
        parts.append(part if found is None else found)
    return tr("; ").join(parts)


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _headline(r: CheckResult) -> tuple[str, str]:
    """(mark and first line, colour)."""
    n, passed = len(r.cases), sum(c.passed for c in r.cases)
    head = f"{r.id} · {tr(r.title)}"
    if r.status == "passed":
        return "\u2714 " + tr(
            "{head}: all {n} public cases passed ({score:g} / {points} points)",
            head=head,
            n=n,
            score=r.score,
            points=r.points,
        ), OK
    if r.status == "not attempted":
        return tr("{head}: not attempted yet", head=head), DIM
    if r.status in ("missing", "not callable"):
        return tr("{head}: no function `{name}` is defined yet", head=head, name=r.name), DIM
    return "\u2718 " + tr(
        "{head}: {passed} of {n} public cases passed ({score:g} / {points} points)",
        head=head,
        passed=passed,
        n=n,
        score=r.score,
        points=r.points,
    ), BAD


def _advice(r: CheckResult) -> str:
    if r.status == "passed":
        return tr("The grader also runs hidden cases.")
    if r.status == "not attempted":
        return tr(
            "Replace the `raise NotImplementedError` in `{name}` with your code, run that cell, "
            "then run this check again. Stuck? hint({id!r}) gives a nudge.",
            name=r.name,
            id=r.id,
        )
    if r.status in ("missing", "not callable"):
        return tr("Run the cell that defines `{name}`, then this check again.", name=r.name)
    return tr("Stuck? hint({id!r}) gives a nudge, more on each call.", id=r.id)


def _small(a: Any) -> np.ndarray | None:
    """``a`` as a 0-2-D array to display, or None when it is not a small array."""
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biufc":
        return None
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[0] > MAX_SIDE or a.shape[1] > MAX_SIDE or a.size == 0:
        return None
    return a


def _fmt(v: Any) -> str:
    if isinstance(v, (complex, np.complexfloating)):
        return f"{v.real:.3g}{v.imag:+.3g}j"
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return str(v)


def _panels(
    c: CaseCheck, rtol: float = 1e-7, atol: float = 1e-9
) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(title, array, mask of differing cells) for each array of a failed case small enough to show."""
    if c.passed or c.returned is None:
        return []
    exp, got = _small(np.asarray(c.expected)), _small(np.asarray(c.returned))
    out = [(name, a, None) for name, v in (c.inputs or []) if (a := _small(v)) is not None]
    if exp is None and got is None:
        return []
    mask = None
    if exp is not None and got is not None and exp.shape == got.shape:
        with np.errstate(all="ignore"):
            mask = ~np.isclose(got.astype(complex), exp.astype(complex), rtol=rtol, atol=atol)
    if exp is not None:
        out.append((tr("expected"), exp, None))
    if got is not None:
        out.append((tr("returned"), got, mask))
    return out


def _marked(r: CheckResult) -> bool:
    return any(m is not None and m.any() for c in r.cases for _, _, m in _panels(c))


# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------
def _text_grid(title: str, a: np.ndarray, mask: np.ndarray | None) -> list[str]:
    cells = [
        [_fmt(v) + ("*" if mask is not None and mask[i, j] else "") for j, v in enumerate(row)]
        for i, row in enumerate(a)
    ]
    width = max(len(s) for row in cells for s in row)
    lines = [title] + [" ".join(s.rjust(width) for s in row) for row in cells]
    return lines


def _cases_word(numbers: list[int], total: int) -> str:
    if len(numbers) == total and total > 1:
        return tr("all cases")
    return tr(
        "case {numbers}" if len(numbers) == 1 else "cases {numbers}", numbers=", ".join(map(str, numbers))
    )


def _tracebacks(r: CheckResult) -> list[str | None]:
    """Each case's traceback, or None where it repeats the one shown for an earlier case."""
    seen, out = set(), []
    for c in r.cases:
        out.append(c.traceback if c.traceback and c.traceback not in seen else None)
        seen.add(c.traceback)
    return out


def _side_by_side(blocks: list[list[str]], indent: str) -> list[str]:
    widths = [max(len(s) for s in b) for b in blocks]
    rows = max(len(b) for b in blocks)
    out = []
    for i in range(rows):
        parts = [(b[i] if i < len(b) else "").ljust(w) for b, w in zip(blocks, widths)]
        out.append((indent + "   ".join(parts)).rstrip())
    return out


def text_check(r: CheckResult) -> str:
    head, _ = _headline(r)
    lines = [_wrap(head)]
    if r.status not in ("passed", "not attempted", "missing", "not callable"):
        for n, (c, tb) in enumerate(zip(r.cases, _tracebacks(r)), 1):
            mark = "\u2714" if c.passed else "\u2718"
            lines.append(
                _wrap(
                    f"{mark} {n}. {tr(c.label)}" + ("" if c.passed else f": {case_message(c.message)}"),
                    "      ",
                    "  ",
                )
            )
            if tb:
                lines += ["      " + t for t in tb.splitlines()]
            if c.hint and c.hint not in {h for h, _ in r.hints}:
                lines.append(_wrap(tr("hint: ") + tr(c.hint), "          ", "      "))
            panels = _panels(c)
            if panels:
                lines += _side_by_side([_text_grid(t, a, m) for t, a, m in panels], "      ")
        for text, labels in r.hints:
            lines.append(
                _wrap(
                    tr("hint ({cases}): ", cases=_cases_word(labels, len(r.cases))) + tr(text), "      ", "  "
                )
            )
        if _marked(r):
            lines.append("  " + tr("(* marks a value that differs from the expected one)"))
    for w in r.warnings:
        lines.append(_wrap(f"warning: {w}", "      ", "  "))
    lines.append(_wrap(_advice(r), "  ", "  "))
    return "\n".join(lines)


def text_report(rep: dict, public: bool = True) -> str:
    """The plain text of one question report's JSON form (``run_public``'s dict)."""
    qid, n = rep["id"], len(rep["cases"])
    passed = sum(c["passed"] for c in rep["cases"])
    if rep["status"] == "passed":
        extra = " (the grader also runs hidden cases)" if public else ""
        return f"{qid}: all {n} {'public ' if public else ''}cases passed \u2714{extra}"
    if rep["status"] == "not attempted":
        return _wrap(
            f"{qid}: not attempted yet. Replace the `raise NotImplementedError` in "
            f"`{rep['name']}` with your code, run that cell, then run this check again."
        )
    if rep["status"] in ("missing", "not callable"):
        return f"{qid}: no function `{rep['name']}` is defined yet; run the cell that defines it."
    lines = [f"{qid} \u00b7 {rep['title']} ({rep['points']} points)"]
    for c in rep["cases"]:
        mark = "\u2714" if c["passed"] else "\u2718"
        lines.append(
            _wrap(
                f"{mark} {c['case']}" + ("" if c["passed"] else f": {case_message(c['message'])}"),
                "      ",
                "  ",
            )
        )
        if c.get("hint"):
            lines.append(_wrap(f"hint: {c['hint']}", "          ", "      "))
    lines.append(f"  {passed} of {n} {'public ' if public else ''}cases passed.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------
def _html_grid(title: str, a: np.ndarray, mask: np.ndarray | None) -> str:
    rows = []
    for i, row in enumerate(a):
        tds = "".join(
            f'<td style="{NUM}{"; " + DIFF if mask is not None and mask[i, j] else ""}">{html.escape(_fmt(v))}</td>'
            for j, v in enumerate(row)
        )
        rows.append(f"<tr>{tds}</tr>")
    return (
        f'<div><div style="color: {DIM}">{html.escape(title)}</div>'
        f'<table style="border-collapse: collapse; font-family: var(--jp-code-font-family, monospace)">'
        f"{''.join(rows)}</table></div>"
    )


def _e(text: str) -> str:
    """Escaped text, with `code` spans as <code>."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", html.escape(text))


def html_check(r: CheckResult) -> str:
    e = _e
    head, colour = _headline(r)
    parts = [
        f'<div style="{BOX.format(c=colour)}">',
        f'<div style="font-weight: 600; color: {colour}">{e(head)}</div>',
    ]
    if r.status not in ("passed", "not attempted", "missing", "not callable"):
        rows = []
        for n, (c, tb) in enumerate(zip(r.cases, _tracebacks(r)), 1):
            mark, col = ("\u2714", OK) if c.passed else ("\u2718", BAD)
            detail = "" if c.passed else e(case_message(c.message))
            if tb:
                detail += f'<pre style="white-space: pre-wrap; margin: 0.2em 0">{html.escape(tb)}</pre>'
            if c.hint and c.hint not in {h for h, _ in r.hints}:
                detail += f"<div><b>{e(tr('hint: '))}</b>{e(tr(c.hint))}</div>"
            panels = _panels(c)
            if panels:
                grids = "".join(_html_grid(t, a, m) for t, a, m in panels)
                detail += (
                    f'<div style="display: flex; flex-wrap: wrap; gap: 1em; margin: 0.3em 0">{grids}</div>'
                )
            rows.append(
                f'<tr><td style="{CELL}; color: {col}">{mark}</td><td style="{CELL}">{n}. {e(tr(c.label))}</td>'
                f'<td style="{CELL}">{detail}</td></tr>'
            )
        parts.append(f'<table style="border-collapse: collapse; margin: 0.3em 0">{"".join(rows)}</table>')
        for text, labels in r.hints:
            parts.append(
                f'<div style="margin: 0.2em 0"><b>{e(tr("hint ({cases}): ", cases=_cases_word(labels, len(r.cases))))}</b>{e(tr(text))}</div>'
            )
        if _marked(r):
            parts.append(
                f'<div style="color: {DIM}">{e(tr("highlighted: values that differ from the expected ones"))}</div>'
            )
    for w in r.warnings:
        parts.append(f'<div style="color: {WARN}; margin: 0.2em 0"><b>\u26a0 warning:</b> {e(w)}</div>')
    parts.append(f'<div style="color: {DIM}">{e(_advice(r))}</div></div>')
    return "".join(parts)
