"""Questions of exercise 5 (exercises/ex05_trends_and_challenges.ipynb): checkerboard artifacts,
resize-convolution, pixel shuffle, cost.
"""

from __future__ import annotations

import numpy as np

from ..model import Case, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _np, _torch, with_hints

QUESTIONS: list[Question] = []


def _overlap_ref(kernel_size, stride, input_size):
    torch = _torch()
    F = _F()
    x = torch.ones(1, 1, input_size, input_size, dtype=torch.float64)
    w = torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64)
    return _np(F.conv_transpose2d(x, w, stride=stride))[0, 0]


def _overlap_public():
    return [
        Case((3, 2, 3), label="kernel 3, stride 2, 3x3 input"),
        Case((4, 2, 3), label="kernel 4, stride 2, 3x3 input"),
        Case((2, 3, 2), label="kernel 2, stride 3, 2x2 input"),
    ]


def _overlap_hidden(rng):
    return [
        Case(
            (k, s, _ints(rng, 2, 6)),
            label=f"kernel {k}, stride {s}" + (" (kernel divisible by stride)" if k % s == 0 else ""),
        )
        for k, s in [(3, 2), (5, 2), (4, 3), (3, 1), (6, 4)]
    ]


QUESTIONS.append(
    Question(
        "ex05.overlap_map",
        "overlap_map",
        "Where transposed convolutions overlap",
        2,
        _overlap_ref,
        _overlap_public,
        _overlap_hidden,
        kind="numeric",
    )
)


def _ps_ref(x, upscale_factor):
    F = _F()
    return _np(F.pixel_shuffle(_T(x), upscale_factor))


def _ps_permuted(x, r, channel_first, axes):
    """A pixel shuffle that splits the channels as (c, r, r) or (r, r, c), then permutes by ``axes``."""
    x = np.asarray(x, float)
    n, c, h, w = x.shape
    c_out = c // (r * r)
    split = (c_out, r, r) if channel_first else (r, r, c_out)
    return x.reshape(n, *split, h, w).transpose(axes).reshape(n, c_out, h * r, w * r)


def _ps_channel_last(x, r):
    return _ps_permuted(x, r, False, (0, 3, 4, 1, 5, 2))


def _ps_ij_swapped(x, r):
    return _ps_permuted(x, r, True, (0, 1, 4, 3, 5, 2))


def _ps_public():
    return [
        Case((np.arange(16.0).reshape(1, 4, 2, 2), 2), label="4 channels of 2x2 -> one 4x4 map"),
        Case((np.arange(72.0).reshape(1, 8, 3, 3), 2), label="8 channels -> 2 channels of 6x6"),
        Case((np.arange(36.0).reshape(2, 9, 1, 2), 3), label="2 images, 9 channels, upscale 3"),
    ]


def _ps_hidden(rng):
    cases = []
    for r, c in [(2, 1), (2, 3), (3, 2), (4, 1)]:
        x = _img(rng, (_ints(rng, 1, 2), c * r * r, _ints(rng, 1, 4), _ints(rng, 1, 4)))
        cases.append(Case((x, r), label=f"upscale factor {r}, {c} output channel{'s' if c > 1 else ''}"))
    return cases


QUESTIONS.append(
    Question(
        "ex05.pixel_shuffle",
        "pixel_shuffle",
        "Pixel shuffle (sub-pixel convolution)",
        3,
        _ps_ref,
        _ps_public,
        _ps_hidden,
        variants=(
            Variant(
                "channel last",
                _ps_channel_last,
                "channel order: input channel c*r*r + i*r + j goes to output channel c at "
                "sub-pixel (i, j) (PyTorch's order)",
            ),
            Variant(
                "ij swapped",
                _ps_ij_swapped,
                "row and column offsets swapped: i (the row offset) comes before j",
            ),
        ),
    )
)


def _rc_ref(x, weight, scale):
    F = _F()
    k = np.asarray(weight).shape[-1]
    up = F.interpolate(_T(x), scale_factor=scale, mode="nearest")
    return _np(F.conv2d(up, _T(weight), padding=k // 2))


def _rc_conv_first(x, weight, scale):
    F = _F()
    k = np.asarray(weight).shape[-1]
    y = F.conv2d(_T(x), _T(weight), padding=k // 2)
    return _np(F.interpolate(y, scale_factor=scale, mode="nearest"))


def _rc_flipped(x, weight, scale):
    return _rc_ref(x, np.asarray(weight)[..., ::-1, ::-1], scale)


def _rc_public():
    rng = np.random.default_rng(71)
    return [
        Case(
            (np.arange(4.0).reshape(1, 1, 2, 2), np.full((1, 1, 3, 3), 1.0), 2),
            label="2x2 ramp, 3x3 ones kernel, scale 2",
        ),
        Case(
            (rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((3, 2, 3, 3)), 2),
            label="2 -> 3 channels, 3x3 kernel, scale 2",
        ),
        Case(
            (rng.standard_normal((2, 1, 2, 3)), rng.standard_normal((1, 1, 1, 1)), 3),
            label="2 images, 1x1 kernel, scale 3",
        ),
    ]


def _rc_hidden(rng):
    return [
        Case(
            (
                _img(rng, (_ints(rng, 1, 2), ci, _ints(rng, 2, 5), _ints(rng, 2, 5))),
                _img(rng, (co, ci, k, k)),
                s,
            ),
            label=f"{ci} -> {co} channels, {k}x{k} kernel, upscale {s}",
        )
        for ci, co, k, s in [(1, 1, 3, 2), (2, 2, 3, 3), (3, 1, 5, 2), (1, 2, 1, 2)]
    ]


QUESTIONS.append(
    Question(
        "ex05.resize_conv",
        "resize_conv",
        "Resize-convolution upsampler",
        3,
        _rc_ref,
        _rc_public,
        _rc_hidden,
        variants=(
            Variant("conv first", _rc_conv_first, "resize first, then convolve; the order matters"),
            Variant("flipped", _rc_flipped, _FLIP_CORR),
        ),
    )
)


def _cost_ref(in_channels, out_channels, kernel_size, stride, input_size):
    out = (input_size - 1) * stride + kernel_size
    per = in_channels * out_channels * kernel_size * kernel_size
    return np.array([per * input_size**2, per * out**2], dtype=np.int64)


def _cost_zero_inserted_size(in_channels, out_channels, kernel_size, stride, input_size):
    z = (input_size - 1) * stride + 1
    per = in_channels * out_channels * kernel_size * kernel_size
    return np.array([per * input_size**2, per * z**2], dtype=np.int64)


def _cost_public():
    return [
        Case((1, 1, 3, 2, 4), label="1 -> 1 channel, k3, s2, 4x4 input"),
        Case((64, 32, 4, 2, 16), label="64 -> 32 channels, k4, s2, 16x16 input"),
        Case((3, 8, 5, 1, 10), label="3 -> 8 channels, k5, s1, 10x10 input"),
    ]


def _cost_hidden(rng):
    return [
        Case(
            (_ints(rng, 1, 64), _ints(rng, 1, 64), _ints(rng, 1, 7), _ints(rng, 1, 4), _ints(rng, 2, 64)),
            label="random layer sizes",
        )
        for _ in range(5)
    ]


QUESTIONS.append(
    Question(
        "ex05.upsampling_cost",
        "transposed_conv_macs",
        "The cost of two routes",
        2,
        _cost_ref,
        _cost_public,
        _cost_hidden,
        kind="numeric",
        rtol=0,
        atol=0,
        variants=(
            Variant(
                "zero-inserted size",
                _cost_zero_inserted_size,
                "the zero-insertion route computes one k x k window per OUTPUT pixel, and the "
                "output is (H-1)*stride + k wide",
            ),
        ),
    )
)

HINTS = {
    "ex05.overlap_map": (
        "Transpose-convolve an all-ones input with an all-ones kernel: each output pixel counts "
        "how many kernel placements cover it.",
        "Scatter: for every input pixel (i, j), add 1 to the k x k window at (i * stride, j * stride).",
    ),
    "ex05.pixel_shuffle": (
        "Input (N, C * r * r, H, W) becomes (N, C, H * r, W * r): each group of r * r channels "
        "fills one r x r block of sub-pixels.",
        "reshape to (N, C, r, r, H, W), transpose to (N, C, H, r, W, r), reshape to (N, C, H * r, W * r).",
    ),
    "ex05.resize_conv": (
        "Two steps, in this order: nearest-neighbour upsampling by `scale`, then a 'same' convolution.",
        "np.repeat(np.repeat(x, scale, axis=-2), scale, axis=-1) is nearest-neighbour resizing; "
        "the imported conv2d with padding = k // 2 keeps the size.",
    ),
    "ex05.upsampling_cost": (
        "Count multiply-adds: each of the in * out * k * k weights is used once per pixel it touches.",
        "Scatter touches every INPUT pixel once; the zero-insertion route computes one k x k "
        "window per OUTPUT pixel, and the output is (H - 1) * stride + k wide.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
