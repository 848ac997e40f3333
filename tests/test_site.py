"""Browser test of the static course site (``make site``): offline, typeset, every link alive.

The site in ``site/_build/html`` is served on 127.0.0.1 by ``http.server`` in a thread and
opened in headless Chromium (Debian's, driven by Playwright). On the front page, a lesson with
math, an exercise and the explorer gallery it checks that

* MathJax typeset the formulas (``mjx-container`` elements, no raw ``$$`` or ``\\[`` left);
* every ``<img>`` loaded (``naturalWidth > 0``);
* every internal link (and its ``#fragment``) resolves: HTTP 200 and the anchor exists;
* **no request leaves the machine**: every request to a host other than 127.0.0.1 is aborted
  and recorded, and the record must be empty (no CDN, no web font, no widget manager).

The site is (re)built first when it is missing or older than its sources and the ``[site]``
extra and MathJax (``make site``) are there. Needs Debian's chromium and Playwright for Python;
skipped with that advice where they are missing, a failure where ``DECONV_REQUIRE_BROWSER=1``.
Screenshots go to ``$TMPDIR/deconv_site_*.png``.
"""

from __future__ import annotations

import functools
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
