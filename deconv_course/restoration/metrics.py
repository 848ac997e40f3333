"""Quality scores against the true image: PSNR and SSIM.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, check_flag, check_image, check_int, check_number

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
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    ref, est, data_range = _check_scored_pair(reference, estimate, data_range)
    mse = np.mean((ref - est) ** 2)
    if mse == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / mse))


def ssim(
    reference: ArrayLike,
    estimate: ArrayLike,
    data_range: float | None = None,
    win_size: int = 7,
    gaussian_weights: bool = False,
) -> float:
    """Structural similarity index (mean SSIM; 1 means identical).

    Parameters
    ----------
    reference : (H, W) or (H, W, C) array_like
        The true image; at least ``win_size`` pixels high and wide. Colour
        images are scored per channel and averaged.
    estimate : array_like, same shape
    data_range : float, optional
        As in :func:`psnr`: ``None`` means images in [0, 1].
    win_size : int, default 7
        Side of the square sliding window, odd, >= 3.
    gaussian_weights : bool, default False
        Weight the window by a Gaussian of σ = 1.5 (Wang et al.'s choice, with
        ``win_size=11``) instead of uniformly (scikit-image's default).

    Returns
    -------
    float

    Notes
    -----
    SSIM compares the two images *window by window* (a ``win_size²`` patch
    around every pixel) in three ways, and multiplies the answers:

    * **luminance**: the local means, :math:`l = (2\\mu_a\\mu_b + C_1)/(\\mu_a^2 + \\mu_b^2 + C_1)`;
    * **contrast**: the local standard deviations,
      :math:`c = (2\\sigma_a\\sigma_b + C_2)/(\\sigma_a^2 + \\sigma_b^2 + C_2)`;
    * **structure**: the local correlation, :math:`s = (\\sigma_{ab} + C_3)/(\\sigma_a\\sigma_b + C_3)`.

    With :math:`C_3 = C_2/2` the product collapses to

    .. math:: \\mathrm{SSIM}(a, b) = \\frac{(2\\mu_a\\mu_b + C_1)(2\\sigma_{ab} + C_2)}
              {(\\mu_a^2 + \\mu_b^2 + C_1)(\\sigma_a^2 + \\sigma_b^2 + C_2)}

    with :math:`C_i = (K_i R)^2`, ``K1 = 0.01``, ``K2 = 0.03``, ``R = data_range``;
    the result is the mean over all windows that fit inside the image
    (scikit-image crops ``(win_size - 1) / 2`` pixels per side before averaging),
    with the sample (``N - 1``) covariances of scikit-image. Because it scores
    local structure rather than the squared error, SSIM can rank two
    restorations differently from :func:`psnr`: it punishes ringing and
    blotchy noise (structure) more, and a small global bias in brightness
    (luminance) less. This is a thin wrapper over
    ``skimage.metrics.structural_similarity`` with these parameters.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image
       quality assessment: from error visibility to structural similarity",
       IEEE Trans. Image Process. 13(4):600-612 (2004).
    """
    from skimage.metrics import structural_similarity

    ref, est, data_range = _check_scored_pair(reference, estimate, data_range)
    win_size = check_int(win_size, "win_size", minimum=3)
    if win_size % 2 == 0:
        raise ValueError(f"win_size={win_size} must be an odd integer >= 3")
    gaussian_weights = check_flag(gaussian_weights, "gaussian_weights")
    if min(ref.shape[:2]) < win_size:
        raise ValueError(
            f"reference of shape {ref.shape} must be at least {win_size}x{win_size} for SSIM's window"
        )
    channel_axis = -1 if ref.ndim == 3 else None
    return float(
        structural_similarity(
            ref,
            est,
            data_range=data_range,
            channel_axis=channel_axis,
            win_size=win_size,
            gaussian_weights=gaussian_weights,
        )
    )
