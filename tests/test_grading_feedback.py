"""Tests of ``check()`` that teaches: the result object, its HTML and text, tracebacks, hints,
the misconceptions it recognises, ``hint()`` on demand, method warnings and ``progress()``."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from deconv_course import cli, grading
from deconv_course.grading import CheckResult, check, hint, progress
from deconv_course.grading import feedback as feedback_module
from deconv_course.grading.questions import MINUTES, QUESTIONS


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("DECONV_COURSE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DECONV_COURSE_GRADER", raising=False)
    feedback_module._HINT_LEVEL.clear()


def _ref(qid):
    return QUESTIONS[qid].reference


def _hints(r: CheckResult) -> list[str]:
    return [h for h, _ in r.hints]


def test_a_result_object_a_learner_can_assert_on():
    r = check("ex03.output_size", _ref("ex03.output_size"))
    assert isinstance(r, CheckResult) and r.passed and bool(r) and r.score == r.points == 2
    assert r.status == "passed" and len(r.cases) == 4 and all(c.passed for c in r.cases)
    assert check("ex03.output_size", _ref("ex03.output_size"))  # `assert check(...)` works
    bad = check("ex03.output_size", lambda *a: 0)
    assert not bad and bad.status == "failed" and bad.score == 0
    with pytest.raises(AssertionError):
        assert check("ex03.output_size", lambda *a: 0)


def test_run_public_keeps_the_report_form():
    rep = grading.run_public("ex04.avg_pool2d", _ref("ex04.avg_pool2d"))
    from deconv_course.grading.questions import QUESTIONS

    full = QUESTIONS["ex04.avg_pool2d"].points
    assert rep["status"] == "passed" and rep["score"] == full and rep["cases"][0]["passed"]


def test_a_stub_is_not_attempted_and_prints_in_a_script(capsys):
    def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
        raise NotImplementedError("replace this line with your solution")

    r = check("ex03.conv_transpose2d", conv_transpose2d)
    assert r.status == "not attempted" and not r.passed
    out = capsys.readouterr().out  # outside IPython and a REPL, check prints its text once
    assert out.count("not attempted yet") == 1 and "Traceback" not in out
    assert "hint('ex03.conv_transpose2d')" in out


def test_the_function_is_found_in_the_callers_globals():
    namespace = {"check": check, "avg_pool2d": _ref("ex04.avg_pool2d")}
    exec("r1 = check('ex04.avg_pool2d'); r2 = check('ex04.conv2d')", namespace)
    assert namespace["r1"].passed
    assert namespace["r2"].status == "missing" and "no function `conv2d`" in repr(namespace["r2"])


def test_unknown_ids_and_the_grader(monkeypatch, capsys):
    with pytest.raises(ValueError, match="question_id='ex09.nothing'"):
        check("ex09.nothing", print)
    monkeypatch.setenv("DECONV_COURSE_GRADER", "1")
    r = check("ex04.avg_pool2d", lambda *a: 1 / 0)
    assert r.skipped and r and r._repr_html_() == "" and capsys.readouterr().out == ""


LEARNER = """
import numpy as np


def correlate2d(image, kernel):
    out = np.zeros((2, 2))
    return out.reshape(3, 5)  # the learner's line
"""


def test_an_exception_points_at_the_learners_own_line(tmp_path):
    path = tmp_path / "learner_cell.py"
    path.write_text(LEARNER)
    spec = importlib.util.spec_from_file_location("learner_cell", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = check("ex02.correlate2d", mod.correlate2d)
    c = r.cases[0]
    assert c.status == "error" and c.message.startswith("raised ValueError: cannot reshape")
    assert "learner_cell.py, line 7, in correlate2d" in c.traceback
    assert "return out.reshape(3, 5)" in c.traceback
    assert "numpy" not in c.traceback and "deconv_course" not in c.traceback
    text = repr(r)
    assert text.count("learner_cell.py, line 7") == 1  # the same traceback is shown once
    assert "learner_cell.py, line 7" in r._repr_html_()


def test_html_is_theme_aware_wraps_at_words_and_is_deterministic():
    def correlate2d(image, kernel):  # flips the kernel
        from scipy.signal import convolve2d

        return convolve2d(image, kernel, mode="valid")

    r = check("ex02.correlate2d", correlate2d)
    page = r._repr_html_()
    assert "var(--jp-error-color1" in page and "word-break: normal; overflow-wrap: anywhere" in page
    assert page == check("ex02.correlate2d", correlate2d)._repr_html_()
    assert not re.search(r"\bid=|\d\.\d+ ?s\b", page)
    # the small case: image, kernel, expected, returned side by side; differing cells marked
    assert "display: flex" in page and page.count("rgba(211, 47, 47, 0.28)") >= 4
    for title in ("image", "kernel", "expected", "returned"):
        assert f">{title}</div>" in page
    ok = check("ex02.correlate2d", _ref("ex02.correlate2d"))._repr_html_()
    assert "var(--jp-success-color1" in ok and "all 3 public cases passed" in ok


def test_text_wraps_at_words():
    r = check("ex03.conv_transpose2d", lambda input, weight, *a: np.zeros((1, 1, 1, 1)))
    text = repr(r)
    assert all(len(line) <= 88 for line in text.splitlines())
    words = set(re.findall(r"[A-Za-z_]{4,}", " ".join(h for c in r.cases for h in (c.message,))))
    flat = " ".join(text.split())
    assert all(w in flat for w in words)


def test_one_hint_once_with_the_cases_it_explains():
    import torch
    import torch.nn.functional as F

    def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
        w = torch.tensor(np.ascontiguousarray(np.asarray(weight)[..., ::-1, ::-1]))
        return F.conv_transpose2d(torch.tensor(input), w, stride=stride, padding=padding, output_padding=output_padding).numpy()  # fmt: skip

    r = check("ex03.conv_transpose2d", conv_transpose2d)
    assert len(r.hints) == 1 and r.hints[0][0].startswith("kernel flipped")
    assert repr(r).count("kernel flipped") == 1
    assert r.hints[0][1] == [i + 1 for i, c in enumerate(r.cases) if not c.passed]


def test_rows_only_flip_gets_the_both_axes_hint_and_nothing_contradicting():
    from scipy.signal import correlate2d

    r = check(
        "ex02.convolve2d", lambda image, kernel: correlate2d(image, np.asarray(kernel)[::-1, :], mode="valid")
    )
    assert _hints(r) == ["flip the kernel in BOTH axes, not only the rows"]
    assert "kernel not flipped" not in repr(r)


# the misconceptions issue 11 names, each recognised with its own hint
def _maxpool(x, k):
    x = np.asarray(x, float)
    h, w = x.shape[-2] // k * k, x.shape[-1] // k * k
    blocks = x[..., :h, :w].reshape(*x.shape[:-2], h // k, k, w // k, k)
    return blocks.max(axis=(-3, -1))


def _conv2d_no_padding(input, weight, bias=None, stride=1, padding=0):
    return _ref("ex04.conv2d")(input, weight, bias, stride, 0)


def _same_no_padding(image, kernel):
    from scipy.signal import correlate2d

    return correlate2d(np.asarray(image, float), np.asarray(kernel, float), mode="valid")


def _ct_out_in(input, weight, stride=1, padding=0, output_padding=0):
    """Reads the weight as (out, in, kH, kW): weight.shape[0] output channels."""
    full = _ref("ex03.conv_transpose2d")(input, weight, stride, padding, output_padding)
    return np.zeros(full.shape[:1] + (np.shape(weight)[0],) + full.shape[2:])


def _int_buffer(input, weight, bias=None, stride=1, padding=0):
    return _ref("ex04.conv2d")(input, weight, bias, stride, padding).astype(int)


@pytest.mark.parametrize(
    "qid, fn, start",
    [
        ("ex04.avg_pool2d", _maxpool, "that is max pooling"),
        ("ex04.conv2d", _conv2d_no_padding, "padding missing"),
        ("ex04.same_correlation", _same_no_padding, "padding missing"),
        ("ex03.conv_transpose2d", _ct_out_in, "weight layout"),
        ("ex03.output_size", lambda *a: _ref("ex03.output_size")(*a) + 1, "off by one"),
        ("ex03.output_size", lambda *a: _ref("ex03.output_size")(*a) - 1, "off by one"),
        ("ex04.conv2d", _int_buffer, "your values are the right ones truncated"),
        (
            "ex03b.wiener",
            lambda *a: np.trunc(_ref("ex03b.wiener")(*a)),
            "your values are the right ones truncated",
        ),
    ],
)
def test_new_misconceptions_are_recognised(qid, fn, start):
    r = check(qid, fn)
    assert not r.passed and len(r.hints) == 1 and r.hints[0][0].startswith(start), (_hints(r), repr(r))


def test_hint_on_demand_a_nudge_first_then_more():
    levels = QUESTIONS["ex03.conv_transpose2d"].hints
    assert 2 <= len(levels) <= 3
    shown = [hint("ex03.conv_transpose2d") for _ in range(len(levels) + 1)]
    assert [h.level for h in shown] == [*range(1, len(levels) + 1), len(levels)]
    assert [h.text for h in shown[: len(levels)]] == list(levels)
    assert "again for more" in repr(shown[0]) and "last hint" in repr(shown[-1])
    assert "var(--jp-warn-color1" in shown[0]._repr_html_()
    assert hint("ex01.meaning").level == 1  # a counter per question
    with pytest.raises(ValueError):
        hint("ex09.nothing")


def test_every_question_has_two_or_three_hints():
    for q in QUESTIONS.values():
        assert 2 <= len(q.hints) <= 3 and all(len(h) > 20 for h in q.hints), q.id


CELLS = [
    "",
    "import numpy as np\nimport torch.nn.functional as F",
    "def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):\n"
    "    import torch\n"
    "    return F.conv_transpose2d(torch.tensor(input), torch.tensor(weight), stride=stride,\n"
    "                              padding=padding, output_padding=output_padding).numpy()",
    "check('ex03.conv_transpose2d')",
]


def test_a_forbidden_method_is_a_warning_naming_the_call():
    ns = {"In": CELLS, "check": check}
    exec(CELLS[1] + "\n" + CELLS[2], ns)
    exec("r = check('ex03.conv_transpose2d')", ns)
    r = ns["r"]
    assert r.passed  # a warning, not a failure
    assert len(r.warnings) == 1  # one warning naming each forbidden call
    w = r.warnings[0]
    assert w.startswith("your conv_transpose2d calls torch.nn.functional.conv_transpose2d (in `return F.conv")
    assert "torch.tensor (in `return F.conv_transpose2d(torch.tensor(input)" in w
    assert "the grader gives this question 0 points; this question asks for NumPy only" in w
    assert "warning:" in repr(r) and "var(--jp-warn-color1" in r._repr_html_()
    clean = check("ex03.conv_transpose2d", _ref("ex03.conv_transpose2d"))
    assert clean.warnings == []  # no notebook history: nothing to check


def test_magics_are_read_as_typed_not_as_ipython_turns_them():
    code = "get_ipython().run_line_magic('matplotlib', 'inline')\nimport numpy as np"
    assert feedback_module._as_typed(code) == "%matplotlib inline\nimport numpy as np"
    cell = "get_ipython().run_cell_magic('time', '', 'x = 1\\ny = 2\\n')"
    assert feedback_module._as_typed(cell) == "%%time \nx = 1\ny = 2\n"
    fn = "def correlate2d(image, kernel):\n    return np.zeros((2, 2))"
    typed = ["", feedback_module._as_typed(code), fn]
    assert feedback_module.method_warnings("ex02.correlate2d", "correlate2d", typed) == []
    transformed = ["", code, fn]  # what IPython's In holds: get_ipython() is dynamic code
    assert "get_ipython" in feedback_module.method_warnings("ex02.correlate2d", "correlate2d", transformed)[0]


def test_progress_lists_every_question_with_status_points_and_minutes(tmp_path, capsys):
    check("ex04.avg_pool2d", _ref("ex04.avg_pool2d"))
    check("ex04.conv2d", lambda *a: np.zeros(3))
    r = check("ex03.conv_transpose2d", lambda input, weight, stride=1, padding=0, output_padding=0: _ref("ex03.conv_transpose2d")(input, weight, stride, 0, output_padding))  # fmt: skip
    assert r.status == "partial"
    p = progress()
    assert len(p.rows) == len(QUESTIONS)
    status = {row.id: row.status for row in p.rows}
    assert status["ex04.avg_pool2d"] == "passed" and status["ex04.conv2d"] == "failed"
    assert status["ex03.conv_transpose2d"] == "partial" and status["ex01.meaning"] == "not attempted"
    assert p.score == QUESTIONS["ex04.avg_pool2d"].points + r.score
    assert p.points == sum(q.points for q in QUESTIONS.values())
    text = repr(p)
    assert f"ex03 (about {MINUTES['ex03']} min)" in text and "Transposed convolution by scatter" in text
    assert f"ex03b (about {MINUTES['ex03b']} min)" in text and "A weight chosen without the truth" in text
    assert "<table" in p._repr_html_() and "var(--jp-success-color1" in p._repr_html_()
    assert (tmp_path / "home" / "progress.json").is_file()
    capsys.readouterr()
    assert cli.main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "ex04.avg_pool2d" in out and "passed" in out and out.count("\n") >= len(QUESTIONS) + 6


def test_validate_is_exported_for_notebook_cells():
    assert callable(grading.validate) and "validate" in grading.__all__
    assert "notebook cell" in grading.__doc__


def test_progress_names_its_record_the_same_on_every_machine(tmp_path, monkeypatch):
    from deconv_course.grading.progress_log import shown_path

    monkeypatch.setenv("DECONV_COURSE_HOME", str(tmp_path))
    assert shown_path(tmp_path / "progress.json") == "$DECONV_COURSE_HOME/progress.json"
    monkeypatch.delenv("DECONV_COURSE_HOME")
    assert shown_path(Path.home() / ".deconv-course" / "progress.json") == "~/.deconv-course/progress.json"
    assert shown_path(Path("/elsewhere/progress.json")) == "/elsewhere/progress.json"
