"""The forward model ``y = h * x + n``: blur with explicit boundaries, seeded noise.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from scipy import signal

from .._checks import ArrayLike, check_choice, check_flag, check_image, check_number, check_psf
from .fourier import from_stack, psf2otf_rfft, to_stack

__all__ = ["blur", "blur_adjoint", "add_gaussian_noise", "add_poisson_noise", "BOUNDARIES"]

#: The ``boundary=`` values of :func:`blur`.
BOUNDARIES = ("circular", "zero", "reflect")


def blur(image: ArrayLike, psf: ArrayLike, boundary: str = "circular") -> np.ndarray:
    """Blur an image with a PSF: the forward model ``h * x`` of deconvolution.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
    psf : (kH, kW) array_like
        Non-negative, positive sum, not larger than the image (not normalised here).
    boundary : {"circular", "zero", "reflect"}, default "circular"
        What lies beyond the image's edges:

        * ``"circular"``: the image repeats periodically. This is the model
          every Fourier-domain filter (:func:`inverse_filter`, :func:`wiener`,
          :func:`tikhonov`) assumes; computed with :func:`psf2otf`. Equals
          ``scipy.ndimage.convolve(image, psf, mode="wrap")``.
        * ``"zero"``: zeros; equals ``scipy.signal.convolve(image, psf,
          mode="same")``, the model of :func:`richardson_lucy` and scikit-image.
        * ``"reflect"``: the image mirrored about its edge (``d c b a | a b c d``,
          ``numpy.pad(mode="symmetric")``); the most realistic for photographs.

    Returns
    -------
    blurred : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: (h \\ast x)[i, j] = \\sum_{m, n} h[m, n]\\, x[i - m + c_H,\\, j - n + c_W]

    with the boundary rule for indices outside the image. For odd PSF sizes
    ``c = (k - 1) / 2`` and the three models agree away from the border. For an
    even size the conventions of the libraries differ by one pixel: "circular"
    uses ``c = k // 2`` (like :func:`psf2otf`, MATLAB and ``scipy.ndimage``),
    "zero" and "reflect" use ``c = (k - 1) // 2`` (like ``scipy.signal``'s
    ``mode="same"``, which is what scikit-image's Richardson-Lucy uses).
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    Examples
    --------
    >>> from deconv_course.restoration import box_psf
    >>> x = np.zeros((5, 5)); x[2, 2] = 1.0
    >>> np.allclose(blur(x, box_psf(3), boundary="zero")[1:4, 1:4], 1 / 9)
    True
    """
    img = check_image(image)
    check_choice(boundary, "boundary", BOUNDARIES)
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    stack = to_stack(img)
    h, w = stack.shape[-2:]
    if boundary == "circular":
        otf = psf2otf_rfft(kernel, (h, w))
        out = sfft.irfft2(sfft.rfft2(stack) * otf, s=(h, w))
    elif boundary == "zero":
        out = np.stack([signal.convolve(channel, kernel, mode="same") for channel in stack])
    else:
        kh, kw = kernel.shape
        # pad so that a 'valid' convolution lines up with scipy.signal's 'same' crop
        pad = ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2))
        out = np.stack(
            [
                signal.convolve(np.pad(channel, pad, mode="symmetric"), kernel, mode="valid")
                for channel in stack
            ]
        )
    return from_stack(out.astype(img.dtype, copy=False), img)


def _fold_symmetric(array: np.ndarray, pad, axis: int) -> np.ndarray:
    """The transpose of ``numpy.pad(mode="symmetric")`` along ``axis``: add the mirrored margins back."""
    before, after = pad
    n = array.shape[axis] - before - after
    core = np.take(array, np.arange(before, before + n), axis=axis).copy()
    index = [slice(None)] * array.ndim
    for r in range(before):  # padded[before - 1 - r] = x[r]
        index[axis] = r
        core[tuple(index)] += np.take(array, before - 1 - r, axis=axis)
    for r in range(after):  # padded[before + n + r] = x[n - 1 - r]
        index[axis] = n - 1 - r
        core[tuple(index)] += np.take(array, before + n + r, axis=axis)
    return core


def blur_adjoint(image: ArrayLike, psf: ArrayLike, boundary: str = "circular") -> np.ndarray:
    """The transpose ``C^T`` of :func:`blur`: the transposed convolution of deconvolution.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
    psf : (kH, kW) array_like
    boundary : {"circular", "zero", "reflect"}, default "circular"
        The boundary model of the blur ``C`` whose transpose is applied.

    Returns
    -------
    ndarray, same shape as ``image``
        :math:`C^T y`, with :math:`\\langle C x, y\\rangle = \\langle x, C^T y\\rangle` for every ``x``, ``y``.

    Notes
    -----
    * ``"circular"``: :math:`\\mathcal F^{-1}[\\bar H\\, Y]`, the conjugate transfer
      function, i.e. correlation with the PSF (the numerator of :func:`wiener`).
    * ``"zero"``: correlation with the PSF, zero outside, cropped like the blur
      (for an odd PSF, ``scipy.signal.convolve(y, psf[::-1, ::-1], mode="same")``,
      the back-projection of :func:`richardson_lucy`).
    * ``"reflect"``: the full correlation, whose margins are then folded back onto
      the pixels that :func:`blur` mirrored into them.

    This is the same operation as the deep-learning "deconvolution layer"
    (``numpy_ops.conv_transpose2d`` with stride 1): the transpose, not the inverse.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    img = check_image(image)
    check_choice(boundary, "boundary", BOUNDARIES)
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    stack = to_stack(img)
    h, w = stack.shape[-2:]
    kh, kw = kernel.shape
    if boundary == "circular":
        out = sfft.irfft2(sfft.rfft2(stack) * np.conj(psf2otf_rfft(kernel, (h, w))), s=(h, w))
    else:
        # blur's output pixel i reads padded pixel i + m (m = 0..k-1) after a pad of (k // 2, (k - 1) // 2)
        # on the left for "reflect", and the 'same' crop (offset (k - 1) // 2) of the full convolution for "zero"
        full = np.stack([signal.correlate(channel, kernel, mode="full") for channel in stack])
        if boundary == "zero":
            top, left = kh - 1 - (kh - 1) // 2, kw - 1 - (kw - 1) // 2
            out = full[:, top : top + h, left : left + w]
        else:
            out = _fold_symmetric(full, (kh // 2, (kh - 1) // 2), axis=1)
            out = _fold_symmetric(out, (kw // 2, (kw - 1) // 2), axis=2)
    return from_stack(out.astype(img.dtype, copy=False), img)


# --------------------------------------------------------------------------- noise


def add_gaussian_noise(
    image: ArrayLike, sigma: float, seed: int | np.random.Generator | None = 0, clip: bool = False
) -> np.ndarray:
    """Add white Gaussian noise of standard deviation ``sigma``.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
    sigma : float
        Noise standard deviation in image units (images are in [0, 1]), >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Passed to ``numpy.random.default_rng``; the same seed gives the same noise.
    clip : bool, default False
        Clip the result to [0, 1]. Off by default: clipping changes the noise's
        statistics (it is no longer zero-mean near black and white).

    Returns
    -------
    noisy : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: y = x + \\sigma\\,\\varepsilon, \\qquad \\varepsilon \\sim \\mathcal N(0, 1)
              \\text{ i.i.d. per pixel}

    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    img = check_image(image)
    sigma = check_number(sigma, "sigma", non_negative=True)
    clip = check_flag(clip, "clip")
    rng = np.random.default_rng(seed)
    noisy = img + sigma * rng.standard_normal(img.shape)
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(img.dtype, copy=False)


def add_poisson_noise(
    image: ArrayLike, peak: float, seed: int | np.random.Generator | None = 0, clip: bool = False
) -> np.ndarray:
    """Simulate photon-counting (Poisson, "shot") noise.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Non-negative intensities (usually in [0, 1]).
    peak : float
        Expected photon count of a pixel of intensity 1, > 0. Larger is less noisy:
        the signal-to-noise ratio of a pixel of value ``v`` is ``sqrt(v * peak)``.
    seed : int, numpy.random.Generator or None, default 0
        Passed to ``numpy.random.default_rng``.
    clip : bool, default False
        Clip the result to [0, 1] (counts above ``peak`` exceed 1).

    Returns
    -------
    noisy : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: y = \\frac{1}{\\text{peak}}\\,\\mathrm{Poisson}(\\text{peak}\\cdot x)

    so ``E[y] = x`` and ``Var[y] = x / peak``: the noise grows with the signal.
    Values below 0 by no more than ``1e-12 * max(1, max|x|)`` (the rounding an
    FFT blur of a non-negative image leaves) count as 0; lower ones are an error.
    This is the noise model Richardson-Lucy is derived for.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    img = check_image(image)
    peak = check_number(peak, "peak", positive=True)
    clip = check_flag(clip, "clip")
    # an FFT blur of a non-negative image leaves rounding like -1e-16: that is 0, not a negative intensity
    tolerance = 1e-12 * max(1.0, float(np.abs(img).max(initial=0.0)))
    if img.min() < -tolerance:
        raise ValueError(
            f"image has negative values (min {img.min():g}); Poisson noise needs non-negative intensities"
        )
    rng = np.random.default_rng(seed)
    noisy = rng.poisson(np.maximum(img.astype(np.float64), 0.0) * peak) / peak
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(img.dtype, copy=False)
