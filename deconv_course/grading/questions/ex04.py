"""Questions of exercise 4 (exercises/ex04_fixing_the_code.ipynb): the document's code, grown into what
libraries do: its 'same' loop for colour images and any kernel (PyTorch's ``padding="same"``), im2col
(``F.unfold``), a ``conv2d`` with stride, padding, dilation and groups, and average pooling with stride and
padding.

The fixed single-channel loop itself is taught in notebooks/04_code_examples.ipynb and practised (in
'valid' mode) in ex02; this exercise starts where that loop ends.
"""

from __future__ import annotations

import numpy as np

from ..model import Case, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _labelled, _np, _torch, with_hints

QUESTIONS: list[Question] = []


# ---------------------------------------------------------------------------------------------
# the article's loop, fixed and generalised: F.conv2d(..., padding="same") with one output map
# ---------------------------------------------------------------------------------------------
def _as_chw(image, kernel):
    x, k = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    return (x[None], k[None]) if x.ndim == 2 else (x, k)


def _same_pads(k, d):
    """PyTorch's padding="same": d * (k - 1) zeros in all, the smaller half before."""
    total = d * (k - 1)
    return total // 2, total - total // 2


def _same_ref(image, kernel, dilation=1, pads=_same_pads):
    F = _F()
    x, k = _as_chw(image, kernel)
    (top, bottom), (left, right) = pads(k.shape[-2], dilation), pads(k.shape[-1], dilation)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    return _np(F.conv2d(_T(xp)[None], _T(k)[None], dilation=dilation))[0, 0]


def _same_conv(image, kernel, dilation=1):
    return _same_ref(image, np.asarray(kernel)[..., ::-1, ::-1], dilation)


def _same_more_before(image, kernel, dilation=1):
    k = np.asarray(kernel)
    if k.shape[-1] % 2 and k.shape[-2] % 2 or dilation % 2 == 0:
        raise ValueError("odd kernel (or even dilation): the padding splits evenly")
    return _same_ref(image, kernel, dilation, pads=lambda k, d: _same_pads(k, d)[::-1])


def _same_padded_output(image, kernel, dilation=1):
    x, k = _as_chw(image, kernel)
    ph, pw = _same_pads(k.shape[-2], dilation), _same_pads(k.shape[-1], dilation)
    out = np.zeros((x.shape[-2] + sum(ph), x.shape[-1] + sum(pw)))
    out[ph[0] : ph[0] + x.shape[-2], pw[0] : pw[0] + x.shape[-1]] = _same_ref(image, kernel, dilation)
    return out


def _same_valid(image, kernel, dilation=1):
    F = _F()
    x, k = _as_chw(image, kernel)
    return _np(F.conv2d(_T(x)[None], _T(k)[None], dilation=dilation))[0, 0]


def _same_int(image, kernel, dilation=1):
    return np.trunc(_same_ref(image, kernel, dilation)).astype(np.int64)


def _same_per_channel(image, kernel, dilation=1):
    x, k = _as_chw(image, kernel)
    if x.shape[0] == 1:
        raise ValueError("one channel")
    return np.stack([_same_ref(x[c], k[c], dilation) for c in range(x.shape[0])])


def _same_no_dilation(image, kernel, dilation=1):
    if dilation == 1:
        raise ValueError("no dilation")
    return _same_ref(image, kernel, 1)


def _same_public():
    return [
        Case((np.arange(1, 10).reshape(3, 3), np.array([[1, 0, -1]] * 3)), label="the article's example"),
        Case(
            (np.arange(1, 21).reshape(4, 5), np.array([[0.5, 0.25, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -0.5]])),
            label="4x5 integer image, 3x3 fractional kernel",
        ),
        Case(
            (np.arange(1.0, 10.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]])),
            label="3x3 image, 2x2 kernel (even)",
        ),
        Case(
            (np.arange(48.0).reshape(3, 4, 4), np.stack([np.eye(3), -np.eye(3), np.ones((3, 3)) / 9])),
            label="3-channel 4x4 image, (3, 3, 3) kernel",
        ),
        Case(
            (np.arange(30.0).reshape(5, 6), np.array([[1.0, 0.0, -1.0]] * 3), 2),
            label="5x6 image, 3x3 kernel, dilation 2",
        ),
    ]


def _same_hidden(rng):
    cases = []
    for c, kshape, d in [
        (1, (3, 3), 1),
        (1, (1, 5), 1),
        (1, (2, 2), 1),
        (1, (4, 3), 1),
        (3, (3, 3), 1),
        (2, (2, 4), 1),
        (1, (3, 3), 2),
        (2, (2, 3), 3),
    ]:
        shape = (_ints(rng, 5, 9), _ints(rng, 5, 9))
        img = rng.integers(0, 10, size=shape if c == 1 else (c, *shape))
        kernel = np.round(rng.standard_normal(kshape if c == 1 else (c, *kshape)), 2)
        label = (
            f"{'integer image' if c == 1 else f'{c}-channel integer image'}, {kshape[0]}x{kshape[1]} kernel"
        )
        label += " (even)" if kshape[0] % 2 == 0 or kshape[1] % 2 == 0 else ""
        if d > 1:
            cases.append(Case((img, kernel, d), label=label + f", dilation {d}"))
        else:
            cases.append(Case((img, kernel), label=label))
    return cases


QUESTIONS.append(
    Question(
        "ex04.same_correlation",
        "same_correlation",
        "The article's loop, fixed for any kernel and for colour images",
        4,
        _same_ref,
        _same_public,
        _same_hidden,
        variants=(
            Variant("convolution", _same_conv, _FLIP_CORR),
            Variant(
                "more before",
                _same_more_before,
                "even kernel: d * (k - 1) padding zeros cannot be split evenly; PyTorch's "
                "padding='same' puts the smaller half, total // 2, at the top/left and the rest at "
                "the bottom/right",
            ),
            Variant(
                "padded output",
                _same_padded_output,
                "output has the padded image's shape: loop over the OUTPUT positions (the input's "
                "shape), not over every position of the padded image",
            ),
            Variant(
                "integer buffer",
                _same_int,
                "integer output: np.zeros_like(x_padded) inherits the image's int dtype and "
                "truncates fractions; allocate np.zeros(image.shape[-2:], dtype=float)",
            ),
            Variant(
                "no padding",
                _same_valid,
                "padding missing: 'same' mode zero-pads the image first (np.pad), so the output has "
                "the image's height and width",
            ),
            Variant(
                "per channel",
                _same_per_channel,
                "channels not summed: a colour image gives ONE output map, the sum over the channels "
                "of each channel's correlation with its kernel slice (a Conv2d with one output channel)",
            ),
            Variant(
                "no dilation",
                _same_no_dilation,
                "dilation missing: tap (i, j) reads the pixel dilation * i rows and dilation * j "
                "columns from the window's corner, and the padding grows to dilation * (k - 1)",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# im2col: F.unfold
# ---------------------------------------------------------------------------------------------
def _unfold_ref(input, kernel_size, stride=1, padding=0, dilation=1):
    F = _F()
    return _np(F.unfold(_T(input), kernel_size, dilation=dilation, padding=padding, stride=stride))


def _unfold_channel_last(input, kernel_size, stride=1, padding=0, dilation=1):
    cols = _unfold_ref(input, kernel_size, stride, padding, dilation)
    n, _, length = cols.shape
    c = np.shape(input)[1]
    k = kernel_size
    return cols.reshape(n, c, k * k, length).transpose(0, 2, 1, 3).reshape(n, c * k * k, length)


def _unfold_positions_first(input, kernel_size, stride=1, padding=0, dilation=1):
    return np.swapaxes(_unfold_ref(input, kernel_size, stride, padding, dilation), 1, 2)


def _out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _unfold_column_major(input, kernel_size, stride=1, padding=0, dilation=1):
    cols = _unfold_ref(input, kernel_size, stride, padding, dilation)
    h, w = np.shape(input)[-2:]
    oh, ow = (_out_size(n, kernel_size, stride, padding, dilation) for n in (h, w))
    if oh == 1 or ow == 1:
        raise ValueError("one row or column of positions: the order cannot differ")
    return cols.reshape(cols.shape[0], cols.shape[1], oh, ow).swapaxes(-1, -2).reshape(cols.shape)


def _unfold_no_padding(input, kernel_size, stride=1, padding=0, dilation=1):
    return _unfold_ref(input, kernel_size, stride, 0, dilation)


def _unfold_no_dilation(input, kernel_size, stride=1, padding=0, dilation=1):
    return _unfold_ref(input, kernel_size, stride, padding, 1)


def _unfold_no_stride(input, kernel_size, stride=1, padding=0, dilation=1):
    return _unfold_ref(input, kernel_size, 1, padding, dilation)


def _unfold_case(rng, n, c, k, s, p, d):
    h, w = _ints(rng, 4, 8), _ints(rng, 4, 8)
    label = f"batch {n}, {c} channel{'s' if c > 1 else ''}, kernel {k}, stride {s}, padding {p}, dilation {d}"
    return Case((_img(rng, (n, c, h, w)), k, s, p, d), label=label)


def _unfold_public():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    return [
        Case((x, 2), label="the article's 3x3 image, 2x2 windows"),
        Case((x, 3, 1, 1), label="the article's 3x3 image, 3x3 windows, padding 1 (its loop, vectorised)"),
        Case((np.arange(32.0).reshape(1, 2, 4, 4), 2, 2), label="2 channels of 4x4, 2x2 windows, stride 2"),
        _labelled(
            _unfold_case(np.random.default_rng(41), 2, 2, 2, 1, 1, 2),
            "2 images, 2 channels, k2, p1, dilation 2",
        ),
    ]


def _unfold_hidden(rng):
    return [
        _unfold_case(rng, 1, 1, 3, 1, 0, 1),
        _unfold_case(rng, 2, 3, 2, 2, 0, 1),
        _unfold_case(rng, 1, 2, 3, 2, 1, 1),
        _unfold_case(rng, 1, 1, 2, 1, 0, 2),
        _unfold_case(rng, 2, 2, 3, 3, 2, 2),
    ]


QUESTIONS.append(
    Question(
        "ex04.unfold",
        "unfold",
        "The article's loop, vectorised: im2col (F.unfold)",
        4,
        _unfold_ref,
        _unfold_public,
        _unfold_hidden,
        variants=(
            Variant(
                "channel last",
                _unfold_channel_last,
                "row order: row c * k * k + i * k + j holds channel c, tap (i, j) (channel first, as "
                "F.unfold and a (C_out, C_in, k, k) weight flattened row by row)",
            ),
            Variant(
                "positions first",
                _unfold_positions_first,
                "axes swapped: the result is (N, C * k * k, L), one COLUMN per window position",
            ),
            Variant(
                "column-major positions",
                _unfold_column_major,
                "position order: the L columns run over the output row by row (position r * W_out + c)",
            ),
            Variant(
                "no padding",
                _unfold_no_padding,
                "padding missing: zero-pad the last two axes by `padding` on every side first",
            ),
            Variant(
                "no dilation",
                _unfold_no_dilation,
                "dilation missing: tap (i, j) of the window at (r, c) reads x[r * stride + i * dilation, "
                "c * stride + j * dilation]",
            ),
            Variant(
                "no stride",
                _unfold_no_stride,
                "stride missing: windows start every `stride` pixels, so there are "
                "(H + 2p - d(k-1) - 1) // stride + 1 per row",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# conv2d with stride, padding, dilation, groups and bias
# ---------------------------------------------------------------------------------------------
def _conv2d_ref(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    F = _F()
    b = None if bias is None else _T(bias)
    return _np(
        F.conv2d(_T(input), _T(weight), b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    )


def _conv2d_flipped(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv2d_ref(input, np.asarray(weight)[..., ::-1, ::-1], bias, stride, padding, dilation, groups)


def _conv2d_layout(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv2d_ref(input, np.swapaxes(np.asarray(weight), 0, 1), bias, stride, padding, dilation, groups)


def _conv2d_nopad(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv2d_ref(input, weight, bias, stride, 0, dilation, groups)


def _conv2d_nobias(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if bias is None:
        raise ValueError("no bias to forget")
    return _conv2d_ref(input, weight, None, stride, padding, dilation, groups)


def _conv2d_nodil(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv2d_ref(input, weight, bias, stride, padding, 1, groups)


def _conv2d_interleaved(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Output channel co taken from input group co % groups instead of co // (C_out // groups)."""
    if groups == 1:
        raise ValueError("one group")
    F = _F()
    torch = _torch()
    x, w = _T(input), _T(weight)
    cg = x.shape[1] // groups
    outs = []
    for co in range(w.shape[0]):
        g = co % groups
        outs.append(
            F.conv2d(
                x[:, g * cg : (g + 1) * cg], w[co : co + 1], stride=stride, padding=padding, dilation=dilation
            )
        )
    out = torch.cat(outs, dim=1)
    if bias is not None:
        out = out + _T(bias)[None, :, None, None]
    return _np(out)


def _conv2d_case(rng, n, cin, cout, kshape, s, p, d=1, g=1, bias=True):
    h, w = _ints(rng, 5, 9), _ints(rng, 5, 9)
    b = _img(rng, (cout,)) if bias else None
    label = f"batch {n}, {cin} -> {cout} channels, {kshape[0]}x{kshape[1]} kernel, stride {s}, padding {p}"
    label += f", dilation {d}" * (d > 1) + f", groups {g}" * (g > 1)
    label += ", with bias" if bias else ", no bias"
    args = (_img(rng, (n, cin, h, w)), _img(rng, (cout, cin // g) + kshape), b, s, p, d, g)
    return Case(args[: 7 if g > 1 else 6 if d > 1 else 5], label=label)


def _conv2d_public():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[1.0, 0.0, -1.0]] * 3).reshape(1, 1, 3, 3)
    return [
        Case((x, w, None, 1, 1), label="the article's example as NCHW, padding 1"),
        _labelled(
            _conv2d_case(np.random.default_rng(61), 2, 3, 2, (3, 3), 1, 0),
            "2 images, 3 -> 2 channels, 3x3 kernel, bias",
        ),
        _labelled(
            _conv2d_case(np.random.default_rng(62), 1, 2, 2, (3, 2), 2, 1),
            "2 -> 2 channels, 3x2 kernel, stride 2, padding 1, bias",
        ),
        _labelled(
            _conv2d_case(np.random.default_rng(63), 1, 1, 2, (3, 3), 1, 2, d=2),
            "1 -> 2 channels, 3x3 kernel, padding 2, dilation 2",
        ),
        _labelled(
            _conv2d_case(np.random.default_rng(64), 1, 4, 4, (3, 3), 1, 1, g=2),
            "4 -> 4 channels in 2 groups, 3x3 kernel, padding 1",
        ),
        _labelled(
            _conv2d_case(np.random.default_rng(65), 2, 3, 3, (3, 3), 2, 1, g=3, bias=False),
            "depthwise: 3 channels, groups 3, stride 2, padding 1",
        ),
    ]


def _conv2d_hidden(rng):
    return [
        _conv2d_case(rng, 1, 1, 1, (3, 3), 1, 0, bias=False),
        _conv2d_case(rng, 2, 2, 3, (3, 3), 2, 1),
        _conv2d_case(rng, 1, 3, 2, (2, 3), 1, 1, d=2),
        _conv2d_case(rng, 1, 4, 6, (3, 3), 1, 1, g=2),
        _conv2d_case(rng, 2, 6, 6, (3, 1), 2, 2, g=3),
        _conv2d_case(rng, 1, 4, 4, (3, 3), 1, 2, d=2, g=4, bias=False),
    ]


QUESTIONS.append(
    Question(
        "ex04.conv2d",
        "conv2d",
        "conv2d with groups and dilation",
        5,
        _conv2d_ref,
        _conv2d_public,
        _conv2d_hidden,
        variants=(
            Variant("flipped", _conv2d_flipped, _FLIP_CORR),
            Variant(
                "layout",
                _conv2d_layout,
                "weight layout: Conv2d's weight is (out_channels, in_channels // groups, kH, kW)",
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
            Variant(
                "no dilation",
                _conv2d_nodil,
                "dilation missing: tap (i, j) reads the input dilation * i rows and dilation * j columns "
                "from the window's corner; the kernel spans dilation * (k - 1) + 1 pixels",
            ),
            Variant(
                "interleaved groups",
                _conv2d_interleaved,
                "group order: groups are CONSECUTIVE blocks. Output channel co belongs to group "
                "g = co // (C_out // groups) and sees input channels g * C_in // groups ... "
                "(g + 1) * C_in // groups - 1",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# average pooling with stride and padding (count_include_pad=True, as F.avg_pool2d)
# ---------------------------------------------------------------------------------------------
def _pool_ref(x, kernel_size, stride=None, padding=0):
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size, stride=stride, padding=padding))


def _pool_global(x, kernel_size, stride=None, padding=0):
    return np.asarray(x, float).mean(axis=(-2, -1))


def _pool_max(x, kernel_size, stride=None, padding=0):
    F = _F()
    return _np(F.max_pool2d(_T(x), kernel_size, stride=stride, padding=padding))


def _pool_ceil(x, kernel_size, stride=None, padding=0):
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size, stride=stride, padding=padding, ceil_mode=True))


def _pool_exclude_pad(x, kernel_size, stride=None, padding=0):
    if padding == 0:
        raise ValueError("no padding")
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size, stride=stride, padding=padding, count_include_pad=False))


def _pool_stride_one(x, kernel_size, stride=None, padding=0):
    if stride is not None:
        raise ValueError("stride given")
    return _pool_ref(x, kernel_size, 1, padding)


def _pool_case(rng, k, s, p):
    x = _img(rng, (_ints(rng, 1, 2), _ints(rng, 1, 3), _ints(rng, 5, 9), _ints(rng, 5, 9)))
    label = (
        f"random feature map, {k}x{k} pooling"
        + ("" if s is None else f", stride {s}")
        + f", padding {p}" * (p > 0)
    )
    return Case((x, k, s, p) if p else (x, k) if s is None else (x, k, s), label=label)


def _pool_public():
    return [
        Case((np.arange(16.0).reshape(1, 1, 4, 4), 2), label="4x4 map, 2x2 pooling"),
        Case(
            (np.arange(50.0).reshape(1, 2, 5, 5), 2),
            label="two 5x5 maps, 2x2 pooling (drop the last row/col)",
        ),
        Case(
            (np.arange(36.0).reshape(1, 1, 6, 6), 3, 2), label="6x6 map, 3x3 windows, stride 2 (they overlap)"
        ),
        Case(
            (np.ones((1, 1, 4, 4)), 3, 2, 1), label="4x4 ones, 3x3 windows, stride 2, padding 1 (zeros count)"
        ),
    ]


def _pool_hidden(rng):
    return [
        _pool_case(rng, k, s, p)
        for k, s, p in [(2, None, 0), (3, None, 1), (3, 1, 1), (2, 1, 0), (4, 2, 2), (3, 2, 0)]
    ]


QUESTIONS.append(
    Question(
        "ex04.avg_pool2d",
        "avg_pool2d",
        "Average pooling with stride and padding (the article's step 3, done right)",
        3,
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
            Variant(
                "padding not counted",
                _pool_exclude_pad,
                "the padded zeros count: F.avg_pool2d divides every window's sum by k * k "
                "(count_include_pad=True), also where the window overlaps the padding",
            ),
            Variant(
                "stride one",
                _pool_stride_one,
                "stride=None means stride = kernel_size (windows side by side), as in F.avg_pool2d",
            ),
        ),
    )
)

HINTS = {
    "ex04.same_correlation": (
        "Make a 2-D image and kernel 3-D ((1, H, W), (1, kH, kW)); then out[i, j] is the sum over channels "
        "and taps of padded[c, i + d * m, j + d * n] * kernel[c, m, n].",
        "Padding along an axis with kernel size k: d * (k - 1) zeros in all, total // 2 before and the rest "
        "after (PyTorch's padding='same'); an odd kernel with d = 1 gets k // 2 on each side.",
        "Allocate the output as np.zeros(image.shape[-2:], dtype=float): an int buffer truncates.",
    ),
    "ex04.unfold": (
        "Output (N, C * k * k, L): one column per window position (L = H_out * W_out, row by row), one "
        "row per (channel, tap) pair, channel first: row c * k * k + i * k + j.",
        "Pad first; H_out = (H + 2p - d(k-1) - 1) // stride + 1. Tap (i, j) over all positions is the "
        "strided slice x[:, :, i*d : i*d + stride*(H_out-1) + 1 : stride, j*d : ... ].",
        "Fill an array of shape (N, C, k, k, H_out, W_out) tap by tap, then reshape it to (N, C*k*k, L).",
    ),
    "ex04.conv2d": (
        "NCHW: out[n, co] = bias[co] + sum over the input channels of co's group of the cross-correlation "
        "of x[n, ci] with weight[co, ci - first channel of the group].",
        "Pad the last two axes by `padding`; with dilation the kernel spans d*(k-1)+1 pixels, so "
        "H_out = (H + 2p - d(kH-1) - 1) // stride + 1.",
        "Groups: split the input channels into `groups` consecutive blocks and the output channels too; "
        "block g of the output sees only block g of the input (weight[g*Cg_out:(g+1)*Cg_out]).",
    ),
    "ex04.avg_pool2d": (
        "stride=None means stride = kernel_size. Pad by `padding` zeros, then average every k x k window "
        "that starts at a multiple of the stride.",
        "Divide each window's sum by k * k, also at the border where it covers padding zeros; windows "
        "that do not fit are dropped: H_out = (H + 2p - k) // stride + 1.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
