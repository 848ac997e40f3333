"""Browser test: JupyterLab in headless Chromium shows an explorer, a person changes it,
and the page changes.

Needs Debian's chromium (``apt-get install chromium``) and Playwright for Python
(``pip install -e .[browser]``); Playwright is pointed at /usr/bin/chromium because no
browser can be downloaded. Skipped, with that advice, where either is missing.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from deconv_course import cli

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
INSTALL_HINT = (
    "install them with `apt-get install chromium` (Debian's browser at "
    "/usr/bin/chromium) and `pip install -e .[browser]` (Playwright for Python)"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# JupyterLab 4 settings that keep dialogs and pop-ups out of the way, and keep every
# cell in the DOM (windowing would remove off-screen cells).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
ERROR_TEXT = "Error displaying widget"


def _chromium():
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from deconv_course.widgets import arithmetic_explorer, kernel_explorer\narithmetic_explorer()"
        ),
        nbformat.v4.new_code_cell("kernel_explorer()"),
    ]
    nbformat.write(nb, path)


@pytest.fixture
def lab_server(tmp_path, request):
    """A JupyterLab server on 127.0.0.1:<free port> with a token, in tmp_path; killed after.

    Parametrised indirectly with a course language ("en" by default), it is started as
    ``make lab COURSE_LANG=...`` starts it: that language in the environment and in the lab's options.
    """
    lang = getattr(request, "param", "en")
    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root / "explorer.ipynb")
    # The environment `deconv-course lab` gives its server, from a shell where the virtual
    # environment was never activated (its bin is not on PATH).
    bindir = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bindir]
    env = cli.lab_environment({**os.environ, "PATH": os.pathsep.join(path)})
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        env[name] = str(tmp_path / name.lower())
        os.makedirs(env[name], exist_ok=True)
    lab_settings = dict(LAB_SETTINGS)
    if os.environ.get("DECONV_LAB_THEME"):  # e.g. "JupyterLab Dark", to look at the explorers in it
        lab_settings["@jupyterlab/apputils-extension/themes.jupyterlab-settings"] = {
            "theme": os.environ["DECONV_LAB_THEME"]
        }
    for relative, settings in lab_settings.items():
        target = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings))
    # The kernel imports the package from this checkout even before `pip install -e .`.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "agg"
    env["DECONV_COURSE_HOME"] = str(tmp_path / "deconv-course-home")  # check()'s progress record
    env["DECONV_COURSE_LANG"] = lang
    port, token = _free_port(), uuid.uuid4().hex
    log = open(tmp_path / "jupyterlab.log", "w")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            *cli.lab_server_options(env, lang=lang),
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {proc.returncode}: "
                    f"{(tmp_path / 'jupyterlab.log').read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("JupyterLab did not answer within 60 s")
            time.sleep(0.5)
        yield {"url": url, "token": token, "tmp_path": tmp_path, "lang": lang}
    finally:
        # The server and the kernels it started share one process group.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _wait_idle(page, timeout=60_000):
    """Wait until the kernel is connected and idle: the status bar says "| Idle" ("| 空闲" in a
    lab started in Chinese; the toolbar's execution indicator also says idle before the kernel
    has connected)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-StatusBar-Widget')]"
        ".some(e => e.innerText.includes('| Idle') || e.innerText.includes('| 空闲'))"
        " && document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")",
        timeout=timeout,
    )


def _skip_or_fail(reason):
    # CI sets DECONV_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
    if os.environ.get("DECONV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} but DECONV_REQUIRE_BROWSER=1; {INSTALL_HINT}")
    pytest.skip(f"{reason}; {INSTALL_HINT}")


@pytest.fixture
def browser_tools():
    """Chromium's path and Playwright's API, or a skip that says how to install them."""
    chromium = _chromium()
    if chromium is None:
        _skip_or_fail("Chromium not found at /usr/bin/chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _skip_or_fail("Playwright for Python is not installed")
    return chromium, sync_playwright, expect


def test_explorers_respond_in_jupyterlab(browser_tools, lab_server):
    chromium, sync_playwright, expect = browser_tools

    tmp_path = lab_server["tmp_path"]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(f"{lab_server['url']}/lab/tree/explorer.ipynb?token={lab_server['token']}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            _wait_idle(page)

            # Run both cells as a person would: click the first, Shift+Enter twice.
            page.locator(".jp-Notebook .jp-Cell").first.click()
            page.keyboard.press("Shift+Enter")
            page.keyboard.press("Shift+Enter")
            explorers = page.locator(".deconv-explorer")
            expect(explorers).to_have_count(2, timeout=60_000)
            _wait_idle(page)

            # 1. Arithmetic explorer: keyboard on the stride slider.
            arithmetic = explorers.nth(0)
            text = arithmetic.locator("pre").first
            expect(text).to_contain_text("output shape (PyTorch):    2x2")
            figure_before = arithmetic.locator("img").first.get_attribute("src")
            stride = arithmetic.locator(".widget-slider", has_text="stride")
            handle = stride.locator(".noUi-handle")
            handle.focus()
            handle.press("ArrowRight")
            _wait_idle(page)
            # input 4, kernel 3, stride 2: floor((4 - 3) / 2) + 1 = 1
            expect(text).to_contain_text("stride 2", timeout=20_000)
            expect(text).to_contain_text("output shape (arithmetic): 1x1")
            expect(text).to_contain_text("output shape (PyTorch):    1x1")
            expect(arithmetic.locator("img").first).not_to_have_attribute("src", figure_before)

            # Illegal setting: kernel 5 on a 4x4 input shows the library's message.
            kernel_size = arithmetic.locator(".widget-slider", has_text="kernel size")
            kernel_size.locator(".noUi-handle").focus()
            kernel_size.locator(".noUi-handle").press("ArrowRight")
            kernel_size.locator(".noUi-handle").press("ArrowRight")
            _wait_idle(page)
            error = arithmetic.locator("pre.deconv-error")
            expect(error).to_contain_text("error (deconv_course.arithmetic): ValueError", timeout=20_000)
            expect(error).to_contain_text("error (PyTorch): RuntimeError")
            assert "Traceback" not in arithmetic.inner_text()

            # 2. Kernel explorer: type a number into a kernel cell.
            kernel = explorers.nth(1)
            printed = kernel.locator("pre").first
            expect(printed).to_contain_text("-7.00")  # the document's example, done right
            before = printed.inner_text()
            cell = kernel.locator(".widget-text input").first  # kernel[0, 0]
            cell.click()
            cell.press("Control+a")
            cell.type("5")
            cell.press("Enter")
            _wait_idle(page)
            expect(printed).not_to_have_text(before, timeout=20_000)
            # kernel[0, 0] 1 -> 5 adds 4 * x[i-1, j-1] to the correlation at (1, 1):
            # -6 + 4 * 1 = -2.
            expect(printed).to_contain_text("5.00")
            expect(kernel.locator("select").first).to_have_value("custom")

            assert ERROR_TEXT not in page.content()
        finally:
            # Saved whether the test passed or not: it is the first thing to look at.
            page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
            if os.environ.get("DECONV_SCREENSHOTS"):
                page.screenshot(
                    path=str(Path(os.environ["DECONV_SCREENSHOTS"]) / "explorer.png"), full_page=True
                )
            context.close()
    assert (tmp_path / "explorer.png").stat().st_size > 10_000
