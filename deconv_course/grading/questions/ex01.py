"""Questions of exercise 1 (exercises/ex01_two_meanings.ipynb): two meanings of "deconvolution"."""

from __future__ import annotations

import numpy as np

from ..model import Case, Question, Variant
from ._common import _ints, _psf, with_hints

QUESTIONS: list[Question] = []


UPSAMPLING = "upsampling operator"
INVERSE = "inverse-problem solver"

TERMS = {
    "ConvTranspose2d": UPSAMPLING,
    "fractionally strided convolution": UPSAMPLING,
    "the decoder of a convolutional autoencoder": UPSAMPLING,
    "the learned upsampling layer of an FCN": UPSAMPLING,
    "a DCGAN generator layer": UPSAMPLING,
    "Wiener filter": INVERSE,
    "Richardson-Lucy": INVERSE,
    "inverse filter": INVERSE,
    "Tikhonov-regularised deconvolution": INVERSE,
    "blind deconvolution of a shaken photo": INVERSE,
}
PUBLIC_TERMS = [
    "ConvTranspose2d",
    "Wiener filter",
    "fractionally strided convolution",
    "Richardson-Lucy",
    "a DCGAN generator layer",
]


def _meaning_ref(term):
    return TERMS[term]


def _meaning_public():
    return [Case((t,), label=repr(t)) for t in PUBLIC_TERMS]


def _meaning_hidden(rng):
    terms = list(TERMS)
    rng.shuffle(terms)
    public = set(PUBLIC_TERMS)
    return [
        Case((t,), label="a term from the public cases" if t in public else "a term not in the public cases")
        for t in terms
    ]


QUESTIONS.append(
    Question(
        "ex01.meaning",
        "meaning",
        "Which meaning of 'deconvolution'?",
        2,
        _meaning_ref,
        _meaning_public,
        _meaning_hidden,
        kind="choice",
        variants=(
            Variant(
                "swapped",
                lambda t: INVERSE if TERMS[t] == UPSAMPLING else UPSAMPLING,
                "upsampling layers in networks (transposed convolutions) are the deep-learning "
                "meaning; filters that undo a blur solve an inverse problem",
            ),
        ),
    )
)


def _circular_ref(image, psf):
    from scipy import ndimage

    return ndimage.convolve(np.asarray(image, float), np.asarray(psf, float), mode="wrap")


def _circular_corr(image, psf):
    from scipy import ndimage

    return ndimage.correlate(np.asarray(image, float), np.asarray(psf, float), mode="wrap")


def _circular_zero(image, psf):
    from scipy import ndimage

    return ndimage.convolve(np.asarray(image, float), np.asarray(psf, float), mode="constant")


def _circular_uncentred(image, psf):
    image = np.asarray(image, float)
    return np.real(np.fft.ifft2(np.fft.fft2(image) * np.fft.fft2(psf, s=image.shape)))


def _circular_public():
    img = np.arange(36, dtype=float).reshape(6, 6) % 7
    return [
        Case((img, np.full((3, 3), 1 / 9)), label="6x6 image, 3x3 box PSF"),
        Case(
            (img, np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])),
            label="6x6 image, asymmetric 3x3 PSF",
        ),
        Case((np.eye(5), np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]) / 15), label="5x5 identity, 1x5 PSF"),
    ]


def _circular_hidden(rng):
    cases = []
    for kshape in [(3, 3), (5, 5), (3, 5), (1, 3)]:
        shape = (_ints(rng, 7, 16), _ints(rng, 7, 16))
        label = f"random image, {'x'.join(map(str, kshape))} PSF" + (
            "" if kshape[0] == kshape[1] else " (not square)"
        )
        cases.append(Case((rng.random(shape), _psf(rng, kshape)), label=label))
    return cases


QUESTIONS.append(
    Question(
        "ex01.circular_blur",
        "circular_blur",
        "The forward model y = h * x (circular)",
        2,
        _circular_ref,
        _circular_public,
        _circular_hidden,
        variants=(
            Variant(
                "correlation",
                _circular_corr,
                "kernel not flipped: a blur is a true convolution, sum_m h[m] x[n - m]",
            ),
            Variant(
                "zero boundary",
                _circular_zero,
                "zero boundary: a circular blur wraps around (index modulo the image size)",
            ),
            Variant(
                "uncentred",
                _circular_uncentred,
                "PSF not centred: its centre pixel must land on (0, 0); roll by -(size // 2)",
            ),
        ),
    )
)

HINTS = {
    "ex01.meaning": (
        "Ask what the thing does to its input: make it bigger (a layer in a network), or undo a "
        "blur that a camera or a microscope caused?",
        "Everything named after a layer (ConvTranspose2d, decoders, generators, 'fractionally "
        "strided') is the upsampling operator; named filters and algorithms that restore a photo "
        "(Wiener, Richardson-Lucy, inverse filter) solve the inverse problem.",
        'Return exactly one of the two strings "upsampling operator" or "inverse-problem solver"; '
        "a set of the upsampling terms is one clean way.",
    ),
    "ex01.circular_blur": (
        "A blur is a true convolution: y[n] = sum over m of h[m] x[n - m], with the indices "
        "taken modulo the image size.",
        "Loop over the PSF's pixels: for each offset (a, b) from its centre, add "
        "psf[a, b] * np.roll(image, (a - ch, b - cw), axis=(0, 1)), where (ch, cw) = psf.shape // 2.",
        "Check the sign of the roll on a one-pixel PSF that is off-centre: the image must move "
        "in the direction the PSF's pixel points to.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
