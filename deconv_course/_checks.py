"""The shared argument checks: every public function validates its input here.

One checker for everyone, as scikit-image keeps in ``skimage/_shared/utils.py``
(``check_nD(array, ndim, arg_name)``): each error message is written once, and
names the argument, its value and the rule, for example

>>> check_int(0, "stride", minimum=1)
Traceback (most recent call last):
    ...
ValueError: stride=0 must be an integer >= 1

A wrong *type* raises ``TypeError`` (``True`` is not an integer, ``"0.1"`` is
not a number); a right type with a wrong *value* raises ``ValueError``.

This module sits at the bottom of the package: it imports only NumPy and the
standard library, so every other module may use it.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection, Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

#: An int for both dimensions, or a pair ``(height, width)``: ``3`` or ``(3, 5)``.
IntOrPair = int | tuple[int, int]

__all__ = [
    "ArrayLike",
    "DTypeLike",
    "IntOrPair",
    "is_int",
    "check_int",
    "check_pair",
    "check_number",
    "check_flag",
    "check_choice",
    "check_finite",
    "check_ndim",
    "check_real_array",
    "as_float_array",
    "float_type",
    "check_image",
    "check_kernel",
    "check_psf",
]


# --------------------------------------------------------------------------- scalars


def is_int(value: object) -> bool:
    """True for Python and NumPy integers, False for bools (``stride=True`` is surely a mistake)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _int_rule(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"an integer in [{minimum}, {maximum}]"
    if minimum is not None:
        return f"an integer >= {minimum}"
    if maximum is not None:
        return f"an integer <= {maximum}"
    return "an integer"


def check_int(value: object, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool) in ``[minimum, maximum]``; return it as int.

    Raises
    ------
    TypeError
        "num_iter=2.5 must be an integer >= 1" (floats, bools and strings are not integers).
    ValueError
        "stride=0 must be an integer >= 1".
    """
    rule = f"{name}={value!r} must be {_int_rule(minimum, maximum)}"
    if not is_int(value):
        raise TypeError(f"{rule}, got {type(value).__name__}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(rule)
    return value


def check_pair(value: object, name: str, *, minimum: int | None = None) -> tuple[int, int]:
    """Turn an int or a pair of ints into ``(height, width)``, each at least ``minimum``.

    ``3`` means ``(3, 3)``; ``(3, 5)`` (a tuple, list or 1-D array of two ints) stays.

    Raises
    ------
    TypeError
        "stride=1.5 must be an int or a pair of ints (height, width)".
    ValueError
        "padding=(-1, 0) must be >= 0 in every dimension".
    """
    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list, np.ndarray)) and len(value) == 2 and all(is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name}={value!r} must be an int or a pair of ints (height, width)")
    if minimum is not None and min(pair) < minimum:
        raise ValueError(f"{name}={value!r} must be >= {minimum} in every dimension")
    return pair


def check_number(value: object, name: str, *, positive: bool = False, non_negative: bool = False) -> float:
    """Check that ``value`` is a finite real number (not a bool); return it as float.

    ``positive=True`` asks for ``> 0``, ``non_negative=True`` for ``>= 0``.

    Raises
    ------
    TypeError
        "balance='0.1' must be a real number".
    ValueError
        "sigma=-0.1 must be a finite number >= 0".
    """
    rule = "a finite number" + (" > 0" if positive else " >= 0" if non_negative else "")
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be a real number ({rule}), got {type(value).__name__}")
    number = float(value)
    if not np.isfinite(number) or (positive and not number > 0) or (non_negative and not number >= 0):
        raise ValueError(f"{name}={value!r} must be {rule}")
    return number


def check_flag(value: object, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (a NumPy bool too, but not 0 or 1)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def check_choice(value: object, name: str, choices: Collection) -> object:
    """Check that ``value`` is one of ``choices``; return it.

    Raises
    ------
    ValueError
        "boundary='wrap' must be one of ('circular', 'zero', 'reflect')".
    """
    try:
        # an array or a list is never one of the choices (and `in` would be ambiguous)
        found = isinstance(value, (str, numbers.Number, type(None))) and value in choices
    except TypeError:
        found = False
    if not found:
        raise ValueError(f"{name}={value!r} must be one of {tuple(choices)}")
    return value


# --------------------------------------------------------------------------- arrays


def check_finite(array: ArrayLike, name: str) -> None:
    """Raise ``ValueError`` if ``array`` contains NaN or infinity.

    PyTorch silently propagates NaN; the course stops early instead, because a
    NaN in a from-scratch result is nearly always a bug upstream.
    """
    array = np.asarray(array)
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity; every value must be finite")


def check_ndim(array: np.ndarray, name: str, ndim: int | Sequence[int], what: str) -> None:
    """Check that ``array.ndim`` is ``ndim`` (or one of them); ``what`` says the layout, e.g. "(H, W)"."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if array.ndim not in allowed:
        dims = " or ".join(f"{n} dimensions" for n in allowed)
        raise ValueError(f"{name} of shape {array.shape} must have {dims} {what}, not {array.ndim}")


def _to_numpy(value, name: str) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {error}") from None


def _check_dtype(array: np.ndarray, name: str, kinds: str) -> None:
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real-valued, got complex dtype {array.dtype}")
    if array.dtype.kind not in kinds:
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")


def check_real_array(
    value: object, name: str, *, ndim: int | Sequence[int] | None = None, what: str = ""
) -> np.ndarray:
    """Return ``value`` as an array of real numbers, its dtype *kept* (bool, int, uint or float).

    For functions that interpret the dtype themselves (``uint8`` images are
    scaled to [0, 1] by :func:`check_image`). Torch tensors are accepted.
    NaN is not checked here. Raises ``TypeError`` for complex, object or
    string arrays, and ``ValueError`` if ``ndim`` is given and not matched.
    """
    array = _to_numpy(value, name)
    _check_dtype(array, name, "biuf")
    if ndim is not None:
        check_ndim(array, name, ndim, what)
    return array


def as_float_array(
    value: object, name: str, *, ndim: int | Sequence[int] | None = None, what: str = ""
) -> np.ndarray:
    """Return ``value`` as a finite float32 or float64 array, ready to compute with.

    The dtype rule of PyTorch's operations: float64 and float32 stay, float16
    becomes float32, integers (and longdouble) become float64. Bool, complex
    and object arrays raise ``TypeError``; NaN or infinity raises ``ValueError``.
    """
    array = _to_numpy(value, name)
    _check_dtype(array, name, "iuf")
    if array.dtype.kind in "iu" or array.dtype.itemsize > 8:  # longdouble: BLAS has no such type
        array = array.astype(np.float64)
    elif array.dtype.itemsize < 4:  # float16: compute in float32
        array = array.astype(np.float32)
    check_finite(array, name)
    if ndim is not None:
        check_ndim(array, name, ndim, what)
    return array


def float_type(dtype: DTypeLike) -> type:
    """float32 stays float32 (float16 is promoted to it); everything else -> float64.

    The same rule as scikit-image's ``_supported_float_type``.
    """
    return np.float32 if dtype in (np.float16, np.float32) else np.float64


def check_image(image: object, name: str = "image") -> np.ndarray:
    """Return ``image`` as a finite float image (H, W) or (H, W, C) with 1 <= C <= 4.

    ``uint8`` / ``uint16`` are scaled to [0, 1] (divided by 255 / 65535), bool
    and signed integers become float64, float32 stays float32. Channels come last,
    as in scikit-image.
    """
    array = check_real_array(image, name, ndim=(2, 3), what="(H, W) or (H, W, C)")
    if array.ndim == 3 and not 1 <= array.shape[2] <= 4:
        raise ValueError(
            f"{name} of shape {array.shape} must be (H, W, C) with channels "
            f"last and 1 <= C <= 4; for a (C, H, W) array use np.moveaxis(image, 0, -1)"
        )
    if min(array.shape[:2]) < 1:
        raise ValueError(f"{name} of shape {array.shape} must not be empty")
    if array.dtype.kind == "u":  # uint8 / 255 and uint16 / 65535 -> [0, 1]
        return array / np.float64(np.iinfo(array.dtype).max)
    if array.dtype.kind in "bi":
        return array.astype(np.float64)
    array = array.astype(float_type(array.dtype), copy=False)
    check_finite(array, name)
    return array


def check_kernel(
    kernel: object, name: str, image_shape: Sequence[int] | None = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """Return a finite, non-empty 2-D ``(kH, kW)`` kernel of ``dtype``, no larger than ``image_shape``.

    Any real kernel (a PSF, or a regulariser such as a Laplacian); see
    :func:`check_psf` for the extra rules of a PSF.
    """
    array = check_real_array(kernel, name, ndim=2, what="(kH, kW), the same for every channel")
    if min(array.shape) < 1:
        raise ValueError(f"{name} of shape {array.shape} must not be empty")
    array = array.astype(dtype)
    check_finite(array, name)
    if image_shape is not None and (array.shape[0] > image_shape[0] or array.shape[1] > image_shape[1]):
        raise ValueError(
            f"{name} of shape {array.shape} must not be larger than the image's {tuple(image_shape[:2])}"
        )
    return array


def check_psf(
    psf: object, name: str = "psf", image_shape: Sequence[int] | None = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """:func:`check_kernel`, and a PSF is also non-negative with a positive sum (usually 1)."""
    array = check_kernel(psf, name, image_shape, dtype)
    if np.any(array < 0):
        raise ValueError(f"{name} has negative entries (min {array.min():g}); a PSF must be non-negative")
    if not array.sum() > 0:
        raise ValueError(f"{name} sums to {array.sum():g}; a PSF must have a positive sum (usually 1)")
    return array
