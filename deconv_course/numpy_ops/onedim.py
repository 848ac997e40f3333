"""1-D, single-channel versions of the convolution, its matrix and its transpose.

The smallest setting in which the matrix ``C`` of a convolution can be read whole: a
signal ``x`` of length ``n`` and a kernel ``k`` of length ``K``. Each function is the
2-D one of this package on an image of height 1 (so the two can never diverge), and
each equals its PyTorch counterpart (``F.conv1d``, ``F.conv_transpose1d``) with one
channel in and out.

Taught in notebooks/03a_transposed_convolution.ipynb (section 2, "Start in 1-D").
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, as_float_array, check_int
from .conv import conv2d, conv_matrix
from .transposed import conv_transpose2d

__all__ = ["conv1d", "conv_matrix1d", "conv_transpose1d"]


def _signal(value: ArrayLike, name: str) -> np.ndarray:
    array = as_float_array(value, name, ndim=1, what="a 1-D array")
    if array.size < 1:
        raise ValueError(f"{name} must not be empty")
    return array


def _settings(stride, padding, dilation) -> tuple[int, int, int]:
    return (
        check_int(stride, "stride", minimum=1),
        check_int(padding, "padding", minimum=0),
        check_int(dilation, "dilation", minimum=1),
    )


def conv1d(
    x: ArrayLike, kernel: ArrayLike, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """1-D cross-correlation of one signal with one kernel, equal to ``F.conv1d``.

    ``y[i] = sum_m x_pad[i * stride + m * dilation] * kernel[m]``, where ``x_pad`` is ``x``
    with ``padding`` zeros at both ends; ``len(y) = (n + 2p - dilation (K - 1) - 1) // stride + 1``.

    Parameters
    ----------
    x : array_like, shape (n,)
    kernel : array_like, shape (K,)
    stride, padding, dilation : int

    Returns
    -------
    ndarray, shape (n_out,)

    Examples
    --------
    >>> conv1d([1.0, 2.0, 3.0, 4.0], [1.0, -1.0])
    array([-1., -1., -1.])
    """
    x, k = _signal(x, "x"), _signal(kernel, "kernel")
    s, p, d = _settings(stride, padding, dilation)
    return conv2d(
        x[None, None, None, :], k[None, None, None, :], stride=(1, s), padding=(0, p), dilation=(1, d)
    )[0, 0, 0]


def conv_matrix1d(
    kernel: ArrayLike, n: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """The matrix ``C`` of a 1-D convolution: ``C @ x == conv1d(x, kernel, stride, padding, dilation)``.

    Row ``i`` holds the kernel at columns ``i * stride - padding + m * dilation`` (those inside
    ``0 ... n-1``), zeros elsewhere: a banded matrix, and a Toeplitz matrix (constant along
    each diagonal) when ``stride == 1``. ``C.T`` is the transposed convolution
    (:func:`conv_transpose1d`).

    Parameters
    ----------
    kernel : array_like, shape (K,)
    n : int
        Length of the input signal.
    stride, padding, dilation : int

    Returns
    -------
    ndarray, shape (n_out, n)

    Examples
    --------
    >>> conv_matrix1d([1.0, 2.0], 4).astype(int)
    array([[1, 2, 0, 0],
           [0, 1, 2, 0],
           [0, 0, 1, 2]])
    """
    k = _signal(kernel, "kernel")
    n = check_int(n, "n", minimum=1)
    s, p, d = _settings(stride, padding, dilation)
    return conv_matrix(k[None, :], (1, n), stride=(1, s), padding=(0, p), dilation=(1, d))


def conv_transpose1d(
    y: ArrayLike,
    kernel: ArrayLike,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """1-D transposed convolution of one signal with one kernel, equal to ``F.conv_transpose1d``.

    Scatter form: every ``y[i]`` adds ``y[i] * kernel`` into the full output at
    ``i * stride + m * dilation``; then ``padding`` values are cropped from both ends and
    ``output_padding`` extends the right end. It is ``C.T @ y`` for the ``C`` of
    :func:`conv_matrix1d` with the same settings (and the input length that
    ``output_padding`` selects), and the gradient of :func:`conv1d` with respect to ``x``.

    Parameters
    ----------
    y : array_like, shape (L,)
    kernel : array_like, shape (K,)
    stride, padding, output_padding, dilation : int
        ``output_padding`` must be smaller than ``stride`` or ``dilation``.

    Returns
    -------
    ndarray, shape ((L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1,)

    Examples
    --------
    >>> conv_transpose1d([1.0, 1.0], [1.0, 1.0, 1.0], stride=2)
    array([1., 1., 2., 1., 1.])
    """
    y, k = _signal(y, "y"), _signal(kernel, "kernel")
    s, p, d = _settings(stride, padding, dilation)
    op = check_int(output_padding, "output_padding", minimum=0)
    return conv_transpose2d(
        y[None, None, None, :],
        k[None, None, None, :],
        stride=(1, s),
        padding=(0, p),
        output_padding=(0, op),
        dilation=(1, d),
    )[0, 0, 0]
