"""Feedback a student can read: ``DIR/feedback/<student>.md`` and ``.html`` (self-contained).

Per exercise: the score, and per question its points, its status, the hint of each known
misconception the answers matched, and each failing case by its *category* ("batch 2, 2 -> 3
channels, 3x2 kernel, stride 3 ...") with what went wrong and, when the student's code raised, the
lines of their own cells the error passed through. Never a hidden input or an expected value: a
case's message is reduced to its kind ("wrong values", "wrong shape"), and every number in an
exception message is masked, because a student's code can put its inputs into one.

The files speak the language in force when the grader runs (:func:`deconv_course.i18n.language`:
``DECONV_COURSE_LANG=zh-CN deconv-course grade ...`` writes them in Chinese): headings, status
words, the kinds of failure, question titles, hints and the fixed parts of each case's category
go through the message catalogues (``locale/zh-CN/feedback.json`` and the others). Numbers are
masked on the untranslated text first; a translation only rewords the fixed frame around what is
left, so it can never bring a masked number back. What is free text (a student's exception, a
method finding) stays as the grader wrote it, masked.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..i18n import language
from ..i18n import translate as tr
from .questions import QUESTIONS
from .render import case_message, reason_text, status_text

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


def _said(what: str) -> str:
    """What :func:`safe_message` tells the student (English, masked), in the reader's language."""
    if language() == "en":
        return what
    fixed = {  # the kinds of _KINDS, and what is left of a "return ..." message
        "wrong values": tr("wrong values"),
        "the output has the wrong shape": tr("the output has the wrong shape"),
        "wrong answer": tr("wrong answer"),
        "the output contains NaN or inf": tr("the output contains NaN or inf"),
        "PSNR too low: the restoration with your weight is too far below the best weight's": tr(
            "PSNR too low: the restoration with your weight is too far below the best weight's"
        ),
        "return an array": tr("return an array"),
        "return a string": tr("return a string"),
        "return True or False": tr("return True or False"),
        "return an int": tr("return an int"),
        "return one number": tr("return one number"),
    }
    if what in fixed:
        return fixed[what]
    said = case_message(what)  # the fixed frame of an already masked message ("raised {error}")
    return tr(what) if said == what else said


# a hidden case's category: phrases joined by ", " (grading/questions/*.py builds them)
_SIZE = r"(?P<h>\d+)x(?P<w>\d+)"


def _category_phrases() -> dict[str, str]:
    """The fixed phrases of the hidden cases' categories."""
    return {
        "random image": tr("random image"),
        "random input": tr("random input"),
        "random scene": tr("random scene"),
        "random positive image": tr("random positive image"),
        "random feature map": tr("random feature map"),
        "random layer sizes": tr("random layer sizes"),
        "integer image": tr("integer image"),
        "smooth image": tr("smooth image"),
        "periodic pattern": tr("periodic pattern"),
        "smooth image plus a periodic pattern": tr("smooth image plus a periodic pattern"),
        "output of a random ConvTranspose2d": tr("output of a random ConvTranspose2d"),
        "one output": tr("one output"),
        "several outputs": tr("several outputs"),
        "several iterations": tr("several iterations"),
        "padding": tr("padding"),
        "no padding": tr("no padding"),
        "output padding": tr("output padding"),
        "no dilation": tr("no dilation"),
        "dilation > 1": tr("dilation > 1"),
        "stride > 1": tr("stride > 1"),
        "with bias": tr("with bias"),
        "no bias": tr("no bias"),
        "low noise": tr("low noise"),
        "high noise": tr("high noise"),
        "gaussian noise": tr("gaussian noise"),
        "poisson noise": tr("poisson noise"),
        "weak": tr("weak"),
        "strong": tr("strong"),
        "small balance": tr("small balance"),
        "large balance": tr("large balance"),
        "not square": tr("not square"),
        "even": tr("even"),
        "even-sized": tr("even-sized"),
        "not adjoint": tr("not adjoint"),
        "kernel divisible by stride": tr("kernel divisible by stride"),
        "cross-correlation": tr("cross-correlation"),
        "true convolution": tr("true convolution"),
        "transposed convolution": tr("transposed convolution"),
        "a term from the public cases": tr("a term from the public cases"),
        "a term not in the public cases": tr("a term not in the public cases"),
        "a random matrix and its transpose": tr("a random matrix and its transpose"),
        "a 2D convolution matrix and its transpose": tr("a 2D convolution matrix and its transpose"),
        "a 2D convolution matrix and itself": tr("a 2D convolution matrix and itself"),
        "a matrix and a transpose with one entry changed": tr(
            "a matrix and a transpose with one entry changed"
        ),
        "a matrix with very large entries and its transpose": tr(
            "a matrix with very large entries and its transpose"
        ),
        "a matrix with very small entries and a scaled transpose": tr(
            "a matrix with very small entries and a scaled transpose"
        ),
    }


def _size(m: re.Match) -> str:
    return tr("{h}x{w}", h=m["h"], w=m["w"])


_CATEGORY_PATTERNS = (  # (the phrase, its text), tried in order; the numbers are the label's own
    (rf"random {_SIZE} PSF", lambda m: tr("random {size} PSF", size=_size(m))),
    (rf"random {_SIZE} scene", lambda m: tr("random {size} scene", size=_size(m))),
    (rf"{_SIZE} Gaussian PSF", lambda m: tr("{size} Gaussian PSF", size=_size(m))),
    (rf"{_SIZE} PSF", lambda m: tr("{size} PSF", size=_size(m))),
    (rf"{_SIZE} kernel", lambda m: tr("{size} kernel", size=_size(m))),
    (rf"{_SIZE} sub-kernel", lambda m: tr("{size} sub-kernel", size=_size(m))),
    (rf"{_SIZE} pooling", lambda m: tr("{size} pooling", size=_size(m))),
    (r"kernel size (?P<n>\d+)", lambda m: tr("kernel size {n}", n=m["n"])),
    (r"kernel (?P<n>\d+)", lambda m: tr("kernel {n}", n=m["n"])),
    (r"stride (?P<n>\d+)", lambda m: tr("stride {n}", n=m["n"])),
    (r"padding (?P<n>\d+)", lambda m: tr("padding {n}", n=m["n"])),
    (r"output padding (?P<n>\d+)", lambda m: tr("output padding {n}", n=m["n"])),
    (r"dilation (?P<n>\d+)", lambda m: tr("dilation {n}", n=m["n"])),
    (r"groups (?P<n>\d+)", lambda m: tr("groups {n}", n=m["n"])),
    (r"batch (?P<n>\d+)", lambda m: tr("batch {n}", n=m["n"])),
    (r"(?P<a>\d+) -> (?P<b>\d+) channels?", lambda m: tr("{a} -> {b} channels", a=m["a"], b=m["b"])),
    (r"(?P<n>\d+) channels?", lambda m: tr("{n} channels", n=m["n"])),
    (r"(?P<n>\d+) output channels?", lambda m: tr("{n} output channels", n=m["n"])),
    (r"(?P<n>\d+)-channel integer image", lambda m: tr("{n}-channel integer image", n=m["n"])),
    (r"scale (?P<n>\d+)", lambda m: tr("scale {n}", n=m["n"])),
    (r"upscale (?P<n>\d+)", lambda m: tr("upscale {n}", n=m["n"])),
    (r"upscale factor (?P<n>\d+)", lambda m: tr("upscale factor {n}", n=m["n"])),
    (r"within (?P<n>\S+) dB of the best weight", lambda m: tr("within {n} dB of the best weight", n=m["n"])),
    (r"quiz item (?P<item>\w+)", lambda m: tr("quiz item {item}", item=m["item"])),
    (r"part (?P<part>\w): (?P<what>.+)", lambda m: tr("part {part}: {what}", part=m["part"], what=category_text(m["what"]))),
    (r"(?P<text>.+?) \((?P<note>[^()]+)\)", lambda m: tr(
        "{text} ({note})", text=category_text(m["text"]), note=_category_phrases().get(m["note"], m["note"])
    )),
)  # fmt: skip


def _split_phrases(category: str) -> list[str]:
    """``category`` split at each ", " outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(category):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and category.startswith(", ", i):
            parts.append(category[start:i])
            start = i + 2
    return [*parts, category[start:]]


def category_text(category: str) -> str:
    """A hidden case's category in the reader's language (a phrase no template knows stays as it is)."""
    if language() == "en" or not category:
        return category
    whole = tr(category)  # a fixed label the catalogues already hold
    if whole != category:
        return whole
    phrases = _category_phrases()
    out = []
    for phrase in _split_phrases(category):
        said = phrases.get(phrase)
        for pattern, text in _CATEGORY_PATTERNS if said is None else ():
            m = re.fullmatch(pattern, phrase)
            if m:
                said = text(m)
                break
        out.append(phrase if said is None else said)
    return tr(", ").join(out)


def question_feedback(q: dict) -> dict:
    """One question's feedback as plain data (used by the files and by Gradescope's results.json).

    Its human texts (title, hints, categories, what went wrong) are in the reader's language;
    ``status`` stays the grader's word (the files show it with :func:`status_text`).
    """
    failing = []
    for i, c in enumerate(q.get("cases", [])):
        if c.get("passed"):
            continue
        failing.append(
            {
                "n": i + 1,
                "category": category_text(c.get("category") or ""),
                "status": c.get("status", ""),
                "what": _said(safe_message(c)),
                "traceback": safe_traceback(c["traceback"]) if c.get("traceback") else [],
            }
        )
    seen: dict[tuple, int] = {}
    for f in failing:  # the same traceback on several cases: shown once
        key = tuple(f["traceback"])
        if key and key in seen:
            f["traceback"] = []
            f["what"] = tr("{what} (same traceback as case {n})", what=f["what"], n=seen[key])
        elif key:
            seen[key] = f["n"]
    spec = QUESTIONS.get(q["id"])
    return {
        "id": q["id"],
        "title": tr(q["title"]) if q.get("title") else "",
        "name": q.get("name", ""),
        "score": q.get("score", 0.0),
        "points": q.get("points", spec.points if spec else 0),
        "status": q.get("status", ""),
        "hints": [tr(h) for h in q.get("hints") or []],
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


def _points(score: float, points: float) -> str:
    return tr("{score} / {points} points", score=f"{score:g}", points=f"{points:g}")


def _case_line(f: dict) -> str:
    if f["category"]:
        return tr("case {n} ({category})", n=f["n"], category=f["category"])
    return tr("case {n}", n=f["n"])


def _with_status(points: str, status: str) -> str:
    return tr("{points} ({status})", points=points, status=status)


def question_text(fb: dict) -> str:
    """One question's feedback as Markdown."""
    lines = [_with_status(f"**{_points(fb['score'], fb['points'])}**", status_text(fb["status"]))]
    for h in fb["hints"]:
        lines.append("- " + tr("Hint: {hint}", hint=h))
    if _one_reason(fb):
        lines.append("- " + tr("all {n} cases: {what}", n=fb["cases"], what=fb["failing"][0]["what"]))
    elif fb["failing"]:
        lines.append("- " + tr("{failed} of {n} cases failed:", failed=len(fb["failing"]), n=fb["cases"]))
        for f in fb["failing"]:
            lines.append("  - " + tr("{case}: {what}", case=_case_line(f), what=f["what"]))
            if f["traceback"]:
                lines.append("    ```")
                lines += [f"    {t}" for t in f["traceback"]]
                lines.append("    ```")
    return "\n".join(lines)


def _exercise_head(rep: dict) -> str:
    ex = rep.get("exercise") or tr("unknown exercise")
    return tr(
        "{exercise}: {points}", exercise=ex, points=_points(rep.get("score", 0), rep.get("max_score", 0))
    )


def _header(rep: dict) -> list[str]:
    out = [f"## {_exercise_head(rep)}", ""]
    out.append(
        tr(
            "File: {file}, status: {status}",
            file=f"`{rep['submission']}`",
            status=status_text(rep.get("status", "")),
        )
    )
    if rep.get("reason"):
        out.append(tr("Note: {note}", note=reason_text(mask_numbers(str(rep["reason"]))[:500])))
    return out


def student_markdown(student: str, reps: list[dict]) -> str:
    lines = ["# " + tr("Feedback for {student}", student=student), ""]
    total = sum(r.get("score", 0) for r in reps)
    top = sum(r.get("max_score", 0) for r in reps)
    lines += [tr("Total: {total}", total=f"**{_points(total, top)}**"), ""]
    for rep in reps:
        lines += _header(rep) + [""]
        for q in rep.get("questions", []):
            fb = question_feedback(q)
            head = tr("{id}: {title} ({name})", id=fb["id"], title=fb["title"], name=f"`{fb['name']}`")
            lines += [f"### {head}", "", question_text(fb), ""]
    lines.append(
        tr("The hidden cases are described by their kind only; run check() in the notebook to debug.")
    )
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
    title = e(tr("Feedback for {student}", student=student))
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8"><title>{title}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1><p>{tr('Total: {total}', total=f'<b>{e(_points(total, top))}</b>')}</p>",
    ]
    for rep in reps:
        # the heading breaks its line after " / " (whitespace in HTML; the English page as it always was)
        out.append(f"<h2>{e(_exercise_head(rep))}</h2>".replace(" / ", " / \n", 1))
        file = f"<code>{e(rep['submission'])}</code>"
        out.append(
            f"<p>{tr('File: {file}, status: {status}', file=file, status=e(status_text(rep.get('status', ''))))}</p>"
        )
        if rep.get("reason"):
            note = reason_text(mask_numbers(str(rep["reason"]))[:500])
            out.append(f"<p>{e(tr('Note: {note}', note=note))}</p>")
        if rep.get("questions"):
            heads = (tr("question"), tr("points"), tr("status"))
            out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>")
            for q in rep["questions"]:
                out.append(
                    f"<tr><td>{e(q['id'])}</td><td>{q['score']:g} / {q['points']:g}</td>"
                    f'<td class="{e(q["status"])}">{e(status_text(q["status"]))}</td></tr>'
                )
            out.append("</table>")
        for q in rep.get("questions", []):
            fb = question_feedback(q)
            head = tr(
                "{id}: {title} ({name})",
                id=e(fb["id"]),
                title=e(fb["title"]),
                name=f"<code>{e(fb['name'])}</code>",
            )
            out.append(f"<h3>{head}</h3>")
            points = _with_status(
                f"<b>{e(_points(fb['score'], fb['points']))}</b>", e(status_text(fb["status"]))
            )
            out.append(f'<p class="{e(fb["status"])}">{points}</p>')
            out += [f"<p>{e(tr('Hint: {hint}', hint=h))}</p>" for h in fb["hints"]]
            if _one_reason(fb):
                out.append(
                    f"<p>{e(tr('All {n} cases: {what}', n=fb['cases'], what=fb['failing'][0]['what']))}</p>"
                )
            elif fb["failing"]:
                failed = tr("{failed} of {n} cases failed:", failed=len(fb["failing"]), n=fb["cases"])
                out.append(f"<p>{e(failed)}</p><ul>")
                for f in fb["failing"]:
                    out.append(f"<li>{e(tr('{case}: {what}', case=_case_line(f), what=f['what']))}")
                    if f["traceback"]:
                        out.append("<pre>" + e("\n".join(f["traceback"])) + "</pre>")
                    out.append("</li>")
                out.append("</ul>")
    closing = e(
        tr("The hidden cases are described by their kind only; run check() in the notebook to debug.")
    )
    # the English page breaks this line after "notebook" (whitespace in HTML), as it always did
    out.append(
        f"<p><small>{closing}</small></p></body></html>".replace("notebook to debug", "notebook\n to debug")
    )
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
