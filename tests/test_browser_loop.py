"""Browser test of the learner's loop, in JupyterLab in headless Chromium.

A learner opens their work copy of an exercise (``deconv-course work``), writes a wrong answer,
runs ``check(...)`` and sees the failure and a hint; fixes the answer and sees it pass; then runs
``progress()``. The same loop runs in the Chinese edition's work copy (``work/zh-CN/``), where
every word ``check()`` and ``progress()`` say is Chinese. A terminal opened in the lab finds ``deconv-course``. Screenshots of each step
are saved next to the test's temporary folder (and to $DECONV_SCREENSHOTS when set).

Uses the server and browser fixtures of ``tests/test_browser.py`` (same requirements, same
skip-or-fail rule: DECONV_REQUIRE_BROWSER=1 in CI).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_browser import CHROMIUM_ARGS, REPO, _wait_idle, browser_tools, lab_server  # noqa: F401

from deconv_course import cli

pytestmark = pytest.mark.browser

EXERCISE = "ex02_core_concepts.ipynb"
QUESTION = "ex02.correlate2d"
# A learner's NumPy answers: first with the classic mistake (the kernel flipped), then right.
WRONG = (
    "def correlate2d(image, kernel):\n"
    "    kernel = kernel[::-1, ::-1]  # wrong: flipping makes it a true convolution\n"
    "    kh, kw = kernel.shape\n"
    "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
    "    for i in range(out.shape[0]):\n"
    "        for j in range(out.shape[1]):\n"
    "            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)\n"
    "    return out\n"
)
RIGHT = WRONG.replace("    kernel = kernel[::-1, ::-1]  # wrong: flipping makes it a true convolution\n", "")


# What each edition's check() and progress() say: (work copy, failed, the hint's word, passed, a status word)
EDITIONS = {
    "en": (f"work/{EXERCISE}", "hint", "flip", "passed", "not attempted"),
    "zh-CN": (f"work/zh-CN/{EXERCISE}", "提示", "翻转", "通过", "未作答"),
}


def _course_in(root: Path) -> None:
    """The course's exercises (both editions) as committed, and the work copies made by the CLI."""
    for folder in ("exercises", "zh-CN/exercises"):
        (root / folder).mkdir(parents=True)
        for path in sorted((REPO / folder).glob("ex*.ipynb")):
            done = subprocess.run(
                ["git", "-C", str(REPO), "show", f"HEAD:{folder}/{path.name}"], capture_output=True, text=True
            )
            text = done.stdout if done.returncode == 0 else path.read_text(encoding="utf-8")
            (root / folder / path.name).write_text(text, encoding="utf-8")
    assert cli.main(["work", "--course-dir", str(root)]) == 0
    assert (root / "work" / EXERCISE).is_file() and (root / "work" / "zh-CN" / EXERCISE).is_file()


def _shots(tmp_path: Path) -> list[Path]:
    folders = [tmp_path]
    if os.environ.get("DECONV_SCREENSHOTS"):
        folders.append(Path(os.environ["DECONV_SCREENSHOTS"]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _screenshot(page, tmp_path: Path, name: str) -> None:
    for folder in _shots(tmp_path):
        page.screenshot(path=str(folder / f"loop-{name}.png"), full_page=False)


def _replace_cell(page, cell, text: str) -> None:
    """Select the cell's whole source and type over it (insert_text: no auto-closed brackets)."""
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def _run_cell_and_next(page, cell) -> None:
    """Run ``cell`` and the one after it (the check cell), as a learner does: Shift+Enter twice."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Escape")  # command mode: Shift+Enter runs the cell, then selects the next
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")


@pytest.mark.parametrize("lab_server", list(EDITIONS), indirect=True)  # as make lab COURSE_LANG=... starts it
def test_wrong_answer_hint_fix_pass_progress(browser_tools, lab_server):  # noqa: F811 (shared fixtures)
    chromium, sync_playwright, expect = browser_tools
    edition = lab_server["lang"]
    work_copy, hint_word, mistake_word, passed_word, status_word = EDITIONS[edition]
    tmp_path = lab_server["tmp_path"]
    root = tmp_path / "root"
    _course_in(root)

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000},
        )
        page = context.pages[0] if context.pages else context.new_page()
        step = "open"
        try:
            page.goto(f"{lab_server['url']}/lab/tree/{work_copy}?token={lab_server['token']}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            _wait_idle(page)
            if edition == "zh-CN":  # JupyterLab's own menus too (its language pack; Settings → Language)
                expect(page.locator(".lm-MenuBar").first).to_contain_text("文件", timeout=30_000)

            # The learner runs the first cells: the Colab set-up cell (inert here), then the imports.
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            setup = page.locator(".jp-Notebook .jp-CodeCell", has_text="import check").first
            cells.first.locator(".cm-content").click()
            page.keyboard.press("Escape")
            page.keyboard.press("Shift+Enter")
            _wait_idle(page)
            setup.locator(".cm-content").click()
            page.keyboard.press("Escape")
            page.keyboard.press("Shift+Enter")
            _wait_idle(page)

            stub = page.locator(".jp-Notebook .jp-CodeCell", has_text="def correlate2d").first
            checked = page.locator(".jp-Notebook .jp-CodeCell", has_text=f'check("{QUESTION}")').first
            output = checked.locator(".jp-OutputArea")

            step = "wrong"
            _replace_cell(page, stub, WRONG)
            _run_cell_and_next(page, stub)
            _wait_idle(page)
            expect(output).to_contain_text(QUESTION, timeout=60_000)
            expect(output).to_contain_text(hint_word, ignore_case=True)
            expect(output).to_contain_text(mistake_word, ignore_case=True)  # the hint names the mistake
            checked.scroll_into_view_if_needed()
            _screenshot(page, tmp_path, f"{edition}-1-wrong")

            step = "right"
            _replace_cell(page, stub, RIGHT)
            _run_cell_and_next(page, stub)
            _wait_idle(page)
            expect(output).not_to_contain_text(hint_word, ignore_case=True, timeout=60_000)
            expect(output).to_contain_text(passed_word)
            expect(output).to_contain_text(QUESTION)
            checked.scroll_into_view_if_needed()
            _screenshot(page, tmp_path, f"{edition}-2-right")

            step = "progress"
            last = cells.last
            last.locator(".cm-content").click()
            page.keyboard.press("Escape")
            page.keyboard.press("b")  # a new cell below the last one
            page.keyboard.press("Enter")
            page.keyboard.insert_text("from deconv_course.grading import progress\nprogress()")
            page.keyboard.press("Shift+Enter")
            _wait_idle(page)
            shown = page.locator(".jp-Notebook .jp-CodeCell", has_text="progress()").last
            shown_output = shown.locator(".jp-OutputArea")
            expect(shown_output).to_contain_text(QUESTION, timeout=60_000)
            expect(shown_output).to_contain_text("ex03.")  # every exercise's questions are listed
            expect(shown_output).to_contain_text(status_word)
            shown.scroll_into_view_if_needed()
            _screenshot(page, tmp_path, f"{edition}-3-progress")
            assert "Traceback" not in shown_output.inner_text()
            if edition != "en":  # nothing the learner reads is left in English
                for english in ("passed", "failed", "not attempted", "question", "expected", "returned"):
                    assert english not in output.inner_text() + shown_output.inner_text(), english
        finally:
            _screenshot(page, tmp_path, f"{edition}-last-{step}")
            context.close()


def test_a_terminal_in_the_lab_finds_deconv_course(browser_tools, lab_server):  # noqa: F811
    """The issue's newcomer got "command not found": the server's terminals must find it."""
    chromium, sync_playwright, expect = browser_tools
    tmp_path = lab_server["tmp_path"]
    root = tmp_path / "root"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(f"{lab_server['url']}/lab?token={lab_server['token']}")
            # As a learner does: the launcher's "Terminal" card (File > New > Terminal).
            page.locator(".jp-LauncherCard", has_text="Terminal").first.click(timeout=60_000)
            terminal = page.locator(".jp-Terminal")
            expect(terminal).to_be_visible(timeout=60_000)
            time.sleep(2)  # the shell prints its prompt
            terminal.click()
            page.keyboard.type("command -v deconv-course > found.txt; deconv-course --help | head -3\n")
            deadline = time.monotonic() + 30
            while not (root / "found.txt").is_file() or not (root / "found.txt").read_text().strip():
                assert time.monotonic() < deadline, "the terminal never wrote found.txt"
                time.sleep(0.5)
            found = (root / "found.txt").read_text().strip()
            time.sleep(1)
            _screenshot(page, tmp_path, "terminal")
        finally:
            context.close()
    assert Path(found).name == "deconv-course"
    assert Path(found).parent == Path(sys.executable).parent  # the interpreter's own bin
