"""``conv2d`` (im2col + one matrix product) and the convolution matrix ``C``.

Taught in notebooks/03a_transposed_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, IntOrPair, as_float_array, check_int, is_int
from ..arithmetic import (
    check_dilation,
    check_groups,
    check_padding,
    check_padding_mode,
    check_stride,
    conv_output_size,
)
from ._common import check_bias, finish, in_parallel, prepare

__all__ = ["conv2d", "conv_matrix"]


def _conv2d_gemm(
    x: np.ndarray, w: np.ndarray, stride, dilation, groups: int, pads=(0, 0, 0, 0)
) -> np.ndarray:
    """Strided, dilated convolution of NCHW ``x`` zero-padded by ``pads``
    (top, bottom, left, right): im2col + one matrix product (GEMM).

    im2col: for every kernel tap (i, j) copy the input pixels that this tap
    reads into one row block of ``cols``; then one matrix product with the
    weights computes every output pixel of the whole batch at once.

    To make those copies contiguous, the padded input is first split into its
    ``stride`` phases (phase (a, b) holds ``padded[..., a::sh, b::sw]``): tap
    (i, j) reads phase ``(i*dh % sh, j*dw % sw)`` shifted by
    ``(i*dh // sh, j*dw // sw)`` pixels, which is one contiguous shift of the
    flattened phase. Positions outside the real output are computed too and
    cut off at the end.
    """
    n, c, h, wd = x.shape
    c_out, c_per_group, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    top, bottom, left, right = pads
    hp, wp = h + top + bottom, wd + left + right  # padded size
    ho, wo = conv_output_size((hp, wp), (kh, kw), stride, 0, dilation)
    hq, wq = -(-hp // sh), -(-wp // sw)  # size of one phase
    m = n * hq * wq
    max_shift = (dh * (kh - 1) // sh) * wq + dw * (kw - 1) // sw
    phases = np.zeros((sh, sw, c, m + max_shift), dtype=x.dtype)
    grid = phases[..., :m].reshape(sh, sw, c, n, hq, wq)
    xt = x.transpose(1, 0, 2, 3)  # channels first: the batch joins the matrix product
    cols = np.empty((c, kh, kw, m), dtype=x.dtype)

    def split_and_im2col(lo, hi):  # channels lo:hi
        for a in range(sh):
            r0 = (a - top) % sh  # first input row in phase a (padded row r0 + top)
            q0 = (r0 + top - a) // sh
            for b in range(sw):
                c0 = (b - left) % sw
                p0 = (c0 + left - b) // sw
                part = xt[lo:hi, :, r0::sh, c0::sw]
                grid[a, b, lo:hi, :, q0 : q0 + part.shape[2], p0 : p0 + part.shape[3]] = part
        for i in range(kh):
            for j in range(kw):
                shift = (i * dh // sh) * wq + j * dw // sw
                cols[lo:hi, i, j] = phases[i * dh % sh, j * dw % sw, lo:hi, shift : shift + m]

    in_parallel(split_and_im2col, c, cols.size)
    cols = cols.reshape(groups, c_per_group * kh * kw, m)
    full = np.matmul(w.reshape(groups, c_out // groups, c_per_group * kh * kw), cols)  # (g, c_out/g, m)
    full = full.reshape(c_out, n, hq, wq)
    out = np.empty((n, c_out, ho, wo), dtype=x.dtype)

    def crop(lo, hi):  # images lo:hi
        out[lo:hi] = full[:, lo:hi, :ho, :wo].transpose(1, 0, 2, 3)

    in_parallel(crop, n, out.size)
    return out


def _conv2d_padding(padding, kernel_hw, stride, dilation):
    """Padding as (top, bottom, left, right); resolves 'valid' and 'same' like PyTorch."""
    if isinstance(padding, str):
        if check_padding_mode(padding, stride) == "valid":
            return (0, 0, 0, 0)
        pads = []  # "same"
        for k, d in zip(kernel_hw, dilation):
            total = d * (k - 1)
            # PyTorch puts the odd extra row/column on the bottom/right
            pads += [total // 2, total - total // 2]
        return tuple(pads)
    ph, pw = check_padding(padding)
    return (ph, ph, pw, pw)


def conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation), equal to ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    input : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or pair of int, >= 1
    padding : int, pair of int, "valid" or "same"
        Zeros added on both sides. ``"same"`` (stride 1 only) pads
        ``dilation * (k - 1)`` in total, the odd one on the bottom/right.
    groups : int
        Split channels into ``groups`` independent convolutions.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = floor((H + 2p - d(kH - 1) - 1) / s) + 1``
        (:func:`deconv_course.arithmetic.conv_output_size`).

    Notes
    -----
    ``out[n, o, y, x] = bias[o] + sum_{c, i, j} input[n, g*C_in/groups + c, y*s + i*d - p, x*s + j*d - p] * weight[o, c, i, j]``
    (g the group of output channel o), computed as im2col + one matrix product.
    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    x, w, b, unbatched = prepare(input, weight, bias)
    c_in = x.shape[1]
    c_out, c_per_group, kh, kw = w.shape
    s, d = check_stride(stride), check_dilation(dilation)
    groups = check_int(groups, "groups", minimum=1)
    if c_out % groups:
        raise ValueError(f"weight.shape[0]={c_out} (out channels) must be divisible by groups={groups}")
    if c_in != c_per_group * groups:
        raise ValueError(
            f"input has {c_in} channels but weight of shape {w.shape} with groups={groups} "
            f"expects weight.shape[1] * groups = {c_per_group * groups}"
        )
    check_groups(c_in, c_out, groups)
    check_bias(b, c_out)
    top, bottom, left, right = _conv2d_padding(padding, (kh, kw), s, d)
    h, wd = x.shape[2:]
    # raises if the dilated kernel is larger than the padded input
    conv_output_size((h + top + bottom, wd + left + right), (kh, kw), s, 0, d)
    return finish(_conv2d_gemm(x, w, s, d, groups, (top, bottom, left, right)), b, unbatched)


def conv_matrix(
    weight: ArrayLike,
    input_shape: tuple[int, ...],
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """The dense matrix ``C`` of a convolution: ``C @ x.ravel() == conv2d(x, weight).ravel()``.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in / groups, kH, kW), or (kH, kW)
        A Conv2d weight; ``groups`` is read off the shapes as
        ``C_in // weight.shape[1]``. A 2-D kernel means one channel in and out.
    input_shape : tuple (C_in, H, W), or (H, W) with a 2-D kernel
    stride, padding, dilation : int or pair of int

    Returns
    -------
    ndarray, shape (C_out * H_out * W_out, C_in * H * W)
        Row ``(o, y, x)`` holds the weights that output pixel reads, at the
        columns of the input pixels they multiply. ``C.T`` is the transposed
        convolution (see :func:`conv_transpose2d` with ``method="matrix"``).

    Notes
    -----
    Taught in notebooks/03a_transposed_convolution.ipynb.

    Examples
    --------
    >>> conv_matrix(np.ones((2, 2)), (3, 3)).astype(int)
    array([[1, 1, 0, 1, 1, 0, 0, 0, 0],
           [0, 1, 1, 0, 1, 1, 0, 0, 0],
           [0, 0, 0, 1, 1, 0, 1, 1, 0],
           [0, 0, 0, 0, 1, 1, 0, 1, 1]])
    """
    w = as_float_array(weight, "weight", ndim=(2, 4), what="(C_out, C_in / groups, kH, kW) or a 2-D kernel")
    if not isinstance(input_shape, (tuple, list)) or not all(is_int(v) for v in input_shape):
        raise TypeError(f"input_shape={input_shape!r} must be a tuple of ints (C_in, H, W)")
    if w.ndim == 2:
        w = w[None, None]
        if len(input_shape) == 2:
            input_shape = (1, *input_shape)
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(f"input_shape={input_shape!r} must be (C_in, H, W) with positive sizes")
    c_in, h, wd = input_shape
    c_out, in_per_group, kh, kw = w.shape
    if min(w.shape) < 1:
        raise ValueError(f"weight must not be empty, got shape {w.shape}")
    if c_in % in_per_group:
        raise ValueError(
            f"input_shape[0]={c_in} channels must be a multiple of weight.shape[1]={in_per_group} (= C_in / groups)"
        )
    groups = c_in // in_per_group
    check_groups(c_in, c_out, groups)
    s, p, d = check_stride(stride), check_padding(padding), check_dilation(dilation)
    ho, wo = conv_output_size((h, wd), (kh, kw), s, p, d)
    out_per_group = c_out // groups
    matrix = np.zeros((c_out, ho, wo, c_in, h, wd), dtype=w.dtype)
    ys, xs = np.arange(ho), np.arange(wo)
    for o in range(c_out):
        g = o // out_per_group
        for c in range(in_per_group):
            for i in range(kh):
                for j in range(kw):
                    # output (y, x) reads input (y*s + i*d - p, x*s + j*d - p), if inside
                    rows = ys * s[0] + i * d[0] - p[0]
                    cols = xs * s[1] + j * d[1] - p[1]
                    ry, rx = (rows >= 0) & (rows < h), (cols >= 0) & (cols < wd)
                    yy, xx = np.meshgrid(ys[ry], xs[rx], indexing="ij")
                    matrix[o, yy, xx, g * in_per_group + c, rows[yy], cols[xx]] = w[o, c, i, j]
    return matrix.reshape(c_out * ho * wo, c_in * h * wd)
