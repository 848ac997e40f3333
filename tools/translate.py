"""The Chinese edition, built from the English notebooks and the translation catalogues.

    python tools/translate.py status              # what is missing or stale, per catalogue
    python tools/translate.py template PATH.ipynb # print a catalogue skeleton (new cells marked TODO)
    python tools/translate.py build [PATH ...]    # write zh-CN/PATH from PATH + catalogue, and execute it
    python tools/translate.py share               # how much of each notebook's prose is Chinese

The English notebook is the source. Its catalogue ``translations/zh-CN/PATH.json`` holds, per
cell id, the hash of the English cell it translates (``sha``) and either the translated markdown
(``markdown``) or, for a code cell, the translatable strings (``strings``: pairs of English
literal and its translation, replaced literally; code is otherwise identical). A changed English
cell no longer matches its ``sha``: the translation is *stale* until someone updates it (and
the ``sha``, which ``template`` prints). ``tests/test_translations.py`` fails on stale and
missing translations, on glossary terms not followed, and on built notebooks that differ from
what ``build`` writes. Built notebooks are executed in their own folder, where
``deconv_course.i18n.language()`` is ``zh-CN``, so ``check()`` speaks Chinese there.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
LANG = "zh-CN"
CATALOGUES = REPO / "translations" / LANG
EDITION = REPO / LANG


def cell_sha(cell) -> str:
    """The hash that ties a translation to one version of an English cell (type + source)."""
    return hashlib.sha256(f"{cell['cell_type']}\n{cell['source']}".encode()).hexdigest()[:16]


def needs_translation(cell) -> bool:
    """Markdown cells with any letters need a translation; code cells only if the catalogue marks strings."""
    return cell["cell_type"] == "markdown" and any(ch.isalpha() for ch in cell["source"])


def catalogue_path(source: Path) -> Path:
    return CATALOGUES / source.relative_to(REPO).with_suffix(".json")


def catalogued_sources() -> list[Path]:
    return sorted(
        REPO / json.loads(p.read_text(encoding="utf-8"))["source"] for p in CATALOGUES.rglob("*.json")
    )


def load(source: Path) -> dict:
    return json.loads(catalogue_path(source).read_text(encoding="utf-8"))


def problems(source: Path) -> list[str]:
    """Every missing, stale or inapplicable translation of one English notebook (empty when complete)."""
    nb = nbformat.read(str(source), as_version=4)
    cat = load(source)["cells"]
    ids = {c.get("id") for c in nb.cells}
    out = [
        f"{source.name}: catalogue names cell {cid!r}, which the notebook no longer has"
        for cid in cat
        if cid not in ids
    ]
    for cell in nb.cells:
        cid, entry = cell.get("id"), cat.get(cell.get("id"))
        if entry is None:
            if needs_translation(cell):
                out.append(f"{source.name}: cell {cid!r} ({cell['cell_type']}) has no translation")
            continue
        if entry.get("sha") != cell_sha(cell):
            out.append(
                f"{source.name}: cell {cid!r} changed in English; its translation is stale (sha {cell_sha(cell)})"
            )
        for english, _ in entry.get("strings", []):
            if english not in cell["source"]:
                out.append(f"{source.name}: cell {cid!r}: the string {english!r} is not in the English code")
        if cell["cell_type"] == "markdown" and not entry.get("markdown", "").strip():
            out.append(f"{source.name}: cell {cid!r}: empty translation")
    return out


def translated(source: Path):
    """The Chinese notebook (outputs as in the English source until executed)."""
    nb = nbformat.read(str(source), as_version=4)
    cat = load(source)["cells"]
    out = copy.deepcopy(nb)
    for cell in out.cells:
        entry = cat.get(cell.get("id"))
        if entry is None:
            continue
        if cell["cell_type"] == "markdown":
            cell["source"] = entry["markdown"]
        else:
            for english, chinese in entry.get("strings", []):
                cell["source"] = cell["source"].replace(english, chinese)
    out.metadata["language_info"] = out.metadata.get("language_info", {})
    out.metadata.setdefault("deconv_course", {})["language"] = LANG
    out.metadata["deconv_course"]["translated_from"] = source.relative_to(REPO).as_posix()
    return out


def _execute(nb, folder: Path, timeout: int) -> float:
    from nbclient import NotebookClient

    for cell in nb.cells:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    t0 = time.monotonic()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    ).execute()  # fmt: skip
    return time.monotonic() - t0


def build(source: Path, execute: bool = True, timeout: int = 600) -> list[tuple[Path, float]]:
    """Write (and execute) the Chinese notebook of ``source``; a solution also gets its exercise."""
    from deconv_course.grading.generate import exercise_notebook

    dest = EDITION / source.relative_to(REPO)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nb = translated(source)
    seconds = _execute(nb, dest.parent, timeout) if execute else 0.0
    nbformat.write(nb, str(dest))
    written = [(dest, seconds)]
    if source.parent.name == "solutions":  # the exercise is the translated solution, stubbed
        ex_dest = EDITION / "exercises" / source.name
        ex_dest.parent.mkdir(parents=True, exist_ok=True)
        ex = exercise_notebook(dest)
        seconds = _execute(ex, ex_dest.parent, timeout) if execute else 0.0
        nbformat.write(ex, str(ex_dest))
        written.append((ex_dest, seconds))
    return written


def template(source: Path) -> dict:
    """A catalogue for ``source``: existing translations kept, new or changed cells marked TODO."""
    nb = nbformat.read(str(source), as_version=4)
    old = load(source)["cells"] if catalogue_path(source).is_file() else {}
    cells = {}
    for cell in nb.cells:
        cid = cell.get("id")
        if cid in old:
            entry = dict(old[cid])
            if entry.get("sha") != cell_sha(cell):
                entry["sha"], entry["todo"] = cell_sha(cell), "English changed: update the translation"
            cells[cid] = entry
        elif needs_translation(cell):
            cells[cid] = {"sha": cell_sha(cell), "todo": "translate", "markdown": ""}
    return {"source": source.relative_to(REPO).as_posix(), "cells": cells}


# What is not prose: fenced code, inline code, display and inline math, URLs, HTML tags.
_NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|https?://\S+|<[^>]+>", re.S)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def prose_share(text: str) -> tuple[int, int]:
    """(Chinese characters, English words) in the prose of a markdown text (code and math left out).

    One Chinese character against one English *word*: a fair count for "how much of this reads in
    Chinese" (counting letters would weigh an English word five times).
    """
    prose = _NOT_PROSE.sub(" ", text)
    return len(_HAN.findall(prose)), len(_LATIN_WORD.findall(prose))


def notebook_share(path: Path) -> tuple[int, int]:
    """:func:`prose_share` summed over the markdown cells of one notebook."""
    nb = nbformat.read(str(path), as_version=4)
    counts = [prose_share(c["source"]) for c in nb.cells if c["cell_type"] == "markdown"]
    return sum(h for h, _ in counts), sum(w for _, w in counts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("status")
    t = sub.add_parser("template")
    t.add_argument("source", type=Path)
    b = sub.add_parser("build")
    b.add_argument("sources", nargs="*", type=Path)
    b.add_argument("--no-execute", action="store_true")
    sub.add_parser("share")
    args = p.parse_args(argv)
    if args.cmd == "share":
        totals = {"en": [0, 0], LANG: [0, 0]}
        for src in catalogued_sources():
            rel = src.relative_to(REPO)
            for lang, path in (("en", src), (LANG, EDITION / rel)):
                han, words = notebook_share(path)
                totals[lang][0] += han
                totals[lang][1] += words
            han, words = notebook_share(EDITION / rel)
            print(
                f"{rel.as_posix():<52} {han:>6} Chinese characters, {words:>5} English words: "
                f"{han / max(han + words, 1):6.1%} Chinese"
            )
        for lang, (han, words) in totals.items():
            print(
                f"{lang:<6} edition: {han} Chinese characters, {words} English words: "
                f"{han / max(han + words, 1):.1%} Chinese"
            )
        return 0
    if args.cmd == "status":
        found = [msg for src in catalogued_sources() for msg in problems(src)]
        print(
            "\n".join(found)
            or f"{len(catalogued_sources())} notebooks: every translation present and current"
        )
        return 1 if found else 0
    if args.cmd == "template":
        print(json.dumps(template(args.source.resolve()), ensure_ascii=False, indent=1))
        return 0
    sources = [s.resolve() for s in args.sources] or catalogued_sources()
    for src in sources:
        for dest, seconds in build(src, execute=not args.no_execute):
            print(
                f"{dest.relative_to(REPO)}: built" + (f", executed in {seconds:.1f} s" if seconds else ""),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
