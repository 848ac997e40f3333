"""The instructor's tables: who is who (file name pattern or roster), one row per student, a summary.

* :func:`assign_students` gives each report a ``student`` id: from ``--roster`` (the file whose
  name holds a roster id) or from the file name (``--id-pattern``, a regular expression with a
  named group ``id``; by default the file stem up to its first ``_`` or ``-``, else the whole stem:
  ``s1234_ex01.ipynb`` -> ``s1234``).
* :func:`write_tables` writes ``gradebook.csv`` (one row per student: score, max and percentage
  per exercise, the total), ``summary.csv`` / ``summary.md`` (per question: mean score, how many
  passed, how many hit each misconception hint) and, with a roster, ``canvas.csv`` in Canvas's
  gradebook import format (``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>...``
  with a ``Points Possible`` row). A student without a file for an exercise gets 0 out of its
  maximum with the status ``missing``; an unreadable file counts 0 out of its exercise's maximum.

The tables are the same in every language; only the error messages speak the language in force.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from ..i18n import translate as tr
from .questions import EXERCISES, QUESTIONS, exercise_in, max_score

DEFAULT_ID_PATTERN = r"^(?P<id>[^_-]+)"
STATUS_MISSING = "missing"


# ---------------------------------------------------------------------------------------------
# students
# ---------------------------------------------------------------------------------------------
def compile_id_pattern(pattern: str | None) -> re.Pattern:
    """The ``--id-pattern`` regex (default :data:`DEFAULT_ID_PATTERN`); ValueError unless it has ``(?P<id>...)``."""
    try:
        rx = re.compile(pattern or DEFAULT_ID_PATTERN)
    except re.error as exc:
        raise ValueError(
            tr(
                "--id-pattern {pattern} is not a regular expression: {error}",
                pattern=repr(pattern),
                error=exc,
            )
        ) from None
    if "id" not in rx.groupindex:
        raise ValueError(tr("--id-pattern {pattern} needs a named group (?P<id>...)", pattern=repr(pattern)))
    return rx


def student_from_name(name: str, rx: re.Pattern) -> str:
    """The student id of a file name: the ``id`` group of ``rx`` on the stem, else the whole stem."""
    stem = Path(name).stem
    m = rx.search(stem)
    return (m.group("id") if m and m.group("id") else stem).strip() or stem


def read_roster(path: str | Path) -> list[dict]:
    """The rows of a roster CSV (a column ``id``, or ``student_id``; ``name``, ``email``, ``canvas_id``... optional)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = [
            {(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)
        ]
    for r in rows:
        if "id" not in r and "student_id" in r:
            r["id"] = r["student_id"]
    if not rows or not all(r.get("id") for r in rows):
        raise ValueError(
            tr("roster {path}: every row needs an 'id' (columns like id,name,email,canvas_id)", path=path)
        )
    return rows


def assign_students(
    reports: list[dict], id_pattern: str | None = None, roster: list[dict] | None = None
) -> None:
    """Set ``report["student"]`` (and ``"in_roster"`` when there is a roster) on every report."""
    rx = compile_id_pattern(id_pattern)
    ids = {r["id"] for r in roster or []}
    for rep in reports:
        sid = student_from_name(rep["submission"], rx)
        if roster is not None and sid not in ids:  # a roster id among the name's parts
            tokens = re.split(r"[_\-. ]+", Path(rep["submission"]).stem)
            sid = next((t for t in tokens if t in ids), sid)
        rep["student"] = sid
        if roster is not None:
            rep["in_roster"] = sid in ids


def fill_exercise(reports: list[dict], exercise: str | None = None) -> None:
    """Give an invalid file the exercise it was meant for (``--exercise``, its name, or the batch's only one)."""
    seen = {r["exercise"] for r in reports if r.get("exercise")}
    for rep in reports:
        if rep.get("exercise"):
            continue
        guess = exercise or exercise_in(rep["submission"]) or (next(iter(seen)) if len(seen) == 1 else None)
        if guess in EXERCISES:
            rep["exercise"] = guess
            rep["max_score"] = max_score(guess)


def _percent(score: float, top: float) -> str:
    return f"{100 * score / top:.1f}" if top else ""


# ---------------------------------------------------------------------------------------------
# one row per student
# ---------------------------------------------------------------------------------------------
def gradebook(
    reports: list[dict], exercises: list[str] | None = None, roster: list[dict] | None = None
) -> tuple[list[str], list[dict]]:
    """(exercises, rows): one row per student (roster order, then the others), the best file per exercise."""
    exs = sorted(set(exercises or []) | {r["exercise"] for r in reports if r.get("exercise")})
    best: dict[tuple[str, str], dict] = {}
    for rep in reports:
        if not rep.get("exercise"):
            continue
        key = (rep.get("student") or rep["submission"], rep["exercise"])
        if key not in best or rep["score"] > best[key]["score"]:
            best[key] = rep
    students = [r["id"] for r in roster or []]
    students += sorted({r.get("student") or r["submission"] for r in reports} - set(students))
    info = {r["id"]: r for r in roster or []}
    rows = []
    for sid in students:
        row: dict = {"student": sid, "name": info.get(sid, {}).get("name", ""), "exercises": {}}
        total = top = 0.0
        for ex in exs:
            rep = best.get((sid, ex))
            m = max_score(ex)
            score = rep["score"] if rep else 0.0
            status = rep["status"] if rep else STATUS_MISSING
            row["exercises"][ex] = {"score": score, "max": m, "status": status}
            total, top = total + score, top + m
        row["total"], row["max"] = round(total, 2), top
        row["in_roster"] = sid in info if roster is not None else None
        row["unassigned"] = [
            r["submission"] for r in reports if r.get("student") == sid and not r.get("exercise")
        ]
        rows.append(row)
    return exs, rows


def write_gradebook(path: Path, exs: list[str], rows: list[dict], with_roster: bool) -> None:
    header = ["student", "name"] if with_roster else ["student"]
    for ex in exs:
        header += [f"{ex} score", f"{ex} max", f"{ex} percent", f"{ex} status"]
    header += ["total", "max", "percent"] + (["in roster"] if with_roster else [])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            line = [row["student"]] + ([row["name"]] if with_roster else [])
            for ex in exs:
                e = row["exercises"][ex]
                line += [f"{e['score']:g}", f"{e['max']:g}", _percent(e["score"], e["max"]), e["status"]]
            line += [f"{row['total']:g}", f"{row['max']:g}", _percent(row["total"], row["max"])]
            if with_roster:
                line.append("yes" if row["in_roster"] else "no")
            w.writerow(line)


def canvas_assignment(exercise: str) -> str:
    """The Canvas column of an exercise (rename it to your assignment's ``Name (id)`` if they differ)."""
    return EXERCISES[exercise]


def write_canvas(path: Path, exs: list[str], rows: list[dict], roster: list[dict]) -> None:
    """Canvas's gradebook import CSV: Student, ID, SIS User ID, SIS Login ID, Section, one column per exercise.

    The second row is ``Points Possible``; only students in the roster are written (Canvas
    matches rows by ``ID``, the roster's ``canvas_id``, or by ``SIS User ID``).
    """
    info = {r["id"]: r for r in roster}
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [canvas_assignment(e) for e in exs]
        )
        w.writerow(["Points Possible", "", "", "", ""] + [f"{max_score(e):g}" for e in exs])
        for row in rows:
            r = info.get(row["student"])
            if r is None:
                continue
            w.writerow(
                [
                    r.get("name") or r["id"],
                    r.get("canvas_id", ""),
                    r.get("sis_user_id") or r["id"],
                    r.get("sis_login_id") or r.get("login") or r.get("email", ""),
                    r.get("section", ""),
                ]
                + [f"{row['exercises'][e]['score']:g}" for e in exs]
            )


# ---------------------------------------------------------------------------------------------
# per question
# ---------------------------------------------------------------------------------------------
def question_summary(reports: list[dict], exercises: list[str]) -> list[dict]:
    """Per question: submissions, mean score, passed / partial / zero, and each hint's count of submissions."""
    per: dict[str, list[dict]] = defaultdict(list)
    for rep in reports:
        for q in rep.get("questions", []):
            per[q["id"]].append(q)
    out = []
    for qid, q in QUESTIONS.items():
        if q.exercise not in exercises:
            continue
        got = per.get(qid, [])
        n_files = sum(1 for r in reports if r.get("exercise") == q.exercise)
        hints: Counter = Counter()
        for g in got:
            hints.update(set(g.get("hints") or []))
        scores = [g["score"] for g in got] + [0.0] * (n_files - len(got))  # unreadable files count 0
        out.append(
            {
                "question": qid,
                "title": q.title,
                "points": q.points,
                "submissions": n_files,
                "mean_score": round(sum(scores) / len(scores), 2) if scores else 0.0,
                "passed": sum(1 for g in got if g["status"] == "passed"),
                "partial": sum(1 for g in got if g["status"] == "partial"),
                "zero": len(scores) - sum(1 for s in scores if s > 0),
                "hints": hints.most_common(),
            }
        )
    return out


def write_summary(out_dir: Path, summary: list[dict]) -> None:
    cols = ["question", "title", "points", "submissions", "mean_score", "passed", "partial", "zero"]
    with open(out_dir / "summary.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols + ["mean_percent", "misconceptions (submissions: hint)"])
        for s in summary:
            hints = " | ".join(f"{n}: {h}" for h, n in s["hints"])
            w.writerow([s[c] for c in cols] + [_percent(s["mean_score"], s["points"]), hints])
    lines = [
        "# Per-question summary",
        "",
        "| question | points | submissions | mean | passed | partial | zero |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        lines.append(
            f"| {s['question']} ({_md(s['title'])}) | {s['points']} | {s['submissions']} | "
            f"{s['mean_score']:g} | {s['passed']} | {s['partial']} | {s['zero']} |"
        )
    lines += ["", "## Misconceptions seen (what to revisit in the next lecture)", ""]
    for s in summary:
        if s["hints"]:
            lines.append(f"### {s['question']}")
            lines += [f"- **{n}** submission{'s' if n != 1 else ''}: {_md(h)}" for h, n in s["hints"]]
            lines.append("")
    if not any(s["hints"] for s in summary):
        lines.append("No known misconception matched any answer.")
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_tables(
    reports: list[dict], out_dir: Path, exercises: list[str] | None = None, roster: list[dict] | None = None
) -> dict:
    """gradebook.csv, summary.csv/.md and (with a roster) canvas.csv; returns what was written."""
    exs, rows = gradebook(reports, exercises, roster)
    write_gradebook(out_dir / "gradebook.csv", exs, rows, roster is not None)
    write_summary(out_dir, question_summary(reports, exs))
    written = ["gradebook.csv", "summary.csv", "summary.md"]
    if roster is not None:
        write_canvas(out_dir / "canvas.csv", exs, rows, roster)
        written.append("canvas.csv")
    return {"files": written, "exercises": exs, "students": len(rows)}
