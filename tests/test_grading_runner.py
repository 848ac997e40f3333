"""Tests of the in-kernel code (harness, boot) and of the submission runner's one restart policy.

The runner is driven here by a stand-in kernel that executes cells in a namespace of this process,
so the restart policy is tested without starting processes; tests/test_grading_batch.py runs real
kernels.
"""

from __future__ import annotations

import builtins
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from deconv_course.grading import kernel_side, runner
from deconv_course.grading.compare import judge_case
from deconv_course.grading.exchange import decode_results, harness_cell
from deconv_course.grading.kernel import CellRun, Limits
from deconv_course.grading.kernel_side import harness
from deconv_course.grading.questions import QUESTIONS, expected_for

PACKAGE = Path(runner.__file__).resolve().parent


# =============================================================================================
# the in-kernel code is real files, shipped as package data and sent as text
# =============================================================================================
def test_kernel_side_sources_are_the_module_files():
    assert kernel_side.source("harness.py") == Path(harness.__file__).read_text(encoding="utf-8")
    compile(kernel_side.source("boot.py"), "boot.py", "exec")
    pyproject = (PACKAGE.parents[1] / "pyproject.toml").read_text()
    assert '"deconv_course.grading.kernel_side" = ["*.py"]' in pyproject


def test_boot_sets_the_memory_limit_and_no_core_files():
    code = (
        "import resource\nfrom deconv_course.grading.kernel_side import boot\nboot.set_limits(3 * 2**30)\n"
        "print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_CORE)[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(3 * 2**30), "0"]


@pytest.fixture
def published(monkeypatch):
    """What the harness publishes (in a kernel: one display message of the results type)."""
    sent = []
    monkeypatch.setattr("IPython.display.publish_display_data", lambda data, metadata=None: sent.append(data))
    return sent


def _harness_round_trip(tmp_path, qid, user_ns, published):
    q = QUESTIONS[qid]
    cases = q.public()
    user_ns.setdefault("__builtins__", builtins)
    exec(harness_cell(q.name, cases, call_timeout=10), user_ns)  # what the kernel does with the harness cell
    (data,) = published[-1:]
    return q, cases, decode_results(data[harness.RESULT_MIME], len(cases))


def test_the_harness_runs_apart_from_names_the_student_shadows(tmp_path, published):
    q = QUESTIONS["ex03.conv_transpose2d"]
    ns = {"conv_transpose2d": q.reference, "isinstance": None, "len": None, "np": None, "json": None}
    q, cases, raw = _harness_round_trip(tmp_path, "ex03.conv_transpose2d", ns, published)
    assert all(judge_case(q, c, r, expected_for(q, c)).passed for c, r in zip(cases, raw))
    assert not {"plain", "run", "decode", "__dc_ns", "__dc_b"} & set(ns)


def test_the_harness_reports_stubs_errors_and_missing_functions(tmp_path, published):
    def avg_pool2d(x, kernel_size, stride=None, padding=0):
        if kernel_size == 3:
            raise NotImplementedError
        raise SystemExit("bye")

    _, _, raw = _harness_round_trip(tmp_path, "ex04.avg_pool2d", {"avg_pool2d": avg_pool2d}, published)
    # the public cases pool 2x2 twice, then 3x3 twice
    assert [r["status"] for r in raw] == ["error", "error", "not attempted", "not attempted"]
    assert raw[0]["message"] == "SystemExit: bye"
    _, _, raw = _harness_round_trip(tmp_path, "ex04.conv2d", {}, published)
    assert {r["status"] for r in raw} == {"missing"}


def test_plain_is_the_harness_function():
    from deconv_course.grading import feedback

    assert feedback.plain is harness.plain


def test_no_question_is_special_cased_by_its_id():
    """The quiz's answer key and hints are fields (Question.answers, Case.hint), not ``if q.id == ...``."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(
            r"\b(q|question|self)\.id\s*(==|!=|in\b)|['\"]ex0\d\.\w+['\"]\s*(==|in\b)", text
        ), path.name
    quiz = QUESTIONS["ex06.quiz"]
    assert all(c.hint and c.select in quiz.answers for c in quiz.public())
    assert quiz.reference() == dict(quiz.answers)


# =============================================================================================
# the runner's one restart policy, with a stand-in kernel
# =============================================================================================
class FakeKernel:
    """Runs cells with exec in one namespace; a cell with KILL, or a call that sets DOOMED['now'], ends it."""

    started = 0

    def __init__(self, cwd, limits, sandbox=None):
        FakeKernel.started += 1
        self.ns = {"__builtins__": builtins}
        self._alive = True
        self.sent = []

    def alive(self):
        return self._alive

    def kill(self):
        self._alive = False

    def execute(self, code, timeout):
        if "get_ipython" in code:
            return CellRun("ok")
        if "KILL" in code:
            self._alive = False
            return CellRun("died", "the kernel died (os._exit, a crash, or out of memory)")
        import IPython.display

        self.sent.clear()
        saved = IPython.display.publish_display_data
        IPython.display.publish_display_data = lambda data, metadata=None: self.sent.append(data)
        try:
            exec(code, self.ns)
        except Exception as exc:
            return CellRun("error", f"{type(exc).__name__}: {exc}")
        finally:
            IPython.display.publish_display_data = saved
        if self.ns.get("DOOMED", {}).pop("now", False):
            self._alive = False
            return CellRun("died", "the kernel died (os._exit, a crash, or out of memory)")
        return CellRun("ok", results=[d[harness.RESULT_MIME] for d in self.sent])


def _solution_cell(notebook: str, name: str) -> str:
    """The reference answer of one graded function, as its solution notebook writes it."""
    nb = nbformat.read(str(Path(__file__).resolve().parents[1] / "solutions" / notebook), as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source)
    return "import numpy as np\n" + source


SAME = _solution_cell("ex04_fixing_the_code.ipynb", "same_correlation")
SAME_POINTS = QUESTIONS["ex04.same_correlation"].points
DYING_CONV = "DOOMED = {}\ndef conv2d(*args, **kwargs):\n    DOOMED['now'] = True\n    return 0\n"


@pytest.fixture
def fake_kernel(monkeypatch):
    FakeKernel.started = 0
    monkeypatch.setattr(runner, "Kernel", FakeKernel)
    return FakeKernel


def _notebook(tmp_path, cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / "ex04_sub.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_dead_cell_and_a_dead_call_each_cost_one_restart(tmp_path, fake_kernel):
    path = _notebook(tmp_path, [SAME, "KILL", DYING_CONV])
    rep = runner.run_submission(path, public=True, limits=Limits(max_restarts=3))
    assert fake_kernel.started == 3  # the first dies in cell 1, the second in conv2d
    qs = {q["id"]: q for q in rep["questions"]}
    assert qs["ex04.same_correlation"]["status"] == "passed"
    assert qs["ex04.conv2d"]["status"] == "error"
    assert "the kernel died while calling conv2d" in qs["ex04.conv2d"]["cases"][0]["message"]
    assert qs["ex04.avg_pool2d"]["status"] == "missing"
    assert [(c["index"], c["status"]) for c in rep["cells"]] == [(0, "ok"), (1, "died"), (2, "ok")]
    assert rep["status"] == "graded with errors" and rep["score"] == SAME_POINTS


def test_restarts_beyond_the_limit_leave_the_rest_ungraded(tmp_path, fake_kernel):
    path = _notebook(tmp_path, [SAME, "KILL", DYING_CONV])
    rep = runner.run_submission(path, public=True, limits=Limits(max_restarts=1))
    assert fake_kernel.started == 2
    qs = {q["id"]: q for q in rep["questions"]}
    assert qs["ex04.same_correlation"]["status"] == "passed"
    assert qs["ex04.avg_pool2d"]["cases"][0]["message"] == "not graded: too many kernel restarts"
