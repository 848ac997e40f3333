"""Honest simulations: the edge taper, and a blur that avoids the "inverse crime".

A Fourier-domain filter assumes that the image is periodic (circular
boundaries). A real photograph is not: its left and right edges differ, and the
jump between them, which the filter believes is part of the scene, rings
across the restored image. Two tools here:

* :func:`edge_taper` blends the image with its own circular blur near the
  borders, so that the data agree with the circular model there (MATLAB's
  ``edgetaper``);
* :func:`blur_without_crime` simulates a blur *without* the boundary model the
  deconvolution method assumes (a larger scene blurred linearly, then cropped,
  optionally on a finer grid), so that a simulation does not flatter the method.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from .._checks import ArrayLike, check_image, check_int, check_psf
from .forward import blur

__all__ = ["edge_taper", "taper_weights", "blur_without_crime"]


def _autocorrelation_weight(profile: np.ndarray, n: int) -> np.ndarray:
    """``1 - r / r[0]`` with ``r`` the circular autocorrelation of ``profile`` on ``n - 1`` samples,
    its first value repeated at the end (as MATLAB does), so that both ends are 0."""
    if n < 2:
        return np.zeros(n)
    spectrum = np.fft.fft(profile, n - 1) if profile.size <= n - 1 else np.fft.fft(profile[: n - 1])
    r = np.fft.ifft(np.abs(spectrum) ** 2).real
    return 1.0 - np.append(r, r[0]) / r[0]


def taper_weights(shape: tuple[int, int], psf: ArrayLike) -> np.ndarray:
    """The blending weight ``alpha`` of :func:`edge_taper`: 0 at the borders, 1 inside.

    Parameters
    ----------
    shape : (int, int)
        The image's ``(H, W)``.
    psf : (kH, kW) array_like

    Returns
    -------
    alpha : (H, W) ndarray of float64, in [0, 1]

    Notes
    -----
    With ``p_r``, ``p_c`` the PSF summed over columns and over rows, and ``r_r``,
    ``r_c`` their circular autocorrelations on ``H - 1`` and ``W - 1`` samples,
    each with its lag-0 value appended (MATLAB's convention, which makes the
    weight symmetric),

    .. math:: \\alpha[i, j] = \\Big(1 - \\frac{r_r[i]}{r_r[0]}\\Big)
              \\Big(1 - \\frac{r_c[j]}{r_c[0]}\\Big).

    The autocorrelation is largest at lag 0 and, being circular, also near the
    last lags: the weight is 0 on the first and last rows and columns, and
    reaches 1 about one PSF width inside.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    kernel = check_psf(psf, "psf", shape)
    rows = _autocorrelation_weight(kernel.sum(axis=1), shape[0])
    cols = _autocorrelation_weight(kernel.sum(axis=0), shape[1])
    return np.clip(np.outer(rows, cols), 0.0, 1.0)


def edge_taper(image: ArrayLike, psf: ArrayLike) -> np.ndarray:
    """Taper the borders of an image so that a circular deconvolution rings less.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        The observed (blurred) image.
    psf : (kH, kW) array_like
        The PSF the deconvolution will use.

    Returns
    -------
    tapered : ndarray, same shape and dtype as ``image``

    Notes
    -----
    .. math:: J = \\alpha \\cdot I + (1 - \\alpha) \\cdot (h \\circledast I)

    where :math:`h \\circledast I` is the *circular* blur of the image
    (:func:`blur` with ``boundary="circular"``) and :math:`\\alpha` is
    :func:`taper_weights`, built from the autocorrelation of the PSF. At the
    borders ``J`` is the circular blur itself, so it is consistent with the
    model of :func:`wiener` and :func:`tikhonov`: the jump between opposite
    edges no longer looks like a sharp edge that must be deconvolved, and the
    ringing it caused shrinks. The interior is unchanged. This is what MATLAB's
    ``edgetaper`` computes; the border pixels themselves stay blurred.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] R. L. Lagendijk and J. Biemond, *Iterative Identification and
       Restoration of Images*, Kluwer (1991), on boundary ringing.
    .. [2] MathWorks, ``edgetaper``: "Taper discontinuities along image edges".

    Examples
    --------
    >>> from deconv_course.restoration import gaussian_psf
    >>> x = np.tile(np.linspace(0, 1, 32), (32, 1))  # a ramp: left and right edges differ
    >>> t = edge_taper(x, gaussian_psf(7, 1.5))
    >>> bool(np.allclose(t[10:22, 10:22], x[10:22, 10:22]))
    True
    """
    img = check_image(image)
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    alpha = taper_weights(img.shape[:2], kernel).astype(img.dtype)
    if img.ndim == 3:
        alpha = alpha[..., None]
    blurred = blur(img, kernel, boundary="circular")
    return (alpha * img + (1 - alpha) * blurred).astype(img.dtype, copy=False)


def blur_without_crime(
    scene: ArrayLike, psf: ArrayLike, margin: int | None = None, factor: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate a blurred observation without committing the "inverse crime".

    The inverse crime is to simulate data with the very model the inversion
    assumes (here: the circular blur that every Fourier-domain filter inverts),
    which hides the model error that real data always have. This function
    blurs a *larger* scene with a linear (non-periodic) convolution and keeps
    only its centre, so light from outside the field of view enters the
    observation, as it does in a camera; with ``factor > 1`` the scene and the
    PSF also live on a grid ``factor`` times finer and the result is binned
    (each output pixel integrates ``factor × factor`` fine pixels).

    Parameters
    ----------
    scene : (H, W) or (H, W, C) array_like
        The larger (and, with ``factor > 1``, finer) true scene.
    psf : (kH, kW) array_like
        The PSF on the scene's grid.
    margin : int, optional
        Scene pixels cut from every side, >= ``max(kH, kW) // 2`` so that no
        output pixel depends on a boundary rule. Default: exactly that.
        With ``factor > 1`` it is rounded up to a multiple of ``factor``.
    factor : int, default 1
        Oversampling factor of the scene's grid, >= 1; ``H - 2 * margin`` and
        ``W - 2 * margin`` must be divisible by it.

    Returns
    -------
    observed : ndarray
        The blurred, cropped (and binned) image, ``((H - 2m) / factor, (W - 2m) / factor)``.
    truth : ndarray
        The scene cropped (and binned) the same way: the image a method should
        recover, to score it with :func:`psnr`.

    Notes
    -----
    .. math:: y = S_f\\, P_m\\, (h \\ast x)

    with ``∗`` the full linear convolution, :math:`P_m` the crop of ``m`` pixels
    per side and :math:`S_f` the ``f × f`` block average. No boundary model
    (circular, zero, reflect) describes ``y`` exactly, which is true of real
    data; the PSF a method must use for ``factor > 1`` is the binned one, only an
    approximation of the blur (a second, realistic model error).
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] D. Colton and R. Kress, *Inverse Acoustic and Electromagnetic
       Scattering Theory*, Springer (1992), where the term "inverse crime" is coined.
    .. [2] J. Kaipio and E. Somersalo, "Statistical inverse problems:
       discretization, model reduction and inverse crimes", J. Comput. Appl.
       Math. 198(2):493-504 (2007).
    """
    img = check_image(scene, "scene")
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    factor = check_int(factor, "factor", minimum=1)
    need = max(kernel.shape) // 2
    margin = need if margin is None else check_int(margin, "margin", minimum=need)
    margin = -(-margin // factor) * factor
    h, w = img.shape[:2]
    ch, cw = h - 2 * margin, w - 2 * margin
    if ch < factor or cw < factor or ch % factor or cw % factor:
        raise ValueError(
            f"scene of shape {img.shape} with margin={margin} leaves {ch}x{cw} pixels, which must be "
            f"a positive multiple of factor={factor} in both dimensions"
        )
    stack = img[..., None] if img.ndim == 2 else img
    blurred = np.stack(
        [signal.convolve(stack[..., c], kernel, mode="same") for c in range(stack.shape[-1])], axis=-1
    )

    def crop_and_bin(array):
        cropped = array[margin : h - margin, margin : w - margin]
        binned = cropped.reshape(ch // factor, factor, cw // factor, factor, -1).mean(axis=(1, 3))
        return (binned[..., 0] if img.ndim == 2 else binned).astype(img.dtype, copy=False)

    return crop_and_bin(blurred), crop_and_bin(stack)
