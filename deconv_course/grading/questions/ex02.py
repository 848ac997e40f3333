"""Questions of exercise 2 (exercises/ex02_core_concepts.ipynb): correlation vs convolution, the 4-step recipe."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..model import Case, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _labelled, _np, _scipy_2d, with_hints

QUESTIONS: list[Question] = []


# 'valid' cross-correlation and convolution: _corr_valid(image, kernel), _conv_valid(image, kernel)
_corr_valid = partial(_scipy_2d, mode="valid")
_conv_valid = partial(_scipy_2d, mode="valid", convolve=True)


def _flip_rows_only(image, kernel):
    return _corr_valid(image, np.asarray(kernel)[::-1, :])


def _flip_cols_only(image, kernel):
    return _corr_valid(image, np.asarray(kernel)[:, ::-1])


def _valid_public():
    img = np.arange(1, 17, dtype=float).reshape(4, 4)
    return [
        Case((img, np.array([[1.0, 0.0, -1.0]] * 3)), label="4x4 image, 3x3 edge kernel"),
        Case((img, np.array([[1.0, 2.0], [3.0, 4.0]])), label="4x4 image, 2x2 kernel"),
        Case((np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0, 2.0]])), label="3x4 image, 1x3 kernel"),
    ]


def _valid_hidden(rng):
    cases = []
    for kshape in [(3, 3), (2, 3), (3, 1), (4, 2)]:
        shape = (_ints(rng, 5, 11), _ints(rng, 5, 11))
        cases.append(
            Case((_img(rng, shape), _img(rng, kshape)), label=f"random image, {kshape[0]}x{kshape[1]} kernel")
        )
    return cases


QUESTIONS.append(
    Question(
        "ex02.correlate2d",
        "correlate2d",
        "Cross-correlation, 'valid' mode",
        2,
        _corr_valid,
        _valid_public,
        _valid_hidden,
        variants=(Variant("convolution", _conv_valid, _FLIP_CORR),),
    )
)
QUESTIONS.append(
    Question(
        "ex02.convolve2d",
        "convolve2d",
        "True convolution, 'valid' mode",
        2,
        _conv_valid,
        _valid_public,
        _valid_hidden,
        variants=(
            Variant(
                "correlation",
                _corr_valid,
                "kernel not flipped: true convolution flips the kernel in both axes "
                "(the formula in section 3 of the article)",
            ),
            Variant("rows only", _flip_rows_only, "flip the kernel in BOTH axes, not only the rows"),
            Variant("cols only", _flip_cols_only, "flip the kernel in BOTH axes, not only the columns"),
        ),
    )
)


def _recipe_ref(image, kernel, weight, bias):
    F = _F()
    k = np.asarray(kernel)
    y = F.conv2d(_T(image)[None, None], _T(k)[None, None], padding=k.shape[-1] // 2)
    return _np(F.linear(F.avg_pool2d(y, 2).flatten(), _T(weight), _T(bias)))


def _recipe_conv(image, kernel, weight, bias):
    return _recipe_ref(image, np.asarray(kernel)[::-1, ::-1], weight, bias)


def _recipe_nobias(image, kernel, weight, bias):
    return _recipe_ref(image, kernel, weight, np.zeros_like(np.asarray(bias, float)))


def _recipe_colmajor(image, kernel, weight, bias):
    F = _F()
    k = np.asarray(kernel)
    y = F.conv2d(_T(image)[None, None], _T(k)[None, None], padding=k.shape[-1] // 2)
    v = F.avg_pool2d(y, 2)[0, 0].T.flatten()
    return _np(F.linear(v, _T(weight), _T(bias)))


def _recipe_case(rng, h, w, k, n):
    return Case(
        (_img(rng, (h, w)), _img(rng, (k, k)), _img(rng, (n, (h // 2) * (w // 2))), _img(rng, (n,))),
        label=f"random image, {k}x{k} kernel, {'one output' if n == 1 else 'several outputs'}",
    )


def _recipe_public():
    img = np.arange(1, 17, dtype=float).reshape(4, 4)
    kernel = np.array([[1.0, 0.0, -1.0]] * 3)
    weight = np.array([[1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]])
    return [
        Case((img, kernel, weight, np.array([0.0, 1.0])), label="4x4 image, 3x3 kernel, 2 outputs"),
        _labelled(_recipe_case(np.random.default_rng(20), 6, 4, 3, 3), "6x4 image, 3x3 kernel, 3 outputs"),
    ]


def _recipe_hidden(rng):
    return [
        _recipe_case(rng, 2 * _ints(rng, 2, 5), 2 * _ints(rng, 2, 5), k, _ints(rng, 1, 4))
        for k in (3, 3, 5, 1)
    ]


QUESTIONS.append(
    Question(
        "ex02.recipe_forward",
        "recipe_forward",
        "The 4-step recipe as a real CNN forward pass",
        3,
        _recipe_ref,
        _recipe_public,
        _recipe_hidden,
        variants=(
            Variant("convolution", _recipe_conv, _FLIP_CORR),
            Variant("no bias", _recipe_nobias, "bias missing: z = W v + b"),
            Variant(
                "column-major",
                _recipe_colmajor,
                "flatten the pooled map row by row (C order, like torch.flatten)",
            ),
        ),
    )
)

HINTS = {
    "ex02.correlate2d": (
        "'valid' mode: the kernel stays inside the image, so the output is (H - kH + 1) x (W - kW + 1).",
        "out[i, j] = np.sum(image[i:i + kH, j:j + kW] * kernel): the kernel as it is, not flipped.",
        "Allocate the output with dtype=float, loop over its positions, and return it.",
    ),
    "ex02.convolve2d": (
        "True convolution is cross-correlation with the kernel flipped.",
        "Flip in BOTH axes: kernel[::-1, ::-1] (np.flip(kernel) does the same), then reuse your correlate2d.",
    ),
    "ex02.recipe_forward": (
        "Four steps: pad by k // 2 and cross-correlate (padding keeps the size), average-pool "
        "2 x 2, flatten, then a dense layer.",
        "The dense layer is z = W @ v + b with v the pooled map flattened row by row (v = pooled.ravel()).",
        "Print the shape after each step on the first public case: 4x4 -> 4x4 -> 2x2 -> 4 -> 2.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
