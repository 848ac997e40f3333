"""Pooling, the dense layer and the upsampling alternatives to transposed convolution.

Taught in notebooks/04_code_examples.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, IntOrPair, as_float_array, check_int
from ..arithmetic import check_padding, check_stride, conv_output_size
from ._common import NCHW

__all__ = ["avg_pool2d", "linear", "pixel_shuffle", "upsample_nearest"]


def avg_pool2d(
    input: ArrayLike, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> np.ndarray:
    """Average pooling, equal to ``torch.nn.functional.avg_pool2d`` (defaults).

    Parameters
    ----------
    input : array_like, shape (N, C, H, W) or (C, H, W)
    kernel_size : int or pair of int
    stride : int or pair of int, optional
        Defaults to ``kernel_size``.
    padding : int or pair of int
        Zero padding, at most half the kernel size (PyTorch's rule); the
        zeros count in the average (``count_include_pad=True``).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out) or (C, H_out, W_out)

    Notes
    -----
    ``p = 1/(kH kW) * sum of the window``. Taught in notebooks/04_code_examples.ipynb.
    """
    x = as_float_array(input, "input", ndim=(3, 4), what=NCHW)
    k = check_stride(kernel_size, "kernel_size")
    s = k if stride is None else check_stride(stride)
    p = check_padding(padding)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"padding={padding!r} must be at most half of kernel_size={kernel_size!r}")
    ho, wo = conv_output_size(x.shape[-2:], k, s, p)
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])])
    total = np.zeros(x.shape[:-2] + (ho, wo), dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            total += xp[..., i : i + s[0] * (ho - 1) + 1 : s[0], j : j + s[1] * (wo - 1) + 1 : s[1]]
    return total / (k[0] * k[1])


def linear(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> np.ndarray:
    """Fully connected layer ``z = x W^T + b``, equal to ``torch.nn.functional.linear``.

    Parameters
    ----------
    input : array_like, shape (..., in_features)
    weight : array_like, shape (out_features, in_features)
    bias : array_like, shape (out_features,), optional

    Returns
    -------
    ndarray, shape (..., out_features)

    Notes
    -----
    Taught in notebooks/04_code_examples.ipynb.
    """
    x = as_float_array(input, "input")
    w = as_float_array(weight, "weight", ndim=2, what="(out_features, in_features)")
    if x.ndim < 1:
        raise ValueError(f"input must have at least 1 dimension (..., in_features), got shape {x.shape}")
    if x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"input has {x.shape[-1]} features (last axis) but weight of shape {w.shape} expects {w.shape[1]}"
        )
    arrays = [x, w]
    if bias is not None:
        b = as_float_array(bias, "bias")
        if b.shape != (w.shape[0],):
            raise ValueError(f"bias must have shape ({w.shape[0]},), got {b.shape}")
        arrays.append(b)
    dtype = np.result_type(*arrays)
    out = x.astype(dtype, copy=False) @ w.astype(dtype, copy=False).T
    if bias is not None:
        out = out + arrays[2].astype(dtype, copy=False)
    return out


def pixel_shuffle(input: ArrayLike, upscale_factor: int) -> np.ndarray:
    """Sub-pixel rearrangement, equal to ``torch.nn.functional.pixel_shuffle``.

    ``(..., C * r**2, H, W) -> (..., C, H * r, W * r)`` with
    ``out[..., c, y*r + i, x*r + j] = input[..., c*r*r + i*r + j, y, x]``.

    Parameters
    ----------
    input : array_like, at least 3-D
    upscale_factor : int, >= 1

    Notes
    -----
    Shi et al. 2016 (ESPCN). Taught in notebooks/04_code_examples.ipynb.
    """
    x = as_float_array(input, "input")
    if x.ndim < 3:
        raise ValueError(f"input must have at least 3 dimensions (..., C, H, W), got shape {x.shape}")
    r = check_int(upscale_factor, "upscale_factor", minimum=1)
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"input has {c} channels, which must be divisible by upscale_factor**2 = {r * r}")
    x = x.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (..., C, H, r, W, r)
    return np.ascontiguousarray(x).reshape(*lead, c // (r * r), h * r, w * r)


def upsample_nearest(input: ArrayLike, scale_factor: IntOrPair) -> np.ndarray:
    """Nearest-neighbour upsampling by an integer factor (each pixel becomes a block).

    Equal to ``torch.nn.functional.interpolate(input, scale_factor=s, mode="nearest")``
    on NCHW input (CHW input is treated as one image).

    Parameters
    ----------
    input : array_like, shape (N, C, H, W) or (C, H, W)
    scale_factor : int or pair of int, >= 1

    Returns
    -------
    ndarray, shape (..., H * s_h, W * s_w)

    Notes
    -----
    The first half of resize-convolution (Odena et al. 2016).
    Taught in notebooks/04_code_examples.ipynb.
    """
    x = as_float_array(input, "input", ndim=(3, 4), what=NCHW)
    sh, sw = check_stride(scale_factor, "scale_factor")
    return np.repeat(np.repeat(x, sh, axis=-2), sw, axis=-1)
