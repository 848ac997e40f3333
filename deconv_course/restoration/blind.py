"""Blind deconvolution (the PSF is unknown too) and the practical route: measure the PSF on a star.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import (
    ArrayLike,
    check_flag,
    check_image,
    check_int,
    check_ndim,
    check_number,
    check_pair,
    check_psf,
)
from .fourier import psf2otf

__all__ = ["blind_richardson_lucy", "psf_distance", "estimate_psf_from_point_source"]

_GUARD = 1e-12  # the 0 / 0 guard of richardson_lucy


def _convolve(x, h):
    """Circular convolution ``h ⊛ x`` (``h`` centred at ``(kH // 2, kW // 2)``, as in :func:`psf2otf`)."""
    return np.fft.ifft2(psf2otf(h, x.shape) * np.fft.fft2(x)).real


def _correlate_image(ratio, h):
    """``C_h^T ratio``: correlation with the PSF, the transpose of :func:`_convolve` in ``x``."""
    return np.fft.ifft2(np.conj(psf2otf(h, ratio.shape)) * np.fft.fft2(ratio)).real


def _correlate_psf(ratio, x, psf_shape):
    """``C_x^T ratio`` on the PSF's support: the transpose of :func:`_convolve` in ``h``."""
    full = np.fft.ifft2(np.fft.fft2(ratio) * np.conj(np.fft.fft2(x))).real  # sum_i r[i] x[i - s]
    (kh, kw), (h, w) = psf_shape, x.shape
    rows = (np.arange(kh) - kh // 2) % h  # PSF pixel m acts as the shift s = m - centre
    cols = (np.arange(kw) - kw // 2) % w
    return full[np.ix_(rows, cols)]


def blind_richardson_lucy(
    image: ArrayLike,
    psf_shape,
    num_iter: int = 50,
    psf_init: ArrayLike | None = None,
    image_init: ArrayLike | None = None,
    normalise: bool = True,
):
    """Blind Richardson-Lucy: alternate RL updates of the image and of the PSF.

    Parameters
    ----------
    image : (H, W) array_like
        The observation ``y``, non-negative (circular blur model).
    psf_shape : int or (int, int)
        The PSF's known support ``(kH, kW)``, centred: the constraint that keeps
        the algorithm away from the trivial solution. ``image.shape`` means no
        support constraint.
    num_iter : int, default 50
        Alternations, >= 1 (one image update, then one PSF update, each time).
    psf_init : (kH, kW) array_like, optional
        First PSF; default flat on the support (``1 / (kH kW)``).
    image_init : (H, W) array_like, optional
        First image; default ``y`` itself.
    normalise : bool, default True
        Rescale the PSF to sum 1 after each update (fixes the scale ambiguity).

    Returns
    -------
    restored : (H, W) ndarray of float64
    psf : (kH, kW) ndarray of float64, non-negative

    Notes
    -----
    With :math:`r = y / (h \\circledast x)` and the transposes written as correlations,

    .. math::
        x \\leftarrow x \\cdot \\frac{C_h^T r}{\\sum h}, \\qquad
        h \\leftarrow h \\cdot \\frac{C_x^T r}{\\sum x}
        \\ \\text{(restricted to the support)}, \\qquad h \\leftarrow h / \\textstyle\\sum h.

    Both are EM (multiplicative) steps of the same Poisson likelihood, so ``x``
    and ``h`` stay non-negative. The problem has ambiguities no algorithm can
    resolve: *scale* (``a x`` and ``h / a`` give the same blur; the sum-to-1
    rule picks one), *shift* (``x`` moved by ``s`` and ``h`` by ``-s``; compare
    PSFs with :func:`psf_distance`) and the *trivial solution* ``x = y``,
    ``h = δ``, a fixed point of these updates. Starting from a flat PSF on a
    small, known support steers the iteration away from it.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] D. A. Fish, A. M. Brinicombe, E. R. Pike and J. G. Walker, "Blind
       deconvolution by means of the Richardson-Lucy algorithm", J. Opt. Soc.
       Am. A 12(1):58-65 (1995).
    .. [2] G. R. Ayers and J. C. Dainty, "Iterative blind deconvolution method
       and its applications", Opt. Lett. 13(7):547-549 (1988).
    """
    y = check_image(image).astype(np.float64)
    check_ndim(y, "image", 2, "(H, W)")
    if y.min() < 0:
        raise ValueError(
            f"image has negative values (min {y.min():g}); Richardson-Lucy needs non-negative data"
        )
    kh, kw = check_pair(psf_shape, "psf_shape", minimum=1)
    if kh > y.shape[0] or kw > y.shape[1]:
        raise ValueError(f"psf_shape={psf_shape!r} must not be larger than the image's {y.shape}")
    num_iter = check_int(num_iter, "num_iter", minimum=1)
    normalise = check_flag(normalise, "normalise")
    if psf_init is None:
        h = np.full((kh, kw), 1.0 / (kh * kw))
    else:
        h = check_psf(psf_init, "psf_init").copy()
        if h.shape != (kh, kw):
            raise ValueError(f"psf_init of shape {h.shape} must have psf_shape {(kh, kw)}")
    if image_init is None:
        x = y.copy()
    else:
        x = check_image(image_init, "image_init").astype(np.float64).copy()
        if x.shape != y.shape or x.min() < 0:
            raise ValueError(
                f"image_init of shape {x.shape} must be non-negative with the image's shape {y.shape}"
            )
    for _ in range(num_iter):
        x *= _correlate_image(y / (_convolve(x, h) + _GUARD), h) / h.sum()
        h *= _correlate_psf(y / (_convolve(x, h) + _GUARD), x, (kh, kw)) / max(x.sum(), _GUARD)
        np.maximum(h, 0.0, out=h)  # rounding of the FFTs only
        if normalise:
            h /= h.sum()
    return x, h


def psf_distance(estimate: ArrayLike, truth: ArrayLike, max_shift: int = 2) -> tuple[float, tuple[int, int]]:
    """Relative error between two PSFs, up to the best integer shift (blind deconvolution's ambiguity).

    Parameters
    ----------
    estimate, truth : (kH, kW) array_like
        Two PSFs (any sizes; both are centred on a common zero-padded grid).
    max_shift : int, default 2
        Shifts tried in each direction, >= 0.

    Returns
    -------
    error : float
        :math:`\\min_s \\|S_s \\hat h - h\\| / \\|h\\|`, both normalised to sum 1.
    shift : (int, int)
        The best shift ``s`` (rows, columns) applied to ``estimate``.

    Notes
    -----
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    est = check_psf(estimate, "estimate")
    ref = check_psf(truth, "truth")
    max_shift = check_int(max_shift, "max_shift", minimum=0)
    size = tuple(max(a, b) + 2 * max_shift + 1 for a, b in zip(est.shape, ref.shape))

    def centred(p):
        grid = np.zeros(size)
        top, left = size[0] // 2 - p.shape[0] // 2, size[1] // 2 - p.shape[1] // 2
        grid[top : top + p.shape[0], left : left + p.shape[1]] = p / p.sum()
        return grid

    est_grid, ref_grid = centred(est), centred(ref)
    best = (np.inf, (0, 0))
    for di in range(-max_shift, max_shift + 1):
        for dj in range(-max_shift, max_shift + 1):
            err = np.linalg.norm(np.roll(est_grid, (di, dj), axis=(0, 1)) - ref_grid) / np.linalg.norm(
                ref_grid
            )
            best = min(best, (float(err), (di, dj)))
    return best


def estimate_psf_from_point_source(
    image: ArrayLike, size, position: tuple[int, int] | None = None, background: float | None = None
) -> np.ndarray:
    """Measure the PSF on an isolated point source (a star, a bead): crop, subtract background, normalise.

    Parameters
    ----------
    image : (H, W) array_like
        The blurred image containing a bright, isolated point.
    size : int or (int, int)
        The PSF window ``(kH, kW)``; odd sizes centre the point exactly.
    position : (int, int), optional
        The point's pixel ``(row, col)``; default the brightest pixel.
    background : float, optional
        The level to subtract; default the median of the window's outer ring of pixels.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, non-negative, sum 1

    Notes
    -----
    .. math:: \\hat h = \\frac{\\max(y_W - b, 0)}{\\sum \\max(y_W - b, 0)}

    with :math:`y_W` the window centred on the point and ``b`` the background.
    The point must be much smaller than the PSF and alone in the window (no
    neighbour's light in it); averaging several such crops reduces the noise.
    This is how astronomers and microscopists get their PSFs in practice, and
    it is far more reliable than blind deconvolution.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    y = check_image(image).astype(np.float64)
    check_ndim(y, "image", 2, "(H, W)")
    kh, kw = check_pair(size, "size", minimum=1)
    if position is None:
        row, col = np.unravel_index(int(np.argmax(y)), y.shape)
    else:
        row, col = check_pair(position, "position", minimum=0)
    top, left = row - kh // 2, col - kw // 2
    if top < 0 or left < 0 or top + kh > y.shape[0] or left + kw > y.shape[1]:
        raise ValueError(
            f"position=({row}, {col}) with size=({kh}, {kw}) puts the PSF window outside the image of "
            f"shape {y.shape}; choose a point at least half a window from the border"
        )
    window = y[top : top + kh, left : left + kw]
    if background is None:
        ring = np.concatenate([window[0], window[-1], window[1:-1, 0], window[1:-1, -1]])
        background = float(np.median(ring))
    else:
        background = check_number(background, "background")
    psf = np.maximum(window - background, 0.0)
    if not psf.sum() > 0:
        raise ValueError(f"the window at position=({row}, {col}) has nothing above background={background:g}")
    return psf / psf.sum()
