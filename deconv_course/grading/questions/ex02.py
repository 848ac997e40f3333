"""Questions of exercise 2 (exercises/ex02_core_concepts.ipynb): correlation vs convolution, the 4-step recipe,
and the 1-D start of the transposed convolution: six outputs predicted by hand, and the 1-D convolution matrix C.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..model import Case, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _labelled, _np, _scipy_2d, _torch, with_hints

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


# ---------------------------------------------------------------------------------------------
# predict before you run: six tiny 1-D outputs computed by hand (a fixed-answer question)
# ---------------------------------------------------------------------------------------------
# part -> (operation, x, w, stride, padding); the notebook states the same numbers
HAND_PARTS = {
    "a": ("conv1d", (1, 2, 0, 3, 1), (2, 1, -1), 1, 0),
    "b": ("convolve", (1, 2, 0, 3, 1), (2, 1, -1), 1, 0),
    "c": ("conv1d", (1, 2, 0, 3, 1), (2, 1, -1), 2, 1),
    "d": ("conv_transpose1d", (1, 2), (1, 2, 3), 1, 0),
    "e": ("conv_transpose1d", (1, 2, 3), (1, 0, -1), 2, 0),
    "f": ("conv_transpose1d", (1, 2, 3), (1, 1, 1), 2, 1),
}
_HAND_KIND = {
    "conv1d": "cross-correlation (F.conv1d)",
    "convolve": "true convolution (np.convolve, 'valid')",
    "conv_transpose1d": "transposed convolution (F.conv_transpose1d)",
}


def _hand_part(part):
    if part not in HAND_PARTS:
        raise ValueError(f"part={part!r} must be one of {', '.join(HAND_PARTS)}")
    return HAND_PARTS[part]


def _op1d(op, x, w, stride, padding):
    """The 1-D operation of one part, computed by PyTorch in float64 (the reference)."""
    F = _F()
    x, w = _T(x)[None, None], _T(w)[None, None]
    if op == "conv_transpose1d":
        return _np(F.conv_transpose1d(x, w, stride=stride, padding=padding))[0, 0]
    if op == "convolve":  # true convolution = cross-correlation with the kernel reversed
        w = w.flip(-1)
    return _np(F.conv1d(x, w, stride=stride, padding=padding))[0, 0]


def _hand_ref(part):
    return _op1d(*_hand_part(part))


def _hand_flipped(part):
    op, x, w, s, p = _hand_part(part)
    return _op1d(op, x, w[::-1], s, p)


def _hand_overwrite(part):
    """The scatter with '=' instead of '+=': where copies overlap, the later one wins."""
    op, x, w, s, p = _hand_part(part)
    if op != "conv_transpose1d":
        raise ValueError("no overlap to sum in a convolution")
    full = np.zeros((len(x) - 1) * s + len(w))
    for i, xi in enumerate(x):
        full[i * s : i * s + len(w)] = xi * np.asarray(w, float)
    return full[p : len(full) - p]


def _hand_no_stride(part):
    op, x, w, s, p = _hand_part(part)
    if s == 1:
        raise ValueError("stride 1: nothing to forget")
    return _op1d(op, x, w, 1, p)


def _hand_conv_no_padding(part):
    op, x, w, s, p = _hand_part(part)
    if op == "conv_transpose1d" or p == 0:
        raise ValueError("not a padded convolution")
    return _op1d(op, x, w, s, 0)


def _hand_no_crop(part):
    op, x, w, s, p = _hand_part(part)
    if op != "conv_transpose1d" or p == 0:
        raise ValueError("not a padded transposed convolution")
    return _op1d(op, x, w, s, 0)


def _hand_padded_input(part):
    op, x, w, s, p = _hand_part(part)
    if op != "conv_transpose1d" or p == 0:
        raise ValueError("not a padded transposed convolution")
    return _op1d(op, (0,) * p + tuple(x) + (0,) * p, w, s, 0)


def _hand_length(delta):
    def shape(part):
        return (len(_hand_ref(part)) + delta,)

    return shape


def _hand_input_length(part):
    return (len(_hand_part(part)[1]),)


def _hand_label(part, numbers=True):
    op, x, w, s, p = _hand_part(part)
    text = f"part {part}: {_HAND_KIND[op]}"
    if numbers:
        text += f" of x = {list(x)} with w = {list(w)}"
    settings = [f"stride {s}"] * (s > 1) + [f"padding {p}"] * (p > 0)
    return text + (", " + ", ".join(settings) if settings else "")


def _hand_public():
    return [Case((part,), label=_hand_label(part)) for part in HAND_PARTS]


def _hand_hidden(rng):
    # hand-computed numbers cannot be asked on fresh inputs: the hidden cases are the same parts
    return [Case((part,), label=_hand_label(part, numbers=False)) for part in HAND_PARTS]


_WRONG_LENGTH = (
    "wrong length: count the outputs before computing them. A convolution returns "
    "(n + 2p - k) // s + 1 values, a transposed convolution (n - 1) * s + k - 2p"
)

# (name, function of the part, hint, by, applies(op, x, w, stride, padding)): the slips of one part
_HAND_MISTAKES = [
    (
        "flipped",
        _hand_flipped,
        "kernel direction: F.conv1d slides w as it is and conv_transpose1d scatters x[i] * w as it is; "
        "only the true convolution (np.convolve) reverses w. You used the other direction",
        "value",
        lambda op, x, w, s, p: tuple(w) != tuple(w[::-1]),
    ),
    (
        "overlap not summed",
        _hand_overwrite,
        "overlap not summed: where the copies x[i] * w of neighbouring inputs overlap, ADD them "
        "(out[i * s + j] += x[i] * w[j]); you kept only one of them",
        "value",
        lambda op, x, w, s, p: op == "conv_transpose1d" and len(w) > s,
    ),
    (
        "no stride",
        _hand_no_stride,
        "stride ignored: a strided convolution keeps the windows that start at 0, s, 2s, ...; a strided "
        "transposed convolution places the copies of w s positions apart",
        "value",
        lambda op, x, w, s, p: s > 1,
    ),
    (
        "conv no padding",
        _hand_conv_no_padding,
        "padding ignored: a convolution's padding first puts p zeros at both ends of x",
        "value",
        lambda op, x, w, s, p: op != "conv_transpose1d" and p > 0,
    ),
    (
        "no crop",
        _hand_no_crop,
        "padding not applied: a transposed convolution's padding CROPS p values from both ends of the "
        "full output",
        "value",
        lambda op, x, w, s, p: op == "conv_transpose1d" and p > 0,
    ),
    (
        "padded input",
        _hand_padded_input,
        "padding added to the input: in a transposed convolution it is cropped from the output",
        "value",
        lambda op, x, w, s, p: op == "conv_transpose1d" and p > 0,
    ),
    ("one too many", _hand_length(1), _WRONG_LENGTH, "shape", lambda *a: True),
    ("one too few", _hand_length(-1), _WRONG_LENGTH, "shape", lambda *a: True),
    ("input length", _hand_input_length, _WRONG_LENGTH, "shape", lambda *a: True),
]


def _only_on(part, fn):
    """``fn`` on one part; undefined (so never matched) on the others."""

    def mistake(asked):
        if asked != part:
            raise ValueError(f"a slip of part {part}, not of part {asked}")
        return fn(asked)

    return mistake


# Each part's slips are separate mistakes with their own hints: the six parts are computed one by one,
# so a slip in one part says nothing about the others (a function's mistake would repeat in every case).
_HAND_VARIANTS = tuple(
    Variant(f"{name} ({part})", _only_on(part, fn), f"part {part}: {hint}", by=by)
    for part, spec in HAND_PARTS.items()
    for name, fn, hint, by, applies in _HAND_MISTAKES
    if applies(*spec)
)

QUESTIONS.append(
    Question(
        "ex02.predict_by_hand",
        "predicted_output",
        "Predict before you run: six 1-D outputs by hand",
        3,
        _hand_ref,
        _hand_public,
        _hand_hidden,
        kind="numeric",
        variants=_HAND_VARIANTS,
        rtol=0,
        atol=1e-9,
    )
)


# ---------------------------------------------------------------------------------------------
# the 1-D convolution matrix C (its transpose is the transposed convolution)
# ---------------------------------------------------------------------------------------------
def _cm1_ref(kernel, n, stride=1, padding=0):
    """C with C @ x == F.conv1d(x, kernel, stride, padding): column j is the output for the j-th basis vector."""
    F = _F()
    torch = _torch()
    basis = torch.eye(n, dtype=torch.float64)[:, None, :]  # (n, 1, n): one basis vector per batch item
    out = F.conv1d(basis, _T(kernel)[None, None], stride=stride, padding=padding)  # (n, 1, n_out)
    return _np(out[:, 0, :].T)


def _cm1_flipped(kernel, n, stride=1, padding=0):
    return _cm1_ref(np.asarray(kernel)[::-1], n, stride, padding)


def _cm1_T(kernel, n, stride=1, padding=0):
    return _cm1_ref(kernel, n, stride, padding).T


def _cm1_no_stride(kernel, n, stride=1, padding=0):
    if stride == 1:
        raise ValueError("stride 1: nothing to forget")
    return _cm1_ref(kernel, n, 1, padding)


def _cm1_no_padding(kernel, n, stride=1, padding=0):
    if padding == 0 or n < len(kernel):
        raise ValueError("no padding to forget")
    return _cm1_ref(kernel, n, stride, 0)


def _cm1_padded_columns(kernel, n, stride=1, padding=0):
    if padding == 0:
        raise ValueError("no padding columns")
    return (_cm1_ref(kernel, n, stride, padding).shape[0], n + 2 * padding)


def _cm1_rows(delta):
    def shape(kernel, n, stride=1, padding=0):
        return (_cm1_ref(kernel, n, stride, padding).shape[0] + delta, n)

    return shape


def _cm1_public():
    return [
        Case((np.array([1.0, 2.0, 3.0]), 5), label="kernel [1, 2, 3], n = 5"),
        Case((np.array([1.0, 0.0, -1.0]), 6, 2, 1), label="kernel [1, 0, -1], n = 6, stride 2, padding 1"),
        Case(
            (np.array([2.0, -1.0]), 4, 1, 1),
            label="kernel [2, -1], n = 4, padding 1 (more rows than columns)",
        ),
    ]


def _cm1_hidden(rng):
    cases = []
    for k, s, p in [(3, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 2), (1, 1, 0), (5, 1, 2)]:
        n = _ints(rng, max(k, 4), 9)
        label = f"kernel size {k}, stride {s}, padding {p}"
        cases.append(Case((_img(rng, (k,)), n, s, p), label=label))
    return cases


_ROWS = "wrong number of rows: C has one row per output, n_out = (n + 2 * padding - k) // stride + 1"

QUESTIONS.append(
    Question(
        "ex02.conv_matrix1d",
        "conv_matrix1d",
        "The 1-D convolution matrix C (and its transpose)",
        3,
        _cm1_ref,
        _cm1_public,
        _cm1_hidden,
        variants=(
            Variant(
                "flipped",
                _cm1_flipped,
                "kernel reversed: row r of C holds w as it is (w[0] first) from column r * stride - padding "
                "on, because C @ x is the cross-correlation F.conv1d",
            ),
            Variant(
                "transposed",
                _cm1_T,
                "you returned C^T: C has one ROW per output and one COLUMN per input, shape (n_out, n)",
            ),
            Variant(
                "no stride",
                _cm1_no_stride,
                "stride ignored: row r starts at column r * stride - padding, so with stride 2 each row "
                "moves two columns to the right",
            ),
            Variant(
                "no padding",
                _cm1_no_padding,
                "padding ignored: with padding p the first window starts at column -p; its taps outside "
                "0..n-1 multiply padding zeros and are left out of C",
            ),
            Variant(
                "padded columns",
                _cm1_padded_columns,
                "C acts on x itself, not on the padded x: drop the columns of the padding (they multiply "
                "zeros), keeping n columns",
                by="shape",
            ),
            Variant("one row too many", _cm1_rows(1), _ROWS, by="shape"),
            Variant("one row too few", _cm1_rows(-1), _ROWS, by="shape"),
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
    "ex02.predict_by_hand": (
        "Work on paper first. Count the outputs: a convolution gives (n + 2p - k) // s + 1, a transposed "
        "convolution (n - 1) * s + k - 2p.",
        "Cross-correlation: out[t] = sum_j x_padded[t * s + j] * w[j]. True convolution: the same with w "
        "reversed. Transposed convolution: out_full[i * s + j] += x[i] * w[j], then crop p from both ends.",
        'Return a plain list of numbers per part, e.g. return {"a": [...], "b": [...], ...}[part].',
    ),
    "ex02.conv_matrix1d": (
        "C has shape (n_out, n) with n_out = (n + 2 * padding - k) // stride + 1, and C @ x == F.conv1d(x, w).",
        "Row r holds w[j] at column r * stride - padding + j, for every j where that column is inside 0..n-1.",
        "Check yourself: C.T @ y is the transposed convolution of y (lesson 03a, section 2).",
    ),
    "ex02.recipe_forward": (
        "Four steps: pad by k // 2 and cross-correlate (padding keeps the size), average-pool "
        "2 x 2, flatten, then a dense layer.",
        "The dense layer is z = W @ v + b with v the pooled map flattened row by row (v = pooled.ravel()).",
        "Print the shape after each step on the first public case: 4x4 -> 4x4 -> 2x2 -> 4 -> 2.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
