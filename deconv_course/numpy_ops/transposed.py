"""Transposed convolution, four ways: scatter, zero insertion, ``C.T`` and the fast path.

Taught in notebooks/03a_transposed_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, IntOrPair, as_float_array, check_choice, check_int
from ..arithmetic import (
    check_dilation,
    check_output_padding,
    check_padding,
    check_stride,
    conv_output_size,
    conv_transpose_output_size,
)
from ._common import check_bias, finish, in_parallel, prepare
from .conv import _conv2d_gemm, conv_matrix

__all__ = ["conv_transpose2d", "zero_insert", "METHODS"]

#: The ``method=`` values of :func:`conv_transpose2d`.
METHODS = ("scatter", "zero_insert", "matrix", "fast")


def zero_insert(x: ArrayLike, stride: IntOrPair) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring pixels (last two axes).

    Parameters
    ----------
    x : array_like, shape (..., H, W)
    stride : int or pair of int, >= 1

    Returns
    -------
    ndarray, shape (..., (H - 1) * stride_h + 1, (W - 1) * stride_w + 1)
        The "fractionally strided" input of a transposed convolution.

    Notes
    -----
    Taught in notebooks/03a_transposed_convolution.ipynb.

    Examples
    --------
    >>> zero_insert([[1, 2], [3, 4]], 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    sh, sw = check_stride(stride)
    # a transposed convolution with a 1x1 kernel: (H - 1) * stride + 1
    zh, zw = conv_transpose_output_size(x.shape[-2:], 1, (sh, sw))
    out = np.zeros(x.shape[:-2] + (zh, zw), dtype=x.dtype)
    out[..., ::sh, ::sw] = x
    return out


def _pad_or_crop(x: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    """Zero-pad the last two axes by the given amounts; a negative amount crops."""
    x = np.pad(x, ((0, 0), (0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))))
    h, w = x.shape[-2:]
    return x[..., max(-top, 0) : h - max(-bottom, 0), max(-left, 0) : w - max(-right, 0)]


def _flip_and_swap(w: np.ndarray, groups: int) -> np.ndarray:
    """Turn a ConvTranspose2d weight (C_in, C_out/g, kH, kW) into the Conv2d
    weight (C_out, C_in/g, kH, kW) of the equivalent direct convolution:
    swap in/out channels within each group and rotate the kernel by 180 degrees."""
    c_in, out_per_group, kh, kw = w.shape
    in_per_group = c_in // groups
    w = w.reshape(groups, in_per_group, out_per_group, kh, kw).transpose(0, 2, 1, 3, 4)
    return w.reshape(groups * out_per_group, in_per_group, kh, kw)[:, :, ::-1, ::-1]


# --------------------------------------------------------------------------
# The four routes of transposed convolution (all on NCHW, without bias)
# --------------------------------------------------------------------------


def _conv_transpose2d_scatter(x, w, stride, padding, output_padding, dilation, groups, out_hw):
    """The definition: each input pixel adds a scaled copy of the kernel."""
    n, c_in, h, wd = x.shape
    _, out_per_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    in_per_group = c_in // groups
    # the "full" output (no cropping), plus room for output_padding rows/columns
    full_h, full_w = conv_transpose_output_size((h, wd), (kh, kw), stride, 0, output_padding, dilation)
    full = np.zeros((n, groups * out_per_group, full_h, full_w), dtype=x.dtype)
    for b in range(n):
        for c in range(c_in):
            g = c // in_per_group
            out_channels = slice(g * out_per_group, (g + 1) * out_per_group)
            for i in range(h):
                for j in range(wd):
                    # the kernel lands at (i*stride, j*stride), its taps `dilation` apart
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    full[b, out_channels, rows, cols] += x[b, c, i, j] * w[c]
    # `padding` crops the full output on every side; output_padding keeps extra
    # rows/columns on the bottom/right
    return full[:, :, ph : ph + out_hw[0], pw : pw + out_hw[1]]


def _conv_transpose2d_zero_insert(x, w, stride, padding, output_padding, dilation, groups, out_hw):
    """Zero insertion + padding + ordinary convolution with the flipped kernel."""
    z = zero_insert(x, stride)
    (kh, kw), (ph, pw), (dh, dw) = w.shape[2:], padding, dilation
    # pad by dilation*(k-1) - padding (negative: crop); output_padding extends bottom/right
    top, left = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    z = _pad_or_crop(z, top, top + output_padding[0], left, left + output_padding[1])
    return _conv2d_gemm(z, _flip_and_swap(w, groups), (1, 1), dilation, groups)


def _conv_transpose2d_matrix(x, w, stride, padding, output_padding, dilation, groups, out_hw):
    """Multiply by C.T, where C is the matrix of the convolution that maps the
    output shape back to the input shape with the same weight."""
    n, c_in, h, wd = x.shape
    c_out = w.shape[1] * groups
    ho, wo = out_hw
    # C maps (c_out, ho, wo) -> (c_in, h', w'), with h' >= h (h' > h only when
    # output_padding >= stride, allowed if output_padding < dilation)
    c = conv_matrix(w, (c_out, ho, wo), stride, padding, dilation)
    h2, w2 = conv_output_size((ho, wo), w.shape[2:], stride, padding, dilation)
    c = c.reshape(c_in, h2, w2, -1)[:, :h, :wd].reshape(c_in * h * wd, -1)
    y = c.T @ x.reshape(n, -1).T  # (c_out*ho*wo, n): one column per image
    return y.T.reshape(n, c_out, ho, wo)


def _conv_transpose2d_fast(x, w, stride, padding, output_padding, dilation, groups, out_hw):
    """GEMM + col2im, vectorised: one matrix product gives every kernel tap's
    contribution for the whole batch, then kH*kW shifted additions place them.

    Tap (i, j) of input pixel (y, x) lands on full-output pixel
    (y*sh + i*dh, x*sw + j*dw). Splitting the output into its ``stride``
    phases (rows ``a::sh``, columns ``b::sw``), that is phase
    ``(i*dh % sh, j*dw % sw)`` at (y + i*dh // sh, x + j*dw // sw): a pure
    shift. The input is zero-padded to the phase size, so each tap is ONE
    contiguous add of its flattened columns (what spills over a row end is a
    padding zero). Last, the phases are interleaved, cropped by ``padding``.
    """
    n, c_in, h, wd = x.shape
    _, out_per_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    ho, wo = out_hw
    in_per_group = c_in // groups
    hq = max(h + dh * (kh - 1) // sh, (ph + ho - 1) // sh + 1)  # phase size
    wq = max(wd + dw * (kw - 1) // sw, (pw + wo - 1) // sw + 1)
    xp = np.zeros((groups, in_per_group, n, hq, wq), dtype=x.dtype)
    xp[..., :h, :wd] = x.reshape(n, groups, in_per_group, h, wd).transpose(1, 2, 0, 3, 4)  # small: input side
    # weight rows ordered (i, j, out channel): cols[g, i, j] is one contiguous block
    wg = w.reshape(groups, in_per_group, out_per_group, kh, kw).transpose(0, 3, 4, 2, 1)
    wg = wg.reshape(groups, kh * kw * out_per_group, in_per_group)
    cols = np.matmul(wg, xp.reshape(groups, in_per_group, -1)).reshape(groups, kh, kw, -1)
    m = cols.shape[-1]  # out_per_group * n * hq * wq
    phases = np.zeros((groups, sh, sw, m), dtype=x.dtype)

    def col2im(lo, hi):  # flat phase positions lo:hi
        for i in range(kh):
            for j in range(kw):
                shift = (i * dh // sh) * wq + j * dw // sw
                start = max(lo, shift)
                if start < hi:
                    phases[:, i * dh % sh, j * dw % sw, start:hi] += cols[:, i, j, start - shift : hi - shift]

    in_parallel(col2im, m, cols.size)
    phases = phases.reshape(groups, sh, sw, out_per_group, n, hq, wq)
    out = np.empty((n, groups, out_per_group, ho, wo), dtype=x.dtype)

    def interleave(lo, hi):  # images lo:hi
        for a in range(sh):
            y0 = (a - ph) % sh  # first output row that comes from phase a
            q0, rows = (ph + y0 - a) // sh, len(range(y0, ho, sh))
            for b in range(sw):
                x0 = (b - pw) % sw
                r0, cols_ = (pw + x0 - b) // sw, len(range(x0, wo, sw))
                out[lo:hi, ..., y0::sh, x0::sw] = phases[
                    :, a, b, :, lo:hi, q0 : q0 + rows, r0 : r0 + cols_
                ].transpose(2, 0, 1, 3, 4)

    in_parallel(interleave, n, out.size)
    return out.reshape(n, groups * out_per_group, ho, wo)


_ROUTES = {
    "scatter": _conv_transpose2d_scatter,
    "zero_insert": _conv_transpose2d_zero_insert,
    "matrix": _conv_transpose2d_matrix,
    "fast": _conv_transpose2d_fast,
}


def conv_transpose2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
    method: str = "fast",
) -> np.ndarray:
    """2-D transposed convolution, equal to ``torch.nn.functional.conv_transpose2d``.

    The adjoint (transpose) of :func:`conv2d` with the same ``weight``,
    ``stride``, ``padding``, ``dilation`` and ``groups``: it maps a conv's
    output shape back to its input shape -- not its values (it is not an inverse).

    Parameters
    ----------
    input : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_in, C_out / groups, kH, kW)
        Note the layout: in-channels first (PyTorch's ``ConvTranspose2d``).
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or pair of int, >= 1
    padding : int or pair of int, >= 0
        Crops ``padding`` rows/columns from every side of the full output
        (it does not add zeros, unlike in :func:`conv2d`).
    output_padding : int or pair of int
        Extra rows/columns kept on the bottom/right; must be smaller than
        ``stride`` or ``dilation``. Use
        :func:`deconv_course.arithmetic.output_padding_for` to undo a conv's shape.
    groups : int
    method : {"fast", "scatter", "zero_insert", "matrix"}
        Which of the four equivalent computations to run (see the module docstring).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H - 1) s - 2p + d (kH - 1) + output_padding + 1``
        (:func:`deconv_course.arithmetic.conv_transpose_output_size`).

    Notes
    -----
    Taught in notebooks/03a_transposed_convolution.ipynb.

    Examples
    --------
    The worked example of Dive into Deep Learning (section 14.10):

    >>> X = K = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> conv_transpose2d(X, K)[0, 0]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    check_choice(method, "method", METHODS)
    x, w, b, unbatched = prepare(input, weight, bias)
    c_in = x.shape[1]
    w_in, out_per_group, kh, kw = w.shape
    s, d = check_stride(stride), check_dilation(dilation)
    p = check_padding(padding)
    op = check_output_padding(output_padding, stride, dilation)
    groups = check_int(groups, "groups", minimum=1)
    if w_in % groups:
        raise ValueError(f"weight.shape[0]={w_in} (in channels) must be divisible by groups={groups}")
    if c_in != w_in:
        raise ValueError(
            f"input has {c_in} channels but weight of shape {w.shape} expects weight.shape[0] = {w_in} "
            "(a ConvTranspose2d weight is (C_in, C_out / groups, kH, kW))"
        )
    check_bias(b, out_per_group * groups)
    out_hw = conv_transpose_output_size(x.shape[2:], (kh, kw), s, p, op, d)
    out = _ROUTES[method](x, w, s, p, op, d, groups, out_hw)
    return finish(np.ascontiguousarray(out), b, unbatched)
