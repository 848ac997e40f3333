"""Feedback a student can read: ``DIR/feedback/<student>.md`` and ``.html`` (self-contained).

Per exercise: the score, and per question its points, its status, the hint of each known
misconception the answers matched, and each failing case by its *category* ("batch 2, 2 -> 3
channels, 3x2 kernel, stride 3 ...") with what went wrong and, when the student's code raised, the
lines of their own cells the error passed through. Never a hidden input or an expected value: a
case's message is reduced to its kind ("wrong values", "wrong shape"), and every number in an
exception message is masked, because a student's code can put its inputs into one.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from .questions import QUESTIONS

# a number on its own (not the digits of a name such as ex01 or x2)
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_])")
_KINDS = (  # (prefix of the grader's message, what the student is told)
    ("wrong values", "wrong values"),
    ("wrong shape", "the output has the wrong shape"),
    ("returned ", "wrong answer"),
    ("answered ", "wrong answer"),
    ("output contains NaN", "the output contains NaN or inf"),
    ("return ", None),  # "return an array, not a str ('...')": the kind without the value
    ("wrong dtype", None),
    ("PSNR too low", "PSNR too low: the restoration with your weight is too far below the best weight's"),
)


def mask_numbers(text: str) -> str:
    """``text`` with every number replaced by ``#`` (a student's exception can print hidden inputs)."""
    return _NUMBER.sub("#", text)


def safe_message(case: dict) -> str:
    """What a failing case says to the student: its kind, never its values."""
    msg = str(case.get("message", ""))
    for prefix, said in _KINDS:
        if msg.startswith(prefix):
            if said is None:
                return mask_numbers(msg.split(" (")[0].split(", not ")[0] if prefix == "return " else msg)
            return said
    return mask_numbers(msg)[:300]


def safe_traceback(text: str) -> list[str]:
    """The student's frames (``cell line N: source``, their own code, kept) and the masked exception."""
    lines = [ln for ln in str(text).splitlines() if ln.strip()][-6:]
    out = [ln[:200] for ln in lines[:-1] if ln.startswith("cell line ")]
    if lines:
        out.append(mask_numbers(lines[-1])[:300])
    return out


def question_feedback(q: dict) -> dict:
    """One question's feedback as plain data (used by the files and by Gradescope's results.json)."""
    failing = []
    for i, c in enumerate(q.get("cases", [])):
        if c.get("passed"):
            continue
        failing.append(
            {
                "n": i + 1,
                "category": c.get("category") or "",
                "status": c.get("status", ""),
                "what": safe_message(c),
                "traceback": safe_traceback(c["traceback"]) if c.get("traceback") else [],
            }
        )
    seen: dict[tuple, int] = {}
    for f in failing:  # the same traceback on several cases: shown once
        key = tuple(f["traceback"])
        if key and key in seen:
            f["traceback"], f["what"] = [], f"{f['what']} (same traceback as case {seen[key]})"
        elif key:
            seen[key] = f["n"]
    spec = QUESTIONS.get(q["id"])
    return {
        "id": q["id"],
        "title": q.get("title", ""),
        "name": q.get("name", ""),
        "score": q.get("score", 0.0),
        "points": q.get("points", spec.points if spec else 0),
        "status": q.get("status", ""),
        "hints": list(q.get("hints") or []),
        "failing": failing,
        "cases": len(q.get("cases", [])),
    }


def _one_reason(fb: dict) -> bool:
    """Did every case fail for one reason that no case's category explains (not attempted, missing...)?"""
    f = fb["failing"]
    return (
        len(f) == fb["cases"] > 1
        and fb["status"] in ("not attempted", "missing", "not callable", "forbidden method", "error")
        and len({x["what"] for x in f}) == 1
        and not any(x["traceback"] for x in f)
    )


def question_text(fb: dict) -> str:
    """One question's feedback as Markdown."""
    lines = [f"**{fb['score']:g} / {fb['points']:g} points** ({fb['status']})"]
    for h in fb["hints"]:
        lines.append(f"- Hint: {h}")
    if _one_reason(fb):
        lines.append(f"- all {fb['cases']} cases: {fb['failing'][0]['what']}")
    elif fb["failing"]:
        lines.append(f"- {len(fb['failing'])} of {fb['cases']} cases failed:")
        for f in fb["failing"]:
            what = f"case {f['n']}" + (f" ({f['category']})" if f["category"] else "")
            lines.append(f"  - {what}: {f['what']}")
            if f["traceback"]:
                lines.append("    ```")
                lines += [f"    {t}" for t in f["traceback"]]
                lines.append("    ```")
    return "\n".join(lines)


def _header(rep: dict) -> list[str]:
    ex = rep.get("exercise") or "unknown exercise"
    out = [f"## {ex}: {rep.get('score', 0):g} / {rep.get('max_score', 0):g} points", ""]
    out.append(f"File: `{rep['submission']}`, status: {rep.get('status', '')}")
    if rep.get("reason"):
        out.append(f"Note: {mask_numbers(str(rep['reason']))[:500]}")
    return out


def student_markdown(student: str, reps: list[dict]) -> str:
    lines = [f"# Feedback for {student}", ""]
    total = sum(r.get("score", 0) for r in reps)
    top = sum(r.get("max_score", 0) for r in reps)
    lines += [f"Total: **{total:g} / {top:g} points**", ""]
    for rep in reps:
        lines += _header(rep) + [""]
        for q in rep.get("questions", []):
            fb = question_feedback(q)
            lines += [f"### {fb['id']}: {fb['title']} (`{fb['name']}`)", "", question_text(fb), ""]
    lines.append("The hidden cases are described by their kind only; run check() in the notebook to debug.")
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}"
    ".passed{color:#17622f}.partial{color:#8a5a00}.failed,.error{color:#a31515}"
    "pre{background:#f5f5f5;padding:.5rem;overflow-x:auto}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
)


def student_html(student: str, reps: list[dict]) -> str:
    e = html.escape
    total = sum(r.get("score", 0) for r in reps)
    top = sum(r.get("max_score", 0) for r in reps)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>Feedback for {e(student)}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Feedback for {e(student)}</h1><p>Total: <b>{total:g} / {top:g} points</b></p>",
    ]
    for rep in reps:
        out.append(f"<h2>{e(rep.get('exercise') or 'unknown exercise')}: {rep.get('score', 0):g} / ")
        out.append(f"{rep.get('max_score', 0):g} points</h2>")
        out.append(f"<p>File: <code>{e(rep['submission'])}</code>, status: {e(rep.get('status', ''))}</p>")
        if rep.get("reason"):
            out.append(f"<p>Note: {e(mask_numbers(str(rep['reason']))[:500])}</p>")
        if rep.get("questions"):
            out.append("<table><tr><th>question</th><th>points</th><th>status</th></tr>")
            for q in rep["questions"]:
                out.append(
                    f"<tr><td>{e(q['id'])}</td><td>{q['score']:g} / {q['points']:g}</td>"
                    f'<td class="{e(q["status"])}">{e(q["status"])}</td></tr>'
                )
            out.append("</table>")
        for q in rep.get("questions", []):
            fb = question_feedback(q)
            out.append(f"<h3>{e(fb['id'])}: {e(fb['title'])} (<code>{e(fb['name'])}</code>)</h3>")
            out.append(
                f'<p class="{e(fb["status"])}"><b>{fb["score"]:g} / {fb["points"]:g} points</b> ({e(fb["status"])})</p>'
            )
            out += [f"<p>Hint: {e(h)}</p>" for h in fb["hints"]]
            if _one_reason(fb):
                out.append(f"<p>All {fb['cases']} cases: {e(fb['failing'][0]['what'])}</p>")
            elif fb["failing"]:
                out.append(f"<p>{len(fb['failing'])} of {fb['cases']} cases failed:</p><ul>")
                for f in fb["failing"]:
                    what = f"case {f['n']}" + (f" ({f['category']})" if f["category"] else "")
                    out.append(f"<li>{e(what)}: {e(f['what'])}")
                    if f["traceback"]:
                        out.append("<pre>" + e("\n".join(f["traceback"])) + "</pre>")
                    out.append("</li>")
                out.append("</ul>")
    out.append("<p><small>The hidden cases are described by their kind only; run check() in the notebook")
    out.append(" to debug.</small></p></body></html>")
    return "\n".join(out) + "\n"


def _file_name(student: str, used: set[str]) -> str:
    stem = re.sub(r"[^\w.-]", "_", student)[:80].lstrip(".") or "student"
    name, k = stem, 2
    while name.lower() in used:
        name, k = f"{stem}-{k}", k + 1
    used.add(name.lower())
    return name


def write_feedback(reports: list[dict], out_dir: Path) -> dict[str, str]:
    """``out_dir/feedback/<student>.md`` and ``.html`` per student; returns student -> file stem."""
    folder = out_dir / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[dict]] = {}
    for rep in reports:
        by_student.setdefault(rep.get("student") or Path(rep["submission"]).stem, []).append(rep)
    used: set[str] = set()
    names = {}
    for student in sorted(by_student):
        reps = sorted(by_student[student], key=lambda r: (r.get("exercise") or "", r["submission"]))
        name = _file_name(student, used)
        (folder / f"{name}.md").write_text(student_markdown(student, reps), encoding="utf-8")
        (folder / f"{name}.html").write_text(student_html(student, reps), encoding="utf-8")
        names[student] = name
        for rep in reps:
            rep["feedback_file"] = f"feedback/{name}.md"
    return names
