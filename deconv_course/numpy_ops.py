"""Convolution and transposed convolution from scratch, in NumPy only.

The functions mirror ``torch.nn.functional`` (names, argument order and
semantics) on NCHW arrays, or unbatched CHW arrays (CHW in, CHW out), and are
tested equal to PyTorch in float64 to 1e-10.

Weight layouts are PyTorch's:

* ``conv2d``: ``weight`` has shape ``(C_out, C_in / groups, kH, kW)``;
* ``conv_transpose2d``: ``weight`` has shape ``(C_in, C_out / groups, kH, kW)``.

Transposed convolution is computed four ways, selected with ``method=``:

``"scatter"``
    every input pixel adds a scaled copy of the kernel into the output
    (readable loops; the definition);
``"zero_insert"``
    insert ``stride - 1`` zeros between input pixels, pad, and run an
    ordinary stride-1 ``conv2d`` with the flipped, channel-swapped kernel;
``"matrix"``
    build the convolution matrix ``C`` of the convolution whose adjoint this
    is, and multiply by ``C.T``;
``"fast"``
    one matrix product for the whole batch, then "col2im": add ``kH * kW``
    shifted slices (the default). The slices are laid out by stride phase so
    each addition is contiguous, and large arrays are split over threads.

Data types: float64 stays float64, float32 stays float32 (as in PyTorch);
integer input is converted to float64. NaN or infinity in the input or
weight raises ``ValueError`` (PyTorch would propagate it silently).

Taught in notebooks/02_core_concepts.ipynb, notebooks/03_algorithms_and_formulas.ipynb
and notebooks/04_code_examples.ipynb.
"""

from __future__ import annotations

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .arithmetic import (
    as_pair,
    check_dilation,
    check_finite,
    check_groups,
    check_output_padding,
    check_padding,
    check_stride,
    conv_output_size,
    conv_transpose_output_size,
)

__all__ = [
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv_transpose2d",
    "conv_matrix",
    "zero_insert",
    "avg_pool2d",
    "linear",
    "pixel_shuffle",
    "upsample_nearest",
    "METHODS",
]

#: The ``method=`` values of :func:`conv_transpose2d`.
METHODS = ("scatter", "zero_insert", "matrix", "fast")

_MODES = ("valid", "same", "full")


# --------------------------------------------------------------------------
# Argument checks used at the public boundary
# --------------------------------------------------------------------------


def _as_real_array(value, name: str) -> np.ndarray:
    """Return ``value`` as a float32/float64 array; reject non-numbers and NaN/inf."""
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind in "iu":
        array = array.astype(np.float64)
    elif kind == "f":
        if array.dtype.itemsize < 4:  # float16: compute in float32
            array = array.astype(np.float32)
        elif array.dtype.itemsize > 8:  # longdouble: BLAS has no such type
            array = array.astype(np.float64)
    else:
        raise TypeError(
            f"{name} has dtype {array.dtype}; expected real numbers (a float or integer dtype)"
        )
    check_finite(array, name)
    return array


def _check_ndim(array: np.ndarray, name: str, allowed: tuple[int, ...], what: str) -> None:
    if array.ndim not in allowed:
        raise ValueError(
            f"{name} must be {what} (ndim in {allowed}), got shape {array.shape} (ndim={array.ndim})"
        )


def _prepare(input, weight, bias):
    """Convert and check ``input`` (CHW or NCHW), ``weight`` (4-D) and ``bias``.

    Returns float arrays of one common dtype, input as NCHW, and a flag saying
    whether the input was unbatched.
    """
    x = _as_real_array(input, "input")
    w = _as_real_array(weight, "weight")
    _check_ndim(x, "input", (3, 4), "CHW (unbatched) or NCHW (batched)")
    _check_ndim(w, "weight", (4,), "4-D")
    if min(w.shape) < 1:
        raise ValueError(f"weight must not be empty, got shape {w.shape}")
    arrays = [x, w]
    if bias is not None:
        b = _as_real_array(bias, "bias")
        _check_ndim(b, "bias", (1,), "1-D")
        arrays.append(b)
    dtype = np.result_type(*arrays)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    b = arrays[2].astype(dtype, copy=False) if bias is not None else None
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if min(x.shape) < 1:
        raise ValueError(f"input must not be empty, got shape {x.shape}")
    return x, w, b, unbatched


def _check_bias(b, out_channels: int) -> None:
    if b is not None and b.shape != (out_channels,):
        raise ValueError(f"bias must have shape ({out_channels},) (one value per output channel), got {b.shape}")


def _check_groups_int(groups) -> int:
    if not isinstance(groups, numbers.Integral) or isinstance(groups, (bool, np.bool_)):
        raise TypeError(f"groups={groups!r} must be an int")
    if groups < 1:
        raise ValueError(f"groups={groups} must be >= 1")
    return int(groups)


def _finish(out: np.ndarray, b, unbatched: bool) -> np.ndarray:
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out[0] if unbatched else out


# --------------------------------------------------------------------------
# Single-channel correlation and convolution (scipy.signal semantics)
# --------------------------------------------------------------------------


def _prepare_2d(image, kernel, mode):
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"mode={mode!r} must be one of {_MODES}")
    image = _as_real_array(image, "image")
    kernel = _as_real_array(kernel, "kernel")
    _check_ndim(image, "image", (2,), "a 2-D (single-channel) array")
    _check_ndim(kernel, "kernel", (2,), "a 2-D array")
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


def correlate2d(image, kernel, mode="valid"):
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


def convolve2d(image, kernel, mode="valid"):
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


# --------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------

#: Arrays smaller than this (elements) are moved on one thread.
_PARALLEL_MIN_SIZE = 1 << 20


def _in_parallel(task, length: int, work: int) -> None:
    """Run ``task(lo, hi)`` over slices of ``range(length)``, on several threads
    when ``work`` (elements moved) is large.

    Only the fast paths use this, for the copies and additions around the
    matrix product: NumPy releases the GIL in them, so threads run in parallel
    the way BLAS and PyTorch already do. Each thread writes its own slice.
    """
    workers = min(os.cpu_count() or 1, 8, length)
    if workers < 2 or work < _PARALLEL_MIN_SIZE:
        task(0, length)
        return
    bounds = np.linspace(0, length, workers + 1).astype(int)
    # a pool per call: cheap next to the work, and safe in forked processes
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(task, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]:
            future.result()



def _conv2d_gemm(x: np.ndarray, w: np.ndarray, stride, dilation, groups: int, pads=(0, 0, 0, 0)) -> np.ndarray:
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
    ho = (hp - dh * (kh - 1) - 1) // sh + 1
    wo = (wp - dw * (kw - 1) - 1) // sw + 1
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

    _in_parallel(split_and_im2col, c, cols.size)
    cols = cols.reshape(groups, c_per_group * kh * kw, m)
    full = np.matmul(w.reshape(groups, c_out // groups, c_per_group * kh * kw), cols)  # (g, c_out/g, m)
    full = full.reshape(c_out, n, hq, wq)
    out = np.empty((n, c_out, ho, wo), dtype=x.dtype)

    def crop(lo, hi):  # images lo:hi
        out[lo:hi] = full[:, lo:hi, :ho, :wo].transpose(1, 0, 2, 3)

    _in_parallel(crop, n, out.size)
    return out


def _conv2d_padding(padding, kernel_hw, stride, dilation):
    """Padding as (top, bottom, left, right); resolves 'valid' and 'same' like PyTorch."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"padding='same' is not supported for strided convolutions (stride={stride})")
            pads = []
            for k, d in zip(kernel_hw, dilation):
                total = d * (k - 1)
                # PyTorch puts the odd extra row/column on the bottom/right
                pads += [total // 2, total - total // 2]
            return tuple(pads)
        raise ValueError(f"padding={padding!r} must be 'valid', 'same', an int or a pair of ints")
    ph, pw = check_padding(padding)
    return (ph, ph, pw, pw)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    x, w, b, unbatched = _prepare(input, weight, bias)
    c_in = x.shape[1]
    c_out, c_per_group, kh, kw = w.shape
    s, d = check_stride(stride), check_dilation(dilation)
    groups = _check_groups_int(groups)
    if c_out % groups:
        raise ValueError(f"weight.shape[0]={c_out} (out channels) must be divisible by groups={groups}")
    if c_in != c_per_group * groups:
        raise ValueError(
            f"input has {c_in} channels but weight of shape {w.shape} with groups={groups} "
            f"expects weight.shape[1] * groups = {c_per_group * groups}"
        )
    check_groups(c_in, c_out, groups)
    _check_bias(b, c_out)
    top, bottom, left, right = _conv2d_padding(padding, (kh, kw), s, d)
    h, wd = x.shape[2:]
    eff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    if h + top + bottom < eff[0] or wd + left + right < eff[1]:
        raise ValueError(
            f"weight of kernel size {(kh, kw)} with dilation={dilation!r} (effective size {eff}) is larger "
            f"than the padded input {(h + top + bottom, wd + left + right)}"
        )
    return _finish(_conv2d_gemm(x, w, s, d, groups, (top, bottom, left, right)), b, unbatched)


# --------------------------------------------------------------------------
# Helpers shared by the transposed-convolution routes
# --------------------------------------------------------------------------


def zero_insert(x, stride):
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    >>> zero_insert([[1, 2], [3, 4]], 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    x = _as_real_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    sh, sw = check_stride(stride)
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + ((h - 1) * sh + 1, (w - 1) * sw + 1), dtype=x.dtype)
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
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
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

    _in_parallel(col2im, m, cols.size)
    phases = phases.reshape(groups, sh, sw, out_per_group, n, hq, wq)
    out = np.empty((n, groups, out_per_group, ho, wo), dtype=x.dtype)

    def interleave(lo, hi):  # images lo:hi
        for a in range(sh):
            y0 = (a - ph) % sh  # first output row that comes from phase a
            q0, rows = (ph + y0 - a) // sh, len(range(y0, ho, sh))
            for b in range(sw):
                x0 = (b - pw) % sw
                r0, cols_ = (pw + x0 - b) // sw, len(range(x0, wo, sw))
                out[lo:hi, ..., y0::sh, x0::sw] = phases[:, a, b, :, lo:hi, q0 : q0 + rows, r0 : r0 + cols_].transpose(
                    2, 0, 1, 3, 4
                )

    _in_parallel(interleave, n, out.size)
    return out.reshape(n, groups * out_per_group, ho, wo)


_ROUTES = {
    "scatter": _conv_transpose2d_scatter,
    "zero_insert": _conv_transpose2d_zero_insert,
    "matrix": _conv_transpose2d_matrix,
    "fast": _conv_transpose2d_fast,
}


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, method="fast"
):
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    The worked example of Dive into Deep Learning (section 14.10):

    >>> X = K = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> conv_transpose2d(X, K)[0, 0]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    if not isinstance(method, str) or method not in _ROUTES:
        raise ValueError(f"method={method!r} must be one of {METHODS}")
    x, w, b, unbatched = _prepare(input, weight, bias)
    c_in = x.shape[1]
    w_in, out_per_group, kh, kw = w.shape
    s, d = check_stride(stride), check_dilation(dilation)
    p = check_padding(padding)
    op = check_output_padding(output_padding, stride, dilation)
    groups = _check_groups_int(groups)
    if w_in % groups:
        raise ValueError(f"weight.shape[0]={w_in} (in channels) must be divisible by groups={groups}")
    if c_in != w_in:
        raise ValueError(
            f"input has {c_in} channels but weight of shape {w.shape} expects weight.shape[0] = {w_in} "
            "(a ConvTranspose2d weight is (C_in, C_out / groups, kH, kW))"
        )
    _check_bias(b, out_per_group * groups)
    out_hw = conv_transpose_output_size(x.shape[2:], (kh, kw), s, p, op, d)
    out = _ROUTES[method](x, w, s, p, op, d, groups, out_hw)
    return _finish(np.ascontiguousarray(out), b, unbatched)


# --------------------------------------------------------------------------
# The convolution matrix
# --------------------------------------------------------------------------


def conv_matrix(weight, input_shape, stride=1, padding=0, dilation=1):
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    >>> conv_matrix(np.ones((2, 2)), (3, 3)).astype(int)
    array([[1, 1, 0, 1, 1, 0, 0, 0, 0],
           [0, 1, 1, 0, 1, 1, 0, 0, 0],
           [0, 0, 0, 1, 1, 0, 1, 1, 0],
           [0, 0, 0, 0, 1, 1, 0, 1, 1]])
    """
    w = _as_real_array(weight, "weight")
    if not isinstance(input_shape, (tuple, list)) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in input_shape
    ):
        raise TypeError(f"input_shape={input_shape!r} must be a tuple of ints (C_in, H, W)")
    if w.ndim == 2:
        w = w[None, None]
        if len(input_shape) == 2:
            input_shape = (1, *input_shape)
    _check_ndim(w, "weight", (4,), "4-D (C_out, C_in/groups, kH, kW) or a 2-D kernel")
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


# --------------------------------------------------------------------------
# Pooling, dense layer and the upsampling alternatives
# --------------------------------------------------------------------------


def avg_pool2d(input, kernel_size, stride=None, padding=0):
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
    x = _as_real_array(input, "input")
    _check_ndim(x, "input", (3, 4), "CHW (unbatched) or NCHW (batched)")
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


def linear(input, weight, bias=None):
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
    x = _as_real_array(input, "input")
    w = _as_real_array(weight, "weight")
    if x.ndim < 1:
        raise ValueError(f"input must have at least 1 dimension (..., in_features), got shape {x.shape}")
    _check_ndim(w, "weight", (2,), "2-D (out_features, in_features)")
    if x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"input has {x.shape[-1]} features (last axis) but weight of shape {w.shape} expects {w.shape[1]}"
        )
    arrays = [x, w]
    if bias is not None:
        b = _as_real_array(bias, "bias")
        if b.shape != (w.shape[0],):
            raise ValueError(f"bias must have shape ({w.shape[0]},), got {b.shape}")
        arrays.append(b)
    dtype = np.result_type(*arrays)
    out = x.astype(dtype, copy=False) @ w.astype(dtype, copy=False).T
    if bias is not None:
        out = out + arrays[2].astype(dtype, copy=False)
    return out


def pixel_shuffle(input, upscale_factor):
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
    x = _as_real_array(input, "input")
    if x.ndim < 3:
        raise ValueError(f"input must have at least 3 dimensions (..., C, H, W), got shape {x.shape}")
    if not isinstance(upscale_factor, numbers.Integral) or isinstance(upscale_factor, bool):
        raise TypeError(f"upscale_factor={upscale_factor!r} must be an int")
    r = int(upscale_factor)
    if r < 1:
        raise ValueError(f"upscale_factor={r} must be >= 1")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"input has {c} channels, which must be divisible by upscale_factor**2 = {r * r}")
    x = x.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (..., C, H, r, W, r)
    return np.ascontiguousarray(x).reshape(*lead, c // (r * r), h * r, w * r)


def upsample_nearest(input, scale_factor):
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
    x = _as_real_array(input, "input")
    _check_ndim(x, "input", (3, 4), "CHW (unbatched) or NCHW (batched)")
    sh, sw = check_stride(scale_factor, "scale_factor")
    return np.repeat(np.repeat(x, sh, axis=-2), sw, axis=-1)
