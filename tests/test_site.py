"""Browser test of the static course site (``make site``): offline, typeset, every link alive.

The site in ``site/_build/html`` is served on 127.0.0.1 by ``http.server`` in a thread and
opened in headless Chromium (Debian's, driven by Playwright). On the front page, a lesson with
math, an exercise and the explorer gallery it checks that

* MathJax typeset the formulas (``mjx-container`` elements, no raw ``$$`` or ``\\[`` left);
* every ``<img>`` loaded (``naturalWidth > 0``);
* every internal link (and its ``#fragment``) resolves: HTTP 200 and the anchor exists;
* **no request leaves the machine**: every request to a host other than 127.0.0.1 is aborted
  and recorded, and the record must be empty (no CDN, no web font, no widget manager);
* the **language switch** leads from an English lesson to the same lesson in Chinese and back,
  by keyboard and by mouse, with JavaScript on and off.

Without a browser: every page of the site has its edition's ``<html lang>`` and exactly one
switch link, to the same page of the other edition (which links back); the Chinese edition's
static explorers were drawn with the course language set to zh-CN and carry a Chinese note.

The site is (re)built first when it is missing or older than its sources and the ``[site]``
extra and MathJax (``make site``) are there. Needs Debian's chromium and Playwright for Python;
skipped with that advice where they are missing, a failure where ``DECONV_REQUIRE_BROWSER=1``.
Screenshots go to ``$TMPDIR/deconv_site_*.png``.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "site"
HTML = SITE / "_build" / "html"
MATHJAX = SITE / ".npm" / "node_modules" / "mathjax" / "es5" / "tex-mml-chtml.js"
REQUIRED = os.environ.get("DECONV_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# page -> does it carry math?
PAGES = {
    "index.html": False,
    "notebooks/03a_transposed_convolution.html": True,
    "notebooks/03b_restoration_algorithms.html": True,
    "exercises/ex03_algorithms.html": False,
    "notebooks/07_explorer_gallery.html": False,
    "notebooks/01_background.html": False,
    "index.zh-CN.html": False,  # the Chinese edition's front page (README.zh-CN.md)
    "zh-CN/exercises/ex06_faq_quiz.html": False,
    "zh-CN/notebooks/03a_transposed_convolution.html": True,
}
SCREENSHOTS = Path(tempfile.gettempdir())


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (DECONV_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(reason)


def _chromium():
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _sources_newer_than_site() -> bool:
    index = HTML / "index.html"
    if not index.exists():
        return True
    built = index.stat().st_mtime
    inputs = [REPO / "README.md", REPO / "README.zh-CN.md", *SITE.glob("*.py"), *(SITE / "_static").glob("*")]
    inputs += [*(SITE / "_templates").glob("*")]
    inputs += [*(REPO / "notebooks").glob("*.ipynb"), *(REPO / "exercises").glob("*.ipynb")]
    inputs += [*(REPO / "zh-CN").glob("*/*.ipynb")]
    return any(path.stat().st_mtime > built for path in inputs)


@pytest.fixture(scope="module")
def site_dir() -> Path:
    """The built site, rebuilt first if it is missing or stale (and can be built here)."""
    if _sources_newer_than_site():
        can_build = importlib.util.find_spec("myst_nb") is not None and MATHJAX.exists()
        if not can_build:
            _skip_or_fail(
                "the site is missing or older than its sources and cannot be built here: "
                "run `make site` (installs the [site] extra and MathJax from npm once)"
            )
        run = subprocess.run(
            [sys.executable, str(SITE / "build.py"), "--check"], capture_output=True, text=True, cwd=REPO
        )
        assert run.returncode == 0, f"make site failed:\n{run.stdout}\n{run.stderr}"
    return HTML


@pytest.fixture(scope="module")
def server(site_dir):
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium()
    if chromium is None:
        _skip_or_fail("Debian's chromium is missing: `apt-get install chromium` (or bash .ci/system-deps.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("Playwright for Python is missing: `pip install -e .[browser]`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _open(browser, url: str, outside: list[str]):
    """A page whose every request to a host other than 127.0.0.1 is recorded and aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(route_, request):
        host = urllib.parse.urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route_.continue_()
        else:
            outside.append(request.url)
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    # MathJax typesets after load: wait for its startup promise where it is on the page.
    page.wait_for_function(
        "() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)", timeout=30_000
    )
    page.evaluate("() => window.MathJax ? window.MathJax.startup.promise.then(() => true) : true")
    page.wait_for_load_state("networkidle")
    return context, page, errors


_TEXT_OUTSIDE_CODE = """() => {
  const main = document.querySelector('article') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, .highlight, mjx-container, script, style').forEach(e => e.remove());
  return copy.innerText;
}"""


def _check_links(page, base: str, cache: dict) -> list[str]:
    """Every internal link of ``page`` answers 200, and its #fragment names an element there."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    broken = []
    for href in sorted(set(hrefs)):
        if not href.startswith(base):
            continue
        target, _, fragment = href.partition("#")
        if target not in cache:
            try:
                with urllib.request.urlopen(target, timeout=10) as response:
                    cache[target] = (response.status, response.read().decode("utf-8", "replace"))
            except urllib.error.HTTPError as error:
                cache[target] = (error.code, "")
        status, body = cache[target]
        if status != 200:
            broken.append(f"{href} -> HTTP {status}")
        elif fragment and target.endswith(".html"):
            fragment = urllib.parse.unquote(fragment)
            if not re.search(r'\bid="' + re.escape(fragment) + '"', body):
                broken.append(f"{href} -> no element with id {fragment!r}")
    return broken


def test_site_pages_render_offline(browser, server):
    outside: list[str] = []
    problems: list[str] = []
    link_cache: dict = {}
    for path, has_math in PAGES.items():
        context, page, errors = _open(browser, server + path, outside)
        try:
            name = path.replace("/", "_").removesuffix(".html")
            page.screenshot(path=str(SCREENSHOTS / f"deconv_site_{name}.png"))
            assert page.title(), path
            problems += [f"{path}: JavaScript error {e}" for e in errors]

            text = page.evaluate(_TEXT_OUTSIDE_CODE)
            if "$$" in text or "\\[" in text:
                problems.append(f"{path}: raw TeX left on the page: {text[text.find('$$') - 60 :][:160]!r}")
            if has_math:
                typeset = page.locator("mjx-container").count()
                if typeset < 5:
                    problems.append(f"{path}: only {typeset} formulas typeset by MathJax")

            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])"
            )
            problems += [
                f"{path}: image not loaded: {src}" for src, done, width in images if not (done and width)
            ]
            if path.startswith("notebooks/") and not images:
                problems.append(f"{path}: a lesson page without a single figure")

            problems += [f"{path}: broken link {b}" for b in _check_links(page, server, link_cache)]

            if path == "notebooks/07_explorer_gallery.html":
                notes = page.locator(".deconv-static-explorer").count()
                if notes != 4:
                    problems.append(f"{path}: {notes} static explorer pictures, expected 4")
                page.locator(".deconv-static-explorer").first.scroll_into_view_if_needed()
                page.screenshot(path=str(SCREENSHOTS / "deconv_site_explorer_static.png"))
                if page.locator(".jupyter-widgets, .widget-subarea").count():
                    problems.append(f"{path}: a live-widget placeholder is on a static page")
            if path.startswith(("index.zh-CN", "zh-CN/")):
                heading = page.locator("h1").first.inner_text()
                if not re.search(r"[\u4e00-\u9fff]", heading):
                    problems.append(
                        f"{path}: a page of the Chinese edition without a Chinese title: {heading!r}"
                    )
            if path == "index.html" and not page.locator("a[href='index.zh-CN.html']").count():
                problems.append(f"{path}: no link to the Chinese edition (中文)")
            if path == "notebooks/01_background.html":
                heading = page.locator("h1").first.inner_text()
                if not re.search(r"[\u4e00-\u9fff]", heading):
                    problems.append(f"{path}: the Chinese title is missing from {heading!r}")
                fonts = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
                if "CJK" not in fonts:
                    problems.append(f"{path}: no CJK font in the title's font stack: {fonts}")
        finally:
            context.close()
    assert not outside, f"requests left the machine: {sorted(set(outside))}"
    assert not problems, "\n".join(problems)


def test_site_html_names_no_external_resource(site_dir):
    """No built page or stylesheet loads a script, style, font or image from another host."""
    loads = re.compile(
        r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I
    )
    css_remote = re.compile(r"""@import\s+url\(\s*["']?https?://|url\(\s*["']?https?://""", re.I)
    offenders = [
        str(path.relative_to(site_dir))
        for path in site_dir.rglob("*.html")
        if loads.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    offenders += [
        str(path.relative_to(site_dir))
        for path in site_dir.rglob("*.css")
        if css_remote.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, f"pages that load from another host: {offenders}"


# --- the two editions: language switch and <html lang> --------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def _site_build():
    """site/build.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("deconv_site_build_under_test", SITE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _PageFacts(html.parser.HTMLParser):
    """The ``<html lang>``, the switch links (href, hreflang, text) and the static-explorer notes."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.switches: list[dict] = []
        self.notes: list[dict] = []
        self._in_switch = None
        self._in_note_title = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "a" and "deconv-lang-link" in classes:
            self._in_switch = {"href": attrs.get("href"), "hreflang": attrs.get("hreflang"), "text": ""}
            self.switches.append(self._in_switch)
        elif tag == "div" and "deconv-static-explorer" in classes:
            self.notes.append({"lang": attrs.get("lang"), "title": ""})
        elif tag == "p" and "admonition-title" in classes and self.notes and not self.notes[-1]["title"]:
            self._in_note_title = self.notes[-1]

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_switch = None
        elif tag == "p":
            self._in_note_title = None

    def handle_data(self, data):
        if self._in_switch is not None:
            self._in_switch["text"] += data.strip()
        if self._in_note_title is not None:
            self._in_note_title["title"] += data


def _facts(path: Path) -> _PageFacts:
    facts = _PageFacts()
    facts.feed(path.read_text(encoding="utf-8"))
    return facts


def test_counterpart_pairs_the_editions_and_falls_back_to_the_front_page():
    """build.counterpart on a small made-up site: pairs, a missing translation, Sphinx's own pages."""
    build = _site_build()
    docs = {
        "index", "index.zh-CN", "notebooks/01_background", "zh-CN/notebooks/01_background",
        "exercises/ex01_two_meanings", "zh-CN/exercises/ex01_two_meanings", "notebooks/99_new",
    }  # fmt: skip
    assert build.counterpart("index", docs) == ("index.zh-CN", True)
    assert build.counterpart("index.zh-CN", docs) == ("index", True)
    assert build.counterpart("notebooks/01_background", docs) == ("zh-CN/notebooks/01_background", True)
    assert build.counterpart("zh-CN/notebooks/01_background", docs) == ("notebooks/01_background", True)
    assert build.counterpart("zh-CN/exercises/ex01_two_meanings", docs) == (
        "exercises/ex01_two_meanings",
        True,
    )
    # Not translated yet: the switch leads to the other edition's front page, and says it is not the page.
    assert build.counterpart("notebooks/99_new", docs) == ("index.zh-CN", False)
    # Sphinx's search and index pages are not pages of either edition: no switch.
    assert build.counterpart("search", docs) is None
    assert build.counterpart("genindex", docs) is None
    # A site without a Chinese front page has nowhere to fall back to.
    assert build.counterpart("notebooks/99_new", {"index", "notebooks/99_new"}) is None
    assert [build.page_language(d) for d in ("index", "index.zh-CN", "zh-CN/notebooks/x", "notebooks/x")] == [
        "en", "zh-CN", "zh-CN", "en",
    ]  # fmt: skip


def test_chinese_explorers_are_drawn_with_the_course_language_zh_cn(monkeypatch):
    """Staging the zh-CN gallery builds every explorer under DECONV_COURSE_LANG=zh-CN, then restores it."""
    from types import SimpleNamespace

    from deconv_course import i18n, widgets

    build = _site_build()
    seen: dict[str, list[str]] = {}

    def fake(name):
        def make():
            lang = i18n.language()
            seen.setdefault(lang, []).append(name)
            header = SimpleNamespace(value=f"<b>{i18n.translate('passed')} {name}</b>")
            return SimpleNamespace(
                figure=SimpleNamespace(value=b"\x89PNG fake"),
                state={"text": f"drawn in {lang}"},
                children=[header],
                values=lambda: {"size": 3},
            )

        return make

    for name in build.EXPLORERS:
        monkeypatch.setattr(widgets, name, fake(name))
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en")
    staged = {}
    for folder in ("notebooks", "zh-CN/notebooks"):
        page = f"{folder}/07_explorer_gallery.ipynb"
        staged[folder] = build.stage_notebook(REPO / page, page, {page}, {})
    assert os.environ[i18n.LANGUAGE_ENV] == "en", "the course language was not restored after staging"
    assert sorted(seen) == ["en", "zh-CN"] and all(
        sorted(v) == sorted(build.EXPLORERS) for v in seen.values()
    )

    for folder, nb in staged.items():
        notes = [
            out["data"]["text/html"]
            for cell in nb["cells"]
            for out in cell.get("outputs", [])
            if "deconv-static-explorer" in out.get("data", {}).get("text/html", "")
        ]
        assert len(notes) == 4, folder
        for note in notes:
            prose = re.sub(r"<pre>.*?</pre>|<code>.*?</code>|<[^>]+>", "", note, flags=re.S)
            chinese = len(CJK.findall(prose))
            if folder.startswith("zh-CN"):
                assert "lang='zh-CN'" in note and "drawn in zh-CN" in note and "通过" in note
                assert chinese > 40, f"the note on a Chinese page is not Chinese: {prose!r}"
            else:
                assert "lang='en'" in note and "drawn in en" in note and "passed" in note
                assert chinese == 0, f"Chinese in the note of an English page: {prose!r}"


def _doc_pages(site_dir: Path) -> dict[str, Path]:
    """The site's pages that come from a staged source (not Sphinx's search/genindex): rel path -> file."""
    src = site_dir.parent / "src"
    sources = [
        p for p in src.rglob("*") if p.suffix in (".md", ".ipynb") and "jupyter_execute" not in p.parts
    ]
    return {p.relative_to(src).with_suffix(".html").as_posix(): site_dir / p.relative_to(src).with_suffix(".html")
            for p in sources}  # fmt: skip


def _mirror(rel: str) -> str:
    """The same page in the other edition (the test's own statement of the pairing)."""
    if rel == "index.html":
        return "index.zh-CN.html"
    if rel == "index.zh-CN.html":
        return "index.html"
    return rel.removeprefix("zh-CN/") if rel.startswith("zh-CN/") else f"zh-CN/{rel}"


def test_every_page_switches_to_its_counterpart_in_the_other_language(site_dir):
    pages = _doc_pages(site_dir)
    assert "notebooks/02_core_concepts.html" in pages and "zh-CN/notebooks/02_core_concepts.html" in pages
    problems = []
    for rel, path in sorted(pages.items()):
        chinese = rel == "index.zh-CN.html" or rel.startswith("zh-CN/")
        lang, other_lang = ("zh-CN", "en") if chinese else ("en", "zh-CN")
        facts = _facts(path)
        if facts.lang != lang:
            problems.append(f"{rel}: <html lang={facts.lang!r}>, expected {lang!r}")
        if len(facts.switches) != 1:
            problems.append(f"{rel}: {len(facts.switches)} language switch links, expected exactly 1")
            continue
        link = facts.switches[0]
        target = os.path.normpath((Path(rel).parent / link["href"]).as_posix())
        expected = (
            _mirror(rel) if _mirror(rel) in pages else ("index.html" if chinese else "index.zh-CN.html")
        )
        if target != expected:
            problems.append(f"{rel}: switch leads to {target}, expected {expected}")
        if not (site_dir / target).is_file():
            problems.append(f"{rel}: switch leads to a missing file {target}")
        if link["text"] != ("English" if chinese else "中文") or link["hreflang"] != other_lang:
            problems.append(f"{rel}: switch reads {link['text']!r} with hreflang={link['hreflang']!r}")
        if target == _mirror(rel) and (site_dir / target).is_file():  # and back again
            back = _facts(site_dir / target).switches
            if len(back) != 1 or os.path.normpath((Path(target).parent / back[0]["href"]).as_posix()) != rel:
                problems.append(f"{rel}: {target} does not switch back to it")
    for rel in ("search.html", "genindex.html"):  # Sphinx's own pages: English, no switch
        if (site_dir / rel).is_file():
            facts = _facts(site_dir / rel)
            if facts.switches or facts.lang != "en":
                problems.append(f"{rel}: lang={facts.lang!r}, {len(facts.switches)} switch links")
    assert not problems, "\n".join(problems)


def test_chinese_gallery_shows_chinese_static_explorers(site_dir):
    """The zh-CN gallery's notes are Chinese and carry the explorers' titles as the catalogue translates them."""
    from deconv_course.i18n import translate

    english = _facts(site_dir / "notebooks" / "07_explorer_gallery.html").notes
    chinese = _facts(site_dir / "zh-CN" / "notebooks" / "07_explorer_gallery.html").notes
    assert len(english) == len(chinese) == 4
    assert all(n["lang"] == "en" for n in english) and all(n["lang"] == "zh-CN" for n in chinese)
    titles_en = [n["title"].split(" — ")[0] for n in english]
    titles_zh = [n["title"].split(" — ")[0] for n in chinese]
    assert titles_zh == [translate(title, lang="zh-CN") for title in titles_en]
    assert any(CJK.search(title) for title in titles_zh), titles_zh  # at least one title is translated today
    assert all(CJK.search(n["title"].split(" — ")[1]) for n in chinese)


def test_language_switch_round_trip_in_the_browser(browser, server):
    """English lesson -> 中文 (keyboard) -> same lesson in Chinese -> English (mouse) -> back; then without JS."""
    outside: list[str] = []
    start = server + "notebooks/02_core_concepts.html"
    chinese = server + "zh-CN/notebooks/02_core_concepts.html"

    def round_trip(page, label):
        switch = page.locator("a.deconv-lang-link")
        assert switch.count() == 1 and switch.inner_text() == "中文"
        assert switch.is_visible()
        box = switch.bounding_box()
        assert box is not None and box["y"] < 200, f"the switch is not near the top of the page: {box}"
        english_h1 = page.locator("h1").first.inner_text()
        page.screenshot(path=str(SCREENSHOTS / f"deconv_site_switch_en{label}.png"))
        if label == "":  # keyboard: focus the link and press Enter
            switch.focus()
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            with page.expect_navigation():
                switch.click()
        assert page.url == chinese, page.url
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        chinese_h1 = page.locator("h1").first.inner_text()
        # Both titles are bilingual; the Chinese one leads with Chinese, and so does its text.
        assert re.match(r"02 · [A-Za-z]", english_h1) and re.match(r"02 · [\u4e00-\u9fff]", chinese_h1), (
            english_h1,
            chinese_h1,
        )
        text = page.evaluate(_TEXT_OUTSIDE_CODE)
        assert len(CJK.findall(text)) > 0.3 * len(re.findall(r"\w", text)), (
            "the Chinese page is mostly not Chinese"
        )
        page.screenshot(path=str(SCREENSHOTS / f"deconv_site_switch_zh{label}.png"))
        back = page.locator("a.deconv-lang-link")
        assert back.count() == 1 and back.inner_text() == "English" and back.is_visible()
        with page.expect_navigation():
            back.click()
        assert page.url == start, page.url
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert page.locator("h1").first.inner_text() == english_h1

    context, page, errors = _open(browser, start, outside)
    try:
        round_trip(page, "")
        assert not errors, errors
    finally:
        context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)

    def route(route_, request):
        if urllib.parse.urlsplit(request.url).hostname == "127.0.0.1":
            route_.continue_()
        else:
            outside.append(request.url)
            route_.abort()

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.goto(start, wait_until="load")
        round_trip(page, "_nojs")
    finally:
        context.close()
    assert not outside, f"requests left the machine: {sorted(set(outside))}"
