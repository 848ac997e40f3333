"""Single-channel correlation and convolution, with ``scipy.signal``'s semantics.

Taught in notebooks/02_core_concepts.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, as_float_array, check_choice

__all__ = ["correlate2d", "convolve2d"]

_MODES = ("valid", "same", "full")


def _prepare_2d(image, kernel, mode):
    check_choice(mode, "mode", _MODES)
    image = as_float_array(image, "image", ndim=2, what="(H, W), a 2-D single-channel array")
    kernel = as_float_array(kernel, "kernel", ndim=2, what="(kH, kW), a 2-D array")
    if min(image.shape) < 1 or min(kernel.shape) < 1:
        raise ValueError(f"image {image.shape} and kernel {kernel.shape} must not be empty")
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        raise ValueError(
            f"kernel of shape {kernel.shape} is larger than the image {image.shape}; "
            "mode='valid' needs kernel <= image in both dimensions"
        )
    dtype = np.result_type(image, kernel)
    return image.astype(dtype, copy=False), kernel.astype(dtype, copy=False)


def _correlate_full(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """'full' cross-correlation: zero-pad by k - 1 on every side, then slide."""
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def correlate2d(image: ArrayLike, kernel: ArrayLike, mode: str = "valid") -> np.ndarray:
    """2-D cross-correlation (kernel NOT flipped), like ``scipy.signal.correlate2d``.

    ``out[i, j] = sum_{m, n} image[i + m, j + n] * kernel[m, n]`` -- what
    deep-learning "convolution" layers compute.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (kH, kW)
    mode : {"valid", "same", "full"}
        ``"valid"``: (H - kH + 1, W - kW + 1), no padding;
        ``"same"``: (H, W), zero padding, centred like SciPy (for an even
        kernel the extra zero row/column is on the bottom/right, as in
        ``torch.nn.functional.conv2d(padding="same")``);
        ``"full"``: (H + kH - 1, W + kW - 1), every overlap.

    Returns
    -------
    ndarray
        float64 (float32 if both inputs are float32).

    Notes
    -----
    Unlike SciPy, ``mode="valid"`` with a kernel larger than the image raises
    ``ValueError`` (SciPy silently swaps the two arguments).
    Taught in notebooks/02_core_concepts.ipynb.

    Examples
    --------
    >>> image = np.arange(1, 10).reshape(3, 3)
    >>> correlate2d(image, [[1, 0, -1]] * 3, mode="same")
    array([[ -7.,  -4.,   7.],
           [-15.,  -6.,  15.],
           [-13.,  -4.,  13.]])
    """
    image, kernel = _prepare_2d(image, kernel, mode)
    full = _correlate_full(image, kernel)
    (h, w), (kh, kw) = image.shape, kernel.shape
    if mode == "full":
        return full
    if mode == "valid":
        return full[kh - 1 : h, kw - 1 : w]
    # 'same': SciPy keeps the full result's window starting at kernel_size // 2
    top, left = kh // 2, kw // 2
    return full[top : top + h, left : left + w]


def convolve2d(image: ArrayLike, kernel: ArrayLike, mode: str = "valid") -> np.ndarray:
    """2-D convolution (kernel flipped), like ``scipy.signal.convolve2d``.

    ``out[i, j] = sum_{m, n} image[i - m, j - n] * kernel[m, n]``: the
    textbook formula, equal to :func:`correlate2d` with the kernel rotated by
    180 degrees.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (kH, kW)
    mode : {"valid", "same", "full"}
        As in :func:`correlate2d`; for ``"same"`` with an even kernel SciPy
        centres convolution one row/column differently from correlation, and
        so do we.

    Returns
    -------
    ndarray

    Notes
    -----
    Taught in notebooks/02_core_concepts.ipynb.

    Examples
    --------
    >>> image = np.arange(1, 10).reshape(3, 3)
    >>> convolve2d(image, [[1, 0, -1]] * 3, mode="same")
    array([[  7.,   4.,  -7.],
           [ 15.,   6., -15.],
           [ 13.,   4., -13.]])
    """
    image, kernel = _prepare_2d(image, kernel, mode)
    full = _correlate_full(image, kernel[::-1, ::-1])
    (h, w), (kh, kw) = image.shape, kernel.shape
    if mode == "full":
        return full
    if mode == "valid":
        return full[kh - 1 : h, kw - 1 : w]
    top, left = (kh - 1) // 2, (kw - 1) // 2
    return full[top : top + h, left : left + w]
