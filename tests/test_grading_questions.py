"""Tests of the exercise registry: every question's references, hidden cases and known mistakes."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from deconv_course import grading
from deconv_course.grading.kernel_side.harness import plain
from deconv_course.grading.questions import QUESTIONS, expected_for, solver_for, variant_output


def test_at_least_fifteen_questions_with_stable_ids_and_points():
    assert len(QUESTIONS) >= 15
    for qid, q in QUESTIONS.items():
        assert qid == q.id and qid.startswith(q.exercise + ".")
        assert q.points > 0
        assert q.exercise in grading.EXERCISES
    assert {q.exercise for q in QUESTIONS.values()} == set(grading.EXERCISES)


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_reference_passes_its_public_cases(qid):
    rep = grading.run_public(qid, solver_for(QUESTIONS[qid]))
    assert rep["status"] == "passed", rep


def test_output_size_reference_matches_pytorch():
    import torch

    for case in (
        grading.hidden_cases(QUESTIONS["ex03.output_size"], 7) + QUESTIONS["ex03.output_size"].public()
    ):
        i, k, s, p, op, d = case.args
        layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, dilation=d)
        assert layer(torch.zeros(1, 1, i, i)).shape[-1] == expected_for(QUESTIONS["ex03.output_size"], case)


def test_output_padding_reference_restores_the_shape_in_pytorch():
    import torch
    import torch.nn.functional as F

    q = QUESTIONS["ex03.output_padding"]
    for case in grading.hidden_cases(q, 3) + q.public():
        i, k, s, p, d = case.args
        op = expected_for(q, case)
        w = torch.zeros(1, 1, k, k)
        y = F.conv2d(torch.zeros(1, 1, i, i), w, stride=s, padding=p, dilation=d)
        x = F.conv_transpose2d(y, w, stride=s, padding=p, output_padding=op, dilation=d)
        assert x.shape[-1] == i


def test_psf2otf_and_circular_blur_references_agree_with_the_convolution_theorem():
    from scipy import ndimage

    rng = np.random.default_rng(0)
    image, psf = rng.random((9, 11)), rng.random((3, 5))
    otf = QUESTIONS["ex03b.psf2otf"].reference(psf, image.shape)
    via_fft = np.real(np.fft.ifft2(np.fft.fft2(image) * otf))
    np.testing.assert_allclose(via_fft, ndimage.convolve(image, psf, mode="wrap"), atol=1e-12)
    np.testing.assert_allclose(QUESTIONS["ex01.circular_blur"].reference(image, psf), via_fft, atol=1e-12)


def test_conv_matrix_reference_transpose_is_the_transposed_convolution():
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(1)
    k = rng.standard_normal((3, 3))
    C = QUESTIONS["ex03.conv_matrix"].reference(k, (5, 5), 2, 1)
    y = rng.standard_normal((3, 3))
    ct = F.conv_transpose2d(torch.tensor(y)[None, None], torch.tensor(k)[None, None], stride=2, padding=1)
    np.testing.assert_allclose(C.T @ y.ravel(), ct.numpy().ravel(), atol=1e-12)


def test_overlap_map_shows_the_4_2_1_checkerboard():
    m = QUESTIONS["ex05.overlap_map"].reference(3, 2, 4)
    assert set(np.unique(m[2:-2, 2:-2])) == {1.0, 2.0, 4.0}
    m4 = QUESTIONS["ex05.overlap_map"].reference(4, 2, 4)
    assert np.all(m4[2:-2, 2:-2] == 4)


def test_the_articles_example_is_the_documented_same_correlation():
    case = QUESTIONS["ex04.same_correlation"].public()[0]
    np.testing.assert_array_equal(
        expected_for(QUESTIONS["ex04.same_correlation"], case), [[-7, -4, 7], [-15, -6, 15], [-13, -4, 13]]
    )


def test_adjoint_reference_agrees_with_inner_products():
    q = QUESTIONS["ex03.is_adjoint"]
    rng = np.random.default_rng(2)
    for case in grading.hidden_cases(q, 5) + q.public():
        fwd, bwd, ins, outs = case.args
        x, y = rng.standard_normal(ins), rng.standard_normal(outs)
        lhs, rhs = np.sum(fwd(x) * y), np.sum(x * bwd(y))
        assert expected_for(q, case) == bool(abs(lhs - rhs) <= 1e-9 * (abs(lhs) + abs(rhs)))


@pytest.mark.parametrize("qid", [q for q in QUESTIONS if QUESTIONS[q].variants])
def test_every_known_mistake_gets_its_hint(qid):
    q = QUESTIONS[qid]
    cases = q.public() + grading.hidden_cases(q, 0)
    for v in q.variants:
        hints = set()
        for case in cases:
            try:
                out = variant_output(q, v, case)
            except Exception:
                continue
            p = plain(np.zeros(out) if v.by == "shape" else out)  # a shape variant: any array of it
            rep = grading.judge_case(
                q, case, {"status": "ok", "type": p["type"], "value": p["value"]}, expected_for(q, case)
            )
            if not rep.passed:
                hints.add(rep.hint)
        assert v.hint in hints, (v.name, hints)


def test_hidden_cases_are_seeded_secret_and_differ_from_public_ones():
    for q in QUESTIONS.values():
        a, b = grading.hidden_cases(q, 1), grading.hidden_cases(q, 1)
        assert [repr(c.args) for c in a] == [repr(c.args) for c in b]
        public_arrays = [x for c in q.public() for x in c.args if isinstance(x, np.ndarray)]
        for c in a:
            for x in c.args:
                if isinstance(x, np.ndarray) and x.size > 4:
                    assert not any(p.shape == x.shape and np.array_equal(p, x) for p in public_arrays)
    q = QUESTIONS["ex03.conv_transpose2d"]
    assert not np.array_equal(grading.hidden_cases(q, 1)[1].args[0], grading.hidden_cases(q, 2)[1].args[0])


def test_the_attack_suite_knows_every_graded_name():
    """The stubbing attack (tests/attacks) rewrites every graded function: a new question must be in it."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent / "attacks" / "make_attacks.py"
    spec = importlib.util.spec_from_file_location("make_attacks", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_attacks", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    from deconv_course.grading.questions import QUESTIONS

    assert {q.name for q in QUESTIONS.values()} <= set(module.GRADED_NAMES)
