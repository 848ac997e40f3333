"""Questions of exercise 5 (exercises/ex05_trends_and_challenges.ipynb): checkerboard artifacts,
resize-convolution, pixel shuffle, cost; measuring a checkerboard in the spectrum; ICNR initialisation.
"""

from __future__ import annotations

import numpy as np

from ..model import Case, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _labelled, _np, _torch, with_hints

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


# ---------------------------------------------------------------------------------------------
# measuring an upsampler's artifact: the checkerboard energy (reference: numpy.fft, written here)
# ---------------------------------------------------------------------------------------------
def _power(image):
    return np.abs(np.fft.fft2(np.asarray(image, dtype=np.float64))) ** 2


def _energy_share(image, stride, pick, squared=True, keep_dc=False):
    """sum of |X|^2 (or |X|) over ``pick(H, W, stride)`` over its sum over all frequencies, DC left out."""
    image = np.asarray(image, dtype=np.float64)
    h, w = image.shape
    if h % stride or w % stride:
        raise ValueError(f"image of shape {image.shape} must have H and W divisible by stride={stride}")
    power = _power(image) if squared else np.sqrt(_power(image))
    mask = pick(h, w, stride)
    if not keep_dc:
        mask[0, 0] = False
    total = power.sum() - (0.0 if keep_dc else power[0, 0])
    if total <= 1e-20 * max(power.sum(), 1e-300):  # a constant (or all-zero) image: no checkerboard
        return 0.0
    return float(power[mask].sum() / total)


def _periodic(h, w, s):
    """The stride-periodic frequencies (a H / s, b W / s), a, b = 0 .. s - 1."""
    mask = np.zeros((h, w), dtype=bool)
    mask[:: h // s, :: w // s] = True
    return mask


def _every_sth(h, w, s):
    """The frequencies that are multiples of s (the mistake: spacing s instead of H / s)."""
    mask = np.zeros((h, w), dtype=bool)
    mask[::s, ::s] = True
    return mask


def _corner_only(h, w, s):
    """Only the frequencies off both axes (the mistake: leaving out (a H / s, 0) and (0, b W / s))."""
    mask = _periodic(h, w, s)
    mask[0, :] = False
    mask[:, 0] = False
    return mask


def _ce_ref(image, stride):
    return _energy_share(image, stride, _periodic)


def _ce_with_dc(image, stride):
    return _energy_share(image, stride, _periodic, keep_dc=True)


def _ce_amplitude(image, stride):
    return _energy_share(image, stride, _periodic, squared=False)


def _ce_spacing(image, stride):
    return _energy_share(image, stride, _every_sth)


def _ce_corner(image, stride):
    return _energy_share(image, stride, _corner_only)


def _ce_unnormalised(image, stride):
    power = _power(image)
    return float(power[_periodic(*np.shape(image), stride)].sum() - power[0, 0])


def _smooth(rng, h, w):
    """A smooth random image: a few low-frequency cosines plus a ramp."""
    i, j = np.mgrid[0:h, 0:w] / max(h, w)
    out = rng.standard_normal() * i + rng.standard_normal() * j
    for _ in range(3):
        fi, fj = rng.uniform(0, 1.5, size=2)
        out = out + rng.standard_normal() * np.cos(2 * np.pi * (fi * i + fj * j) + rng.uniform(0, 6))
    return out


def _tiled(rng, h, w, s):
    """A random s x s tile repeated over the image: all its non-DC energy is stride-periodic."""
    return np.tile(rng.standard_normal((s, s)), (h // s, w // s))


def _transposed_output(seed, k, s, size):
    """The output of a random ConvTranspose2d(1, 1, k, stride=s) on a smooth input, cropped to a multiple of s."""
    torch = _torch()
    gen = torch.Generator().manual_seed(int(seed))
    layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.rand(layer.weight.shape, generator=gen, dtype=torch.float64))
        x = torch.rand(1, 1, size, size, generator=gen, dtype=torch.float64) * 0.2 + 1.0
        y = layer(x)[0, 0]
    n = (y.shape[-1] - 2 * s) // s * s  # drop the border (it is not periodic) and keep a multiple of s
    return _np(y[s : s + n, s : s + n])


def _ce_public():
    i, j = np.mgrid[0:8, 0:8]
    return [
        Case(((-1.0) ** (i + j), 2), label="8x8 checkerboard (-1)^(i+j), stride 2"),
        Case(
            (np.cos(2 * np.pi * i / 8) + j / 8.0, 2), label="8x8 smooth image (a cosine and a ramp), stride 2"
        ),
        Case((np.full((6, 6), 3.0), 3), label="6x6 constant image, stride 3"),
        Case((_transposed_output(5, 3, 2, 6), 2), label="random ConvTranspose2d, k 3, stride 2"),
        Case(
            (np.tile([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], (3, 4)), 3),
            label="9x12 bed of nails (one 1 per 3x3 block), stride 3",
        ),
    ]


def _ce_hidden(rng):
    cases = []
    for s in (2, 3):
        h, w = s * _ints(rng, 3, 6), s * _ints(rng, 3, 6)
        cases.append(Case((_tiled(rng, h, w, s), s), label=f"periodic pattern, stride {s}"))
        cases.append(Case((_smooth(rng, h, w), s), label=f"smooth image, stride {s}"))
        mix = _smooth(rng, h, w) + 0.3 * _tiled(rng, h, w, s)
        cases.append(Case((mix, s), label=f"smooth image plus a periodic pattern, stride {s}"))
    for k, s in [(3, 2), (4, 2), (5, 3)]:
        out = _transposed_output(rng.integers(2**31), k, s, _ints(rng, 5, 8))
        cases.append(Case((out, s), label=f"output of a random ConvTranspose2d, k {k}, stride {s}"))
    return cases


QUESTIONS.append(
    Question(
        "ex05.checkerboard_energy",
        "checkerboard_energy",
        "Measuring a checkerboard: energy at the stride-periodic frequencies",
        3,
        _ce_ref,
        _ce_public,
        _ce_hidden,
        atol=1e-9,
        rtol=1e-7,
        variants=(
            Variant(
                "with DC",
                _ce_with_dc,
                "the DC term X[0, 0] (the image's mean) belongs to neither sum: leave it out of the "
                "numerator AND the denominator",
            ),
            Variant(
                "amplitude", _ce_amplitude, "energy is the squared magnitude |X[u, v]|**2, not |X[u, v]|"
            ),
            Variant(
                "spacing",
                _ce_spacing,
                "wrong frequencies: a pattern of period s in space lives at multiples of H / s (and W / s) "
                "in the DFT, not at multiples of s",
            ),
            Variant(
                "corner only",
                _ce_corner,
                "frequencies missing: every (a * H / s, b * W / s) with a, b in 0 .. s - 1 counts except "
                "(0, 0), including those on the axes (a = 0 or b = 0): stripes are periodic too",
            ),
            Variant(
                "not normalised",
                _ce_unnormalised,
                "return a fraction in [0, 1]: divide by the non-DC energy of the whole spectrum",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# ICNR: the convolution weight that makes conv + PixelShuffle start as nearest-upsampling
# ---------------------------------------------------------------------------------------------
def _icnr_ref(sub_kernel, scale):
    """weight[c * scale**2 + j] = sub_kernel[c] for every sub-pixel j (torch.repeat_interleave)."""
    torch = _torch()
    return _np(torch.repeat_interleave(_T(sub_kernel), scale * scale, dim=0))


def _icnr_tiled(sub_kernel, scale):
    return _np(_T(sub_kernel).repeat(scale * scale, 1, 1, 1))


def _icnr_first_only(sub_kernel, scale):
    w = np.zeros_like(_icnr_ref(sub_kernel, scale))
    w[:: scale * scale] = np.asarray(sub_kernel, float)
    return w


def _icnr_scale_copies(sub_kernel, scale):
    shape = np.shape(sub_kernel)
    return (shape[0] * scale,) + tuple(shape[1:])


def _icnr_divided(sub_kernel, scale):
    return _icnr_ref(sub_kernel, scale) / scale**2


def _icnr_case(rng, c_out, c_in, k, r):
    label = f"{c_in} -> {c_out} channel{'s' if c_out > 1 else ''}, {k}x{k} sub-kernel, scale {r}"
    return Case((_img(rng, (c_out, c_in, k, k)), r), label=label)


def _icnr_public():
    one = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    two = np.stack([np.full((1, 1, 1), 1.0), np.full((1, 1, 1), -2.0)])  # (2, 1, 1, 1)
    return [
        Case((one, 2), label="one 3x3 sub-kernel (1..9), scale 2"),
        Case((two, 2), label="2 output channels, 1x1 sub-kernels 1 and -2, scale 2"),
        _labelled(
            _icnr_case(np.random.default_rng(81), 2, 3, 3, 3), "3 -> 2 channels, 3x3 sub-kernel, scale 3"
        ),
    ]


def _icnr_hidden(rng):
    return [
        _icnr_case(rng, co, ci, k, r)
        for co, ci, k, r in [(1, 1, 3, 2), (3, 2, 3, 2), (2, 1, 1, 3), (2, 3, 5, 2), (4, 1, 3, 4)]
    ]


QUESTIONS.append(
    Question(
        "ex05.icnr",
        "icnr",
        "ICNR: a pixel shuffle that starts as a nearest-neighbour resize",
        3,
        _icnr_ref,
        _icnr_public,
        _icnr_hidden,
        variants=(
            Variant(
                "tiled",
                _icnr_tiled,
                "channel order: PixelShuffle takes output channel c from the CONSECUTIVE input channels "
                "c * r * r ... c * r * r + r * r - 1, so each sub-kernel is repeated r * r times in a row "
                "(np.repeat / repeat_interleave), not the whole stack tiled (np.tile / Tensor.repeat)",
            ),
            Variant(
                "first only",
                _icnr_first_only,
                "every sub-pixel needs the sub-kernel, not only the first one: the others would stay "
                "zero and give a bed of nails, itself a checkerboard",
            ),
            Variant(
                "scale copies",
                _icnr_scale_copies,
                "r * r copies per output channel: PixelShuffle(r) turns r * r channels into one",
                by="shape",
            ),
            Variant(
                "divided",
                _icnr_divided,
                "no division: nearest-neighbour upsampling copies each value r * r times, it does not "
                "spread it; each copy is the sub-kernel itself",
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
    "ex05.checkerboard_energy": (
        "X = np.fft.fft2(image); energy = np.abs(X) ** 2. The stride-periodic frequencies are the "
        "s x s grid X[::H // s, ::W // s].",
        "Leave X[0, 0] (the mean) out of both sums, and return 0.0 when the non-DC energy is zero "
        "(a constant image).",
    ),
    "ex05.icnr": (
        "PixelShuffle(r) fills the r x r block of output channel c from input channels "
        "c * r * r + i * r + j; give all r * r of them the same sub-kernel.",
        "np.repeat(sub_kernel, r * r, axis=0) repeats each sub-kernel r * r times in a row; np.tile "
        "would interleave the output channels.",
    ),
    "ex05.upsampling_cost": (
        "Count multiply-adds: each of the in * out * k * k weights is used once per pixel it touches.",
        "Scatter touches every INPUT pixel once; the zero-insertion route computes one k x k "
        "window per OUTPUT pixel, and the output is (H - 1) * stride + k wide.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
