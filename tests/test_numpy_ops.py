"""numpy_ops against independent references: torch.nn.functional, scipy.signal, closed forms."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from deconv_course import numpy_ops as ops
from deconv_course.arithmetic import conv_output_size, output_padding_for
from deconv_course.numpy_ops import _common as ops_common

SETTINGS = settings(max_examples=40, deadline=None, database=None)
TOL = dict(rtol=1e-10, atol=1e-10)
METHODS = ["scatter", "zero_insert", "matrix", "fast"]

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def t(a):
    return torch.from_numpy(np.asarray(a))


def rand(rng, *shape):
    return rng.standard_normal(shape)


# ====================================================================== correlate2d / convolve2d


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("kshape", [(1, 1), (2, 2), (3, 3), (2, 3), (4, 1), (1, 4), (3, 4), (5, 5)])
def test_correlate_convolve_match_scipy(mode, kshape):
    rng = np.random.default_rng(0)
    image, kernel = rand(rng, 6, 7), rand(rng, *kshape)
    np.testing.assert_allclose(
        ops.correlate2d(image, kernel, mode), signal.correlate2d(image, kernel, mode), **TOL
    )
    np.testing.assert_allclose(
        ops.convolve2d(image, kernel, mode), signal.convolve2d(image, kernel, mode), **TOL
    )


@SETTINGS
@given(
    hw=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    khw=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    mode=st.sampled_from(["valid", "same", "full"]),
    seed=st.integers(0, 2**16),
)
def test_correlate_convolve_property(hw, khw, mode, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rand(rng, *hw), rand(rng, *khw)
    if mode == "valid" and (khw[0] > hw[0] or khw[1] > hw[1]):
        with pytest.raises(ValueError, match="kernel"):
            ops.correlate2d(image, kernel, mode)
        return
    np.testing.assert_allclose(
        ops.correlate2d(image, kernel, mode), signal.correlate2d(image, kernel, mode), **TOL
    )
    np.testing.assert_allclose(
        ops.convolve2d(image, kernel, mode), signal.convolve2d(image, kernel, mode), **TOL
    )


def test_source_document_example():
    image = np.arange(1, 10).reshape(3, 3)
    kernel = np.array([[1, 0, -1]] * 3)
    expected = np.array([[-7, -4, 7], [-15, -6, 15], [-13, -4, 13]])  # FACTS.md
    got = ops.correlate2d(image, kernel, "same")
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, signal.correlate2d(image, kernel, "same"))
    # true convolution flips the kernel: here the negatives
    np.testing.assert_array_equal(ops.convolve2d(image, kernel, "same"), -expected)
    # and 'same' correlation is what F.conv2d(padding=1) computes
    torch_out = F.conv2d(t(image[None, None].astype(float)), t(kernel[None, None].astype(float)), padding=1)
    np.testing.assert_array_equal(got, torch_out[0, 0].numpy())


def test_same_mode_even_kernel_matches_torch_same_padding():
    rng = np.random.default_rng(1)
    image, kernel = rand(rng, 5, 6), rand(rng, 2, 4)
    torch_out = F.conv2d(t(image[None, None]), t(kernel[None, None]), padding="same")[0, 0].numpy()
    np.testing.assert_allclose(ops.correlate2d(image, kernel, "same"), torch_out, **TOL)


# ====================================================================== conv2d


def conv2d_case(rng, n, c_in, c_out, groups, hw, k, unbatched=False):
    x = rand(rng, c_in, *hw) if unbatched else rand(rng, n, c_in, *hw)
    w = rand(rng, c_out, c_in // groups, *k)
    b = rand(rng, c_out)
    return x, w, b


CONV_GRID = [
    # n, c_in, c_out, groups, hw, k, stride, padding, dilation
    (1, 1, 1, 1, (5, 5), (3, 3), 1, 0, 1),
    (2, 3, 4, 1, (7, 6), (3, 2), (2, 1), (1, 0), 1),
    (2, 4, 6, 2, (8, 9), (2, 3), 2, 1, (2, 1)),
    (1, 6, 3, 3, (6, 7), (1, 4), (1, 3), (0, 2), (1, 2)),
    (3, 2, 2, 2, (9, 5), (3, 3), 3, 2, 2),
    (1, 4, 8, 4, (5, 5), (5, 5), 1, 2, 1),
    (2, 1, 2, 1, (4, 4), (4, 4), 1, 0, 1),
    (1, 2, 4, 1, (6, 6), (2, 2), 2, "valid", 1),
    (1, 2, 4, 1, (6, 7), (2, 2), 1, "same", 1),
    (2, 2, 3, 1, (6, 7), (4, 3), 1, "same", (1, 2)),
    (1, 3, 3, 3, (6, 7), (2, 3), 1, "same", 3),
]


@pytest.mark.parametrize("n,c_in,c_out,groups,hw,k,s,p,d", CONV_GRID)
@pytest.mark.parametrize("use_bias", [False, True])
def test_conv2d_grid_matches_torch(n, c_in, c_out, groups, hw, k, s, p, d, use_bias):
    rng = np.random.default_rng(2)
    x, w, b = conv2d_case(rng, n, c_in, c_out, groups, hw, k)
    b = b if use_bias else None
    expected = F.conv2d(
        t(x), t(w), None if b is None else t(b), stride=s, padding=p, dilation=d, groups=groups
    )
    got = ops.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=groups)
    assert got.shape == tuple(expected.shape)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected.numpy(), **TOL)


@st.composite
def conv_configs(draw, transposed=False):
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    hw = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    n = draw(st.sampled_from([None, 1, 2]))  # None: unbatched CHW
    if transposed:
        op = tuple(draw(st.integers(0, max(s[a], d[a]) - 1)) for a in range(2))
        p = tuple(
            draw(st.integers(0, min(3, ((hw[a] - 1) * s[a] + d[a] * (k[a] - 1) + op[a]) // 2)))
            for a in range(2)
        )
    else:
        op = None
        p = []
        for a in range(2):
            need = max(0, -(-(d[a] * (k[a] - 1) + 1 - hw[a]) // 2))  # smallest padding that fits the kernel
            p.append(draw(st.integers(need, need + 2)))
        p = tuple(p)
    return dict(
        n=n,
        groups=groups,
        c_in=c_in,
        c_out=c_out,
        k=k,
        s=s,
        d=d,
        hw=hw,
        p=p,
        op=op,
        seed=draw(st.integers(0, 2**16)),
    )


@SETTINGS
@given(cfg=conv_configs())
def test_conv2d_property(cfg):
    rng = np.random.default_rng(cfg["seed"])
    shape = (cfg["c_in"], *cfg["hw"]) if cfg["n"] is None else (cfg["n"], cfg["c_in"], *cfg["hw"])
    x = rng.standard_normal(shape)
    w = rng.standard_normal((cfg["c_out"], cfg["c_in"] // cfg["groups"], *cfg["k"]))
    b = rng.standard_normal(cfg["c_out"])
    kw = dict(stride=cfg["s"], padding=cfg["p"], dilation=cfg["d"], groups=cfg["groups"])
    expected = F.conv2d(t(x), t(w), t(b), **kw).numpy()
    got = ops.conv2d(x, w, b, **kw)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TOL)


def test_conv2d_unbatched_chw():
    rng = np.random.default_rng(3)
    x, w = rand(rng, 3, 6, 5), rand(rng, 4, 3, 3, 2)
    got = ops.conv2d(x, w, stride=(2, 1), padding=1)
    assert got.shape == (4, 3, 6)
    np.testing.assert_allclose(got, F.conv2d(t(x), t(w), stride=(2, 1), padding=1).numpy(), **TOL)


def test_conv2d_dtypes():
    rng = np.random.default_rng(4)
    x32, w32 = rand(rng, 2, 3, 6, 6).astype(np.float32), rand(rng, 2, 3, 3, 3).astype(np.float32)
    got = ops.conv2d(x32, w32, padding=1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, F.conv2d(t(x32), t(w32), padding=1).numpy(), rtol=1e-4, atol=1e-4)
    xi, wi = rng.integers(-5, 5, (1, 2, 5, 5)), rng.integers(-3, 3, (1, 2, 2, 2))
    got = ops.conv2d(xi, wi)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, F.conv2d(t(xi).double(), t(wi).double()).numpy())
    got = ops.conv_transpose2d(x32, w32.transpose(1, 0, 2, 3).copy(), stride=2)
    assert got.dtype == np.float32


# ====================================================================== conv_transpose2d


CT_GRID = [
    # n, c_in, c_out, groups, hw, k, stride, padding, dilation
    (1, 1, 1, 1, (2, 2), (2, 2), 1, 0, 1),
    (2, 3, 2, 1, (4, 5), (3, 3), 2, 1, 1),
    (2, 4, 6, 2, (3, 4), (3, 2), (2, 3), (1, 0), 1),
    (1, 6, 3, 3, (5, 3), (4, 4), 2, 1, (1, 2)),
    (2, 2, 4, 2, (3, 3), (2, 3), (3, 1), (2, 1), (2, 2)),
    (1, 2, 2, 1, (4, 4), (5, 5), 1, 4, 1),  # padding > dilation*(k-1)/2... crops
    (1, 2, 3, 1, (3, 3), (3, 3), 1, 3, 2),  # dilation*(k-1) - padding = 1
    (1, 1, 2, 1, (3, 4), (2, 2), 1, 2, 1),  # dilation*(k-1) - padding < 0
    (3, 4, 4, 4, (4, 4), (4, 4), 2, 1, 1),  # depthwise, DCGAN-like
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n,c_in,c_out,groups,hw,k,s,p,d", CT_GRID)
def test_conv_transpose2d_grid_every_output_padding(method, n, c_in, c_out, groups, hw, k, s, p, d):
    rng = np.random.default_rng(5)
    x = rand(rng, n, c_in, *hw)
    w = rand(rng, c_in, c_out // groups, *k)
    b = rand(rng, c_out)
    s2, d2 = np.broadcast_to(s, 2), np.broadcast_to(d, 2)
    for op in itertools.product(range(max(s2[0], d2[0])), range(max(s2[1], d2[1]))):
        kw = dict(stride=s, padding=p, output_padding=op, groups=groups, dilation=d)
        try:
            expected = F.conv_transpose2d(t(x), t(w), t(b), **kw).numpy()
        except RuntimeError:  # this output_padding leaves no output: ours must refuse too
            with pytest.raises(ValueError, match="padding"):
                ops.conv_transpose2d(x, w, b, method=method, **kw)
            continue
        got = ops.conv_transpose2d(x, w, b, method=method, **kw)
        assert got.shape == expected.shape, (op, got.shape, expected.shape)
        np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=30, deadline=None, database=None)  # x4 methods
@given(cfg=conv_configs(transposed=True))
def test_conv_transpose2d_property(method, cfg):
    rng = np.random.default_rng(cfg["seed"])
    shape = (cfg["c_in"], *cfg["hw"]) if cfg["n"] is None else (cfg["n"], cfg["c_in"], *cfg["hw"])
    x = rng.standard_normal(shape)
    w = rng.standard_normal((cfg["c_in"], cfg["c_out"] // cfg["groups"], *cfg["k"]))
    b = rng.standard_normal(cfg["c_out"]) if cfg["seed"] % 2 else None
    kw = dict(
        stride=cfg["s"], padding=cfg["p"], output_padding=cfg["op"], groups=cfg["groups"], dilation=cfg["d"]
    )
    expected = F.conv_transpose2d(t(x), t(w), None if b is None else t(b), **kw).numpy()
    got = ops.conv_transpose2d(x, w, b, method=method, **kw)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TOL)


def test_d2l_worked_example():
    # Dive into Deep Learning, 14.10: X = K = [[0, 1], [2, 3]]
    X = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    for method in METHODS:
        np.testing.assert_array_equal(
            ops.conv_transpose2d(X, X, method=method)[0, 0], [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
        )
        np.testing.assert_array_equal(ops.conv_transpose2d(X, X, padding=1, method=method)[0, 0], [[4]])


@pytest.mark.parametrize("method", METHODS)
def test_conv_transpose2d_unbatched_chw(method):
    rng = np.random.default_rng(6)
    x, w = rand(rng, 2, 3, 4), rand(rng, 2, 3, 3, 2)
    got = ops.conv_transpose2d(x, w, stride=2, padding=(1, 0), output_padding=(1, 0), method=method)
    expected = F.conv_transpose2d(t(x), t(w), stride=2, padding=(1, 0), output_padding=(1, 0)).numpy()
    assert got.shape == expected.shape == (3, 6, 8)
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("method", METHODS)
def test_methods_agree_float32(method):
    rng = np.random.default_rng(7)
    x, w = rand(rng, 2, 4, 5, 5).astype(np.float32), rand(rng, 4, 3, 4, 4).astype(np.float32)
    got = ops.conv_transpose2d(x, w, stride=2, padding=1, method=method)
    assert got.dtype == np.float32
    np.testing.assert_allclose(
        got, F.conv_transpose2d(t(x), t(w), stride=2, padding=1).numpy(), rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize("n,c_in,c_out,groups,hw,k,s,p,d", [CT_GRID[i] for i in (1, 2, 3, 4, 6, 8)])
def test_fast_paths_on_threads(monkeypatch, n, c_in, c_out, groups, hw, k, s, p, d):
    # big inputs split their copies/additions over threads; force that on small ones
    monkeypatch.setattr(ops_common, "_PARALLEL_MIN_SIZE", 0)
    monkeypatch.setattr(ops_common.os, "cpu_count", lambda: 3)
    rng = np.random.default_rng(16)
    x = rand(rng, n + 2, c_in, *hw)
    w = rand(rng, c_in, c_out // groups, *k)
    kw = dict(stride=s, padding=p, groups=groups, dilation=d)
    expected = F.conv_transpose2d(t(x), t(w), **kw).numpy()
    np.testing.assert_allclose(ops.conv_transpose2d(x, w, **kw), expected, **TOL)
    y = rand(rng, *expected.shape)  # c_out channels; w read as a Conv2d weight maps them back to c_in
    np.testing.assert_allclose(ops.conv2d(y, w, **kw), F.conv2d(t(y), t(w), **kw).numpy(), **TOL)


# ====================================================================== adjoint, gradient, matrix


ADJ_CASES = [
    # n, c_in, c_out, groups, hw, k, stride, padding, dilation
    (2, 3, 4, 1, (9, 8), (3, 3), 2, 1, 1),
    (1, 4, 6, 2, (10, 7), (4, 3), (3, 2), (1, 2), (1, 2)),
    (2, 2, 2, 2, (8, 8), (2, 2), 1, 0, 3),
    (1, 10, 20, 1, (16, 16), (5, 5), 3, 2, 1),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n,c_in,c_out,groups,hw,k,s,p,d", ADJ_CASES)
def test_adjoint_identity_and_autograd(method, n, c_in, c_out, groups, hw, k, s, p, d):
    rng = np.random.default_rng(8)
    x = rand(rng, n, c_in, *hw)
    w = rand(rng, c_out, c_in // groups, *k)  # Conv2d layout; the same array is the ConvTranspose2d weight
    y_shape = (n, c_out, *conv_output_size(hw, k, s, p, d))
    y = rand(rng, *y_shape)
    a = output_padding_for(hw, k, s, p, d)
    cx = ops.conv2d(x, w, stride=s, padding=p, dilation=d, groups=groups)
    cty = ops.conv_transpose2d(
        y, w, stride=s, padding=p, output_padding=a, groups=groups, dilation=d, method=method
    )
    assert cty.shape == x.shape
    # <C x, y> == <x, C^T y>
    assert abs(np.vdot(cx, y) - np.vdot(x, cty)) <= 1e-10 * max(1.0, abs(np.vdot(cx, y)))
    # the autograd gradient of conv2d with respect to its input
    tx = t(x).requires_grad_(True)
    F.conv2d(tx, t(w), stride=s, padding=p, dilation=d, groups=groups).backward(t(y))
    np.testing.assert_allclose(cty, tx.grad.numpy(), **TOL)
    grad = torch.nn.grad.conv2d_input(x.shape, t(w), t(y), stride=s, padding=p, dilation=d, groups=groups)
    np.testing.assert_allclose(cty, grad.numpy(), **TOL)


MATRIX_CASES = [
    # c_in, c_out, groups, hw, k, stride, padding, dilation
    (1, 1, 1, (4, 4), (3, 3), 1, 0, 1),
    (2, 3, 1, (5, 4), (2, 3), (2, 1), (1, 0), 1),
    (4, 2, 2, (5, 6), (3, 2), 2, 1, (1, 2)),
    (3, 3, 3, (6, 5), (2, 2), (1, 2), 2, 2),
]


@pytest.mark.parametrize("c_in,c_out,groups,hw,k,s,p,d", MATRIX_CASES)
def test_conv_matrix_matches_torch(c_in, c_out, groups, hw, k, s, p, d):
    rng = np.random.default_rng(9)
    x = rand(rng, c_in, *hw)
    w = rand(rng, c_out, c_in // groups, *k)
    C = ops.conv_matrix(w, (c_in, *hw), stride=s, padding=p, dilation=d)
    conv = F.conv2d(t(x), t(w), stride=s, padding=p, dilation=d, groups=groups).numpy()
    assert C.shape == (conv.size, x.size)
    np.testing.assert_allclose(C @ x.ravel(), conv.ravel(), **TOL)
    # C.T is the transposed convolution (the same weight read as a ConvTranspose2d weight)
    y = rand(rng, *conv.shape)
    a = output_padding_for(hw, k, s, p, d)
    ct = F.conv_transpose2d(
        t(y), t(w), stride=s, padding=p, output_padding=a, groups=groups, dilation=d
    ).numpy()
    np.testing.assert_allclose(C.T @ y.ravel(), ct.ravel(), **TOL)


def test_conv_matrix_2d_kernel_closed_form():
    # 3x3 input, 2x2 kernel [[1, 2], [3, 4]], no padding: the four rows of C by hand
    C = ops.conv_matrix(np.array([[1, 2], [3, 4]]), (3, 3))
    expected = [
        [1, 2, 0, 3, 4, 0, 0, 0, 0],
        [0, 1, 2, 0, 3, 4, 0, 0, 0],
        [0, 0, 0, 1, 2, 0, 3, 4, 0],
        [0, 0, 0, 0, 1, 2, 0, 3, 4],
    ]
    np.testing.assert_array_equal(C, expected)
    # C^T C is not the identity: a transposed convolution is not an inverse
    assert not np.allclose(C.T @ C, np.eye(9))


@pytest.mark.parametrize("stride", [1, 2, 3, (2, 3)])
def test_zero_insert_equals_transposed_conv_with_unit_kernel(stride):
    rng = np.random.default_rng(10)
    x = rand(rng, 2, 3, 4, 5)
    # a 1x1 kernel of ones per channel (groups = channels) scatters each pixel alone: zero insertion
    ones = torch.ones(3, 1, 1, 1, dtype=torch.float64)
    expected = F.conv_transpose2d(t(x), ones, stride=stride, groups=3).numpy()
    np.testing.assert_array_equal(ops.zero_insert(x, stride), expected)
    np.testing.assert_array_equal(ops.zero_insert([[1, 2], [3, 4]], 2), [[1, 0, 2], [0, 0, 0], [3, 0, 4]])


# ====================================================================== pooling, linear, pixel shuffle, upsample


@pytest.mark.parametrize(
    "shape,k,s,p",
    [
        ((2, 3, 6, 6), 2, None, 0),
        ((3, 7, 5), 3, 2, 1),
        ((1, 2, 8, 7), (2, 3), (1, 2), (1, 1)),
        ((1, 1, 5, 5), 5, 1, 2),
    ],
)
def test_avg_pool2d_matches_torch(shape, k, s, p):
    x = rand(np.random.default_rng(11), *shape)
    np.testing.assert_allclose(ops.avg_pool2d(x, k, s, p), F.avg_pool2d(t(x), k, s, p).numpy(), **TOL)


@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5)])
@pytest.mark.parametrize("use_bias", [False, True])
def test_linear_matches_torch(shape, use_bias):
    rng = np.random.default_rng(12)
    x, w, b = rand(rng, *shape), rand(rng, 4, 5), rand(rng, 4)
    b = b if use_bias else None
    np.testing.assert_allclose(
        ops.linear(x, w, b), F.linear(t(x), t(w), None if b is None else t(b)).numpy(), **TOL
    )


@pytest.mark.parametrize(
    "shape,r", [((1, 4, 3, 3), 2), ((2, 18, 2, 3), 3), ((8, 2, 2), 2), ((2, 2, 9, 3, 2), 3)]
)
def test_pixel_shuffle_matches_torch(shape, r):
    x = rand(np.random.default_rng(13), *shape)
    np.testing.assert_array_equal(ops.pixel_shuffle(x, r), F.pixel_shuffle(t(x), r).numpy())


@pytest.mark.parametrize("scale", [1, 2, 3, (2, 3)])
def test_upsample_nearest_matches_torch(scale):
    x = rand(np.random.default_rng(14), 2, 3, 4, 5)
    expected = F.interpolate(t(x), scale_factor=scale, mode="nearest").numpy()
    np.testing.assert_array_equal(ops.upsample_nearest(x, scale), expected)
    np.testing.assert_array_equal(ops.upsample_nearest(x[0], scale), expected[0])


def test_subpixel_equivalence_of_stride_r_transposed_conv():
    # arXiv 1609.07009: a stride-r transposed conv with kernel r (no overlap) is a
    # 1x1 convolution to r*r*C_out channels followed by a pixel shuffle
    rng = np.random.default_rng(15)
    r, x, w = 2, rand(rng, 1, 3, 4, 4), rand(rng, 3, 2, 2, 2)
    w1x1 = w.transpose(1, 2, 3, 0).reshape(2 * r * r, 3, 1, 1)
    np.testing.assert_allclose(
        ops.conv_transpose2d(x, w, stride=r), ops.pixel_shuffle(ops.conv2d(x, w1x1), r), **TOL
    )
    np.testing.assert_allclose(
        ops.conv_transpose2d(x, w, stride=r), F.conv_transpose2d(t(x), t(w), stride=r).numpy(), **TOL
    )


# ====================================================================== bad input


def _x(*shape):
    return np.ones(shape)


# (id, our call, torch call, word the message must contain); torch must raise too
BAD_CASES = [
    ("2-D input to conv2d", lambda m: m.conv2d(_x(5, 5), _x(1, 1, 3, 3)), "input"),
    ("5-D input to conv2d", lambda m: m.conv2d(_x(1, 1, 1, 5, 5), _x(1, 1, 3, 3)), "input"),
    ("3-D weight", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 3, 3)), "weight"),
    ("channels != weight", lambda m: m.conv2d(_x(1, 2, 5, 5), _x(3, 3, 3, 3)), "channels"),
    (
        "in channels not divisible by groups",
        lambda m: m.conv2d(_x(1, 3, 5, 5), _x(2, 1, 3, 3), groups=2),
        "groups",
    ),
    (
        "out channels not divisible by groups",
        lambda m: m.conv2d(_x(1, 2, 5, 5), _x(3, 1, 3, 3), groups=2),
        "groups",
    ),
    ("groups 0", lambda m: m.conv2d(_x(1, 2, 5, 5), _x(2, 2, 3, 3), groups=0), "groups"),
    ("stride 0", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=0), "stride"),
    ("stride negative pair", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=(1, -1)), "stride"),
    ("stride float", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=1.5), "stride"),
    ("dilation 0", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), dilation=0), "dilation"),
    ("negative padding", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding=-1), "padding"),
    ("unknown padding string", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding="full"), "padding"),
    (
        "same with stride",
        lambda m: m.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding="same", stride=2),
        "stride",
    ),
    (
        "kernel larger than padded input",
        lambda m: m.conv2d(_x(1, 1, 4, 4), _x(1, 1, 7, 3), padding=1),
        "kernel",
    ),
    ("dilated kernel too large", lambda m: m.conv2d(_x(1, 1, 4, 4), _x(1, 1, 3, 3), dilation=2), "kernel"),
    ("bias wrong size", lambda m: m.conv2d(_x(1, 1, 5, 5), _x(2, 1, 3, 3), bias=_x(3)), "bias"),
    ("bool dtype", lambda m: m.conv2d(np.ones((1, 1, 5, 5), bool), np.ones((1, 1, 3, 3), bool)), "dtype"),
    ("ct channels != weight", lambda m: m.conv_transpose2d(_x(1, 2, 5, 5), _x(3, 2, 3, 3)), "channels"),
    ("ct groups", lambda m: m.conv_transpose2d(_x(1, 3, 5, 5), _x(3, 1, 3, 3), groups=2), "groups"),
    ("ct stride 0", lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=0), "stride"),
    ("ct dilation 0", lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), dilation=0), "dilation"),
    (
        "ct negative padding",
        lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding=-1),
        "padding",
    ),
    (
        "ct output_padding = stride",
        lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, output_padding=2),
        "output_padding",
    ),
    (
        "ct output_padding >= both",
        lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), output_padding=1),
        "output_padding",
    ),
    (
        "ct negative output_padding",
        lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, output_padding=-1),
        "output_padding",
    ),
    (
        "ct non-positive output size",
        lambda m: m.conv_transpose2d(_x(1, 1, 2, 2), _x(1, 1, 2, 2), padding=2),
        "padding",
    ),
    ("ct 2-D input", lambda m: m.conv_transpose2d(_x(5, 5), _x(1, 1, 3, 3)), "input"),
    ("ct bias wrong size", lambda m: m.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 2, 3, 3), bias=_x(1)), "bias"),
    ("avg_pool padding > half kernel", lambda m: m.avg_pool2d(_x(1, 1, 5, 5), 3, padding=2), "padding"),
    ("avg_pool stride 0", lambda m: m.avg_pool2d(_x(1, 1, 5, 5), 3, stride=0), "stride"),
    ("avg_pool kernel too large", lambda m: m.avg_pool2d(_x(1, 1, 5, 5), 6), "kernel"),
    ("linear feature mismatch", lambda m: m.linear(_x(3, 5), _x(4, 6)), "features"),
    ("pixel_shuffle channels", lambda m: m.pixel_shuffle(_x(1, 3, 2, 2), 2), "upscale_factor"),
    ("pixel_shuffle 2-D", lambda m: m.pixel_shuffle(_x(4, 4), 2), "input"),
]


class _Torch:
    """The same calls, routed to torch.nn.functional (float64 tensors)."""

    @staticmethod
    def _t(a):
        return None if a is None else torch.from_numpy(np.asarray(a))

    def conv2d(self, x, w, bias=None, **kw):
        return F.conv2d(self._t(x), self._t(w), self._t(bias), **kw)

    def conv_transpose2d(self, x, w, bias=None, **kw):
        return F.conv_transpose2d(self._t(x), self._t(w), self._t(bias), **kw)

    def avg_pool2d(self, x, k, **kw):
        return F.avg_pool2d(self._t(x), k, **kw)

    def linear(self, x, w):
        return F.linear(self._t(x), self._t(w))

    def pixel_shuffle(self, x, r):
        return F.pixel_shuffle(self._t(x), r)


@pytest.mark.parametrize("call,word", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_input_rejected_like_torch(call, word):
    with pytest.raises((RuntimeError, TypeError, ValueError, NotImplementedError)):
        call(_Torch())
    with pytest.raises((ValueError, TypeError), match=word):
        call(ops)


@pytest.mark.parametrize("method", METHODS)
def test_bad_input_rejected_by_every_method(method):
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv_transpose2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, output_padding=2, method=method)


def test_unknown_method_and_mode():
    with pytest.raises(ValueError, match="method"):
        ops.conv_transpose2d(_x(1, 1, 3, 3), _x(1, 1, 2, 2), method="fft")
    with pytest.raises(ValueError):
        signal.correlate2d(_x(3, 3), _x(2, 2), "circular")
    with pytest.raises(ValueError, match="mode"):
        ops.correlate2d(_x(3, 3), _x(2, 2), "circular")
    with pytest.raises(ValueError, match="mode"):
        ops.convolve2d(_x(3, 3), _x(2, 2), "circular")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_rejected(bad):
    x, w = _x(1, 1, 4, 4), _x(1, 1, 2, 2)
    x[0, 0, 1, 1] = bad
    # PyTorch does not check: it silently propagates NaN/inf into the result
    assert not torch.isfinite(F.conv2d(t(x), t(w))).all()
    with pytest.raises(ValueError, match="input"):
        ops.conv2d(x, w)
    with pytest.raises(ValueError, match="weight"):
        ops.conv_transpose2d(w, x)
    with pytest.raises(ValueError, match="image"):
        ops.correlate2d(x[0, 0], w[0, 0])


@pytest.mark.parametrize("bad", [np.array([["a"]]), np.ones((1, 1), complex), np.array([[None]])])
def test_non_numeric_dtype_rejected(bad):
    with pytest.raises(TypeError, match="dtype"):
        ops.correlate2d(bad, np.ones((1, 1)))
    with pytest.raises(TypeError, match="dtype"):
        ops.conv2d(bad[None, None], np.ones((1, 1, 1, 1)))


def test_conv_matrix_bad_input():
    with pytest.raises(ValueError, match="input_shape"):
        ops.conv_matrix(_x(2, 2, 3, 3), (3, 5, 5))  # 3 channels, weight expects multiples of 2
    with pytest.raises(ValueError, match="kernel"):
        ops.conv_matrix(_x(1, 1, 3, 3), (1, 2, 2))
    with pytest.raises(TypeError, match="input_shape"):
        ops.conv_matrix(_x(1, 1, 3, 3), "5x5")
    with pytest.raises(ValueError, match="stride"):
        ops.conv_matrix(_x(1, 1, 3, 3), (1, 5, 5), stride=0)


def test_upsample_and_zero_insert_bad_scale():
    with pytest.raises(ValueError, match="scale_factor"):
        ops.upsample_nearest(_x(1, 1, 2, 2), 0)
    with pytest.raises(TypeError, match="scale_factor"):
        ops.upsample_nearest(_x(1, 1, 2, 2), 1.5)
    with pytest.raises(ValueError, match="stride"):
        ops.zero_insert(_x(2, 2), 0)


def test_numpy_ops_never_imports_torch():
    import subprocess
    import sys

    code = "import sys, deconv_course.numpy_ops; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- 1-D, one channel: conv1d, conv_matrix1d, conv_transpose1d (notebook 03, "Start in 1-D")


@pytest.mark.parametrize(
    "n, k, s, p, d",
    [(7, 3, 1, 0, 1), (8, 3, 2, 1, 1), (9, 4, 2, 1, 1), (10, 3, 3, 2, 2), (5, 5, 1, 2, 1), (6, 2, 2, 0, 1)],
)
def test_conv1d_family_matches_torch(n, k, s, p, d):
    rng = np.random.default_rng(n * 100 + k * 10 + s)
    x, w = rng.standard_normal(n), rng.standard_normal(k)
    ref = F.conv1d(t(x)[None, None], t(w)[None, None], stride=s, padding=p, dilation=d)[0, 0].numpy()
    np.testing.assert_allclose(ops.conv1d(x, w, stride=s, padding=p, dilation=d), ref, atol=1e-12)
    C = ops.conv_matrix1d(w, n, stride=s, padding=p, dilation=d)
    assert C.shape == (ref.size, n)
    np.testing.assert_allclose(C @ x, ref, atol=1e-12)
    # the transpose: C.T @ y == conv_transpose1d == F.conv_transpose1d == autograd of conv1d
    y = rng.standard_normal(ref.size)
    op = (n + 2 * p - d * (k - 1) - 1) % s
    tref = F.conv_transpose1d(
        t(y)[None, None], t(w)[None, None], stride=s, padding=p, output_padding=op, dilation=d
    )[0, 0].numpy()
    assert tref.size == n
    ours = ops.conv_transpose1d(y, w, stride=s, padding=p, output_padding=op, dilation=d)
    np.testing.assert_allclose(ours, tref, atol=1e-12)
    np.testing.assert_allclose(C.T @ y, tref, atol=1e-12)
    xt = t(x).requires_grad_()
    F.conv1d(xt[None, None], t(w)[None, None], stride=s, padding=p, dilation=d).backward(t(y)[None, None])
    np.testing.assert_allclose(xt.grad.numpy(), tref, atol=1e-12)


def test_conv_matrix1d_is_banded_toeplitz():
    C = ops.conv_matrix1d([1.0, 2.0, 3.0], 6)
    assert C.shape == (4, 6)
    for offset in range(-3, 6):  # constant along every diagonal (Toeplitz)
        assert len(set(np.diagonal(C, offset).tolist())) == 1
    strided = ops.conv_matrix1d([1.0, 2.0, 3.0], 7, stride=2)
    np.testing.assert_array_equal(
        strided,
        C_rows := np.array(
            [[1, 2, 3, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0, 0], [0, 0, 0, 0, 1, 2, 3]], dtype=float
        ),
    )
    assert C_rows.shape == (3, 7)


def test_conv1d_family_rejects_bad_input():
    with pytest.raises(ValueError):
        ops.conv1d(np.ones((2, 3)), [1.0])
    with pytest.raises(ValueError):
        ops.conv_transpose1d([1.0, 2.0], [1.0, 1.0], stride=2, output_padding=2)
    with pytest.raises((TypeError, ValueError)):
        ops.conv_matrix1d([1.0], 0)
