"""Build the course website from the committed notebooks, offline: ``make site``.

    python site/build.py            # -> site/_build/html/index.html
    python site/build.py --check    # also fail on any Sphinx warning

What it does, in order (nothing is executed, nothing is downloaded):

1. **Stage** the pages into ``site/_build/src``: ``README.md`` becomes the front page
   (``index.md``, with a hidden table of contents appended), ``notebooks/*.ipynb`` and
   ``exercises/*.ipynb`` are copied with their stored outputs, and the Chinese edition likewise
   (``README.zh-CN.md`` -> ``index.zh-CN.md``, ``zh-CN/notebooks``, ``zh-CN/exercises``, in a
   "中文版" section of the contents). Solutions are not on the site.
   While copying, each notebook loses what a static page cannot show:

   * cells tagged ``colab-setup`` (the Colab install cell, see ``tools/colab_cell.py``);
   * the saved ipywidgets state (``metadata.widgets``): without it no page asks for
     require.js or the widget HTML manager from a CDN;
   * the output of every explorer cell (``widgets.kernel_explorer()`` and the other three)
     is replaced by a **static picture**: the explorer is built here, at its default settings,
     by the same pure functions it calls in a kernel (``widgets.*_demo`` and ``plotting``),
     and its PNG and text are stored as the cell's output, with a note on how to run it live.
     The Chinese edition's explorers are drawn with the course language set to ``zh-CN``
     (``DECONV_COURSE_LANG``, restored afterwards: :func:`course_language`), so their labels,
     titles and texts are the Chinese ones, and their note is in Chinese.
     Other widget outputs (progress bars) fall back to their ``text/plain`` form.

   Markdown links to files that are not on the site (``solutions/``, folders, source files)
   become plain text, so every link on the site resolves.
2. **Copy MathJax 3** from the npm package that ``make site`` installed into
   ``site/.npm`` (``npm install --prefix site/.npm mathjax@3.2.2``) into the site's ``_static``:
   formulas are typeset by that copy, never by a CDN.
3. **Run Sphinx** (myst-nb, ``nb_execution_mode = "off"``, theme furo, whose icons are inline
   SVG and whose fonts are the reader's own) with ``site/conf.py``. For every page, conf.py asks
   :func:`page_language` and :func:`counterpart` which edition it belongs to and where the same
   page is in the other edition: ``<html lang="en">`` or ``<html lang="zh-CN">``, and a language
   switch at the top of the page (``site/_templates/page.html``): a plain ``<a href hreflang>``
   "中文" on English pages, "English" on Chinese pages. A page whose counterpart is missing
   links to the other edition's front page instead (and says so in its ``title``); Sphinx's own
   pages (search, index of terms) have no switch.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import html
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

SITE = Path(__file__).resolve().parent
REPO = SITE.parent
BUILD = SITE / "_build"
SRC = BUILD / "src"
OUT = BUILD / "html"
MATHJAX_PACKAGE = SITE / ".npm" / "node_modules" / "mathjax"
MATHJAX_STAGE = BUILD / "mathjax_static"  # listed in conf.py's html_static_path

LESSONS = "notebooks"
EXERCISES = "exercises"
ZH = "zh-CN"  # the Chinese edition (tools/translate.py build): its lessons and exercises, no solutions
READMES = {"README.md": "index.md", "README.zh-CN.md": "index.zh-CN.md"}  # front pages, one per language
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
COLAB_TAG = "colab-setup"

# The two editions: the language of each, the name its switch link shows, its front page.
LANGUAGES = ("en", ZH)
LANGUAGE_NAMES = {"en": "English", ZH: "中文"}
FRONT_PAGES = {"en": "index", ZH: "index.zh-CN"}

# The four explorers: the call that makes one in a cell -> what its static picture says.
EXPLORERS = {
    "kernel_explorer": "the kernel explorer (cross-correlation vs convolution)",
    "arithmetic_explorer": "the convolution-arithmetic explorer",
    "checkerboard_explorer": "the checkerboard-artifact explorer",
    "restoration_explorer": "the restoration explorer (degraded vs restored)",
}
EXPLORERS_ZH = {
    "kernel_explorer": "卷积核探索器（互相关与卷积）",
    "arithmetic_explorer": "卷积算术探索器",
    "checkerboard_explorer": "棋盘格伪影探索器",
    "restoration_explorer": "图像复原探索器（退化图像与复原结果）",
}
_EXPLORER_CALL = re.compile(r"\b(" + "|".join(EXPLORERS) + r")\(\s*\)")
_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(([^)\s]+)\)")


def page_language(docname: str) -> str:
    """The edition a page belongs to: ``"zh-CN"`` for ``index.zh-CN`` and ``zh-CN/...``, else ``"en"``.

    ``docname`` is Sphinx's name of the page, without suffix (``zh-CN/notebooks/01_background``).
    """
    return ZH if docname == FRONT_PAGES[ZH] or docname.startswith(f"{ZH}/") else "en"


def counterpart(docname: str, docnames: set[str] | frozenset[str]) -> tuple[str, bool] | None:
    """Where the language switch of ``docname`` leads: ``(other docname, same page?)``.

    ``notebooks/X`` <-> ``zh-CN/notebooks/X``, ``exercises/X`` <-> ``zh-CN/exercises/X``,
    ``index`` <-> ``index.zh-CN``. When that page is not among ``docnames`` (the site's pages)
    the switch leads to the other edition's front page (``same page?`` is False); ``None`` when
    ``docname`` is not one of the site's pages (Sphinx's search and index pages) or the other
    edition has no front page either.
    """
    if docname not in docnames:
        return None
    lang = page_language(docname)
    other = ZH if lang == "en" else "en"
    if docname == FRONT_PAGES[lang]:
        target = FRONT_PAGES[other]
    elif lang == "en":
        target = f"{ZH}/{docname}"
    else:
        target = docname.removeprefix(f"{ZH}/")
    if target in docnames:
        return target, True
    return (FRONT_PAGES[other], False) if FRONT_PAGES[other] in docnames else None


@contextlib.contextmanager
def course_language(lang: str) -> Iterator[None]:
    """Set the course language (``DECONV_COURSE_LANG``) inside the block, restore it after."""
    from deconv_course.i18n import LANGUAGE_ENV

    previous = os.environ.get(LANGUAGE_ENV)
    os.environ[LANGUAGE_ENV] = lang
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(LANGUAGE_ENV, None)
        else:
            os.environ[LANGUAGE_ENV] = previous


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target)) or target.startswith(("#", "//"))


def rewrite_links(text: str, page: str, pages: set[str]) -> str:
    """Keep links to staged pages (and external/anchor links); unlink the rest (keep the text).

    ``page`` is the staged path of the page the text is on (``notebooks/01_background.ipynb``);
    ``pages`` the staged paths of every page of the site.
    """
    folder = Path(page).parent

    def replace(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        if _is_external(target):
            return match.group(0)
        path = target.split("#", 1)[0]
        resolved = os.path.normpath((folder / path).as_posix()) if path else page
        if resolved in READMES and READMES[resolved] in pages:  # a README is staged as a front page
            return f"[{label}]({os.path.relpath(READMES[resolved], folder)})"
        if resolved in pages:
            return match.group(0)
        return label

    return _LINK.sub(replace, text)


def _toctree(caption: str, entries: list[str]) -> str:
    lines = ["```{toctree}", ":hidden:", ":maxdepth: 1", f":caption: {caption}", ""]
    return "\n".join(lines + entries + ["```", ""])


def _explorer_note(name: str, title: str, settings: str, text: str, lang: str) -> str:
    """The note under a static explorer picture, in ``lang``."""
    if lang == ZH:
        body = (
            f"这是{html.escape(EXPLORERS_ZH[name])}，即 <code>widgets.{name}()</code>，按它的默认设置"
            f"（{html.escape(settings)}），由它在笔记本中调用的同一组函数绘制一次。在本网站上它的控件"
            f"不能拖动：在 JupyterLab（<code>make lab COURSE_LANG=zh-CN</code>）、Binder、Colab 或 "
            f"JupyterHub 中打开这个笔记本（见英文首页的 <em>Where to run it</em> 一节），"
            f"每拖动一个滑块，它都会重新绘制。"
        )
        heading = f"{html.escape(title)} — 交互探索器的静态图片"
    else:
        body = (
            f"This is {html.escape(EXPLORERS[name])}, <code>widgets.{name}()</code>, drawn once "
            f"at its default settings ({html.escape(settings)}) by the same functions it calls in a "
            f"notebook. On this site its controls cannot move: open the notebook in JupyterLab "
            f"(<code>make lab</code>), on Binder, in Colab or on a JupyterHub (see "
            f"<em>Where to run it</em> on the front page) and every slider redraws it."
        )
        heading = f"{html.escape(title)} — a static picture of a live explorer"
    return (
        f"<div class='admonition note deconv-static-explorer' lang='{lang}'>"
        f"<p class='admonition-title'>{heading}</p><p>{body}</p>"
        f"<pre>{html.escape(text)}</pre></div>"
    )


def _explorer_snapshot(name: str, lang: str = "en") -> list[dict]:
    """The outputs that stand in for a live explorer: its PNG at default settings and a note.

    The explorer is built with the course language set to ``lang`` (:func:`course_language`):
    its title, labels, figure and text are the ones a learner of that edition sees.
    """
    from deconv_course import widgets

    with course_language(lang):
        explorer = getattr(widgets, name)()
    png = explorer.figure.value
    text = explorer.state.get("text", "")
    # The explorer's header (its first child) holds its title, translated like its labels.
    header = explorer.children[0].value if explorer.children else ""
    title = html.unescape(re.sub(r"<[^>]+>", "", header)).strip() or name
    # The kernel explorer's 25 cell values are in its text already; name the other controls.
    values = {k: v for k, v in explorer.values().items() if not re.fullmatch(r"k\d\d", k)}
    settings = ", ".join(f"{key}={value!r}" for key, value in values.items())
    note = _explorer_note(name, title, settings, text, lang)
    return [
        {
            "output_type": "display_data",
            "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"<{name}>"},
            "metadata": {},
        },
        {"output_type": "display_data", "data": {"text/html": note, "text/plain": note}, "metadata": {}},
    ]


def stage_notebook(path: Path, page: str, pages: set[str], snapshots: dict) -> dict:
    """The notebook as the site shows it (see the module docstring); ``path`` is left unchanged.

    ``snapshots`` caches the static explorers by ``(name, language)``; the language is the
    edition of ``page`` (:func:`page_language`).
    """
    lang = page_language(page.removesuffix(".ipynb"))
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb.get("metadata", {}).pop("widgets", None)
    cells = []
    for cell in nb["cells"]:
        if COLAB_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            cell["source"] = rewrite_links(source, page, pages)
        elif cell["cell_type"] == "code":
            call = _EXPLORER_CALL.search(source)
            has_widget = any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", []))
            if call and (has_widget or not cell.get("outputs")):
                key = (call.group(1), lang)
                if key not in snapshots:
                    snapshots[key] = _explorer_snapshot(*key)
                cell["outputs"] = copy.deepcopy(snapshots[key])
        cells.append(cell)
    nb["cells"] = cells
    return nb


def stage() -> dict:
    """Write the site's sources into site/_build/src; return what was staged."""
    if SRC.exists():
        shutil.rmtree(SRC)
    (SRC / LESSONS).mkdir(parents=True)
    (SRC / EXERCISES).mkdir(parents=True)
    lessons = sorted((REPO / LESSONS).glob("[0-9][0-9]*_*.ipynb"))
    exercises = sorted((REPO / EXERCISES).glob("ex[0-9][0-9]*_*.ipynb"))
    zh_lessons = sorted((REPO / ZH / LESSONS).glob("[0-9][0-9]*_*.ipynb"))
    zh_exercises = sorted((REPO / ZH / EXERCISES).glob("ex[0-9][0-9]*_*.ipynb"))
    staged = {
        LESSONS: lessons, EXERCISES: exercises, f"{ZH}/{LESSONS}": zh_lessons, f"{ZH}/{EXERCISES}": zh_exercises,
    }  # fmt: skip
    pages = {f"{folder}/{p.name}" for folder, paths in staged.items() for p in paths}
    pages |= {front for readme, front in READMES.items() if (REPO / readme).is_file()}

    readme = rewrite_links((REPO / "README.md").read_text(encoding="utf-8"), "index.md", pages)
    readme += "\n\n" + _toctree("Lessons", [f"{LESSONS}/{p.stem}" for p in lessons])
    readme += "\n" + _toctree("Exercises", [f"{EXERCISES}/{p.stem}" for p in exercises])
    if "index.zh-CN.md" in pages:
        zh_entries = ["index.zh-CN"] + [
            f"{folder}/{p.stem}" for folder in staged if folder.startswith(ZH) for p in staged[folder]
        ]
        readme += "\n" + _toctree("中文版", zh_entries)
        zh_readme = rewrite_links(
            (REPO / "README.zh-CN.md").read_text(encoding="utf-8"), "index.zh-CN.md", pages
        )
        (SRC / "index.zh-CN.md").write_text(zh_readme, encoding="utf-8")
    (SRC / "index.md").write_text(readme, encoding="utf-8")

    snapshots: dict = {}
    for folder, notebooks in staged.items():
        (SRC / folder).mkdir(parents=True, exist_ok=True)
        for path in notebooks:
            nb = stage_notebook(path, f"{folder}/{path.name}", pages, snapshots)
            (SRC / folder / path.name).write_text(
                json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8"
            )
    explorers = sorted(f"{name} ({lang})" for name, lang in snapshots)
    return {"pages": sorted(pages), "explorers": explorers}


def stage_mathjax() -> None:
    """Copy the npm package's MathJax (the combined TeX/CHTML file and what it loads lazily)."""
    es5 = MATHJAX_PACKAGE / "es5"
    entry = es5 / "tex-mml-chtml.js"
    if not entry.exists():
        sys.exit(
            f"MathJax is missing ({entry}).\n"
            "Run `make site` once with the network (it runs `npm install --prefix site/.npm "
            "mathjax@3.2.2`); the site never loads MathJax from a CDN."
        )
    dest = MATHJAX_STAGE / "mathjax"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(entry, dest / entry.name)
    # Components MathJax may load on demand, relative to its own URL: TeX extensions (autoload),
    # the CHTML fonts, the menu and accessibility code. The other combined builds are not needed.
    for sub in ("input", "output/chtml", "output/chtml.js", "a11y", "sre", "ui", "adaptors"):
        src = es5 / sub
        if src.is_dir():
            shutil.copytree(src, dest / sub)
        elif src.exists():
            (dest / sub).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / sub)
    shutil.copy2(MATHJAX_PACKAGE / "LICENSE", dest / "LICENSE")


def build(strict: bool = False) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    t0 = time.monotonic()
    staged = stage()
    stage_mathjax()
    from sphinx.cmd.build import build_main

    args = ["-b", "html", "-c", str(SITE), "-q", "-j", "1", str(SRC), str(OUT)]
    if strict:
        args[:0] = ["-W", "--keep-going"]
    status = build_main(args)
    size = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file()) if OUT.exists() else 0
    print(
        f"site: {len(staged['pages'])} pages, static explorers {', '.join(staged['explorers']) or 'none'}; "
        f"{OUT.relative_to(REPO)}/index.html, {size / 2**20:.1f} MiB, {time.monotonic() - t0:.0f} s"
    )
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args(argv)
    return build(strict=args.check)


if __name__ == "__main__":
    sys.exit(main())
