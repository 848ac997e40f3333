"""Output-size formulas and shared checks, against the shapes PyTorch returns."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from deconv_course.arithmetic import (
    as_pair,
    check_dilation,
    check_finite,
    check_groups,
    check_output_padding,
    check_padding,
    check_stride,
    conv_output_size,
    conv_transpose_output_size,
    output_padding_for,
)

SETTINGS = settings(max_examples=40, deadline=None, database=None)

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def torch_conv_shape(i, k, s, p, d):
    x = torch.zeros(1, 1, *as_pair(i, "i"))
    w = torch.zeros(1, 1, *as_pair(k, "k"))
    return tuple(F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[2:])


def torch_conv_transpose_shape(i, k, s, p, op, d):
    x = torch.zeros(1, 1, *as_pair(i, "i"))
    w = torch.zeros(1, 1, *as_pair(k, "k"))
    return tuple(F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[2:])


# ---------------------------------------------------------------- as_pair


def test_as_pair_int_and_pair():
    assert as_pair(3, "stride") == (3, 3)
    assert as_pair((1, 2), "stride") == (1, 2)
    assert as_pair([4, 5], "stride") == (4, 5)
    assert as_pair(np.int64(2), "stride") == (2, 2)


@pytest.mark.parametrize("bad", [2.0, True, "2", (1, 2, 3), (1.0, 2), None, (1,)])
def test_as_pair_rejects_non_ints(bad):
    with pytest.raises(TypeError, match="stride"):
        as_pair(bad, "stride")


# ---------------------------------------------------------------- conv output size


GRID = list(itertools.product([1, 5], [1, 2, 3], [1, 2, 3], [0, 1, 2], [1, 2]))


@pytest.mark.parametrize("i,k,s,p,d", GRID)
def test_conv_output_size_matches_torch(i, k, s, p, d):
    if i + 2 * p < d * (k - 1) + 1:
        with pytest.raises(RuntimeError):
            torch_conv_shape(i, k, s, p, d)
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_size(i, k, s, p, d)
        return
    expected = torch_conv_shape(i, k, s, p, d)
    got = conv_output_size(i, k, s, p, d)
    assert isinstance(got, int)
    assert (got, got) == expected


@SETTINGS
@given(
    i=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    s=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    p=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_conv_output_size_pairs_property(i, k, s, p, d):
    fits = all(i[a] + 2 * p[a] >= d[a] * (k[a] - 1) + 1 for a in range(2))
    if not fits:
        with pytest.raises(ValueError):
            conv_output_size(i, k, s, p, d)
        return
    assert conv_output_size(i, k, s, p, d) == torch_conv_shape(i, k, s, p, d)


@pytest.mark.parametrize("k,d", [(1, 1), (2, 1), (3, 1), (4, 2), (3, 3)])
def test_conv_output_size_string_padding(k, d):
    assert conv_output_size(9, k, padding="same", dilation=d) == 9 == torch_conv_shape(9, k, 1, "same", d)[0]
    assert conv_output_size(9, k, padding="valid", dilation=d) == torch_conv_shape(9, k, 1, "valid", d)[0]


def test_conv_output_size_same_needs_stride_one():
    with pytest.raises(RuntimeError):
        torch_conv_shape(9, 3, 2, "same", 1)
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(9, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding"):
        conv_output_size(9, 3, padding="full")


# ---------------------------------------------------------------- transposed output size


@pytest.mark.parametrize("i,k,s,p,d", GRID)
def test_conv_transpose_output_size_matches_torch_every_output_padding(i, k, s, p, d):
    for op in range(max(s, d)):  # every legal output_padding
        full = (i - 1) * s + d * (k - 1) + op + 1
        if full - 2 * p < 1:
            with pytest.raises(RuntimeError):
                torch_conv_transpose_shape(i, k, s, p, op, d)
            with pytest.raises(ValueError, match="padding"):
                conv_transpose_output_size(i, k, s, p, op, d)
            continue
        got = conv_transpose_output_size(i, k, s, p, op, d)
        assert (got, got) == torch_conv_transpose_shape(i, k, s, p, op, d)


@SETTINGS
@given(
    i=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    s=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    data=st.data(),
)
def test_conv_transpose_output_size_pairs_property(i, k, s, d, data):
    op = tuple(data.draw(st.integers(0, max(s[a], d[a]) - 1)) for a in range(2))
    p = tuple(
        data.draw(st.integers(0, ((i[a] - 1) * s[a] + d[a] * (k[a] - 1) + op[a]) // 2)) for a in range(2)
    )
    assert conv_transpose_output_size(i, k, s, p, op, d) == torch_conv_transpose_shape(i, k, s, p, op, d)


def test_conv_transpose_output_size_pair_in_pair_out():
    assert conv_transpose_output_size((3, 5), 2, stride=(2, 1)) == (6, 6)
    assert isinstance(conv_transpose_output_size(3, 2, stride=2), int)


@pytest.mark.parametrize("op,s,d", [(2, 2, 1), (1, 1, 1), (3, 2, 3), ((1, 1), (2, 1), 1), (-1, 2, 1)])
def test_output_padding_rule_like_torch(op, s, d):
    with pytest.raises(RuntimeError):
        torch_conv_transpose_shape(4, 3, s, 0, op, d)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose_output_size(4, 3, s, 0, op, d)
    with pytest.raises(ValueError, match="output_padding"):
        check_output_padding(op, s, d)


def test_output_padding_message_names_value_and_rule():
    with pytest.raises(ValueError, match=r"output_padding=2 must be smaller than stride=2 or dilation=1"):
        check_output_padding(2, 2, 1)


def test_output_padding_smaller_than_dilation_is_legal():
    # torch accepts output_padding >= stride when it is < dilation
    assert check_output_padding(1, 1, 2) == (1, 1)
    assert conv_transpose_output_size(4, 3, 1, 0, 1, 2) == torch_conv_transpose_shape(4, 3, 1, 0, 1, 2)[0]


# ---------------------------------------------------------------- output_padding_for


def test_output_padding_for_restores_16x16_with_torch_modules():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(10, 20, kernel_size=5, padding=2, stride=3)
    x = torch.randn(1, 10, 16, 16)
    y = conv(x)
    a = output_padding_for(16, 5, stride=3, padding=2)
    tconv = torch.nn.ConvTranspose2d(20, 10, kernel_size=5, padding=2, stride=3, output_padding=a)
    assert tconv(y).shape == x.shape
    assert conv_transpose_output_size(y.shape[-1], 5, 3, 2, a) == 16


@SETTINGS
@given(
    i=st.tuples(st.integers(1, 14), st.integers(1, 14)),
    k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    s=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
)
def test_output_padding_for_round_trip_property(i, k, s, p, d):
    if not all(i[a] + 2 * p[a] >= d[a] * (k[a] - 1) + 1 for a in range(2)):
        return
    a = output_padding_for(i, k, s, p, d)
    x = torch.zeros(1, 1, *i)
    w = torch.zeros(1, 1, *k)
    y = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    back = F.conv_transpose2d(y, w, stride=s, padding=p, output_padding=a, dilation=d)
    assert tuple(back.shape[2:]) == i
    # Dumoulin & Visin: a = (i + 2p - k_eff) mod s
    assert a == tuple((i[ax] + 2 * p[ax] - (d[ax] * (k[ax] - 1) + 1)) % s[ax] for ax in range(2))


def test_output_padding_for_int_in_int_out():
    assert output_padding_for(7, 3, stride=2) == 0
    assert output_padding_for(8, 3, stride=2) == 1
    assert output_padding_for((7, 8), 3, stride=2) == (0, 1)


# ---------------------------------------------------------------- the shared checks


@pytest.mark.parametrize("check,name", [(check_stride, "stride"), (check_dilation, "dilation")])
@pytest.mark.parametrize("bad", [0, -1, (1, 0)])
def test_stride_dilation_at_least_one(check, name, bad):
    with pytest.raises(ValueError, match=name):
        check(bad)
    x, w = torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 2, 2)
    with pytest.raises(RuntimeError):
        F.conv2d(x, w, **{name: bad})


@pytest.mark.parametrize("bad", [-1, (0, -2)])
def test_padding_not_negative(bad):
    with pytest.raises(ValueError, match="padding"):
        check_padding(bad)
    with pytest.raises(RuntimeError):
        F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 2, 2), padding=bad)


def test_check_groups():
    assert check_groups(6, 4, 2) == 2
    for args, word in [((6, 4, 0), "groups"), ((5, 4, 2), "in_channels"), ((6, 3, 2), "out_channels")]:
        with pytest.raises(ValueError, match=word):
            check_groups(*args)
    with pytest.raises(TypeError, match="groups"):
        check_groups(6, 4, 2.0)


def test_check_finite():
    check_finite(np.ones(3), "input")
    check_finite(np.arange(3), "input")
    for bad in [np.nan, np.inf, -np.inf]:
        with pytest.raises(ValueError, match="weight"):
            check_finite(np.array([1.0, bad]), "weight")


def test_input_and_kernel_sizes_positive():
    with pytest.raises(ValueError, match="input_size"):
        conv_output_size(0, 1)
    with pytest.raises(ValueError, match="kernel_size"):
        conv_transpose_output_size(3, 0)
