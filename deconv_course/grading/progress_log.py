"""Progress at a glance: every question of every exercise, its points and the learner's status.

``check()`` records each run (status and score per question) in a small JSON file in
``$DECONV_COURSE_HOME`` (default ``~/.deconv-course``), never inside the course folder, so a
``git pull`` or a fresh clone keeps it and ``make test`` never sees it. ``progress()`` (in a
notebook) and ``deconv-course progress`` (in a terminal) list all questions from the shipped
public-case data with their titles, points and statuses (not attempted / failed / partial /
passed), and a time estimate per exercise.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..i18n import translate as tr
from . import public

FILE = "progress.json"
_SHOWN = {"passed": "passed", "partial": "partial", "failed": "failed"}  # everything else: not attempted


def home() -> Path:
    """``$DECONV_COURSE_HOME`` or ``~/.deconv-course``."""
    return Path(os.environ.get("DECONV_COURSE_HOME") or Path.home() / ".deconv-course")


def load(path: Path | None = None) -> dict:
    """The record: {question id: {"status", "score", "points"}}; empty when there is none."""
    path = path or home() / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("questions", {}) if isinstance(data, dict) else {}


def record(result, path: Path | None = None) -> None:
    """Store one ``check()`` result (atomically: a crash never leaves half a file)."""
    if getattr(result, "skipped", False):
        return
    path = path or home() / FILE
    data = load(path)
    data[result.id] = {"status": result.status, "score": result.score, "points": result.points}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"format": 1, "questions": data}, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


@dataclass
class Row:
    exercise: str
    id: str
    title: str
    points: int
    status: str
    score: float


@dataclass
class Progress:
    """Every question with its status; HTML in Jupyter, text in a terminal."""

    rows: list[Row]
    minutes: dict[str, int]
    where: str

    @property
    def score(self) -> float:
        return sum(r.score for r in self.rows)

    @property
    def points(self) -> int:
        return sum(r.points for r in self.rows)

    def _exercise_line(self, ex: str) -> str:
        rows = [r for r in self.rows if r.exercise == ex]
        done = sum(r.status == "passed" for r in rows)
        return tr(
            "{ex} (about {minutes} min): {done} of {n} passed, {score:g} / {points} points",
            ex=ex,
            minutes=self.minutes.get(ex, "?"),
            done=done,
            n=len(rows),
            score=sum(r.score for r in rows),
            points=sum(r.points for r in rows),
        )

    def __repr__(self) -> str:
        lines = [
            tr(
                "progress: {score:g} / {points} points ({where})",
                score=self.score,
                points=self.points,
                where=self.where,
            )
        ]
        for ex in self.minutes:
            lines.append(self._exercise_line(ex))
            for r in (r for r in self.rows if r.exercise == ex):
                lines.append(f"  {r.id:<24} {tr(r.status):<14} {r.score:>4g} / {r.points:<2} {tr(r.title)}")
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        from .render import BAD, BOX, CELL, DIM, OK, WARN

        colour = {"passed": OK, "partial": WARN, "failed": BAD}
        e = html.escape
        out = [
            f'<div style="{BOX.format(c=DIM)}"><div style="font-weight: 600">'
            f"{e(tr('progress: {score:g} / {points} points', score=self.score, points=self.points))}</div>"
        ]
        out.append('<table style="border-collapse: collapse">')
        for ex in self.minutes:
            out.append(
                f'<tr><td colspan="4" style="{CELL}; font-weight: 600; padding-top: 0.5em">{e(self._exercise_line(ex))}</td></tr>'
            )
            for r in (r for r in self.rows if r.exercise == ex):
                out.append(
                    f'<tr><td style="{CELL}"><code>{e(r.id)}</code></td><td style="{CELL}">{e(tr(r.title))}</td>'
                    f'<td style="{CELL}; color: {colour.get(r.status, DIM)}">{e(tr(r.status))}</td>'
                    f'<td style="{CELL}; text-align: right">{r.score:g} / {r.points}</td></tr>'
                )
        out.append(
            f'</table><div style="color: {DIM}">{e(tr("recorded in {where}", where=self.where))}</div></div>'
        )
        return "".join(out)


def progress(path: Path | None = None) -> Progress:
    """Every question of every exercise with its title, points and status, from ``check()``'s record."""
    path = path or home() / FILE
    seen = load(path)
    rows = []
    for qid in public.question_ids():
        info = public.summary(qid)
        rec = seen.get(qid, {})
        status = _SHOWN.get(rec.get("status"), "not attempted")
        score = float(rec.get("score", 0.0)) if status != "not attempted" else 0.0
        rows.append(Row(qid.split(".")[0], qid, info["title"], info["points"], status, score))
    minutes = {ex: meta["minutes"] for ex, meta in public.exercises().items()}
    return Progress(rows, minutes, shown_path(path))


def shown_path(path: Path) -> str:
    """``path`` as progress() prints it: the same on every machine where it is the course's record
    (``$DECONV_COURSE_HOME/...`` or ``~/...``), the full path otherwise."""
    path = Path(path)
    for base, name in (
        (os.environ.get("DECONV_COURSE_HOME"), "$DECONV_COURSE_HOME"),
        (str(Path.home()), "~"),
    ):
        if base and path.is_relative_to(base):
            return str(Path(name) / path.relative_to(base))
    return str(path)
