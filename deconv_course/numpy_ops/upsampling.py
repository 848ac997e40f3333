"""The fixed upsamplers of the upsampling family, from scratch: bed of nails and max-unpooling.

Both put each low-resolution value at *one* position of its ``s x s`` output block and
leave zeros elsewhere; they differ in where that position is. Bed of nails always uses
the top-left corner; max-unpooling uses the position where the matching max-pooling
found its maximum (the "switches" of Zeiler & Fergus 2014).

Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, IntOrPair, as_float_array, check_pair, check_real_array
from ..arithmetic import check_stride, conv_output_size
from ._common import NCHW

__all__ = ["bed_of_nails", "max_pool2d_with_indices", "max_unpool2d"]


def bed_of_nails(input: ArrayLike, scale_factor: IntOrPair) -> np.ndarray:
    """Upsample by putting each value in the top-left corner of an ``s x s`` block of zeros.

    Parameters
    ----------
    input : array_like, shape (..., H, W)
    scale_factor : int or pair of int, >= 1

    Returns
    -------
    ndarray, shape (..., H * s_h, W * s_w)
        ``out[..., s_h * i, s_w * j] = input[..., i, j]``, zero elsewhere.

    Notes
    -----
    The same zeros as :func:`~deconv_course.numpy_ops.zero_insert` plus ``s - 1`` trailing
    zero rows and columns, so that the size is exactly ``s`` times. A transposed convolution
    with kernel ``[[1, 0], [0, 0]]`` and stride 2 computes it. Taught in
    notebooks/05b_upsampling_and_checkerboards.ipynb.

    Examples
    --------
    >>> bed_of_nails([[1, 2], [3, 4]], 2)
    array([[1., 0., 2., 0.],
           [0., 0., 0., 0.],
           [3., 0., 4., 0.],
           [0., 0., 0., 0.]])
    """
    x = as_float_array(input, "input")
    if x.ndim < 2:
        raise ValueError(f"input must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    sh, sw = check_stride(scale_factor, "scale_factor")
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (h * sh, w * sw), dtype=x.dtype)
    out[..., ::sh, ::sw] = x
    return out


def max_pool2d_with_indices(
    input: ArrayLike, kernel_size: IntOrPair, stride: IntOrPair | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling that also returns where each maximum was (the switches).

    Equal to ``torch.nn.functional.max_pool2d(input, kernel_size, stride,
    return_indices=True)`` (no padding, no dilation) when no window holds a tie.

    Parameters
    ----------
    input : array_like, shape (N, C, H, W) or (C, H, W)
    kernel_size : int or pair of int
    stride : int or pair of int, optional
        Defaults to ``kernel_size`` (non-overlapping windows).

    Returns
    -------
    values : ndarray, shape (..., H_out, W_out)
    indices : ndarray of int64, shape (..., H_out, W_out)
        Flat index ``row * W + column`` of each maximum in its (H, W) input plane, PyTorch's
        convention. A tie goes to the first maximum in row-major order of the window.

    Notes
    -----
    Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    x = as_float_array(input, "input", ndim=(3, 4), what=NCHW)
    kh, kw = check_stride(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else check_stride(stride)
    h, w = x.shape[-2:]
    if kh > h or kw > w:
        raise ValueError(f"kernel_size={kernel_size!r} must fit in the input of size {(h, w)}")
    ho, wo = conv_output_size((h, w), (kh, kw), (sh, sw), 0)
    rows = sh * np.arange(ho)[:, None, None, None] + np.arange(kh)[None, None, :, None]  # (ho, 1, kh, 1)
    cols = sw * np.arange(wo)[None, :, None, None] + np.arange(kw)[None, None, None, :]  # (1, wo, 1, kw)
    windows = x[..., rows, cols].reshape(x.shape[:-2] + (ho, wo, kh * kw))
    best = np.argmax(windows, axis=-1)  # first maximum in row-major order of the window
    values = np.take_along_axis(windows, best[..., None], axis=-1)[..., 0]
    best_row, best_col = np.divmod(best, kw)
    indices = (sh * np.arange(ho)[:, None] + best_row) * w + sw * np.arange(wo)[None, :] + best_col
    return values, indices.astype(np.int64)


def max_unpool2d(input: ArrayLike, indices: ArrayLike, output_size: IntOrPair) -> np.ndarray:
    """Put each value back where its maximum came from; zeros everywhere else.

    Equal to ``torch.nn.functional.max_unpool2d(input, indices, kernel_size,
    output_size=output_size)``.

    Parameters
    ----------
    input : array_like, shape (N, C, h, w) or (C, h, w)
        The pooled values (or anything computed from them with the same shape).
    indices : array_like of int, same shape as ``input``
        The switches of :func:`max_pool2d_with_indices`: flat indices into an (H, W) plane.
    output_size : int or pair of int
        (H, W), the size of the pooled input.

    Returns
    -------
    ndarray, shape (..., H, W)

    Notes
    -----
    The unpooling of Zeiler & Fergus's deconvnet (2014) and of SegNet. Taught in
    notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    x = as_float_array(input, "input", ndim=(3, 4), what=NCHW)
    switches = check_real_array(indices, "indices")
    if switches.dtype.kind not in "iu":
        raise TypeError(f"indices must be an integer array (the switches), got dtype {switches.dtype}")
    if switches.shape != x.shape:
        raise ValueError(f"indices of shape {switches.shape} must have the shape of input, {x.shape}")
    h, w = check_pair(output_size, "output_size", minimum=1)
    if switches.size and (switches.min() < 0 or switches.max() >= h * w):
        raise ValueError(f"indices must lie in [0, {h * w}) for output_size={(h, w)}")
    planes = x.reshape(-1, x.shape[-2] * x.shape[-1])
    out = np.zeros((planes.shape[0], h * w), dtype=x.dtype)
    np.put_along_axis(out, switches.reshape(planes.shape).astype(np.int64), planes, axis=-1)
    return out.reshape(x.shape[:-2] + (h, w))
