"""Tests for the upsampling family: numpy_ops.upsampling (bed of nails, max-unpooling with switches)
and torch_ops.upsampling (ICNR, the checkerboard meter, the grouped bilinear upsampler, the x2
super-resolution experiment), each against PyTorch or a closed form."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deconv_course import data, numpy_ops, torch_ops
from deconv_course.torch_ops import (
    UPSAMPLER_KINDS,
    SuperResolutionNet,
    bilinear_kernel,
    bilinear_upsampler,
    checkerboard_energy,
    icnr_,
    super_resolution_pairs,
    train_super_resolution,
)

# --------------------------------------------------------------------------- bed of nails


@pytest.mark.parametrize("scale", [1, 2, 3, (2, 3)])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (2, 2, 3, 5)])
def test_bed_of_nails_is_a_transposed_convolution_with_a_corner_kernel(scale, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    sh, sw = (scale, scale) if isinstance(scale, int) else scale
    kernel = torch.zeros(1, 1, sh, sw, dtype=torch.float64)
    kernel[0, 0, 0, 0] = 1.0
    planes = torch.from_numpy(x).reshape(-1, 1, *shape[-2:])
    expected = F.conv_transpose2d(planes, kernel, stride=(sh, sw)).reshape(*shape[:-2], shape[-2] * sh, -1)
    out = numpy_ops.bed_of_nails(x, scale)
    assert out.shape == shape[:-2] + (shape[-2] * sh, shape[-1] * sw)
    np.testing.assert_allclose(out, expected.numpy(), atol=1e-15)


def test_bed_of_nails_extends_zero_insert_by_trailing_zeros():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    out = numpy_ops.bed_of_nails(x, 2)
    np.testing.assert_array_equal(out[:-1, :-1], numpy_ops.zero_insert(x, 2))
    assert not out[-1].any() and not out[:, -1].any()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (([1, 2, 3], 2), ValueError),
        (([[1.0]], 0), ValueError),
        (([[1.0]], 1.5), TypeError),
        ((["a"], 2), TypeError),
    ],
)
def test_bed_of_nails_rejects_bad_input(args, error):
    with pytest.raises(error):
        numpy_ops.bed_of_nails(*args)


# --------------------------------------------------------------------------- max-unpooling with switches


@pytest.mark.parametrize(("kernel_size", "stride"), [(2, None), (3, None), (2, 1), (3, 2), ((2, 3), (2, 1))])
@pytest.mark.parametrize("shape", [(3, 7, 8), (2, 3, 6, 9)])
def test_max_pool_with_indices_and_unpool_equal_pytorch(kernel_size, stride, shape):
    x = torch.from_numpy(np.random.default_rng(1).standard_normal(shape))  # continuous: no ties
    values, indices = F.max_pool2d(x, kernel_size, stride, return_indices=True)
    ours_values, ours_indices = numpy_ops.max_pool2d_with_indices(x.numpy(), kernel_size, stride)
    np.testing.assert_array_equal(ours_values, values.numpy())
    np.testing.assert_array_equal(ours_indices, indices.numpy())
    assert ours_indices.dtype == np.int64
    unpooled = F.max_unpool2d(values, indices, kernel_size, stride, output_size=shape[-2:])
    np.testing.assert_array_equal(
        numpy_ops.max_unpool2d(ours_values, ours_indices, shape[-2:]), unpooled.numpy()
    )


def test_unpooling_puts_each_maximum_back_where_it_was():
    x = np.array([[[1.0, 5.0, 0.0, 2.0], [3.0, 4.0, 7.0, 1.0]]])  # (1, 2, 4): two 2x2 windows
    values, switches = numpy_ops.max_pool2d_with_indices(x, 2)
    np.testing.assert_array_equal(values, [[[5.0, 7.0]]])
    np.testing.assert_array_equal(switches, [[[1, 6]]])  # flat positions row * 4 + column
    np.testing.assert_array_equal(
        numpy_ops.max_unpool2d(values, switches, (2, 4)), [[[0.0, 5.0, 0.0, 0.0], [0.0, 0.0, 7.0, 0.0]]]
    )


def test_max_pool_tie_goes_to_the_first_maximum_like_pytorch():
    x = np.ones((1, 4, 4))
    _, switches = numpy_ops.max_pool2d_with_indices(x, 2)
    _, reference = F.max_pool2d(torch.ones(1, 4, 4, dtype=torch.float64), 2, return_indices=True)
    np.testing.assert_array_equal(switches, reference.numpy())


def test_max_pool_and_unpool_reject_bad_input():
    with pytest.raises(ValueError, match="kernel_size"):
        numpy_ops.max_pool2d_with_indices(np.ones((1, 2, 2)), 3)
    with pytest.raises(ValueError, match="dimensions"):
        numpy_ops.max_pool2d_with_indices(np.ones((2, 2)), 2)
    values, switches = numpy_ops.max_pool2d_with_indices(np.ones((1, 4, 4)), 2)
    with pytest.raises(TypeError, match="integer"):
        numpy_ops.max_unpool2d(values, switches.astype(float), (4, 4))
    with pytest.raises(ValueError, match="shape of input"):
        numpy_ops.max_unpool2d(values, switches[..., :1], (4, 4))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        numpy_ops.max_unpool2d(values, switches, (2, 2))


# --------------------------------------------------------------------------- ICNR


@pytest.mark.parametrize(
    ("scale", "c_in", "c_out", "k"), [(2, 3, 2, 3), (3, 2, 1, 3), (2, 4, 4, 1), (4, 1, 2, 5)]
)
@pytest.mark.parametrize("with_bias", [False, True])
def test_icnr_makes_conv_plus_pixel_shuffle_a_nearest_resize_of_one_conv(scale, c_in, c_out, k, with_bias):
    torch.manual_seed(0)
    conv = nn.Conv2d(c_in, c_out * scale * scale, k, padding=k // 2, bias=with_bias)
    returned = icnr_(conv.weight, scale, bias=conv.bias if with_bias else None)
    assert returned is conv.weight
    x = torch.randn(2, c_in, 5, 6)
    with torch.no_grad():
        shuffled = F.pixel_shuffle(conv(x), scale)
        sub_bias = conv.bias[:: scale * scale] if with_bias else None
        sub = F.conv2d(x, conv.weight[:: scale * scale], sub_bias, padding=k // 2)
        expected = F.interpolate(sub, scale_factor=scale, mode="nearest")
    assert torch.allclose(shuffled, expected, atol=1e-6)


def test_icnr_uses_the_given_initialiser_once_per_group():
    weight = torch.empty(8, 3, 3, 3)
    icnr_(weight, 2, init=nn.init.ones_)
    assert torch.all(weight == 1)
    torch.manual_seed(0)
    icnr_(weight, 2)  # kaiming normal: random, equal within each group of scale**2 = 4 channels
    groups = weight.view(2, 4, 3, 3, 3)
    assert torch.equal(groups, groups[:, :1].expand_as(groups))
    assert not torch.equal(groups[0, 0], groups[1, 0])


def test_icnr_rejects_bad_input():
    with pytest.raises(ValueError, match="divisible by scale"):
        icnr_(torch.empty(6, 1, 3, 3), 2)
    with pytest.raises(ValueError, match="4-D"):
        icnr_(torch.empty(8, 3), 2)
    with pytest.raises(TypeError, match="torch.Tensor"):
        icnr_(np.zeros((4, 1, 3, 3)), 2)
    with pytest.raises(ValueError, match="scale"):
        icnr_(torch.empty(4, 1, 3, 3), 0)
    with pytest.raises(ValueError, match="bias"):
        icnr_(torch.empty(4, 1, 3, 3), 2, bias=torch.zeros(3))
    with pytest.raises(TypeError, match="init"):
        icnr_(torch.empty(4, 1, 3, 3), 2, init="kaiming")


# --------------------------------------------------------------------------- checkerboard energy


@pytest.mark.parametrize("stride", [2, 3, 4])
def test_a_stride_periodic_pattern_has_all_its_energy_at_the_stride_frequencies(stride):
    tile = np.random.default_rng(stride).random((stride, stride))
    assert checkerboard_energy(np.tile(tile, (8, 8)), stride) == pytest.approx(1.0, abs=1e-12)


def test_a_smooth_image_has_none_and_nearest_upsampling_exactly_none():
    n = 32
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    smooth = np.cos(2 * np.pi * i / n) + np.sin(2 * np.pi * 2 * j / n)
    assert checkerboard_energy(smooth) == pytest.approx(0.0, abs=1e-20)
    blocks = numpy_ops.upsample_nearest(np.random.default_rng(0).random((1, 16, 16)), 2)
    assert checkerboard_energy(blocks) == pytest.approx(0.0, abs=1e-20)
    assert checkerboard_energy(data.camera(size=64)) < 1e-3


def test_checkerboard_energy_closed_form():
    # a + b (-1)^(i+j) + c cos(2 pi i / N): power b^2 N^4 at (N/2, N/2), c^2 N^4 / 4 at (1, 0) and (N-1, 0)
    n, a, b, c = 16, 0.3, 0.2, 0.5
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    image = a + b * (-1.0) ** (i + j) + c * np.cos(2 * np.pi * i / n)
    assert checkerboard_energy(image) == pytest.approx(b**2 / (b**2 + c**2 / 2), rel=1e-12)


def test_checkerboard_energy_ignores_brightness_scale_and_offset():
    image = np.random.default_rng(0).random((3, 16, 16))
    values = checkerboard_energy(image, reduction="none")
    assert values.shape == (3,)
    np.testing.assert_allclose(checkerboard_energy(7.5 * image - 2.0, reduction="none"), values, rtol=1e-10)
    assert checkerboard_energy(image) == pytest.approx(values.mean())
    assert checkerboard_energy(torch.from_numpy(image).float()) == pytest.approx(values.mean(), rel=1e-5)


def test_a_constant_image_scores_zero():
    assert checkerboard_energy(np.full((8, 8), 3.0)) == 0.0
    assert checkerboard_energy(np.zeros((2, 8, 8)), reduction="none").tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((np.ones((8, 8)), 1), {}, ValueError),
        ((np.ones((9, 8)), 2), {}, ValueError),
        ((np.ones(8),), {}, ValueError),
        ((np.ones((8, 8)),), {"reduction": "sum"}, ValueError),
        ((np.ones((8, 8)), 2.0), {}, TypeError),
        ((np.full((8, 8), np.nan),), {}, ValueError),
    ],
)
def test_checkerboard_energy_rejects_bad_input(args, kwargs, error):
    with pytest.raises(error):
        checkerboard_energy(*args, **kwargs)


# --------------------------------------------------------------------------- grouped bilinear upsampler


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_grouped_bilinear_upsampler_equals_interpolate_away_from_the_border(scale, channels):
    layer = bilinear_upsampler(channels, scale)
    assert layer.groups == channels and layer.weight.shape[:2] == (channels, 1)
    assert not layer.weight.requires_grad and layer.bias is None
    x = torch.randn(2, channels, 7, 6, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = layer(x)
    reference = F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)
    assert out.shape == reference.shape == (2, channels, 7 * scale, 6 * scale)
    m = scale  # the border where the zeros outside the image enter
    assert torch.allclose(out[..., m:-m, m:-m], reference[..., m:-m, m:-m], atol=1e-5)


def test_grouped_and_dense_diagonal_kernels_agree_with_c_times_fewer_parameters():
    channels = 5
    grouped = bilinear_upsampler(channels, 2)
    dense = nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1, bias=False)
    with torch.no_grad():
        dense.weight.copy_(bilinear_kernel(channels, 4))
        x = torch.randn(1, channels, 6, 6)
        assert torch.allclose(grouped(x), dense(x), atol=1e-6)
    assert dense.weight.numel() == channels * grouped.weight.numel()
    assert bilinear_upsampler(2, 2, learnable=True).weight.requires_grad


def test_bilinear_upsampler_rejects_bad_input():
    with pytest.raises(ValueError, match="channels"):
        bilinear_upsampler(0)
    with pytest.raises(TypeError, match="scale"):
        bilinear_upsampler(2, 2.0)
    with pytest.raises(TypeError, match="learnable"):
        bilinear_upsampler(2, 2, learnable=1)


# --------------------------------------------------------------------------- super-resolution experiment


@pytest.mark.parametrize("kind", UPSAMPLER_KINDS)
def test_super_resolution_net_doubles_the_size(kind):
    torch.manual_seed(0)
    model = SuperResolutionNet(kind, channels=4)
    with torch.no_grad():
        assert model(torch.rand(2, 1, 8, 8)).shape == (2, 1, 16, 16)


def test_icnr_network_starts_with_a_nearest_resize_in_its_upsampler():
    torch.manual_seed(0)
    model = SuperResolutionNet("pixel_shuffle_icnr", channels=4)
    features = torch.rand(1, 4, 6, 6)
    with torch.no_grad():
        up = model.up(features)
        weight, bias = model.up.conv.weight[::4], model.up.conv.bias[::4]
        expected = F.interpolate(F.conv2d(features, weight, bias, padding=1), scale_factor=2, mode="nearest")
    assert torch.allclose(up, expected, atol=1e-6)
    assert checkerboard_energy(up[0]) == pytest.approx(0.0, abs=1e-12)


def test_super_resolution_net_rejects_bad_input():
    with pytest.raises(ValueError, match="upsampler"):
        SuperResolutionNet("bicubic")
    with pytest.raises(ValueError, match="scale"):
        SuperResolutionNet("resize_conv", scale=1)


def test_super_resolution_pairs_are_block_means_and_seeded():
    images = [data.camera(size=40), data.astronaut(size=48)]
    low, high = super_resolution_pairs(images, num_patches=6, patch_size=16, scale=2, seed=3)
    assert low.shape == (6, 1, 8, 8) and high.shape == (6, 1, 16, 16) and high.dtype == torch.float32
    block_means = high.numpy().reshape(6, 1, 8, 2, 8, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(low.numpy(), block_means, atol=1e-6)
    again = super_resolution_pairs(images, num_patches=6, patch_size=16, scale=2, seed=3)
    assert torch.equal(again[1], high)
    assert not torch.equal(super_resolution_pairs(images, num_patches=6, patch_size=16, seed=4)[1], high)


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (([np.ones((8, 8))],), {"patch_size": 16}, ValueError),
        (([np.ones((20, 20))],), {"patch_size": 15}, ValueError),
        ((np.ones((2, 20, 20)),), {}, TypeError),
        (([],), {}, TypeError),
        (([np.ones((20, 20, 3))],), {"patch_size": 16}, ValueError),
    ],
)
def test_super_resolution_pairs_reject_bad_input(args, kwargs, error):
    with pytest.raises(error):
        super_resolution_pairs(*args, **kwargs)


def _tiny_problem():
    images = [data.camera(size=48), data.astronaut(size=48)]
    train_pair = super_resolution_pairs(images, num_patches=32, patch_size=16, seed=0)
    return train_pair, {"held out": super_resolution_pairs(images, num_patches=4, patch_size=16, seed=1)}


def test_train_super_resolution_is_seeded_and_learns():
    train_pair, probes = _tiny_problem()
    histories = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SuperResolutionNet("resize_conv", channels=4)
        histories.append(train_super_resolution(model, train_pair, probes, steps=30, every=10, lr=5e-3))
    first, second = histories
    # two runs with the same seeds are identical (NaN at step 0 counts as equal)
    np.testing.assert_array_equal(first["train_loss"], second["train_loss"])
    assert first["energy"] == second["energy"] and first["psnr"] == second["psnr"]
    assert first["step"] == [0, 10, 20, 30]
    assert set(first) == {"step", "train_loss", "energy", "psnr"}
    assert len(first["energy"]["held out"]) == len(first["psnr"]["held out"]) == 4
    assert np.isnan(first["train_loss"][0]) and first["train_loss"][-1] < first["train_loss"][1]
    assert first["psnr"]["held out"][-1] > first["psnr"]["held out"][0]
    assert all(0.0 <= e <= 1.0 for e in first["energy"]["held out"])


def test_train_super_resolution_measures_with_checkerboard_energy_and_psnr():
    train_pair, probes = _tiny_problem()
    low, high = probes["held out"]
    torch.manual_seed(0)
    model = SuperResolutionNet("transposed_k3", channels=4)
    with torch.no_grad():
        start = model(low)
    history = train_super_resolution(model, train_pair, probes, steps=1, every=1)
    assert history["energy"]["held out"][0] == pytest.approx(checkerboard_energy(start[:, 0]))
    from skimage.metrics import peak_signal_noise_ratio

    expected = np.mean(
        [
            peak_signal_noise_ratio(h[0].double().numpy(), o[0].clamp(0, 1).double().numpy(), data_range=1.0)
            for h, o in zip(high, start)
        ]
    )
    assert history["psnr"]["held out"][0] == pytest.approx(expected, rel=1e-6)


def test_train_super_resolution_rejects_bad_input():
    train_pair, probes = _tiny_problem()
    low, high = probes["held out"]
    model = SuperResolutionNet("resize_conv", channels=2)
    with pytest.raises(TypeError, match="model"):
        train_super_resolution("net", train_pair, probes)
    with pytest.raises(TypeError, match="train_pair"):
        train_super_resolution(model, train_pair[0], probes)
    with pytest.raises(TypeError, match="probes"):
        train_super_resolution(model, train_pair, (low, high))
    with pytest.raises(ValueError, match="probes"):
        train_super_resolution(model, train_pair, {"bad": (low[:2], high)})
    with pytest.raises(ValueError, match="steps"):
        train_super_resolution(model, train_pair, probes, steps=0)
    with pytest.raises(ValueError, match="lr"):
        train_super_resolution(model, train_pair, probes, lr=-1.0)


def test_the_package_exports_the_upsampling_names():
    for name in ("icnr_", "checkerboard_energy", "bilinear_upsampler", "train_super_resolution"):
        assert name in torch_ops.__all__
    for name in ("bed_of_nails", "max_pool2d_with_indices", "max_unpool2d"):
        assert name in numpy_ops.__all__
