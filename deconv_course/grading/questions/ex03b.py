"""Questions of exercise 3b (exercises/ex03b_restoration.ipynb): classic restoration.

PSF to OTF, the Wiener filter, Richardson-Lucy; then what a practitioner adds: the discrepancy
principle, a weight chosen without the truth (graded by the PSNR it reaches, the truth kept in
the grader), the edge taper, ADMM's Fourier-domain x-update for TV deconvolution, and telling
Gaussian from Poisson noise. Lesson: notebooks/03b_restoration_algorithms.ipynb. Every reference
is written here from the formula (NumPy FFTs, SciPy's root finder, a dense linear solve); the
course package gives only its bundled images, so a bug in its algorithms cannot hide one here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..model import Case, Question, Variant
from ._common import _ints, _psf, with_hints

QUESTIONS: list[Question] = []


@dataclass
class GraderCase(Case):
    """A case with data only the grader sees: ``private`` holds keyword arguments of the reference
    (the true image, the tolerance), never sent to the kernel (see ``questions.expected_for``)."""

    private: dict = field(default_factory=dict)


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
        "ex03b.psf2otf",
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
        "ex03b.wiener",
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
        "ex03b.richardson_lucy",
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


# ---------------------------------------------------------------------------------------------
# shared by the questions below: scenes, circular blur, the Wiener restoration, PSNR
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _scenes() -> tuple[np.ndarray, ...]:
    """Grey 96x96 scenes from scikit-image's bundled images (the course's training set)."""
    from ... import data

    return tuple(data.training_images(96))


@functools.lru_cache(maxsize=1)
def _camera() -> np.ndarray:
    from ... import data

    return data.camera(96)


def _crop(rng, size):
    scene = _scenes()[int(rng.integers(len(_scenes())))]
    i, j = (int(v) for v in rng.integers(0, 96 - size + 1, 2))
    return np.array(scene[i : i + size, j : j + size])


def _gauss(k, s):
    r = np.arange(k) - (k - 1) / 2
    g = np.exp(-(r**2) / (2 * s * s))
    p = np.outer(g, g)
    return p / p.sum()


def _cblur(x, psf):
    """Circular blur, PSF centre at (size // 2): the model every Fourier-domain filter inverts."""
    return np.real(np.fft.ifft2(_p2o_ref(psf, np.shape(x)) * np.fft.fft2(x)))


def _observe(x, psf, sigma, rng):
    return _cblur(x, psf) + sigma * rng.standard_normal(np.shape(x))


def _residual2(image, psf, lam):
    """||y - h * x_lam||^2 of the Wiener solution x_lam (L = I), by Parseval: sum |lam/(|H|^2+lam) Y|^2 / N."""
    image = np.asarray(image, float)
    h2 = np.abs(_p2o_ref(psf, image.shape)) ** 2
    y2 = np.abs(np.fft.fft2(image)) ** 2
    return float(np.sum((lam / (h2 + lam)) ** 2 * y2) / image.size)


# ---------------------------------------------------------------------------------------------
# the discrepancy principle
# ---------------------------------------------------------------------------------------------
def _disc_ref(image, psf, noise_sigma, target=None):
    """The weight lam with ||y - h * x_lam||^2 = N sigma^2: Brent's root of a monotone function of log lam."""
    from scipy.optimize import brentq

    image = np.asarray(image, float)
    goal = image.size * noise_sigma**2 if target is None else target(image.size, noise_sigma)
    return float(
        np.exp(
            brentq(
                lambda t: np.log(_residual2(image, psf, np.exp(t)) / goal),
                np.log(1e-12),
                np.log(1e4),
                xtol=1e-12,
            )
        )
    )


def _disc_public():
    rng = np.random.default_rng(61)
    x = _camera()[20:52, 30:62]
    return [
        Case(
            (_observe(x, _gauss(5, 1.0), 0.01, rng), _gauss(5, 1.0), 0.01),
            label="32x32 camera, 5x5 Gaussian PSF, sigma 0.01",
        ),
        Case(
            (_observe(x, _gauss(7, 2.0), 0.05, rng), _gauss(7, 2.0), 0.05),
            label="32x32 camera, 7x7 Gaussian PSF, sigma 0.05",
        ),
        Case(
            (_observe(x[:, :24], np.full((3, 3), 1 / 9), 0.002, rng), np.full((3, 3), 1 / 9), 0.002),
            label="32x24 camera, 3x3 box PSF, sigma 0.002",
        ),
    ]


def _disc_hidden(rng):
    cases = []
    for k, sigma in [(3, 0.005), (5, 0.02), (7, 0.05), (9, 0.01)]:
        h, w = _ints(rng, 24, 40), _ints(rng, 24, 40)
        x = _crop(rng, max(h, w))[:h, :w]
        psf = _gauss(k, float(rng.uniform(0.7, 2.0)))
        label = f"random scene, {k}x{k} Gaussian PSF, {'low' if sigma < 0.015 else 'high'} noise"
        cases.append(Case((_observe(x, psf, sigma, rng), psf, sigma), label=label))
    return cases


QUESTIONS.append(
    Question(
        "ex03b.discrepancy",
        "discrepancy_balance",
        "The discrepancy principle",
        3,
        _disc_ref,
        _disc_public,
        _disc_hidden,
        rtol=1e-3,
        atol=0.0,
        variants=(
            Variant(
                "sigma not squared",
                partial(_disc_ref, target=lambda n, s: n * s),
                "the target is N * sigma**2 (the noise's expected squared norm), not N * sigma",
            ),
            Variant(
                "N missing",
                partial(_disc_ref, target=lambda n, s: s * s),
                "the target is N * sigma**2: the SUM of squared residuals over all N pixels equals "
                "the noise's squared norm; sigma**2 alone is one pixel's share (or you forgot "
                "Parseval's 1/N: ||r||^2 = sum |R|^2 / N with np.fft)",
            ),
            Variant(
                "N squared",
                partial(_disc_ref, target=lambda n, s: n * n * s * s),
                "divide by N once in Parseval's identity: ||r||^2 = sum |R|^2 / N with np.fft's "
                "unnormalised transform",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# a weight chosen without the truth, graded by the PSNR it reaches (kind "psnr")
# ---------------------------------------------------------------------------------------------
#: log10 of the weights on which the grader evaluates each restoration's PSNR
_LOG_GRID = np.arange(-8.0, 2.0 + 1e-9, 0.05)
#: (tier, dB below the best weight's PSNR that still passes): every image is two cases, so a weight
#: within 3 dB earns both and one within 6 dB half. Measured: the discrepancy principle stays within
#: 1.96 dB of the best weight on 480 hidden images (1 dB would fail it on about 5 % of them).
_TIERS = (("within 3 dB of the best weight", 3.0), ("within 6 dB of the best weight", 6.0))


def _psnr_curve(truth, image, psf):
    """PSNR (data range 1) of the Wiener restoration (L = I, circular) for every weight on the grid."""
    truth, image = np.asarray(truth, float), np.asarray(image, float)
    H = _p2o_ref(psf, image.shape)
    G, h2 = np.conj(H) * np.fft.fft2(image), np.abs(H) ** 2
    mse = [np.mean((np.real(np.fft.ifft2(G / (h2 + 10.0**t))) - truth) ** 2) for t in _LOG_GRID]
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-300))


def _lam_ref(image, psf, noise_sigma, *, truth, tolerance_db):
    """What kind "psnr" compares with: rows log10(lam), PSNR(lam) in dB, the tolerance (constant)."""
    curve = _psnr_curve(truth, image, psf)
    return np.stack([_LOG_GRID, curve, np.full_like(curve, tolerance_db)])


def _lam_cases(x, psf, sigma, rng, label):
    y = _observe(x, psf, sigma, rng)
    return [
        GraderCase((y, psf, sigma), label=f"{label}, {tier}", private={"truth": x, "tolerance_db": tol})
        for tier, tol in _TIERS
    ]


def _lam_public():
    rng = np.random.default_rng(71)
    cam = _camera()
    return _lam_cases(
        cam[16:80, 16:80], _gauss(7, 1.5), 0.01, rng, "64x64 camera, 7x7 Gaussian PSF, sigma 0.01"
    ) + _lam_cases(cam[:64, 32:96], _gauss(5, 1.0), 0.04, rng, "64x64 camera, 5x5 Gaussian PSF, sigma 0.04")


def _lam_hidden(rng):
    cases = []
    for k in (5, 7, 9, 7):
        sigma = float(10 ** rng.uniform(np.log10(0.005), np.log10(0.05)))
        psf = _gauss(k, float(rng.uniform(0.8, 2.5)))
        label = f"random 64x64 scene, {k}x{k} Gaussian PSF, {'low' if sigma < 0.015 else 'high'} noise"
        cases += _lam_cases(_crop(rng, 64), psf, sigma, rng, label)
    return cases


_lam_ref.solver = _disc_ref  # what a learner may answer (a truth-free rule), see questions.solver_for


def _lam_power(image, psf, noise_sigma, power=2):
    return noise_sigma**power


QUESTIONS.append(
    Question(
        "ex03b.choose_lambda",
        "choose_lambda",
        "A weight chosen without the truth",
        4,
        _lam_ref,
        _lam_public,
        _lam_hidden,
        kind="psnr",
        rtol=1e-6,
        atol=0.0,
        variants=(
            Variant(
                "sigma squared",
                _lam_power,
                "lam = sigma**2 is the noise power alone; the weight is a noise-to-SIGNAL ratio, and "
                "np.fft's |Y|^2 carries a factor N: use a rule that looks at the data (the "
                "discrepancy principle above, or GCV)",
            ),
            Variant(
                "inverse",
                partial(_lam_power, power=-2),
                "lam = 1 / sigma**2 is upside down: more noise needs a LARGER weight",
            ),
        ),
    )
)


HINTS = {
    "ex03b.psf2otf": (
        "The OTF is the FFT of the PSF, after the PSF is zero-padded to the image's shape.",
        "Centre it first: roll the padded PSF by -(size // 2) in both axes, so that its centre "
        "pixel lands on (0, 0).",
    ),
    "ex03b.wiener": (
        "Work in the Fourier domain: H = psf2otf(psf, image.shape), Y = np.fft.fft2(image).",
        "G = conj(H) / (|H|^2 + balance); the estimate is the real part of ifft2(G * Y).",
    ),
    "ex03b.richardson_lucy": (
        "Start from a constant 0.5 image and repeat num_iter times: "
        "x = x * convolve(image / convolve(x, psf), psf_mirror).",
        "psf_mirror = psf[::-1, ::-1]; both convolutions use scipy.signal.convolve(..., mode='same').",
        "Add a tiny constant (1e-12) to the denominator so that a zero does not divide.",
    ),
    "ex03b.discrepancy": (
        "The residual r = y - h * x_lam of the Wiener solution grows with lam; find the lam where "
        "||r||^2 equals N * noise_sigma**2 (N pixels).",
        "In Fourier, R = lam / (|H|^2 + lam) * Y, and ||r||^2 = sum |R|^2 / N (Parseval, np.fft).",
        "Bisect on log(lam) between 1e-12 and 1e4 (about 100 halvings), or use a root finder on "
        "log(||r||^2 / (N sigma^2)).",
    ),
    "ex03b.choose_lambda": (
        "Any rule that uses only the blurred image, the PSF and the noise level is allowed; you are "
        "graded by the PSNR your weight reaches, not by matching one number.",
        "Your discrepancy_balance from the question above is such a rule; GCV is another.",
        "A fixed formula in sigma alone ignores how much signal the image has: look at the data.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
