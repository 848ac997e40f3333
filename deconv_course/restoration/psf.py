"""Point-spread functions: box, Gaussian, motion, and the Laplacian regulariser.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import IntOrPair, check_number, check_pair

__all__ = ["box_psf", "gaussian_psf", "motion_psf", "laplacian_kernel"]


def box_psf(size: IntOrPair) -> np.ndarray:
    """Uniform (box, "out-of-focus square") PSF.

    Parameters
    ----------
    size : int or (int, int)
        Height and width; odd or even.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, every entry ``1 / (kH * kW)``, sum 1

    Notes
    -----
    .. math:: h[i, j] = \\frac{1}{k_H k_W}

    Its transfer function is a product of Dirichlet kernels, with exact zeros
    on grids of frequencies: the inverse filter cannot undo a box blur.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    Examples
    --------
    >>> box_psf(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    h, w = check_pair(size, "size", minimum=1)
    return np.full((h, w), 1.0 / (h * w))


def gaussian_psf(size: IntOrPair, sigma: float | tuple[float, float]) -> np.ndarray:
    """Sampled 2-D Gaussian PSF, normalised to sum 1.

    Parameters
    ----------
    size : int or (int, int)
        Height and width; odd or even. About ``6 * sigma + 1`` keeps the tails.
    sigma : float or (float, float)
        Standard deviation in pixels (one value, or one per axis), > 0.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, sum 1

    Notes
    -----
    .. math:: h[i, j] \\propto \\exp\\left(-\\frac{(i - c_H)^2}{2\\sigma_H^2}
              -\\frac{(j - c_W)^2}{2\\sigma_W^2}\\right), \\quad c = \\frac{k - 1}{2}

    The centre ``c`` is the geometric centre, so for an even size the peak lies
    between four pixels. Its transfer function is (nearly) a Gaussian with no
    zeros, which is why a noiseless Gaussian blur can be inverted exactly.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    Examples
    --------
    >>> psf = gaussian_psf(5, 1.0)
    >>> psf.shape, round(float(psf.sum()), 12), bool(psf[2, 2] == psf.max())
    ((5, 5), 1.0, True)
    """
    h, w = check_pair(size, "size", minimum=1)
    if isinstance(sigma, (tuple, list, np.ndarray)):
        if len(sigma) != 2:
            raise ValueError(f"sigma={sigma!r} must be a number or a pair (sigma_H, sigma_W)")
        s_h, s_w = (check_number(s, "sigma", positive=True) for s in sigma)
    else:
        s_h = s_w = check_number(sigma, "sigma", positive=True)
    rows = np.arange(h) - (h - 1) / 2
    cols = np.arange(w) - (w - 1) / 2
    psf = np.exp(-(rows[:, None] ** 2) / (2 * s_h**2) - cols[None, :] ** 2 / (2 * s_w**2))
    return psf / psf.sum()


def motion_psf(length: float, angle: float = 0.0, size: IntOrPair | None = None) -> np.ndarray:
    """Linear motion-blur PSF: a straight path of ``length`` pixels through the centre.

    Parameters
    ----------
    length : float
        Length of the motion in pixels, > 0.
    angle : float, default 0.0
        Direction in degrees, counter-clockwise from the horizontal as seen on
        screen (rows grow downwards): 0 is a horizontal streak, 90 a vertical
        one, 45 runs from bottom left to top right.
    size : int or (int, int), optional
        Kernel shape. Default: the smallest odd square that holds the path,
        ``ceil(length)`` rounded up to odd.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, sum 1

    Notes
    -----
    Each pixel gets the fraction of the path's length that lies inside its
    square (the path is centred on the kernel's geometric centre),

    .. math:: h[i, j] = \\frac{|\\{t \\in [-L/2, L/2] : c + t\\,(\\cos\\theta, -\\sin\\theta)
              \\in \\text{pixel}(i, j)\\}|}{L},

    approximated by 64 samples per pixel of length. An integer length at angle 0
    gives exactly a one-row box of ``length`` pixels.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    Examples
    --------
    >>> motion_psf(3, 0.0)
    array([[0.        , 0.        , 0.        ],
           [0.33333333, 0.33333333, 0.33333333],
           [0.        , 0.        , 0.        ]])
    """
    length = check_number(length, "length", positive=True)
    angle = check_number(angle, "angle")
    if size is None:
        k = max(1, int(np.ceil(length - 1e-9)))
        h = w = k if k % 2 else k + 1
    else:
        h, w = check_pair(size, "size", minimum=1)
    theta = np.deg2rad(angle)
    n = max(1, int(np.ceil(64 * length)))
    t = -length / 2 + (np.arange(n) + 0.5) * (length / n)  # midpoints: never on a pixel edge
    cols = np.floor((w - 1) / 2 + t * np.cos(theta) + 0.5).astype(int)
    rows = np.floor((h - 1) / 2 - t * np.sin(theta) + 0.5).astype(int)  # screen rows grow downwards
    if rows.min() < 0 or rows.max() >= h or cols.min() < 0 or cols.max() >= w:
        raise ValueError(
            f"size={size!r} is too small for a motion of length={length:g} at "
            f"angle={angle:g} degrees; leave size=None to fit it"
        )
    psf = np.zeros((h, w))
    np.add.at(psf, (rows, cols), 1.0)
    return psf / psf.sum()


def laplacian_kernel() -> np.ndarray:
    """The 3×3 discrete Laplacian, the usual smoothness operator for Tikhonov / Wiener.

    Returns
    -------
    kernel : (3, 3) ndarray of float64
        ``[[0, -1, 0], [-1, 4, -1], [0, -1, 0]]`` (the same as scikit-image's
        default ``reg`` in ``skimage.restoration.wiener``).

    Notes
    -----
    Its transfer function is :math:`|L(u, v)|^2 = (4 - 2\\cos 2\\pi u/W - 2\\cos 2\\pi v/H)^2`,
    zero at frequency 0 and largest at the highest frequencies, so penalising
    ``|L X|^2`` damps noise but leaves the mean intact.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    return np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])
