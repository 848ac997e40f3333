"""The course's languages: which one the learner chose, and the translated messages.

The English notebooks are the source. The Chinese edition (``zh-CN/``) is generated from
translation catalogues by ``tools/translate.py build`` (see ``translations/README.md``); this
module decides, at run time, in which language the package itself speaks (``check()`` hints,
``progress()``, figure labels):

1. the environment variable ``DECONV_COURSE_LANG`` (``en`` or ``zh-CN``; ``make lab
   COURSE_LANG=zh-CN`` sets it for JupyterLab and every kernel it starts), else
2. ``zh-CN`` when the kernel runs inside the Chinese edition's folder ``zh-CN/`` (Jupyter and
   nbval start a kernel in its notebook's folder), else
3. English.

Messages are looked up by their English text in ``deconv_course/locale/<language>.json`` and
the files in ``deconv_course/locale/<language>/`` (one per part of the package: ``cli.json``,
``figures.json``); a message without a translation stays English (``tests/test_translations.py``
lists them).

Taught in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import functools
import json
import os
import unicodedata
from collections.abc import Mapping
from pathlib import Path

__all__ = ["LANGUAGE_ENV", "LANGUAGES", "display_width", "language", "translate", "messages"]

LANGUAGE_ENV = "DECONV_COURSE_LANG"
LANGUAGES = ("en", "zh-CN")
EDITION_FOLDERS = {"zh-CN": "zh-CN"}  # language -> top-level folder of its edition
_ALIASES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "zh": "zh-CN",
    "zh-cn": "zh-CN",
    "zh_cn": "zh-CN",
    "cn": "zh-CN",
}
_LOCALE = Path(__file__).resolve().parent / "locale"


def _normalise(value: str) -> str:
    lang = _ALIASES.get(value.strip().lower())
    if lang is None:
        raise ValueError(
            f"{LANGUAGE_ENV}={value!r} is not a course language; use one of {', '.join(LANGUAGES)}"
        )
    return lang


def language(environ: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> str:
    """The language the learner chose: ``"en"`` or ``"zh-CN"`` (rules in the module docstring)."""
    environ = os.environ if environ is None else environ
    value = environ.get(LANGUAGE_ENV, "").strip()
    if value:
        return _normalise(value)
    here = Path.cwd() if cwd is None else Path(cwd)
    for lang, folder in EDITION_FOLDERS.items():
        if folder in here.resolve().parts:
            return lang
    return "en"


@functools.cache
def messages(lang: str) -> dict[str, str]:
    """The message catalogue of ``lang``: English text -> translation (empty for English)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r} is not a course language; use one of {', '.join(LANGUAGES)}")
    if lang == "en":
        return {}
    found: dict[str, str] = {}
    for path in [_LOCALE / f"{lang}.json", *sorted((_LOCALE / lang).glob("*.json"))]:
        if not path.is_file():
            continue
        for english, text in json.loads(path.read_text(encoding="utf-8")).items():
            if found.get(english, text) != text:
                raise ValueError(f"{path.name}: {english!r} is translated twice, differently")
            found[english] = text
    return found


def translate(message: str, lang: str | None = None, **fields: object) -> str:
    """``message`` in ``lang`` (default: :func:`language`), with ``{fields}`` filled in.

    >>> translate("passed", lang="zh-CN")
    '通过'
    """
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    lang = language() if lang is None else _normalise(lang)
    text = messages(lang).get(message, message)
    return text.format(**fields) if fields else text


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: 汉字 (East Asian wide) take two.

    Used to line up printed tables and side-by-side matrices in both languages.

    >>> display_width("PSNR"), display_width("维纳")
    (4, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
