"""Richardson-Lucy: the iterative, non-negative deconvolution for Poisson noise.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from scipy import signal

from .._checks import ArrayLike, check_choice, check_flag, check_image, check_int, check_number, check_psf
from .fourier import from_stack, psf2otf_rfft, to_stack

__all__ = ["richardson_lucy", "richardson_lucy_discrepancy"]

# numpy >= 2.0 lets its FFTs write into a given array (``out=``), so a loop can reuse
# its buffers instead of allocating (and page-faulting) fresh megabytes every step
_FFT_HAS_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _richardson_lucy_reference(image, psf, num_iter, clip=True, filter_epsilon=None):
    """The readable version: scikit-image's loop, line by line (slow; used in tests).

    ``scipy.signal.convolve(..., mode="same")`` recomputes both FFTs, the PSF's
    included, at every call.
    """
    estimate = np.full(image.shape, 0.5, dtype=image.dtype)
    psf_mirror = np.flip(psf)
    for _ in range(num_iter):
        reblurred = signal.convolve(estimate, psf, mode="same") + 1e-12
        if filter_epsilon:
            ratio = np.where(reblurred < filter_epsilon, 0, image / reblurred)
        else:
            ratio = image / reblurred
        estimate *= signal.convolve(ratio, psf_mirror, mode="same")
    if clip:
        np.clip(estimate, -1, 1, out=estimate)
    return estimate


def richardson_lucy(
    image: ArrayLike,
    psf: ArrayLike,
    num_iter: int = 50,
    clip: bool = True,
    filter_epsilon: float | None = None,
) -> np.ndarray:
    """Richardson-Lucy deconvolution (scikit-image's algorithm, about twice as fast).

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Blurred image, ideally non-negative and in [0, 1] (scale 0..255 data first,
        or pass ``clip=False``). Channels are restored independently.
    psf : (kH, kW) array_like
        Non-negative PSF with positive sum (normally sum 1).
    num_iter : int, default 50
        Number of iterations, >= 1. It acts as the regulariser: too few leave
        the image blurred, too many amplify noise (semi-convergence).
    clip : bool, default True
        Clip the result to [-1, 1], like scikit-image.
    filter_epsilon : float, optional
        If given (and non-zero), the ratio is set to 0 where the re-blurred
        estimate is below it, to avoid dividing by tiny numbers.

    Returns
    -------
    restored : ndarray, same shape as ``image`` (float32 for float32 input, else float64)

    Notes
    -----
    Start from :math:`x_0 = 0.5` everywhere and iterate

    .. math:: x_{k+1} = x_k \\cdot \\left( \\frac{y}{x_k \\ast P + 10^{-12}} \\star P \\right)

    where ``∗ P`` is the zero-boundary convolution ``scipy.signal.convolve(...,
    mode="same")`` and ``⋆ P`` the same with the flipped PSF. It is the EM
    algorithm for Poisson noise: every iterate stays non-negative when ``y``
    is, and, for an odd-sized PSF (for which the flipped-PSF convolution is the
    exact transpose of the blur), every iterate has the same total as the data,
    ``Σ x_k = Σ y`` (up to the 1e-12 guard). For an even-sized PSF, scipy's
    'same' crop puts the flipped PSF one pixel off the transpose, so this identity
    fails (by about 40 % after 20 iterations with a 4×4 box on a 64² image):
    scikit-image has the same behaviour, and odd-sized PSFs avoid it.

    The numbers equal ``skimage.restoration.richardson_lucy`` (same start, guard,
    boundary, PSF flip, dtype rule, clip and ``filter_epsilon`` rule) to rounding.
    The speed comes from doing each convolution as one real FFT pair on a grid
    just big enough to avoid wrap-around (``scipy.fft.next_fast_len(H + kH // 2)``),
    with the transforms of the PSF and of its mirror computed once, before the
    loop (scikit-image recomputes them in every iteration), and with every
    transform writing into buffers allocated once. The readable loop is
    ``_richardson_lucy_reference`` beside this function.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] W. H. Richardson, "Bayesian-based iterative method of image
       restoration", J. Opt. Soc. Am. 62(1):55-59 (1972).
    .. [2] L. B. Lucy, "An iterative technique for the rectification of observed
       distributions", Astron. J. 79(6):745-754 (1974).
    .. [3] L. A. Shepp and Y. Vardi, "Maximum likelihood reconstruction for
       emission tomography", IEEE Trans. Med. Imaging 1(2):113-122 (1982).
    """
    img = check_image(image)
    num_iter = check_int(num_iter, "num_iter", minimum=1)
    clip = check_flag(clip, "clip")
    if filter_epsilon is not None:
        filter_epsilon = check_number(filter_epsilon, "filter_epsilon", non_negative=True)
    kernel = check_psf(psf, "psf", img.shape, img.dtype)

    stack = to_stack(img)
    h, w = stack.shape[-2:]
    kh, kw = kernel.shape
    # 'same' output pixel i reads input pixels i - m + c, c = (k - 1) // 2: padding to
    # H + k // 2 keeps the wrapped-around part of a circular convolution in the zeros
    fft_shape = (sfft.next_fast_len(h + kh // 2, real=True), sfft.next_fast_len(w + kw // 2, real=True))
    centre = ((kh - 1) // 2, (kw - 1) // 2)  # scipy.signal's 'same' crop
    otf = psf2otf_rfft(kernel, fft_shape, centre)
    otf_mirror = psf2otf_rfft(np.flip(kernel), fft_shape, centre)

    # The estimate and the ratio live in the top-left corner of zero-padded buffers (the
    # zeros are the zero boundary), and every transform writes into a buffer made once here.
    padded_shape = stack.shape[:-2] + fft_shape
    estimate_padded = np.zeros(padded_shape, dtype=img.dtype)
    estimate = estimate_padded[..., :h, :w]
    estimate[...] = 0.5
    ratio_padded = np.zeros_like(estimate_padded)
    ratio = ratio_padded[..., :h, :w]
    complex_type = np.result_type(img.dtype, np.complex64)
    half = np.empty(padded_shape[:-1] + (fft_shape[1] // 2 + 1,), dtype=complex_type)
    spectrum = np.empty_like(half)
    result = np.empty(padded_shape, dtype=img.dtype)

    def convolve_same(padded, transfer):
        """``scipy.signal.convolve(corner, psf, mode="same")`` for the corner of ``padded``."""
        if _FFT_HAS_OUT:  # numpy >= 2: rfft2 = rfft along rows, then fft along columns
            np.fft.rfft(padded, axis=-1, out=half)
            np.fft.fft(half, axis=-2, out=spectrum)
            np.multiply(spectrum, transfer, out=spectrum)
            np.fft.ifft(spectrum, axis=-2, out=half)
            np.fft.irfft(half, n=fft_shape[1], axis=-1, out=result)
            return result[..., :h, :w]
        product = sfft.rfft2(padded) * transfer  # older numpy: same maths, fresh arrays
        return sfft.irfft2(product, s=fft_shape, overwrite_x=True)[..., :h, :w]

    for _ in range(num_iter):
        reblurred = convolve_same(estimate_padded, otf)
        reblurred += 1e-12  # scikit-image's guard against 0 / 0
        np.divide(stack, reblurred, out=ratio)
        if filter_epsilon:
            ratio[reblurred < filter_epsilon] = 0
        estimate *= convolve_same(ratio_padded, otf_mirror)
    estimate = estimate.copy()  # contiguous, without the padding
    if clip:
        np.clip(estimate, -1, 1, out=estimate)
    return from_stack(estimate, img)


def _poisson_discrepancy(data, reblurred, peak):
    """``(2 / N) * peak * KL(y, Cx)``: the Poisson deviance per pixel, about 1 at the right fit."""
    ratio = np.divide(data, reblurred, out=np.ones_like(data), where=data > 0)
    kl = np.sum(np.where(data > 0, data * np.log(ratio), 0.0) - data + reblurred)
    return 2.0 * peak * kl / data.size


def richardson_lucy_discrepancy(
    image: ArrayLike,
    psf: ArrayLike,
    noise_model: str = "poisson",
    peak: float | None = None,
    noise_sigma: float | None = None,
    tau: float = 1.0,
    max_iter: int = 500,
    clip: bool = True,
    return_iterations: bool = False,
):
    """Richardson-Lucy stopped by the discrepancy principle: iterate until the data are fitted to the noise.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Blurred, noisy image, non-negative (zero boundary, as :func:`richardson_lucy`).
    psf : (kH, kW) array_like
    noise_model : {"poisson", "gaussian"}, default "poisson"
        ``"poisson"``: ``image`` is :func:`add_poisson_noise` output with ``peak``;
        ``"gaussian"``: white noise of standard deviation ``noise_sigma``.
    peak : float, optional
        Photons of a pixel of value 1 (``"poisson"`` only, required there), > 0.
    noise_sigma : float, optional
        Noise standard deviation (``"gaussian"`` only, required there), > 0.
    tau : float, default 1.0
        Safety factor τ > 0: stop when the discrepancy is at most τ times its expected value.
    max_iter : int, default 500
        Give up after this many iterations, >= 1.
    clip : bool, default True
        Clip the result to [-1, 1], as :func:`richardson_lucy`.
    return_iterations : bool, default False
        Also return the number of iterations done.

    Returns
    -------
    restored : ndarray, same shape as ``image``
    num_iter : int, only if ``return_iterations``
        The iterations done (0 if the start already fits).

    Notes
    -----
    The iteration is the EM algorithm of Shepp & Vardi for the zero-boundary
    blur ``C``, from :math:`x_0 = 0.5`:

    .. math:: x_{k+1} = \\frac{x_k}{C^T 1} \\cdot C^T \\frac{y}{C x_k + 10^{-12}}.

    The division by :math:`C^T 1` (the share of a pixel's light that stays in
    the image; 1 away from the border) is what :func:`richardson_lucy` and
    scikit-image leave out. Without it the border pixels are pushed up at
    every step and the error grows from there: on the 64² camera image,
    noiseless, 7×7 Gaussian PSF (σ 1.5), 100 iterations reach 11.7 dB PSNR
    without it and 29.6 dB with it (28.5 dB and 25.0 dB 8 pixels inside the border).

    Every iteration computes the re-blurred estimate :math:`\\mu = C x_k`; the
    iteration stops at the first ``k`` with

    .. math::
        \\frac{2\\,\\mathrm{peak}}{N} \\sum_i \\Big[y_i \\log\\frac{y_i}{\\mu_i} - y_i + \\mu_i\\Big]
        \\le \\tau \\quad\\text{(Poisson)}, \\qquad
        \\|\\mu - y\\|^2 \\le \\tau N \\sigma^2 \\quad\\text{(Gaussian)}.

    The left-hand sides are the Poisson deviance (twice the Kullback-Leibler
    divergence, in photon counts) and the squared residual; at the true image
    their expected values are about ``N`` (per pixel 1) and ``N σ²``. Since
    Richardson-Lucy is the EM algorithm for Poisson data (Shepp & Vardi), the
    deviance decreases at every iteration; noisier data reach the noise level
    sooner, and stop earlier.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] M. Bertero, P. Boccacci, G. Talenti, R. Zanella and L. Zanni, "A
       discrepancy principle for Poisson data", Inverse Problems 26:105004 (2010).
    .. [2] V. A. Morozov, "On the solution of functional equations by the
       method of regularization", Soviet Math. Dokl. 7:414-417 (1966).
    .. [3] L. A. Shepp and Y. Vardi, "Maximum likelihood reconstruction for
       emission tomography", IEEE Trans. Med. Imaging 1(2):113-122 (1982).
    """
    img = check_image(image)
    check_choice(noise_model, "noise_model", ("poisson", "gaussian"))
    tau = check_number(tau, "tau", positive=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    clip = check_flag(clip, "clip")
    return_iterations = check_flag(return_iterations, "return_iterations")
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    if noise_model == "poisson":
        if peak is None:
            raise ValueError("peak=None: noise_model='poisson' needs the photon count peak")
        peak = check_number(peak, "peak", positive=True)
        if img.min() < 0:
            raise ValueError(f"image has negative values (min {img.min():g}); Poisson data are non-negative")
    else:
        if noise_sigma is None:
            raise ValueError("noise_sigma=None: noise_model='gaussian' needs the noise standard deviation")
        noise_sigma = check_number(noise_sigma, "noise_sigma", positive=True)
    data = to_stack(img).astype(np.float64)
    mirror = np.flip(kernel).astype(np.float64)
    # C^T 1: the fraction of each pixel's light that lands inside the image (1 away from the border)
    sensitivity = signal.fftconvolve(np.ones(data.shape[-2:]), mirror, mode="same")
    estimate = np.full(data.shape, 0.5)
    done = 0
    while True:
        reblurred = np.stack([signal.fftconvolve(e, kernel, mode="same") for e in estimate]) + 1e-12
        if noise_model == "poisson":
            fitted = _poisson_discrepancy(data, np.maximum(reblurred, 1e-12), peak) <= tau
        else:
            fitted = np.sum((reblurred - data) ** 2) <= tau * data.size * noise_sigma**2
        if fitted or done == max_iter:
            break
        ratio = data / reblurred
        estimate *= np.stack([signal.fftconvolve(r, mirror, mode="same") for r in ratio]) / sensitivity
        done += 1
    if clip:
        np.clip(estimate, -1, 1, out=estimate)
    restored = from_stack(estimate.astype(img.dtype), img)
    return (restored, done) if return_iterations else restored
