"""Tests of the questions added for issue 13: predict-by-hand and the 1-D convolution matrix (ex02), the
harder ex04 (same_correlation for colour images, even kernels and dilation; unfold; conv2d with dilation and
groups; avg_pool2d with stride and padding), the checkerboard energy and ICNR (ex05), and the difficulty ramp.

References are checked against independent ones (PyTorch layers, SciPy, explicit DFT matrices, closed
forms); the reference solutions are run on the public AND the hidden cases; every known mistake fails with
its hint in ``check``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deconv_course import grading
from deconv_course.grading import check
from deconv_course.grading.kernel_side.harness import plain
from deconv_course.grading.methods import FORBIDDEN, POLICY, check_function
from deconv_course.grading.questions import MINUTES, QUESTIONS, expected_for, max_score, questions_for
from deconv_course.grading.questions.ex02 import HAND_PARTS

ROOT = Path(__file__).resolve().parents[1]
NEW = [
    "ex02.predict_by_hand",
    "ex02.conv_matrix1d",
    "ex04.same_correlation",
    "ex04.unfold",
    "ex04.conv2d",
    "ex04.avg_pool2d",
    "ex05.checkerboard_energy",
    "ex05.icnr",
]
NOTEBOOKS = {
    "ex02": "ex02_core_concepts",
    "ex04": "ex04_fixing_the_code",
    "ex05": "ex05_trends_and_challenges",
}


def _t(x):
    return torch.as_tensor(np.ascontiguousarray(x, dtype=np.float64))


def _solution_namespace(exercise: str) -> dict:
    """The functions the solution notebook defines (its code cells run, check cells and demos skipped)."""
    nb = json.loads((ROOT / "solutions" / f"{NOTEBOOKS[exercise]}.ipynb").read_text())
    namespace: dict = {}
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and ("def " in source or source.startswith(("import", "from"))):
            if "google.colab" in source or "torch.manual_seed" in source:
                continue  # the Colab set-up cell and the demos
            exec(compile(source, f"{exercise}-solution", "exec"), namespace)
    return namespace


# ---------------------------------------------------------------------------------------------
# ex02.predict_by_hand: six fixed parts, each against PyTorch and an independent NumPy computation
# ---------------------------------------------------------------------------------------------
def _numpy_1d(op, x, w, s, p):
    x, w = np.asarray(x, float), np.asarray(w, float)
    if op == "conv_transpose1d":  # scatter with np.add.at, then crop
        full = np.zeros((len(x) - 1) * s + len(w))
        for i, xi in enumerate(x):
            np.add.at(full, i * s + np.arange(len(w)), xi * w)
        return full[p : len(full) - p]
    if op == "convolve":
        return np.convolve(x, w, mode="valid")
    xp = np.pad(x, p)
    return np.correlate(xp, w, mode="valid")[::s]


@pytest.mark.parametrize("part", list(HAND_PARTS))
def test_hand_parts_equal_pytorch_and_numpy(part):
    op, x, w, s, p = HAND_PARTS[part]
    q = QUESTIONS["ex02.predict_by_hand"]
    ref = q.reference(part)
    np.testing.assert_allclose(ref, _numpy_1d(op, x, w, s, p), atol=1e-12)
    xt, wt = _t(x)[None, None], _t(w)[None, None]
    if op == "conv_transpose1d":
        torch_out = F.conv_transpose1d(xt, wt, stride=s, padding=p)
        assert len(ref) == (len(x) - 1) * s + len(w) - 2 * p
    elif op == "convolve":
        torch_out = F.conv1d(xt, wt.flip(-1))
    else:
        torch_out = F.conv1d(xt, wt, stride=s, padding=p)
        assert len(ref) == (len(x) + 2 * p - len(w)) // s + 1
    np.testing.assert_allclose(ref, torch_out[0, 0].numpy(), atol=1e-12)
    assert np.array_equal(ref, np.round(ref))  # whole numbers: computable on paper


def test_hand_question_is_fixed_and_its_numbers_are_what_the_notebook_states():
    q = QUESTIONS["ex02.predict_by_hand"]
    assert (
        [c.args for c in q.public()]
        == [c.args for c in grading.hidden_cases(q, 7)]
        == [(p,) for p in HAND_PARTS]
    )
    text = "".join(
        "".join(c["source"])
        for c in json.loads((ROOT / "exercises/ex02_core_concepts.ipynb").read_text())["cells"]
    )
    for op, x, w, s, p in HAND_PARTS.values():  # the exercise states every input (the stub gives no numbers)
        assert f"| `{list(x)}` | `{list(w)}` | {s} | {p} |" in text, (op, x, w)


def test_hand_question_flags_a_library_call():
    policy = POLICY["ex02.predict_by_hand"][1]
    cells = [
        "import numpy as np",
        "def predicted_output(part):\n    return list(np.convolve([1, 2], [3, 4]))",
    ]
    assert [(f.kind, f.name) for f in check_function(cells, "predicted_output", policy)] == [
        (FORBIDDEN, "numpy.convolve")
    ]
    literal = ["def predicted_output(part):\n    return {'a': [4, 1, 2]}[part]"]
    assert check_function(literal, "predicted_output", policy) == []


def test_check_names_the_slip_of_every_part_on_its_own():
    """Parts are computed one by one: a slip in part b (reversed kernel) is named even though parts a
    and c are right, next to the slips of parts d (overlap), e (length) and f (no crop)."""
    answers = {"a": [4, 1, 2], "b": [4, 1, 2], "c": [-1, 1, 7], "d": [1, 2, 4, 6], "e": [1, 0, 1, 0, 1, 0]}
    answers["f"] = [1, 1, 3, 2, 5, 3, 3]
    r = check("ex02.predict_by_hand", lambda part: answers[part])
    shown = {hint.split(":")[0] + ":" + hint.split(":")[1]: cases for hint, cases in r.hints}
    assert shown == {
        "part b: kernel direction": [2],  # public cases are numbered from 1, as check shows them
        "part d: overlap not summed": [4],
        "part e: wrong length": [5],
        "part f: padding not applied": [6],
    }, r.hints


# ---------------------------------------------------------------------------------------------
# ex02.conv_matrix1d: C @ x == F.conv1d, C.T @ y == F.conv_transpose1d
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "k, n, s, p", [(3, 5, 1, 0), (3, 6, 2, 1), (2, 4, 1, 1), (4, 9, 3, 2), (1, 4, 2, 0), (5, 7, 1, 2)]
)
def test_conv_matrix1d_reference_is_conv1d_and_its_transpose_is_conv_transpose1d(k, n, s, p):
    rng = np.random.default_rng(k * 100 + n)
    kernel, x = rng.standard_normal(k), rng.standard_normal(n)
    C = QUESTIONS["ex02.conv_matrix1d"].reference(kernel, n, s, p)
    n_out = (n + 2 * p - k) // s + 1
    assert C.shape == (n_out, n)
    np.testing.assert_allclose(
        C @ x,
        F.conv1d(_t(x)[None, None], _t(kernel)[None, None], stride=s, padding=p)[0, 0].numpy(),
        atol=1e-12,
    )
    y = rng.standard_normal(n_out)
    op = n - ((n_out - 1) * s - 2 * p + k)  # the output_padding that restores n
    ct = F.conv_transpose1d(_t(y)[None, None], _t(kernel)[None, None], stride=s, padding=p, output_padding=op)
    np.testing.assert_allclose(C.T @ y, ct[0, 0].numpy(), atol=1e-12)


# ---------------------------------------------------------------------------------------------
# ex04: against PyTorch's layers and SciPy
# ---------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_same_correlation_reference_is_pytorchs_padding_same_and_scipys_same():
    from scipy import signal

    q = QUESTIONS["ex04.same_correlation"]
    rng = np.random.default_rng(4)
    for c, kshape, d in [
        (1, (3, 3), 1),
        (1, (2, 2), 1),
        (1, (4, 3), 1),
        (3, (2, 5), 1),
        (2, (3, 3), 2),
        (1, (2, 4), 3),
    ]:
        image, kernel = rng.standard_normal((c, 7, 8)), rng.standard_normal((c, *kshape))
        ref = q.reference(image, kernel, d) if c > 1 else q.reference(image[0], kernel[0], d)
        expected = F.conv2d(_t(image)[None], _t(kernel)[None], padding="same", dilation=d)[0, 0].numpy()
        np.testing.assert_allclose(ref, expected, atol=1e-12)
    image, kernel = rng.standard_normal((6, 5)), rng.standard_normal((3, 5))
    np.testing.assert_allclose(
        q.reference(image, kernel), signal.correlate2d(image, kernel, mode="same"), atol=1e-12
    )


def test_ex04_asks_more_than_ex02():
    """The repeat is gone: hidden cases need colour images, even kernels and dilation; conv2d groups."""
    labels = " | ".join(c.label for c in grading.hidden_cases(QUESTIONS["ex04.same_correlation"], 0))
    assert "channel" in labels and "(even)" in labels and "dilation" in labels
    conv = [c.args for c in grading.hidden_cases(QUESTIONS["ex04.conv2d"], 0)]
    assert any(len(a) == 7 and a[6] > 1 for a in conv) and any(len(a) >= 6 and a[5] > 1 for a in conv)
    assert {q.name for q in questions_for("ex04")}.isdisjoint(q.name for q in questions_for("ex02"))


def test_unfold_reference_turns_conv2d_into_one_matrix_product():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3))
    for s, p, d in [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)]:
        cols = QUESTIONS["ex04.unfold"].reference(x, 3, s, p, d)
        conv = F.conv2d(_t(x), _t(w), stride=s, padding=p, dilation=d).numpy()
        np.testing.assert_allclose(w.reshape(4, -1) @ cols, conv.reshape(2, 4, -1), atol=1e-12)


def test_conv2d_reference_equals_a_conv2d_layer_with_groups_and_dilation():
    rng = np.random.default_rng(6)
    for cin, cout, g, d in [(4, 6, 2, 1), (6, 6, 3, 2), (3, 3, 3, 1), (2, 4, 1, 2)]:
        layer = torch.nn.Conv2d(cin, cout, (3, 2), stride=2, padding=1, dilation=d, groups=g).double()
        x = rng.standard_normal((2, cin, 8, 9))
        ref = QUESTIONS["ex04.conv2d"].reference(
            x, layer.weight.detach().numpy(), layer.bias.detach().numpy(), 2, 1, d, g
        )
        np.testing.assert_allclose(ref, layer(_t(x)).detach().numpy(), atol=1e-12)


def test_avg_pool2d_reference_counts_the_padding_like_a_layer():
    x = np.ones((1, 1, 4, 4))
    ref = QUESTIONS["ex04.avg_pool2d"].reference(x, 3, 2, 1)
    np.testing.assert_allclose(ref, [[[[4 / 9, 6 / 9], [6 / 9, 1.0]]]])  # zeros count: corner window 4/9
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 9, 8))
    for k, s, p in [(2, None, 0), (3, 1, 1), (4, 2, 2)]:
        layer = torch.nn.AvgPool2d(k, stride=s, padding=p)
        np.testing.assert_allclose(
            QUESTIONS["ex04.avg_pool2d"].reference(x, k, s, p), layer(_t(x)).numpy(), atol=1e-12
        )


# ---------------------------------------------------------------------------------------------
# ex05.checkerboard_energy: against explicit DFT matrices, closed cases, and the lesson's meter
# ---------------------------------------------------------------------------------------------
def _energy_by_dft_matrices(image, s):
    h, w = image.shape
    Dh = np.exp(-2j * np.pi * np.outer(np.arange(h), np.arange(h)) / h)
    Dw = np.exp(-2j * np.pi * np.outer(np.arange(w), np.arange(w)) / w)
    power = np.abs(Dh @ image @ Dw.T) ** 2
    periodic = sum(power[a * h // s, b * w // s] for a in range(s) for b in range(s)) - power[0, 0]
    return periodic / (power.sum() - power[0, 0])


def test_checkerboard_energy_reference_against_dft_matrices_and_closed_cases():
    q = QUESTIONS["ex05.checkerboard_energy"]
    rng = np.random.default_rng(8)
    for case in q.public() + grading.hidden_cases(q, 0):
        image, s = case.args
        if np.ptp(image) > 0:
            assert expected_for(q, case) == pytest.approx(_energy_by_dft_matrices(image, s), abs=1e-10)
    tile = np.tile(rng.standard_normal((3, 3)), (4, 5))
    assert q.reference(tile, 3) == pytest.approx(1.0, abs=1e-12)  # period s: all energy periodic
    blocks = np.kron(rng.standard_normal((5, 4)), np.ones((2, 2)))  # nearest-neighbour upsampling
    assert q.reference(blocks, 2) == pytest.approx(0.0, abs=1e-12)
    image = rng.standard_normal((8, 10))
    assert q.reference(3.0 * image + 7.0, 2) == pytest.approx(q.reference(image, 2), abs=1e-12)
    assert q.reference(np.full((6, 6), 2.5), 3) == 0.0 and q.reference(np.zeros((4, 4)), 2) == 0.0


def test_checkerboard_energy_is_the_lessons_meter():
    from deconv_course import torch_ops

    meter = getattr(torch_ops, "checkerboard_energy", None)
    if meter is None:
        pytest.skip("torch_ops.checkerboard_energy (lesson 05b) is not in this checkout")
    q = QUESTIONS["ex05.checkerboard_energy"]
    for case in q.public() + grading.hidden_cases(q, 1):
        assert meter(case.args[0], stride=case.args[1]) == pytest.approx(expected_for(q, case), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# ex05.icnr: the property, computed with PyTorch on random inputs; only the reference has it
# ---------------------------------------------------------------------------------------------
def _property_holds(weight, sub, r, x):
    k = sub.shape[-1]
    shuffled = F.pixel_shuffle(F.conv2d(_t(x), _t(weight), padding=k // 2), r)
    resized = F.interpolate(F.conv2d(_t(x), _t(sub), padding=k // 2), scale_factor=r, mode="nearest")
    return shuffled.shape == resized.shape and bool(torch.allclose(shuffled, resized, atol=1e-12))


def test_icnr_reference_makes_pixel_shuffle_start_as_nearest_resize_and_the_mistakes_do_not():
    q = QUESTIONS["ex05.icnr"]
    rng = np.random.default_rng(9)
    for case in q.public() + grading.hidden_cases(q, 2):
        sub, r = case.args
        x = rng.standard_normal((2, sub.shape[1], 4, 5))
        assert _property_holds(expected_for(q, case), sub, r, x), case.label
        for v in q.variants:  # where a mistake gives another weight, that weight breaks the property
            if v.by == "value" and not np.allclose(v.fn(sub, r), expected_for(q, case)):
                assert not _property_holds(v.fn(sub, r), sub, r, x), (v.name, case.label)


def test_icnr_reference_equals_the_lessons_initialiser():
    from deconv_course import torch_ops

    icnr_ = getattr(torch_ops, "icnr_", None)
    if icnr_ is None:
        pytest.skip("torch_ops.icnr_ (lesson 05b) is not in this checkout")
    q = QUESTIONS["ex05.icnr"]
    for case in q.public():
        sub, r = case.args
        weight = torch.empty((sub.shape[0] * r * r, *sub.shape[1:]), dtype=torch.float64)
        icnr_(weight, r, init=lambda t, sub=sub: t.copy_(_t(sub)))
        np.testing.assert_array_equal(weight.numpy(), expected_for(q, case))


# ---------------------------------------------------------------------------------------------
# every new question: the solution passes public and hidden cases; each mistake fails with its hint
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("qid", NEW)
def test_the_solution_notebook_passes_public_and_hidden_cases(qid):
    q = QUESTIONS[qid]
    fn = _solution_namespace(q.exercise)[q.name]
    for case in q.public() + grading.hidden_cases(q, 0) + grading.hidden_cases(q, 1):
        p = plain(fn(*case.args, **case.kwargs))
        rep = grading.judge_case(q, case, {"status": "ok", **p}, expected_for(q, case))
        assert rep.passed, (case.label, rep.message)


@pytest.mark.parametrize("qid", NEW)
def test_each_known_mistake_fails_check_with_its_hint(qid):
    q = QUESTIONS[qid]
    assert check(qid, q.reference).passed
    for v in q.variants:
        if v.by == "shape":
            continue  # a shape is not a function; test_grading_questions judges an array of it
        r = check(qid, v.fn)
        shown = [h for h, _ in r.hints] + [c.hint for c in r.cases if c.hint]
        assert not r.passed and v.hint in shown, (v.name, r.status, shown)


@pytest.mark.parametrize("qid", NEW)
def test_hidden_cases_carry_category_labels(qid):
    cases = grading.hidden_cases(QUESTIONS[qid], 3)
    assert cases and all(c.label for c in cases)
    assert [c.label for c in cases] == [c.label for c in grading.hidden_cases(QUESTIONS[qid], 4)]


# ---------------------------------------------------------------------------------------------
# the ramp: a point costs no less time from ex02 to ex05
# ---------------------------------------------------------------------------------------------
def test_minutes_per_point_do_not_fall_along_the_transposed_convolution_track():
    track = ["ex02", "ex03", "ex04", "ex05"]  # ex03b (restoration) is a side track
    per_point = [MINUTES[ex] / max_score(ex) for ex in track]
    assert per_point == sorted(per_point), dict(zip(track, per_point))
