"""Convolution arithmetic: output sizes and the checks of the convolution arguments.

Every operation in :mod:`deconv_course.numpy_ops` validates stride, padding,
dilation, output_padding and groups through the checks here (built on the
shared checks in :mod:`deconv_course._checks`), so a learner sees the same
message (naming the argument, its value and the rule) whichever function they call.

The formulas follow PyTorch's ``Conv2d`` / ``ConvTranspose2d`` documentation
and Dumoulin & Visin, "A guide to convolution arithmetic for deep learning"
(2016, arXiv:1603.07285). Taught in notebooks/03a_transposed_convolution.ipynb.
"""

from __future__ import annotations

from ._checks import IntOrPair, check_finite, check_int, check_pair, is_int

__all__ = [
    "as_pair",
    "conv_output_size",
    "conv_transpose_output_size",
    "output_padding_for",
    "check_stride",
    "check_dilation",
    "check_padding",
    "check_padding_mode",
    "check_output_padding",
    "check_groups",
    "check_finite",
]


def as_pair(value: object, name: str) -> tuple[int, int]:
    """Turn an int or a pair of ints into a pair ``(height, width)``.

    Parameters
    ----------
    value : int or sequence of two ints
        ``3`` means ``(3, 3)``; ``(3, 5)`` stays as it is.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    tuple of two int

    Raises
    ------
    TypeError
        If ``value`` is not an int or a pair of ints (floats and bools included).

    Examples
    --------
    >>> as_pair(2, "stride"), as_pair((1, 3), "stride")
    ((2, 2), (1, 3))

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    return check_pair(value, name)


def _unpair(pair, *originals):
    """Return an int when every original argument was an int, else the pair."""
    if all(is_int(v) for v in originals) and pair[0] == pair[1]:
        return pair[0]
    return pair


def check_stride(stride: IntOrPair, name: str = "stride") -> tuple[int, int]:
    """Check that ``stride`` is an int or pair of ints >= 1; return the pair.

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    return check_pair(stride, name, minimum=1)


def check_dilation(dilation: IntOrPair, name: str = "dilation") -> tuple[int, int]:
    """Check that ``dilation`` is an int or pair of ints >= 1; return the pair.

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    return check_pair(dilation, name, minimum=1)


def check_padding(padding: IntOrPair, name: str = "padding") -> tuple[int, int]:
    """Check that ``padding`` is an int or pair of ints >= 0; return the pair.

    The strings ``"valid"`` and ``"same"`` are handled by
    :func:`deconv_course.numpy_ops.conv2d` itself, not here.
    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    return check_pair(padding, name, minimum=0)


def check_padding_mode(padding: str, stride: IntOrPair) -> str:
    """Check a padding string: ``"valid"`` (no padding) or ``"same"`` (stride 1 only); return it.

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"padding={padding!r} must be 'valid', 'same', an int or a pair of ints")
    if padding == "same" and check_stride(stride) != (1, 1):
        raise ValueError(f"padding='same' needs stride=1, got stride={stride!r}")
    return padding


def check_output_padding(
    output_padding: IntOrPair, stride: IntOrPair, dilation: IntOrPair
) -> tuple[int, int]:
    """Check PyTorch's rule for ``output_padding``; return it as a pair.

    ``output_padding`` must be >= 0 and, in every dimension, smaller than
    ``stride`` or smaller than ``dilation`` (the same rule as
    ``torch.nn.ConvTranspose2d``). It only chooses among the output sizes
    that a strided convolution maps onto the same input size.
    Taught in notebooks/03a_transposed_convolution.ipynb.

    Raises
    ------
    ValueError
        e.g. "output_padding=2 must be smaller than stride=2 or dilation=1".
    """
    op = check_pair(output_padding, "output_padding", minimum=0)
    s = check_stride(stride)
    d = check_dilation(dilation)
    for axis in range(2):
        if not (op[axis] < s[axis] or op[axis] < d[axis]):
            raise ValueError(
                f"output_padding={output_padding!r} must be smaller than stride={stride!r} "
                f"or dilation={dilation!r} (in every dimension)"
            )
    return op


def check_groups(in_channels: int, out_channels: int, groups: int) -> int:
    """Check that ``groups`` is an int >= 1 dividing both channel counts; return it.

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    groups = check_int(groups, "groups", minimum=1)
    if in_channels % groups:
        raise ValueError(f"in_channels={in_channels} must be divisible by groups={groups}")
    if out_channels % groups:
        raise ValueError(f"out_channels={out_channels} must be divisible by groups={groups}")
    return groups


def _check_conv(input_size, kernel_size, stride, dilation):
    """The pairs (i, k, s, d) of every size formula, each checked."""
    i = check_pair(input_size, "input_size", minimum=1)
    k = check_pair(kernel_size, "kernel_size", minimum=1)
    return i, k, check_stride(stride), check_dilation(dilation)


def conv_output_size(
    input_size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of a convolution (``torch.nn.Conv2d``), per dimension.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, dilation : int or pair of int
        ``padding`` may also be ``"valid"`` (0) or ``"same"`` (output = input;
        only with stride 1).

    Returns
    -------
    int or tuple of two int
        An int when every argument is an int, else a pair.

    Notes
    -----
    .. math:: o = \\left\\lfloor \\frac{i + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1

    where :math:`d(k-1)+1` is the effective (dilated) kernel size.
    Taught in notebooks/03a_transposed_convolution.ipynb.

    Raises
    ------
    ValueError
        If the dilated kernel is larger than the padded input (output size < 1).

    Examples
    --------
    >>> conv_output_size(16, 5, stride=3, padding=2)
    6
    """
    i, k, s, d = _check_conv(input_size, kernel_size, stride, dilation)
    if isinstance(padding, str):
        if check_padding_mode(padding, stride) == "same":
            return _unpair(i, input_size, kernel_size, stride, dilation)
        p = (0, 0)
        originals = (input_size, kernel_size, stride, dilation)
    else:
        p = check_padding(padding)
        originals = (input_size, kernel_size, stride, padding, dilation)
    out = tuple((i[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in range(2))
    if min(out) < 1:
        raise ValueError(
            f"kernel_size={kernel_size!r} with dilation={dilation!r} (effective size "
            f"{tuple(d[a] * (k[a] - 1) + 1 for a in range(2))}) is larger than the padded input "
            f"{tuple(i[a] + 2 * p[a] for a in range(2))}; output size would be {out}"
        )
    return _unpair(out, *originals)


def conv_transpose_output_size(
    input_size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of a transposed convolution (``torch.nn.ConvTranspose2d``).

    Parameters
    ----------
    input_size, kernel_size, stride, padding, output_padding, dilation : int or pair of int

    Returns
    -------
    int or tuple of two int
        An int when every argument is an int, else a pair.

    Notes
    -----
    .. math:: o = (i - 1)s - 2p + d(k - 1) + \\text{output\\_padding} + 1

    ``padding`` crops the full output on both sides; ``output_padding``
    gives back rows/columns on the bottom/right only.
    Taught in notebooks/03a_transposed_convolution.ipynb.

    Raises
    ------
    ValueError
        If ``output_padding`` breaks PyTorch's rule or the output size is < 1.

    Examples
    --------
    >>> conv_transpose_output_size(32, 4, stride=2, padding=1)
    64
    """
    i, k, s, d = _check_conv(input_size, kernel_size, stride, dilation)
    p = check_padding(padding)
    op = check_output_padding(output_padding, stride, dilation)
    out = tuple((i[a] - 1) * s[a] - 2 * p[a] + d[a] * (k[a] - 1) + op[a] + 1 for a in range(2))
    if min(out) < 1:
        raise ValueError(
            f"padding={padding!r} crops more than the full output of size "
            f"{tuple((i[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 for a in range(2))}; "
            f"output size would be {out}"
        )
    return _unpair(out, input_size, kernel_size, stride, padding, output_padding, dilation)


def output_padding_for(
    input_size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """The ``output_padding`` that makes a transposed convolution undo a conv's shape.

    A strided convolution maps several input sizes onto the same output size
    (the floor in its formula). Given the input size of the convolution, this
    returns the ``output_padding`` for which ``conv_transpose2d`` with the same
    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` returns exactly
    ``input_size`` again.

    Returns
    -------
    int or tuple of two int
        :math:`(i + 2p - d(k-1) - 1) \\bmod s`, per dimension (Dumoulin &
        Visin's :math:`a`).

    Examples
    --------
    >>> o = conv_output_size(16, 5, stride=3, padding=2)       # 6
    >>> a = output_padding_for(16, 5, stride=3, padding=2)     # 0
    >>> conv_transpose_output_size(o, 5, stride=3, padding=2, output_padding=a)
    16

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    conv_output_size(input_size, kernel_size, stride, padding, dilation)  # validates
    i, k, s, d = _check_conv(input_size, kernel_size, stride, dilation)
    p = check_padding(padding)
    a = tuple((i[ax] + 2 * p[ax] - d[ax] * (k[ax] - 1) - 1) % s[ax] for ax in range(2))
    return _unpair(a, input_size, kernel_size, stride, padding, dilation)
