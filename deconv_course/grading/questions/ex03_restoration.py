"""Questions of exercise 3 (exercises/ex03_algorithms.ipynb), second half: classic restoration
(PSF to OTF, the Wiener filter, Richardson-Lucy). The first half is in :mod:`.ex03`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..model import Case, Question, Variant
from ._common import _ints, _psf, with_hints

QUESTIONS: list[Question] = []


def _p2o_ref(psf, shape):
    psf = np.asarray(psf, float)
    padded = np.zeros(tuple(shape))
    padded[: psf.shape[0], : psf.shape[1]] = psf
    padded = np.roll(padded, (-(psf.shape[0] // 2), -(psf.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(padded)


def _p2o_no_roll(psf, shape):
    return np.fft.fft2(np.asarray(psf, float), s=tuple(shape))


def _p2o_wrong_way(psf, shape):
    psf = np.asarray(psf, float)
    padded = np.zeros(tuple(shape))
    padded[: psf.shape[0], : psf.shape[1]] = psf
    padded = np.roll(padded, (psf.shape[0] // 2, psf.shape[1] // 2), axis=(0, 1))
    return np.fft.fft2(padded)


def _p2o_ifft(psf, shape):
    return np.conj(_p2o_ref(psf, shape))


def _p2o_public():
    return [
        Case((np.full((3, 3), 1 / 9), (5, 5)), label="3x3 box PSF, 5x5 grid"),
        Case(
            (np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]), (4, 6)),
            label="shift-by-one PSF, 4x6 grid",
        ),
        Case((np.array([[1.0, 2.0], [3.0, 4.0]]) / 10, (4, 4)), label="even-sized 2x2 PSF, 4x4 grid"),
    ]


def _p2o_hidden(rng):
    return [
        Case(
            (_psf(rng, k), (_ints(rng, 6, 12), _ints(rng, 6, 12))),
            label=f"random {k[0]}x{k[1]} PSF" + (" (even-sized)" if k[0] % 2 == 0 or k[1] % 2 == 0 else ""),
        )
        for k in [(3, 3), (5, 3), (2, 4), (1, 5)]
    ]


QUESTIONS.append(
    Question(
        "ex03.psf2otf",
        "psf2otf",
        "From PSF to optical transfer function",
        2,
        _p2o_ref,
        _p2o_public,
        _p2o_hidden,
        kind="complex",
        variants=(
            Variant(
                "no roll",
                _p2o_no_roll,
                "PSF not centred: after zero-padding, roll it by -(size // 2) so its centre is at (0, 0)",
            ),
            Variant("wrong way", _p2o_wrong_way, "rolled the wrong way: roll by MINUS size // 2"),
            Variant("inverse fft", _p2o_ifft, "use the forward FFT (np.fft.fft2)"),
        ),
    )
)


def _wiener_ref(image, psf, balance):
    from skimage.restoration import wiener

    return wiener(np.asarray(image, float), np.asarray(psf, float), balance, reg=np.ones((1, 1)), clip=False)


def _wiener_form(image, psf, balance, conj=True, power=2, shift=True):
    image = np.asarray(image, float)
    H = _p2o_ref(psf, image.shape) if shift else _p2o_no_roll(psf, image.shape)
    num = np.conj(H) if conj else H
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.real(np.fft.ifft2(num * np.fft.fft2(image) / (np.abs(H) ** power + balance)))


def _wiener_inverse(image, psf, balance):
    return _wiener_form(image, psf, 0.0)


def _wiener_public():
    rng = np.random.default_rng(41)
    img = rng.random((8, 8))
    box = np.full((3, 3), 1 / 9)
    motion = np.array([[0.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 0.0, 0.0]])
    return [
        Case((img, box, 0.1), label="8x8 image, 3x3 box PSF, balance 0.1"),
        Case((img, motion, 0.01), label="8x8 image, asymmetric motion PSF, balance 0.01"),
        Case(
            (rng.random((6, 10)), np.array([[0.25, 0.5, 0.25]]), 1.0), label="6x10 image, 1x3 PSF, balance 1"
        ),
    ]


def _wiener_hidden(rng):
    return [
        Case(
            (rng.random((_ints(rng, 8, 14), _ints(rng, 8, 14))), _psf(rng, k), b),
            label=f"random image, {k[0]}x{k[1]} PSF, {'small' if b < 0.1 else 'large'} balance",
        )
        for k, b in [((3, 3), 0.05), ((3, 5), 0.2), ((5, 5), 0.01), ((1, 3), 1.0)]
    ]


QUESTIONS.append(
    Question(
        "ex03.wiener",
        "wiener_filter",
        "Wiener filter with a constant noise-to-signal ratio",
        3,
        _wiener_ref,
        _wiener_public,
        _wiener_hidden,
        variants=(
            Variant(
                "no conj",
                partial(_wiener_form, conj=False),
                "use the complex conjugate: G = conj(H) / (|H|^2 + balance)",
            ),
            Variant(
                "abs not squared",
                partial(_wiener_form, power=1),
                "the denominator is |H|^2 + balance, not |H| + balance",
            ),
            Variant(
                "inverse",
                _wiener_inverse,
                "balance missing: that is the inverse filter",
            ),
            Variant(
                "uncentred",
                partial(_wiener_form, shift=False),
                "PSF not centred: build H with psf2otf",
            ),
        ),
    )
)


def _rl_impl(image, psf, num_iter, start=None, flip=True, iters_delta=0):
    from scipy.signal import convolve

    image = np.asarray(image, float)
    psf = np.asarray(psf, float)
    x = np.full(image.shape, 0.5) if start is None else image.copy()
    mirror = psf[::-1, ::-1] if flip else psf
    for _ in range(num_iter + iters_delta):
        conv = convolve(x, psf, mode="same") + 1e-12
        x = x * convolve(image / conv, mirror, mode="same")
    return x


def _rl_ref(image, psf, num_iter):
    from skimage.restoration import richardson_lucy

    return richardson_lucy(np.asarray(image, float), np.asarray(psf, float), num_iter=num_iter, clip=False)


def _rl_public():
    rng = np.random.default_rng(51)
    img = rng.random((10, 10)) + 0.1
    motion = np.array([[0.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 0.1, 0.0]])
    motion = motion / motion.sum()
    return [
        Case((img, np.full((3, 3), 1 / 9), 1), label="10x10 image, box PSF, 1 iteration"),
        Case((img, np.full((3, 3), 1 / 9), 10), label="10x10 image, box PSF, 10 iterations"),
        Case((img, motion, 5), label="10x10 image, asymmetric PSF, 5 iterations"),
    ]


def _rl_hidden(rng):
    return [
        Case(
            (rng.random((_ints(rng, 10, 18), _ints(rng, 10, 18))) + 0.05, _psf(rng, k), n),
            label=f"random positive image, {k[0]}x{k[1]} PSF, several iterations",
        )
        for k, n in [((3, 3), 4), ((3, 5), 7), ((5, 3), 3), ((2, 3), 6)]
    ]


QUESTIONS.append(
    Question(
        "ex03.richardson_lucy",
        "richardson_lucy",
        "Richardson-Lucy deconvolution",
        4,
        _rl_ref,
        _rl_public,
        _rl_hidden,
        rtol=1e-6,
        atol=1e-8,
        variants=(
            Variant(
                "no mirror",
                partial(_rl_impl, flip=False),
                "PSF not mirrored in the correction step: convolve the ratio with psf[::-1, ::-1]",
            ),
            Variant(
                "start at image",
                partial(_rl_impl, start="image"),
                "start from a constant 0.5 image, like scikit-image",
            ),
            Variant(
                "one short",
                partial(_rl_impl, iters_delta=-1),
                "run exactly num_iter iterations",
            ),
            Variant(
                "one extra",
                partial(_rl_impl, iters_delta=1),
                "run exactly num_iter iterations",
            ),
        ),
    )
)

HINTS = {
    "ex03.psf2otf": (
        "The OTF is the FFT of the PSF, after the PSF is zero-padded to the image's shape.",
        "Centre it first: roll the padded PSF by -(size // 2) in both axes, so that its centre "
        "pixel lands on (0, 0).",
    ),
    "ex03.wiener": (
        "Work in the Fourier domain: H = psf2otf(psf, image.shape), Y = np.fft.fft2(image).",
        "G = conj(H) / (|H|^2 + balance); the estimate is the real part of ifft2(G * Y).",
    ),
    "ex03.richardson_lucy": (
        "Start from a constant 0.5 image and repeat num_iter times: "
        "x = x * convolve(image / convolve(x, psf), psf_mirror).",
        "psf_mirror = psf[::-1, ::-1]; both convolutions use scipy.signal.convolve(..., mode='same').",
        "Add a tiny constant (1e-12) to the denominator so that a zero does not divide.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
