"""The shared argument checks: what each accepts, what it rejects, with which error and message."""

import re

import numpy as np
import pytest

from deconv_course import _checks as C

# --------------------------------------------------------------------------- is_int / check_int


@pytest.mark.parametrize("value", [0, 3, -2, np.int64(4), np.uint8(7), np.int32(-1)])
def test_is_int_accepts_python_and_numpy_integers(value):
    assert C.is_int(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 1.0, np.float64(2), "3", None, (1,)])
def test_is_int_rejects_bools_floats_and_the_rest(value):
    assert not C.is_int(value)


def test_check_int_returns_a_python_int():
    out = C.check_int(np.int64(5), "num_iter", minimum=1)
    assert out == 5 and type(out) is int


@pytest.mark.parametrize("value", [True, 1.0, "1", None, [1]])
def test_check_int_wrong_type_is_type_error_naming_argument_value_and_rule(value):
    with pytest.raises(TypeError, match=re.escape(f"stride={value!r} must be an integer >= 1")):
        C.check_int(value, "stride", minimum=1)


def test_check_int_below_minimum_is_value_error_with_the_exact_message():
    with pytest.raises(ValueError) as info:
        C.check_int(0, "stride", minimum=1)
    assert str(info.value) == "stride=0 must be an integer >= 1"


@pytest.mark.parametrize(
    "kwargs,value,rule",
    [
        ({"minimum": 0, "maximum": 8}, 9, "an integer in [0, 8]"),
        ({"minimum": 0, "maximum": 8}, -1, "an integer in [0, 8]"),
        ({"maximum": 3}, 4, "an integer <= 3"),
    ],
)
def test_check_int_range(kwargs, value, rule):
    with pytest.raises(ValueError, match=re.escape(f"step={value} must be {rule}")):
        C.check_int(value, "step", **kwargs)
    assert C.check_int(kwargs.get("minimum", 0), "step", **kwargs) == kwargs.get("minimum", 0)


def test_check_int_without_bounds_accepts_any_integer():
    assert C.check_int(-(10**20), "n") == -(10**20)


# --------------------------------------------------------------------------- check_pair


@pytest.mark.parametrize(
    "value,pair",
    [
        (3, (3, 3)),
        ((1, 2), (1, 2)),
        ([4, 5], (4, 5)),
        (np.array([6, 7]), (6, 7)),
        (np.int64(2), (2, 2)),
        ((np.int32(1), 0), (1, 0)),
    ],
)
def test_check_pair_accepts_int_or_two_ints(value, pair):
    out = C.check_pair(value, "kernel_size")
    assert out == pair and all(type(v) is int for v in out)


@pytest.mark.parametrize(
    "value", [1.5, True, (1, 2, 3), (1,), (1.0, 2), (True, 1), "3", None, np.ones((2, 2), int)]
)
def test_check_pair_wrong_type(value):
    with pytest.raises(TypeError, match=r"(?s)stride=.* must be an int or a pair of ints \(height, width\)"):
        C.check_pair(value, "stride", minimum=1)


@pytest.mark.parametrize("value", [0, (1, 0), (-1, 3)])
def test_check_pair_below_minimum(value):
    with pytest.raises(ValueError, match=re.escape(f"size={value!r} must be >= 1 in every dimension")):
        C.check_pair(value, "size", minimum=1)


def test_check_pair_without_minimum_accepts_negatives():
    assert C.check_pair(-1, "shift") == (-1, -1)


# --------------------------------------------------------------------------- check_number


@pytest.mark.parametrize("value", [0, 1, 0.5, -2.0, np.float32(0.25), np.int64(3)])
def test_check_number_accepts_real_numbers_and_returns_float(value):
    out = C.check_number(value, "angle")
    assert out == float(value) and type(out) is float


@pytest.mark.parametrize("value", ["0.1", True, np.bool_(False), None, 1j, [1.0], np.array(1.0)])
def test_check_number_wrong_type(value):
    with pytest.raises(TypeError, match=re.escape(f"balance={value!r} must be a real number")):
        C.check_number(value, "balance", positive=True)


@pytest.mark.parametrize(
    "kwargs,value,rule",
    [
        ({"positive": True}, 0, "a finite number > 0"),
        ({"positive": True}, -1.0, "a finite number > 0"),
        ({"non_negative": True}, -0.1, "a finite number >= 0"),
        ({}, float("nan"), "a finite number"),
        ({}, float("inf"), "a finite number"),
        ({"non_negative": True}, float("inf"), "a finite number >= 0"),
    ],
)
def test_check_number_wrong_value(kwargs, value, rule):
    with pytest.raises(ValueError) as info:
        C.check_number(value, "sigma", **kwargs)
    assert str(info.value) == f"sigma={value!r} must be {rule}"


def test_check_number_non_negative_accepts_zero():
    assert C.check_number(0, "sigma", non_negative=True) == 0.0


# --------------------------------------------------------------------------- check_flag, check_choice


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_check_flag_accepts_bools(value):
    assert C.check_flag(value, "clip") is bool(value)


@pytest.mark.parametrize("value", [0, 1, "True", None, np.array([True])])
def test_check_flag_rejects_everything_else(value):
    with pytest.raises(TypeError, match=re.escape(f"clip={value!r} must be True or False")):
        C.check_flag(value, "clip")


def test_check_choice():
    choices = ("circular", "zero", "reflect")
    assert C.check_choice("zero", "boundary", choices) == "zero"
    with pytest.raises(ValueError) as info:
        C.check_choice("wrap", "boundary", choices)
    assert str(info.value) == "boundary='wrap' must be one of ('circular', 'zero', 'reflect')"


@pytest.mark.parametrize("value", [None, 3, ["zero"], np.array(["zero"]), {"zero": 1}])
def test_check_choice_rejects_non_members_without_crashing(value):
    with pytest.raises(ValueError, match="boundary=.* must be one of"):
        C.check_choice(value, "boundary", ("circular", "zero", "reflect"))


def test_check_choice_accepts_numbers():
    assert C.check_choice(5, "size", (3, 5)) == 5


# --------------------------------------------------------------------------- arrays


def test_check_finite():
    C.check_finite(np.ones(3), "x")
    C.check_finite(np.arange(3), "x")
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="x contains NaN or infinity"):
            C.check_finite(np.array([1.0, bad]), "x")


def test_check_ndim():
    C.check_ndim(np.ones((2, 2)), "image", (2, 3), "(H, W) or (H, W, C)")
    with pytest.raises(ValueError) as info:
        C.check_ndim(np.ones(4), "image", (2, 3), "(H, W) or (H, W, C)")
    assert str(info.value) == (
        "image of shape (4,) must have 2 dimensions or 3 dimensions (H, W) or (H, W, C), not 1"
    )
    with pytest.raises(ValueError, match=r"weight of shape \(1, 3, 3\) must have 4 dimensions"):
        C.check_ndim(np.ones((1, 3, 3)), "weight", 4, "(C_out, C_in / groups, kH, kW)")


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int32, np.float16, np.float32, np.float64])
def test_check_real_array_keeps_the_dtype(dtype):
    assert C.check_real_array(np.zeros(3, dtype), "x").dtype == dtype


def test_check_real_array_accepts_lists_and_does_not_check_nan():
    assert C.check_real_array([[1, 2]], "x").shape == (1, 2)
    assert np.isnan(C.check_real_array([np.nan], "x")[0])


@pytest.mark.parametrize(
    "value,fragment",
    [
        (np.zeros(2, complex), "x must be real-valued, got complex dtype complex128"),
        (np.zeros(2, object), "x must be a numeric array, got dtype object"),
        ("camera", "x must be a numeric array, got dtype <U6"),
        ([[1], [1, 2]], "x must be a numeric array"),
    ],
)
def test_check_real_array_rejects_non_numbers_with_type_error(value, fragment):
    with pytest.raises(TypeError, match=re.escape(fragment)):
        C.check_real_array(value, "x")


def test_check_real_array_ndim():
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        C.check_real_array(np.ones(3), "x", ndim=2)


def test_check_real_array_accepts_a_torch_tensor():
    torch = pytest.importorskip("torch")
    out = C.check_real_array(torch.ones(2, 3, requires_grad=True), "x")
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)


@pytest.mark.parametrize(
    "dtype,expected",
    [
        (np.int8, np.float64),
        (np.uint16, np.float64),
        (np.int64, np.float64),
        (np.float16, np.float32),
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.longdouble, np.float64),
    ],
)
def test_as_float_array_dtype_rule(dtype, expected):
    assert C.as_float_array(np.ones(3, dtype), "input").dtype == expected


@pytest.mark.parametrize("dtype", [bool, complex, object])
def test_as_float_array_rejects_bool_complex_object(dtype):
    with pytest.raises(TypeError, match="input .*dtype"):
        C.as_float_array(np.ones(3, dtype), "input")


def test_as_float_array_rejects_nan_and_checks_ndim():
    with pytest.raises(ValueError, match="weight contains NaN"):
        C.as_float_array([1.0, np.nan], "weight")
    with pytest.raises(ValueError, match=r"input of shape \(3,\) must have 3 dimensions or 4 dimensions"):
        C.as_float_array(np.ones(3), "input", ndim=(3, 4), what="(C, H, W) or (N, C, H, W)")


# --------------------------------------------------------------------------- images and PSFs


def test_check_image_conversions():
    assert C.check_image(np.full((2, 2), 255, np.uint8)).max() == 1.0
    assert C.check_image(np.full((2, 2), 65535, np.uint16)).max() == 1.0
    assert C.check_image(np.ones((2, 2), bool)).dtype == np.float64
    assert C.check_image(np.ones((2, 2), np.int32)).dtype == np.float64
    assert C.check_image(np.ones((2, 2), np.float16)).dtype == np.float32
    assert C.check_image(np.ones((2, 2, 3), np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "value,error,fragment",
    [
        (np.ones(4), ValueError, "image of shape (4,) must have 2 dimensions"),
        (np.ones((3, 4, 5)), ValueError, "channels last and 1 <= C <= 4"),
        (np.ones((0, 4)), ValueError, "must not be empty"),
        (np.array([[1.0, np.nan]]), ValueError, "image contains NaN"),
        (np.ones((2, 2), complex), TypeError, "complex"),
        ("camera", TypeError, "image must be a numeric array"),
    ],
)
def test_check_image_rejects(value, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        C.check_image(value)


def test_check_kernel_and_check_psf():
    laplacian = [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]
    out = C.check_kernel(laplacian, "reg", (8, 8), np.float32)
    assert out.dtype == np.float32 and out.shape == (3, 3)
    with pytest.raises(ValueError, match="psf has negative entries"):
        C.check_psf(laplacian)
    with pytest.raises(ValueError, match="psf sums to 0"):
        C.check_psf(np.zeros((3, 3)))
    assert C.check_psf(np.ones((3, 3)) / 9).sum() == pytest.approx(1)


@pytest.mark.parametrize(
    "value,shape,error,fragment",
    [
        (np.ones((1, 3, 3)), None, ValueError, "psf of shape (1, 3, 3) must have 2 dimensions"),
        (np.ones((0, 3)), None, ValueError, "psf of shape (0, 3) must not be empty"),
        (
            np.ones((5, 5)),
            (4, 4),
            ValueError,
            "psf of shape (5, 5) must not be larger than the image's (4, 4)",
        ),
        (np.full((2, 2), np.inf), None, ValueError, "psf contains NaN or infinity"),
        ([["a"]], None, TypeError, "psf must be a numeric array"),
    ],
)
def test_check_kernel_rejects(value, shape, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        C.check_psf(value, "psf", shape)


def test_checks_module_imports_only_numpy_and_the_standard_library():
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(C.__file__).read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "_checks must not import from the package"
            roots.add(node.module.split(".")[0])
    assert roots - {"numpy"} <= set(sys.stdlib_module_names), roots


@pytest.mark.parametrize(
    "dtype,expected",
    [(np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_float_type(dtype, expected):
    assert C.float_type(np.dtype(dtype)) is expected
