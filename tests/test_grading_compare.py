"""Tests of judging an answer (compare); ``check`` is tested in test_grading_feedback.py."""

from __future__ import annotations

import numpy as np
import pytest

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


# check() itself (the result object, hints, HTML, tracebacks) is tested in test_grading_feedback.py
