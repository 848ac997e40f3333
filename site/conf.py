"""Sphinx configuration of the course website (``make site``; sources staged by site/build.py).

Offline by construction: notebooks are rendered from their stored outputs (never executed),
MathJax is the local copy in ``_static/mathjax``, the theme (furo) inlines its SVG icons and uses
the reader's fonts, and no widget JavaScript is loaded (explorers are static pictures).

Two editions, one site: every page gets its edition's ``<html lang>`` and a language switch to
the same page in the other edition (``_templates/page.html``, filled in by :func:`_language_switch`
from site/build.py's :func:`page_language` and :func:`counterpart`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
sys.path.insert(0, str(SITE.parent))  # the checkout's deconv_course, for the version

from deconv_course import __version__  # noqa: E402

# site/build.py knows the editions (which page is in which language, and its counterpart).
_spec = importlib.util.spec_from_file_location("deconv_site_build", SITE / "build.py")
site_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_build)

project = "Deconvolution, done right"
author = "the deconv_course contributors"
copyright = "the deconv_course contributors, MIT licence"
version = release = __version__
language = "en"

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# --- notebooks: committed outputs, no kernel ---------------------------------------------------
nb_execution_mode = "off"
# Widget views need a running kernel (or a CDN's html-manager): never render them, fall back to
# the next mime type (explorers were given a static PNG by build.py; progress bars show text).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}  # and never add require.js / @jupyter-widgets/html-manager script tags
nb_merge_streams = True
nb_output_stderr = "show"

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# --- math: the local MathJax 3 copy (site/build.py copies it from the npm package) -------------
mathjax_path = "mathjax/tex-mml-chtml.js"  # relative to _static
mathjax3_config = {
    "loader": {"load": []},
    "options": {"menuOptions": {"settings": {"assistiveMml": True}}},
}

# --- HTML: furo, CJK-capable font stack, no external resources ---------------------------------
html_theme = "furo"
templates_path = ["_templates"]  # page.html: furo's page with the language switch on top
html_title = f"Deconvolution, done right — 反卷积 ({__version__})"
html_static_path = ["_static", "_build/mathjax_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
_FONTS = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Noto Sans", "Liberation Sans", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", '
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif, "Apple Color Emoji", '
    '"Segoe UI Emoji"'
)
_MONO = (
    '"SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", '
    '"Noto Sans Mono CJK SC", monospace'
)
html_theme_options = {
    "light_css_variables": {"font-stack": _FONTS, "font-stack--monospace": _MONO},
    "dark_css_variables": {"font-stack": _FONTS, "font-stack--monospace": _MONO},
    "navigation_with_keys": True,
}
suppress_warnings = ["myst.header"]  # exercises use H1 then H3 per question: a content choice


# --- two editions: <html lang> and the language switch, per page -------------------------------
_SWITCH_TITLES = {
    ("en", True): "Read this page in Chinese",
    ("en", False): "This page has no Chinese version yet: the Chinese edition's front page",
    ("zh-CN", True): "阅读本页的英文原版",
    ("zh-CN", False): "本页还没有英文版：英文版首页",
}


def _language_switch(app, pagename, templatename, context, doctree):
    """Set the page's ``language`` (``<html lang>``) and ``deconv_switch`` (or None) for page.html."""
    lang = site_build.page_language(pagename)
    context["language"] = lang
    found = site_build.counterpart(pagename, frozenset(app.env.found_docs))
    if found is None:
        context["deconv_switch"] = None
        return
    target, same_page = found
    other = site_build.page_language(target)
    context["deconv_switch"] = {
        "href": context["pathto"](target),
        "hreflang": other,
        "text": site_build.LANGUAGE_NAMES[other],
        "current": site_build.LANGUAGE_NAMES[lang],
        "current_lang": lang,
        "title": _SWITCH_TITLES[lang, same_page],
        "label": "语言 / Language" if lang == "zh-CN" else "Language / 语言",
    }


def setup(app):
    app.connect("html-page-context", _language_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
