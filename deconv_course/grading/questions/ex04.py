"""Questions of exercise 4 (exercises/ex04_fixing_the_code.ipynb): the document's code, fixed."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..model import Case, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _np, _scipy_2d, with_hints

QUESTIONS: list[Question] = []


# 'same' cross-correlation (the fixed loop) and convolution: _corr_same(image, kernel), _conv_same(image, kernel)
_corr_same = partial(_scipy_2d, mode="same")
_conv_same = partial(_scipy_2d, mode="same", convolve=True)


def _doc_padded_output(image, kernel):
    k = np.asarray(kernel)
    out = np.zeros((np.shape(image)[0] + k.shape[0] - 1, np.shape(image)[1] + k.shape[1] - 1))
    ph, pw = k.shape[0] // 2, k.shape[1] // 2
    out[ph : ph + np.shape(image)[0], pw : pw + np.shape(image)[1]] = _corr_same(image, kernel)
    return out


def _doc_valid(image, kernel):
    return _scipy_2d(image, kernel, mode="valid")


def _doc_int(image, kernel):
    return np.trunc(_corr_same(image, kernel)).astype(np.int64)


def _doc_public():
    return [
        Case((np.arange(1, 10).reshape(3, 3), np.array([[1, 0, -1]] * 3)), label="the article's example"),
        Case(
            (np.arange(1, 21).reshape(4, 5), np.array([[0.5, 0.25, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -0.5]])),
            label="4x5 integer image, 3x3 fractional kernel",
        ),
        Case(
            (np.arange(12.0).reshape(3, 4), np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])),
            label="3x4 image, 1x5 kernel",
        ),
    ]


def _doc_hidden(rng):
    cases = []
    for k in [(3, 3), (5, 5), (1, 3), (3, 5)]:
        img = rng.integers(0, 10, size=(_ints(rng, 3, 8), _ints(rng, 3, 8)))
        cases.append(
            Case((img, np.round(rng.standard_normal(k), 2)), label=f"integer image, {k[0]}x{k[1]} kernel")
        )
    return cases


QUESTIONS.append(
    Question(
        "ex04.same_correlation",
        "same_correlation",
        "The article's loop, fixed",
        3,
        _corr_same,
        _doc_public,
        _doc_hidden,
        variants=(
            Variant("convolution", _conv_same, _FLIP_CORR),
            Variant(
                "padded output",
                _doc_padded_output,
                "output has the padded image's shape: loop over the OUTPUT positions (the input's "
                "shape), not over every position of the padded image",
            ),
            Variant(
                "integer buffer",
                _doc_int,
                "integer output: np.zeros_like(x_padded) inherits the image's int dtype and "
                "truncates fractions; allocate np.zeros(image.shape, dtype=float)",
            ),
            Variant(
                "no padding",
                _doc_valid,
                "padding missing: 'same' mode zero-pads the image by kernel_size // 2 on each side "
                "first (np.pad), so the output has the image's shape",
            ),
        ),
    )
)


def _conv2d_ref(input, weight, bias=None, stride=1, padding=0):
    F = _F()
    b = None if bias is None else _T(bias)
    return _np(F.conv2d(_T(input), _T(weight), b, stride=stride, padding=padding))


def _conv2d_flipped(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, np.asarray(weight)[..., ::-1, ::-1], bias, stride, padding)


def _conv2d_layout(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, np.swapaxes(np.asarray(weight), 0, 1), bias, stride, padding)


def _conv2d_nopad(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, weight, bias, stride, 0)


def _conv2d_nobias(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, weight, None, stride, padding)


def _conv2d_case(rng, n, cin, cout, kshape, s, p, bias=True):
    h, w = _ints(rng, 4, 8), _ints(rng, 4, 8)
    b = _img(rng, (cout,)) if bias else None
    label = f"batch {n}, {cin} -> {cout} channels, {kshape[0]}x{kshape[1]} kernel, stride {s}, padding {p}"
    label += ", with bias" if bias else ", no bias"
    return Case((_img(rng, (n, cin, h, w)), _img(rng, (cout, cin) + kshape), b, s, p), label=label)


def _conv2d_public():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[1.0, 0.0, -1.0]] * 3).reshape(1, 1, 3, 3)
    c1 = Case((x, w, None, 1, 1), label="the article's example as NCHW, padding 1")
    c2 = _conv2d_case(np.random.default_rng(61), 2, 3, 2, (3, 3), 1, 0)
    c2.label = "2 images, 3 -> 2 channels, 3x3 kernel, bias"
    c3 = _conv2d_case(np.random.default_rng(62), 1, 2, 2, (3, 2), 2, 1)
    c3.label = "2 -> 2 channels, 3x2 kernel, stride 2, padding 1, bias"
    return [c1, c2, c3]


def _conv2d_hidden(rng):
    return [
        _conv2d_case(rng, 1, 1, 1, (3, 3), 1, 0, bias=False),
        _conv2d_case(rng, 2, 2, 2, (3, 3), 1, 1),
        _conv2d_case(rng, 1, 3, 2, (2, 2), 2, 0),
        _conv2d_case(rng, 1, 2, 3, (3, 1), 2, 2),
        _conv2d_case(rng, 2, 1, 2, (1, 3), 3, 1),
    ]


QUESTIONS.append(
    Question(
        "ex04.conv2d",
        "conv2d",
        "Multi-channel conv2d (NCHW)",
        4,
        _conv2d_ref,
        _conv2d_public,
        _conv2d_hidden,
        variants=(
            Variant("flipped", _conv2d_flipped, _FLIP_CORR),
            Variant(
                "layout",
                _conv2d_layout,
                "weight layout: Conv2d's weight is (out_channels, in_channels, kH, kW)",
            ),
            Variant(
                "no bias", _conv2d_nobias, "bias missing: add bias[c] to every pixel of output channel c"
            ),
            Variant(
                "no padding",
                _conv2d_nopad,
                "padding missing: zero-pad the input's last two axes by `padding` on every side "
                "(np.pad) before sliding the kernel",
            ),
        ),
    )
)


def _pool_ref(x, kernel_size):
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size))


def _pool_global(x, kernel_size):
    return np.asarray(x, float).mean(axis=(-2, -1))


def _pool_max(x, kernel_size):
    F = _F()
    return _np(F.max_pool2d(_T(x), kernel_size))


def _pool_ceil(x, kernel_size):
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size, ceil_mode=True))


def _pool_public():
    return [
        Case((np.arange(16.0).reshape(1, 1, 4, 4), 2), label="4x4 map, 2x2 pooling"),
        Case(
            (np.arange(50.0).reshape(1, 2, 5, 5), 2),
            label="two 5x5 maps, 2x2 pooling (drop the last row/col)",
        ),
        Case((np.arange(36.0).reshape(1, 1, 6, 6), 3), label="6x6 map, 3x3 pooling"),
    ]


def _pool_hidden(rng):
    return [
        Case(
            (_img(rng, (_ints(rng, 1, 2), _ints(rng, 1, 3), _ints(rng, 4, 9), _ints(rng, 4, 9))), k),
            label=f"random feature map, {k}x{k} pooling",
        )
        for k in (2, 3, 2, 4)
    ]


QUESTIONS.append(
    Question(
        "ex04.avg_pool2d",
        "avg_pool2d",
        "Average pooling (the article's step 3, done right)",
        2,
        _pool_ref,
        _pool_public,
        _pool_hidden,
        variants=(
            Variant(
                "global mean",
                _pool_global,
                "that is the article's global mean: pooling averages each k x k window separately",
            ),
            Variant(
                "max pooling",
                _pool_max,
                "that is max pooling: average pooling takes the MEAN of each k x k window, not its max",
            ),
            Variant(
                "ceil", _pool_ceil, "partial windows at the border are dropped (floor), like F.avg_pool2d"
            ),
        ),
    )
)

HINTS = {
    "ex04.same_correlation": (
        "'same' mode: pad the image by kernel_size // 2 on each side, then cross-correlate; the "
        "output has the image's shape.",
        "Loop over the OUTPUT positions (the image's shape), not over every position of the padded image.",
        "Allocate the output as np.zeros(image.shape, dtype=float): an int buffer truncates.",
    ),
    "ex04.conv2d": (
        "NCHW: out[n, co] = bias[co] + sum over ci of the cross-correlation of x[n, ci] with weight[co, ci].",
        "Pad the last two axes by `padding` first; then the output size is (H + 2p - kH) // stride + 1.",
        "Take every stride-th window: rows i * stride ... i * stride + kH.",
    ),
    "ex04.avg_pool2d": (
        "Non-overlapping k x k windows; each output pixel is the MEAN of its window.",
        "Drop the rows and columns that do not fill a whole window (H // k windows), then "
        "reshape to (..., H // k, k, W // k, k) and average over the two k axes.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
