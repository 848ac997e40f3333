"""Tests of judging an answer (compare, hints) and of the in-notebook ``check``."""

from __future__ import annotations

import numpy as np
import pytest

from deconv_course import grading
from deconv_course.grading.compare import compare
from deconv_course.grading.kernel_side.harness import plain
from deconv_course.grading.questions import QUESTIONS


def test_compare_reports_shape_dtype_and_nan():
    q = QUESTIONS["ex04.same_correlation"]
    exp = np.zeros((3, 3))
    assert "wrong shape" in compare(q, plain(np.zeros((5, 5))), exp)[1]
    assert "wrong dtype" in compare(q, plain(np.zeros((3, 3), int)), exp)[1]
    assert "NaN" in compare(q, plain(np.full((3, 3), np.nan)), exp)[1]
    assert "return an array" in compare(q, plain("text"), exp)[1]
    assert compare(q, plain(np.zeros((3, 3))), exp) == (True, "")


def test_plain_converts_tensors_and_refuses_objects():
    import torch

    p = plain(torch.ones(2, 3, dtype=torch.float64))
    assert p["type"] == "array" and p["value"].shape == (2, 3)
    with pytest.raises(TypeError):
        plain(np.array([object()], dtype=object))


def test_check_says_not_attempted_for_a_stub(capsys):
    def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
        raise NotImplementedError("replace this line with your solution")

    grading.check("ex03.conv_transpose2d", conv_transpose2d)
    out = capsys.readouterr().out
    assert "not attempted" in out and "Traceback" not in out


def test_check_hints_at_the_flipped_kernel(capsys):
    import torch
    import torch.nn.functional as F

    def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
        w = torch.tensor(np.ascontiguousarray(np.asarray(weight)[..., ::-1, ::-1]))
        return F.conv_transpose2d(
            torch.tensor(input), w, stride=stride, padding=padding, output_padding=output_padding
        ).numpy()

    grading.check("ex03.conv_transpose2d", conv_transpose2d)
    out = capsys.readouterr().out
    assert "\u2718" in out and "hint: kernel flipped" in out and "public cases passed" in out


def test_check_reports_exceptions_without_traceback(capsys):
    def correlate2d(image, kernel):
        raise ValueError("boom")

    grading.check("ex02.correlate2d", correlate2d)
    out = capsys.readouterr().out
    assert "raised ValueError: boom" in out and "Traceback" not in out


def test_check_with_the_id_alone_finds_the_function_in_the_callers_globals(capsys):
    namespace = {"check": grading.check, "avg_pool2d": QUESTIONS["ex04.avg_pool2d"].reference}
    exec('check("ex04.avg_pool2d")', namespace)
    assert "all 3 public cases passed" in capsys.readouterr().out
    exec('check("ex04.conv2d")', namespace)
    assert "no function `conv2d`" in capsys.readouterr().out


def test_check_rejects_unknown_ids_and_is_silent_inside_the_grader(capsys, monkeypatch):
    with pytest.raises(ValueError, match="question_id='ex09.nothing'"):
        grading.check("ex09.nothing", print)
    monkeypatch.setenv("DECONV_COURSE_GRADER", "1")
    assert grading.check("ex04.avg_pool2d", QUESTIONS["ex04.avg_pool2d"].reference) is None
    assert capsys.readouterr().out == ""
