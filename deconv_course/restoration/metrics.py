"""Quality scores against the true image: PSNR and SSIM.

Taught in notebooks/03_algorithms_and_formulas.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, check_image, check_number

__all__ = ["psnr", "ssim"]


def _check_scored_pair(reference, estimate, data_range):
    ref = check_image(reference, "reference")
    est = check_image(estimate, "estimate")
    if ref.shape != est.shape:
        raise ValueError(
            f"reference of shape {ref.shape} and estimate of shape {est.shape} must have the same shape"
        )
    if data_range is None:
        if ref.min() < 0 or ref.max() > 1:
            raise ValueError(
                f"reference has values in [{ref.min():g}, {ref.max():g}], outside "
                f"[0, 1]; pass data_range (e.g. 255 for 0..255 data)"
            )
        data_range = 1.0
    else:
        data_range = check_number(data_range, "data_range", positive=True)
    return ref.astype(np.float64), est.astype(np.float64), data_range


def psnr(reference: ArrayLike, estimate: ArrayLike, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in decibels (higher is better).

    Parameters
    ----------
    reference : (H, W) or (H, W, C) array_like
        The true image.
    estimate : array_like, same shape
        The restored (or degraded) image.
    data_range : float, optional
        Peak-to-peak range of the intensities. ``None`` means images in [0, 1]
        (``uint8`` input is scaled to that), so 1.0; a reference outside [0, 1]
        then raises ``ValueError``.

    Returns
    -------
    float
        ``inf`` when the images are identical.

    Notes
    -----
    .. math:: \\mathrm{PSNR} = 10 \\log_{10} \\frac{R^2}{\\frac{1}{N}\\sum (x - \\hat x)^2}

    Equals ``skimage.metrics.peak_signal_noise_ratio(reference, estimate,
    data_range=R)``. +6 dB is half the RMS error. Crop the borders first when
    the boundary model is in doubt.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    ref, est, data_range = _check_scored_pair(reference, estimate, data_range)
    mse = np.mean((ref - est) ** 2)
    if mse == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / mse))


def ssim(reference: ArrayLike, estimate: ArrayLike, data_range: float | None = None) -> float:
    """Structural similarity index (mean SSIM; 1 means identical).

    Parameters
    ----------
    reference : (H, W) or (H, W, C) array_like
        The true image; at least 7×7. Colour images are scored per channel and averaged.
    estimate : array_like, same shape
    data_range : float, optional
        As in :func:`psnr`: ``None`` means images in [0, 1].

    Returns
    -------
    float

    Notes
    -----
    A thin wrapper over ``skimage.metrics.structural_similarity`` (7×7 uniform
    window, ``K1 = 0.01``, ``K2 = 0.03``) with ``channel_axis=-1`` for colour:

    .. math:: \\mathrm{SSIM}(a, b) = \\frac{(2\\mu_a\\mu_b + C_1)(2\\sigma_{ab} + C_2)}
              {(\\mu_a^2 + \\mu_b^2 + C_1)(\\sigma_a^2 + \\sigma_b^2 + C_2)}

    averaged over all windows, with :math:`C_i = (K_i R)^2`.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image
       quality assessment: from error visibility to structural similarity",
       IEEE Trans. Image Process. 13(4):600-612 (2004).
    """
    from skimage.metrics import structural_similarity

    ref, est, data_range = _check_scored_pair(reference, estimate, data_range)
    if min(ref.shape[:2]) < 7:
        raise ValueError(f"reference of shape {ref.shape} must be at least 7x7 for SSIM's window")
    channel_axis = -1 if ref.ndim == 3 else None
    return float(structural_similarity(ref, est, data_range=data_range, channel_axis=channel_axis))
