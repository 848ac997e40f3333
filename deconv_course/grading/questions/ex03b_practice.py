"""Questions of exercise 3b (exercises/ex03b_restoration.ipynb), second half: the edge taper,
ADMM's Fourier-domain x-update for TV deconvolution, and telling Gaussian from Poisson noise.
The first half (and the shared helpers) is in :mod:`.ex03b`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..model import Case, Question, Variant
from ._common import _ints, _psf, with_hints
from .ex03b import _camera, _cblur, _crop, _gauss, _p2o_no_roll, _p2o_ref

QUESTIONS: list[Question] = []


# ---------------------------------------------------------------------------------------------
# the edge taper (MATLAB's edgetaper)
# ---------------------------------------------------------------------------------------------
def _taper_profile(profile, n, samples=None, append=True):
    """1 - r / r[0], r the circular autocorrelation of ``profile`` zero-padded to n - 1 samples,
    written as a direct sum (lag by lag); r[0] appended so that both ends are 0."""
    m = n - 1 if samples is None else samples
    p = np.zeros(m)
    p[: len(profile)] = profile
    r = np.array([np.dot(p, np.roll(p, -lag)) for lag in range(m)])
    if append:
        r = np.append(r, r[0])
    return 1.0 - r / r[0]


def _taper_ref(image, psf, swap=False, samples=0, zero_blur=False):
    image, psf = np.asarray(image, float), np.asarray(psf, float)
    n_r, n_c = image.shape
    rows = _taper_profile(psf.sum(axis=1), n_r, n_r if samples else None, not samples)
    cols = _taper_profile(psf.sum(axis=0), n_c, n_c if samples else None, not samples)
    alpha = np.clip(np.outer(rows, cols), 0.0, 1.0)
    if zero_blur:
        from scipy.signal import convolve

        blurred = convolve(image, psf, mode="same")
    else:
        blurred = _cblur(image, psf)
    if swap:
        alpha = 1.0 - alpha
    return alpha * image + (1.0 - alpha) * blurred


def _taper_public():
    ramp = np.tile(np.linspace(0.0, 1.0, 12), (10, 1))
    return [
        Case((ramp, np.full((3, 3), 1 / 9)), label="10x12 ramp, 3x3 box PSF"),
        Case((_camera()[30:46, 40:56], _gauss(5, 1.2)), label="16x16 camera, 5x5 Gaussian PSF"),
        Case(
            (_camera()[10:24, 10:30], np.array([[0.0, 0.1], [0.3, 0.6]])),
            label="14x20 camera, even-sized 2x2 PSF",
        ),
    ]


def _taper_hidden(rng):
    return [
        Case(
            (rng.random((_ints(rng, 10, 24), _ints(rng, 10, 24))), _psf(rng, k)),
            label=f"random image, {k[0]}x{k[1]} PSF"
            + (" (even-sized)" if k[0] % 2 == 0 or k[1] % 2 == 0 else ""),
        )
        for k in [(3, 3), (5, 5), (2, 4), (3, 7)]
    ]


QUESTIONS.append(
    Question(
        "ex03b.edge_taper",
        "edge_taper",
        "An edge taper before a circular deconvolution",
        3,
        _taper_ref,
        _taper_public,
        _taper_hidden,
        variants=(
            Variant(
                "swapped",
                partial(_taper_ref, swap=True),
                "blend the other way round: alpha * image + (1 - alpha) * blurred, so that the "
                "border (alpha = 0) takes the BLURRED image and the interior stays as it is",
            ),
            Variant(
                "n samples",
                partial(_taper_ref, samples=1),
                "autocorrelate on n - 1 samples and append r[0] at the end: then the weight is 0 "
                "on the first AND the last row and column",
            ),
            Variant(
                "zero boundary",
                partial(_taper_ref, zero_blur=True),
                "blend with the CIRCULAR blur (the model the Fourier-domain filter inverts), not "
                "a zero-padded one",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# ADMM's x-update for TV deconvolution
# ---------------------------------------------------------------------------------------------
def _circulant(op, shape):
    """The dense matrix of a linear map on images of ``shape``: column j is op(basis image j)."""
    n = shape[0] * shape[1]
    return np.stack([op(np.eye(n)[j].reshape(shape)).ravel() for j in range(n)], axis=1)


def _roll_blur(x, psf):
    """Circular convolution as a sum of shifted copies (independent of the FFT)."""
    ca, cb = psf.shape[0] // 2, psf.shape[1] // 2
    out = np.zeros_like(x)
    for a in range(psf.shape[0]):
        for b in range(psf.shape[1]):
            out += psf[a, b] * np.roll(x, (a - ca, b - cb), axis=(0, 1))
    return out


def _admm_ref(image, psf, z, u, rho):
    """Solve (C^T C + rho sum D_i^T D_i) x = C^T y + rho sum D_i^T (z_i - u_i) as a dense system."""
    y, psf = np.asarray(image, float), np.asarray(psf, float)
    z, u = np.asarray(z, float), np.asarray(u, float)
    C = _circulant(lambda v: _roll_blur(v, psf), y.shape)
    D = [_circulant(lambda v, ax=ax: np.roll(v, -1, axis=ax) - v, y.shape) for ax in (0, 1)]
    A = C.T @ C + rho * sum(d.T @ d for d in D)
    b = C.T @ y.ravel() + rho * sum(d.T @ (z[i] - u[i]).ravel() for i, d in enumerate(D))
    return np.linalg.solve(A, b).reshape(y.shape)


def _difference(v, ax, backward=False):
    """Circular forward difference x[i+1] - x[i] along ``ax`` (backward: x[i] - x[i-1])."""
    return v - np.roll(v, 1, axis=ax) if backward else np.roll(v, -1, axis=ax) - v


def _admm_form(image, psf, z, u, rho, conj_h=True, sign=-1.0, rho_num=True, backward=False, centred=True):
    """The Fourier form with one thing changed (the known mistakes); transfer functions from impulses."""
    y = np.asarray(image, float)
    z, u = np.asarray(z, float), np.asarray(u, float)
    H = _p2o_ref(psf, y.shape) if centred else _p2o_no_roll(psf, y.shape)
    delta = np.zeros(y.shape)
    delta[0, 0] = 1.0
    d = [np.fft.fft2(_difference(delta, ax, backward)) for ax in (0, 1)]
    num = (np.conj(H) if conj_h else H) * np.fft.fft2(y)
    num = num + (rho if rho_num else 1.0) * sum(
        np.conj(d[i]) * np.fft.fft2(z[i] + sign * u[i]) for i in range(2)
    )
    den = np.abs(H) ** 2 + rho * sum(np.abs(di) ** 2 for di in d)
    return np.real(np.fft.ifft2(num / den))


def _admm_case(rng, shape, k, rho, label):
    y = rng.random(shape)
    z, u = 0.1 * rng.standard_normal((2,) + shape), 0.05 * rng.standard_normal((2,) + shape)
    return Case((y, _psf(rng, k), z, u, rho), label=label)


def _admm_public():
    rng = np.random.default_rng(81)
    shape = (5, 6)
    zeros = np.zeros((2,) + shape)
    y = rng.random(shape)
    return [
        Case(
            (y, np.array([[0.0, 0.2, 0.0], [0.2, 0.2, 0.2], [0.0, 0.2, 0.0]]), zeros, zeros, 1.0),
            label="5x6 image, symmetric PSF, z = u = 0",
        ),
        _admm_case(rng, (4, 4), (3, 3), 0.5, "4x4 image, asymmetric 3x3 PSF, rho 0.5"),
        _admm_case(rng, (6, 5), (2, 3), 2.0, "6x5 image, even-sized 2x3 PSF, rho 2"),
    ]


def _admm_hidden(rng):
    return [
        _admm_case(
            rng, (_ints(rng, 4, 8), _ints(rng, 4, 8)), k, rho, f"random image, {k[0]}x{k[1]} PSF, rho {rho:g}"
        )
        for k, rho in [((3, 3), 1.0), ((3, 5), 0.1), ((2, 2), 5.0), ((5, 3), 0.5)]
    ]


QUESTIONS.append(
    Question(
        "ex03b.admm_x_update",
        "admm_x_update",
        "ADMM's Fourier-domain x-update for TV deconvolution",
        3,
        _admm_ref,
        _admm_public,
        _admm_hidden,
        rtol=1e-6,
        atol=1e-9,
        variants=(
            Variant(
                "no conj",
                partial(_admm_form, conj_h=False),
                "the data term is C^T y: in Fourier conj(H) * Y, not H * Y (the conjugate is the "
                "transposed convolution)",
            ),
            Variant(
                "z plus u",
                partial(_admm_form, sign=1.0),
                "the split target is z - u (scaled dual), not z + u",
            ),
            Variant(
                "rho missing",
                partial(_admm_form, rho_num=False),
                "rho multiplies BOTH the denominator's sum |D_i|^2 and the numerator's "
                "sum conj(D_i) F(z_i - u_i)",
            ),
            Variant(
                "backward differences",
                partial(_admm_form, backward=True),
                "D_i are FORWARD differences, x[i+1] - x[i] with wrap-around: build their transfer "
                "functions from the impulse response (-1 at (0, 0), +1 one step back, at (-1, 0) "
                "and (0, -1))",
            ),
            Variant("uncentred", partial(_admm_form, centred=False), "PSF not centred: build H with psf2otf"),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# Gaussian or Poisson noise?
# ---------------------------------------------------------------------------------------------
def _noise_ref(frames):
    """'poisson' when the per-pixel variance over the frames grows with the per-pixel mean."""
    frames = np.asarray(frames, float)
    mean, var = frames.mean(axis=0).ravel(), frames.var(axis=0, ddof=1).ravel()
    return "poisson" if np.corrcoef(mean, var)[0, 1] > 0.5 else "gaussian"


def _noise_equal(frames):
    """The mistake: Poisson only when the variance EQUALS the mean (a peak of one photon)."""
    frames = np.asarray(frames, float)
    ratio = frames.var(axis=0, ddof=1).mean() / frames.mean()
    return "poisson" if 0.5 < ratio < 2 else "gaussian"


def _noise_frames(rng, kind, level, k=16, size=16):
    """``k`` exposures of one static scene, its values spread over [0.05, 0.95]; Poisson with
    ``level`` = peak, or Gaussian with the noise power a Poisson stack of that peak would have on
    average (so the size of the noise tells nothing)."""
    x = _crop(rng, size)  # its ranks spread evenly over [0.05, 0.95]: every brightness is present
    ranks = np.argsort(np.argsort(x, axis=None)).reshape(x.shape)
    x = 0.05 + 0.9 * ranks / (x.size - 1)
    if kind == "poisson":
        return rng.poisson(np.broadcast_to(x * level, (k, size, size))) / level
    return x + np.sqrt(x.mean() / level) * rng.standard_normal((k, size, size))


def _noise_case(rng, kind, level, label):
    return Case((_noise_frames(rng, kind, level),), label=label)


def _noise_public():
    rng = np.random.default_rng(91)
    return [
        _noise_case(rng, "poisson", 50.0, "16 frames, Poisson noise, 50 photons at white"),
        _noise_case(rng, "gaussian", 50.0, "16 frames, Gaussian noise of the same power"),
        _noise_case(rng, "poisson", 1000.0, "16 frames, Poisson noise, 1000 photons (faint noise)"),
        _noise_case(rng, "gaussian", 5.0, "16 frames, strong Gaussian noise"),
        _noise_case(rng, "poisson", 1.0, "16 frames, Poisson noise, 1 photon at white (Var = mean)"),
    ]


def _noise_hidden(rng):
    cases = []
    for kind in ("poisson", "gaussian") * 3:
        level = float(10 ** rng.uniform(1, 3))
        cases.append(_noise_case(rng, kind, level, f"{kind} noise, {'weak' if level > 100 else 'strong'}"))
    return cases


QUESTIONS.append(
    Question(
        "ex03b.noise_model",
        "noise_model",
        "Gaussian or Poisson noise?",
        2,
        _noise_ref,
        _noise_public,
        _noise_hidden,
        kind="choice",
        variants=(
            Variant(
                "variance equals mean",
                _noise_equal,
                "Poisson counts divided by the peak have Var = mean / peak, not Var = mean: test "
                "whether the variance GROWS IN PROPORTION to the mean across pixels (their "
                "correlation, or the slope and intercept of var against mean), whatever the factor",
            ),
            Variant(
                "always gaussian",
                lambda frames: "gaussian",
                "in these frames the bright pixels vary more than the dark ones: signal-dependent "
                "(shot) noise is Poisson; compare each pixel's variance over the frames with its mean",
            ),
            Variant(
                "always poisson",
                lambda frames: "poisson",
                "here the variance is the same at dark and bright pixels: signal-independent noise "
                "is Gaussian, however large it is",
            ),
        ),
    )
)


HINTS = {
    "ex03b.edge_taper": (
        "J = alpha * image + (1 - alpha) * blurred, with `blurred` the CIRCULAR blur of the image "
        "(psf2otf, multiply, inverse FFT) and alpha the weight that is 0 at the borders.",
        "alpha = outer(w_rows, w_cols); w_rows = 1 - r / r[0] with r the circular autocorrelation "
        "of psf.sum(axis=1), zero-padded to H - 1 samples, and r[0] appended at the end (H values).",
        "Circular autocorrelation of p: r[lag] = sum_i p[i] * p[(i + lag) % m], i.e. "
        "np.real(np.fft.ifft(np.abs(np.fft.fft(p, m)) ** 2)).",
    ),
    "ex03b.admm_x_update": (
        "Everything is a circular convolution, so the linear system is diagonal in Fourier: "
        "one division per frequency.",
        "Transfer functions: H = psf2otf(psf, shape); D_1 from the impulse response with -1 at (0, 0) "
        "and +1 at (-1, 0) (that is x[i+1] - x[i]); D_2 the same along the columns.",
        "x = real(ifft2((conj(H) Y + rho * sum_i conj(D_i) fft2(z[i] - u[i])) / (|H|^2 + rho * sum_i |D_i|^2))).",
    ),
    "ex03b.noise_model": (
        "Per pixel, compute the mean and the variance over the frames (axis 0).",
        "Gaussian noise: the variance is the same at every brightness. Poisson noise: it grows in "
        "proportion to the mean. np.corrcoef(mean.ravel(), var.ravel()) tells them apart.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
