"""Tests for deconv_course.torch_ops (devices, models, training, filters), each against an independent reference
(torch.nn.functional, scikit-image, a closed form, or the NumPy restoration module)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deconv_course import data, restoration, torch_ops
from deconv_course.torch_ops import (
    ConvAutoencoder,
    PixelShuffleUpsampler,
    ResizeConvUpsampler,
    SourceDocCNN,
    TransposedConvUpsampler,
    bilinear_kernel,
    pick_device,
    to_tensor,
)

# --------------------------------------------------------------------------- devices


@pytest.fixture
def no_gpu(monkeypatch):
    """Pretend neither CUDA nor MPS exists, whatever this machine has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_pick_device_defaults_to_cpu_without_accelerators(no_gpu, monkeypatch):
    monkeypatch.delenv("DECONV_DEVICE", raising=False)
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv("DECONV_DEVICE", "")
    assert pick_device() == torch.device("cpu")


def test_pick_device_order_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("DECONV_DEVICE", raising=False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device() == torch.device("mps")


@pytest.mark.parametrize("value", ["cpu", "CPU", " cpu "])
def test_pick_device_env_override(monkeypatch, value):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # env must win over CUDA
    monkeypatch.setenv("DECONV_DEVICE", value)
    assert pick_device() == torch.device("cpu")


def test_pick_device_prefer_wins_over_env(monkeypatch):
    monkeypatch.setenv("DECONV_DEVICE", "not-a-device")
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "tpu", "cpu0", "cuda:-1"])
def test_pick_device_rejects_invalid_env(monkeypatch, value):
    monkeypatch.setenv("DECONV_DEVICE", value)
    with pytest.raises(ValueError, match="DECONV_DEVICE") as info:
        pick_device()
    assert "cpu" in str(info.value) and "cuda" in str(info.value) and repr(value) in str(info.value)


def test_pick_device_rejects_invalid_prefer():
    with pytest.raises(ValueError, match="prefer='gpu'"):
        pick_device("gpu")
    with pytest.raises(TypeError, match="prefer"):
        pick_device(0)


@pytest.mark.parametrize("value", ["cuda", "cuda:0", "mps"])
def test_pick_device_rejects_unavailable_accelerator(no_gpu, monkeypatch, value):
    monkeypatch.setenv("DECONV_DEVICE", value)
    with pytest.raises(ValueError, match="not available"):
        pick_device()
    with pytest.raises(ValueError, match="not available"):
        pick_device(value)


def test_to_tensor_keeps_values_and_dtype():
    array = np.arange(6.0).reshape(2, 3)
    tensor = to_tensor(array)
    assert tensor.dtype == torch.float64 and tensor.device.type == "cpu"
    np.testing.assert_array_equal(tensor.numpy(), array)
    as_float32 = to_tensor(array, device="cpu", dtype=torch.float32)
    assert as_float32.dtype == torch.float32
    np.testing.assert_array_equal(as_float32.numpy(), array.astype(np.float32))
    assert to_tensor([1, 2, 3]).tolist() == [1, 2, 3]
    already = torch.ones(2)
    assert to_tensor(already) is already or torch.equal(to_tensor(already), already)


def test_to_tensor_rejects_bad_input():
    with pytest.raises(TypeError, match="dtype"):
        to_tensor(np.zeros(2), dtype="float32")
    with pytest.raises(TypeError, match="object"):
        to_tensor(np.array(["a", None], dtype=object))


# --------------------------------------------------------------------------- models


def test_source_doc_cnn_is_pad_conv_pool_dense():
    torch.manual_seed(0)
    model = SourceDocCNN(hidden=5)
    x = torch.rand(4, 1, 8, 8)
    # the document's four steps written out with torch.nn.functional
    y = F.conv2d(F.pad(x, (1, 1, 1, 1)), model.conv.weight, model.conv.bias)
    y = F.avg_pool2d(torch.relu(y), 2)
    expected = F.linear(y.flatten(1), model.fc.weight, model.fc.bias)
    out = model(x)
    assert out.shape == (4, 10)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("kernel_size, image_size, in_channels", [(3, 8, 1), (5, 8, 3), (1, 12, 2)])
def test_source_doc_cnn_shapes(kernel_size, image_size, in_channels):
    model = SourceDocCNN(
        in_channels=in_channels, num_classes=7, kernel_size=kernel_size, hidden=4, image_size=image_size
    )
    out = model(torch.rand(3, in_channels, image_size, image_size))
    assert out.shape == (3, 7)
    assert model.fc.in_features == 4 * (image_size // 2) ** 2


def test_source_doc_cnn_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size=4"):
        SourceDocCNN(kernel_size=4)
    with pytest.raises(TypeError, match="hidden"):
        SourceDocCNN(hidden=2.5)
    with pytest.raises(ValueError, match=r"\(N, C, 8, 8\)"):
        SourceDocCNN()(torch.rand(2, 1, 7, 7))


@pytest.mark.parametrize(
    "scale, kernel_size", [(2, 4), (2, 3), (2, 2), (3, 3), (3, 5), (3, 6), (4, 8), (2, 1), (1, 3)]
)
@pytest.mark.parametrize("size", [(5, 5), (4, 7)])
def test_transposed_conv_upsampler_is_exactly_scale_times(scale, kernel_size, size):
    model = TransposedConvUpsampler(3, scale=scale, kernel_size=kernel_size)
    out = model(torch.rand(2, 3, *size))
    assert out.shape == (2, 3, scale * size[0], scale * size[1])
    # the layer is what it says: a ConvTranspose2d with stride = scale
    expected = F.conv_transpose2d(
        torch.ones(1, 3, *size),
        model.conv.weight,
        model.conv.bias,
        stride=scale,
        padding=model.padding,
        output_padding=model.output_padding,
    )
    torch.testing.assert_close(model(torch.ones(1, 3, *size)), expected)


def test_transposed_conv_upsampler_rejects_impossible_kernel():
    with pytest.raises(ValueError, match="kernel_size=4 with scale=1"):
        TransposedConvUpsampler(2, scale=1, kernel_size=4)


@pytest.mark.parametrize("scale", [2, 3])
def test_three_upsamplers_same_shapes(scale):
    torch.manual_seed(0)
    x = torch.rand(2, 4, 6, 5)
    shapes = {
        type(m).__name__: m(x).shape
        for m in (
            TransposedConvUpsampler(4, scale=scale, kernel_size=2 * scale),
            ResizeConvUpsampler(4, scale=scale),
            ResizeConvUpsampler(4, scale=scale, mode="bilinear"),
            PixelShuffleUpsampler(4, scale=scale),
        )
    }
    assert set(shapes.values()) == {torch.Size([2, 4, 6 * scale, 5 * scale])}, shapes


def test_resize_conv_is_interpolate_then_conv():
    torch.manual_seed(0)
    model = ResizeConvUpsampler(2, scale=2, kernel_size=3)
    x = torch.rand(1, 2, 4, 4)
    expected = F.conv2d(
        x.repeat_interleave(2, -1).repeat_interleave(2, -2), model.conv.weight, model.conv.bias, padding=1
    )
    torch.testing.assert_close(model(x), expected)
    with pytest.raises(ValueError, match="mode='bicubic'"):
        ResizeConvUpsampler(2, mode="bicubic")


def test_pixel_shuffle_upsampler_places_subpixels():
    """Channel c*r*r + i*r + j of the low-res conv lands at output pixel (r*h + i, r*w + j)."""
    torch.manual_seed(0)
    model = PixelShuffleUpsampler(1, scale=2, kernel_size=1)
    x = torch.rand(1, 1, 3, 3)
    low = model.conv(x)
    out = model(x)
    for i in range(2):
        for j in range(2):
            torch.testing.assert_close(out[0, 0, i::2, j::2], low[0, 2 * i + j])


def test_conv_autoencoder_shapes_and_range():
    torch.manual_seed(0)
    model = ConvAutoencoder(latent_dim=6)
    x = torch.rand(5, 1, 8, 8)
    code = model.encode(x)
    out = model(x)
    assert code.shape == (5, 6)
    assert out.shape == x.shape
    assert out.min() >= 0 and out.max() <= 1
    assert any(isinstance(m, torch.nn.ConvTranspose2d) for m in model.decoder)
    with pytest.raises(ValueError, match=r"\(N, C, 8, 8\)"):
        model(torch.rand(2, 1, 16, 16))


@pytest.mark.parametrize("channels", [1, 3])
def test_bilinear_kernel_equals_bilinear_interpolation_inside(channels):
    torch.manual_seed(0)
    x = torch.rand(2, channels, 7, 9, dtype=torch.float64)
    weight = bilinear_kernel(channels, 4).to(torch.float64)
    assert weight.shape == (channels, channels, 4, 4)
    up = F.conv_transpose2d(x, weight, stride=2, padding=1)
    reference = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    assert up.shape == reference.shape
    torch.testing.assert_close(up[..., 1:-1, 1:-1], reference[..., 1:-1, 1:-1], rtol=0, atol=1e-12)
    # at the border the transposed convolution sees zeros, interpolation replicates the edge
    assert not torch.allclose(up, reference)


def test_bilinear_kernel_closed_form():
    # FCN's upsample_filt for k = 4: [1, 3, 3, 1] / 4 in 1-D, outer product in 2-D
    ramp = torch.tensor([0.25, 0.75, 0.75, 0.25])
    torch.testing.assert_close(bilinear_kernel(1, 4)[0, 0], torch.outer(ramp, ramp))
    ramp3 = torch.tensor([0.5, 1.0, 0.5])  # odd k = 3: centre 1, factor 2
    torch.testing.assert_close(bilinear_kernel(2, 3)[1, 1], torch.outer(ramp3, ramp3))
    assert bilinear_kernel(2, 3)[0, 1].abs().sum() == 0


# --------------------------------------------------------------------------- training


def _toy_classification(n=256, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=generator)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def test_train_lowers_loss_and_is_deterministic():
    x, y = _toy_classification()

    def run(seed):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
        history = torch_ops.train(
            model,
            (x[:200], y[:200]),
            (x[200:], y[200:]),
            epochs=5,
            lr=0.05,
            batch_size=32,
            seed=seed,
            device="cpu",
            progress=False,
        )
        return model, history

    model_a, first = run(0)
    model_b, second = run(0)
    _, other_seed = run(1)
    assert set(first) == {"train_loss", "val_loss", "train_acc", "val_acc"}
    assert all(len(v) == 5 for v in first.values())
    assert first["train_loss"][-1] < 0.5 * first["train_loss"][0]
    assert first["val_acc"][-1] > 0.9
    assert first == second
    for p, q in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(p, q)
    assert other_seed["train_loss"] != first["train_loss"]  # the seed drives the shuffling


def test_train_regression_with_mse_and_arrays():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    history = torch_ops.train(
        model,
        (x, y),
        epochs=20,
        lr=0.05,
        loss="mse",
        optimizer="sgd",
        batch_size=16,
        device="cpu",
        progress=False,
    )
    assert set(history) == {"train_loss", "val_loss"} and history["val_loss"] == []
    assert history["train_loss"][-1] < 1e-3 * history["train_loss"][0]
    np.testing.assert_allclose(model.weight.detach().numpy(), [[1.0, -2.0, 0.5]], atol=1e-2)


def test_train_rejects_bad_arguments():
    x, y = _toy_classification(16)
    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="loss='hinge'"):
        torch_ops.train(model, (x, y), loss="hinge", progress=False)
    with pytest.raises(ValueError, match="optimizer='rmsprop'"):
        torch_ops.train(model, (x, y), optimizer="rmsprop", progress=False)
    with pytest.raises(ValueError, match="16 samples but targets have 15"):
        torch_ops.train(model, (x, y[:15]), progress=False)
    with pytest.raises(ValueError, match="epochs=0"):
        torch_ops.train(model, (x, y), epochs=0, progress=False)
    with pytest.raises(TypeError, match="model"):
        torch_ops.train("model", (x, y), progress=False)


def test_source_doc_cnn_learns_digits():
    images, labels = data.digits()
    x = images[:, None]  # (N, 1, 8, 8)
    torch.manual_seed(0)
    model = SourceDocCNN()
    history = torch_ops.train(
        model,
        (x[:1400], labels[:1400]),
        (x[1400:], labels[1400:]),
        epochs=4,
        lr=1e-2,
        device="cpu",
        progress=False,
    )
    # chance is 10 %; the document's recipe, made trainable, gets far above it quickly
    assert history["val_acc"][-1] > 0.8
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_train_shows_a_progress_bar(capsys):
    x, y = _toy_classification(32)
    torch_ops.train(torch.nn.Linear(2, 2), (x, y), epochs=2, device="cpu", progress=True)
    assert "2/2" in capsys.readouterr().err  # tqdm writes "epochs: 100%|...| 2/2" to stderr
    torch_ops.train(torch.nn.Linear(2, 2), (x, y), epochs=2, device="cpu", progress=False)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- restoration on tensors

PSFS = {
    "gaussian5": restoration.gaussian_psf(5, 1.2),
    "box4x3": restoration.box_psf((4, 3)),  # even size: scipy's 'same' crop convention matters
    "motion7": restoration.motion_psf(7, 30.0),
}


@pytest.fixture(params=[(37, 42), (20, 24, 3)], ids=["gray", "rgb"])
def image(request):
    return np.random.default_rng(0).random(request.param)


@pytest.mark.parametrize("name", PSFS)
def test_linear_filters_equal_numpy_restoration(image, name):
    psf = PSFS[name]
    blurred = restoration.add_gaussian_noise(restoration.blur(image, psf), 0.01, seed=1)
    pairs = [
        (
            torch_ops.inverse_filter(blurred, psf, eps=1e-3),
            restoration.inverse_filter(blurred, psf, eps=1e-3),
        ),
        (torch_ops.wiener(blurred, psf, 0.01), restoration.wiener(blurred, psf, 0.01)),
        (
            torch_ops.wiener(blurred, psf, 0.05, reg=restoration.laplacian_kernel(), clip=True),
            restoration.wiener(blurred, psf, 0.05, reg=restoration.laplacian_kernel(), clip=True),
        ),
        (torch_ops.tikhonov(blurred, psf, 0.02), restoration.tikhonov(blurred, psf, 0.02)),
        (
            torch_ops.tikhonov(blurred, psf, 0.02, operator="laplacian"),
            restoration.tikhonov(blurred, psf, 0.02, operator="laplacian"),
        ),
        # a difference operator that vanishes only at frequency 0, where H = 1 (a 1-D one
        # would vanish on a whole axis, meeting the box's zeros in a 0 / 0)
        (
            torch_ops.tikhonov(blurred, psf, 0.02, operator=np.array([[0.0, -1.0], [-1.0, 2.0]])),
            restoration.tikhonov(blurred, psf, 0.02, operator=np.array([[0.0, -1.0], [-1.0, 2.0]])),
        ),
    ]
    if np.abs(restoration.psf2otf(psf, image.shape[:2])).min() > 1e-8:
        # eps=0 divides by every |H| > 0; where H is zero only up to rounding (a 3-wide box
        # on a width divisible by 3) NumPy and PyTorch round differently, so skip those
        pairs.append((torch_ops.inverse_filter(blurred, psf), restoration.inverse_filter(blurred, psf)))
    for ours, reference in pairs:
        assert isinstance(ours, np.ndarray) and ours.shape == image.shape
        # the unregularised inverse filter amplifies noise (and rounding) to ~1e4, so the
        # tolerance is 1e-8 relative to the result's scale
        np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-8 * max(1.0, np.abs(reference).max()))


@pytest.mark.parametrize("name", PSFS)
def test_psf2otf_equals_numpy_and_closed_form(name):
    psf = PSFS[name]
    np.testing.assert_allclose(
        torch_ops.psf2otf(psf, (16, 18)), restoration.psf2otf(psf, (16, 18)), rtol=0, atol=1e-12
    )
    otf = torch_ops.psf2otf(torch.from_numpy(psf), 16)
    assert isinstance(otf, torch.Tensor) and otf.shape == (16, 16)
    assert abs(complex(otf[0, 0]) - psf.sum()) < 1e-12  # DC gain is the PSF's sum
    # a centred delta has OTF 1 everywhere: the centre goes to pixel (0, 0), no phase
    delta = np.zeros((5, 4))
    delta[2, 2] = 1.0
    np.testing.assert_allclose(torch_ops.psf2otf(delta, (8, 8)), np.ones((8, 8)), atol=1e-15)


def test_psf2otf_keeps_the_tensor_precision():
    psf = PSFS["box4x3"]
    assert torch_ops.psf2otf(torch.from_numpy(psf), 8).dtype == torch.complex128
    single = torch_ops.psf2otf(torch.from_numpy(psf).float(), 8, device="cpu")
    assert single.dtype == torch.complex64 and single.device.type == "cpu"
    with pytest.raises(ValueError, match="device='gpu'"):
        torch_ops.psf2otf(psf, 8, device="gpu")


def test_filters_build_every_otf_with_restorations_one_builder(monkeypatch):
    """One OTF builder for the course: the tensor filters call restoration's, with its centre
    (kH // 2, kW // 2) for the linear filters and scipy's 'same' crop for Richardson-Lucy."""
    calls = []
    build = restoration.psf2otf_rfft

    def recording(kernel, shape, centre):
        calls.append((kernel.shape, tuple(shape), tuple(centre)))
        return build(kernel, shape, centre)

    monkeypatch.setattr(restoration, "psf2otf_rfft", recording)
    image = np.random.default_rng(0).random((20, 24))
    psf = PSFS["box4x3"]
    torch_ops.wiener(image, psf, 0.01, reg=restoration.laplacian_kernel())
    assert calls == [((4, 3), (20, 24), (2, 1)), ((3, 3), (20, 24), (1, 1))]  # H, then R
    calls.clear()
    torch_ops.richardson_lucy(image, psf, num_iter=2)
    assert calls == [((4, 3), (22, 25), (1, 1))] * 2  # the PSF and its mirror, on the padded grid


def test_wiener_matches_skimage():
    from skimage.restoration import wiener as sk_wiener

    image = data.camera(64)
    psf = PSFS["gaussian5"]
    blurred = restoration.add_gaussian_noise(restoration.blur(image, psf), 0.01, seed=0)
    ours = torch_ops.wiener(blurred, psf, 0.02, reg=restoration.laplacian_kernel(), clip=True)
    np.testing.assert_allclose(ours, sk_wiener(blurred, psf, 0.02), rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", PSFS)
@pytest.mark.parametrize("clip, filter_epsilon", [(True, None), (False, None), (False, 0.2)])
def test_richardson_lucy_equals_skimage_and_numpy(image, name, clip, filter_epsilon):
    from skimage.restoration import richardson_lucy as sk_richardson_lucy

    psf = PSFS[name]
    blurred = restoration.blur(image, psf, boundary="zero")
    ours = torch_ops.richardson_lucy(blurred, psf, num_iter=15, clip=clip, filter_epsilon=filter_epsilon)
    if image.ndim == 2:
        reference = sk_richardson_lucy(blurred, psf, num_iter=15, clip=clip, filter_epsilon=filter_epsilon)
    else:
        reference = np.stack(
            [
                sk_richardson_lucy(
                    blurred[..., c], psf, num_iter=15, clip=clip, filter_epsilon=filter_epsilon
                )
                for c in range(image.shape[2])
            ],
            axis=-1,
        )
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        ours,
        restoration.richardson_lucy(blurred, psf, num_iter=15, clip=clip, filter_epsilon=filter_epsilon),
        rtol=0,
        atol=1e-8,
    )


def test_restoration_returns_the_kind_it_is_given():
    image = data.camera(32)
    psf = PSFS["gaussian5"]
    blurred = restoration.blur(image, psf)
    tensor = torch.from_numpy(blurred)
    for function, args in [
        (torch_ops.wiener, (0.01,)),
        (torch_ops.tikhonov, (0.01,)),
        (torch_ops.inverse_filter, (1e-2,)),
        (torch_ops.richardson_lucy, (5,)),
    ]:
        from_array = function(blurred, psf, *args)
        from_tensor = function(tensor, torch.from_numpy(psf), *args)
        from_float32 = function(tensor.float(), psf, *args)
        on_cpu = function(blurred, psf, *args, device="cpu")
        assert isinstance(from_array, np.ndarray) and isinstance(on_cpu, np.ndarray)
        assert isinstance(from_tensor, torch.Tensor) and from_tensor.dtype == torch.float64
        assert from_float32.dtype == torch.float32
        np.testing.assert_allclose(from_tensor.numpy(), from_array, atol=1e-12)
        np.testing.assert_allclose(from_float32.numpy(), from_array, atol=1e-4)
    # uint8 input means 0..255, scaled to [0, 1] as in restoration
    as_uint8 = (blurred * 255).round().astype(np.uint8)
    np.testing.assert_allclose(
        torch_ops.wiener(as_uint8, psf, 0.01), restoration.wiener(as_uint8, psf, 0.01), atol=1e-10
    )


def test_restoration_rejects_bad_input():
    image = np.random.default_rng(0).random((16, 16))
    psf = PSFS["gaussian5"]
    with pytest.raises(ValueError, match="psf has negative entries"):
        torch_ops.wiener(image, -psf, 0.1)
    with pytest.raises(ValueError, match="balance=0 must be a finite number > 0"):
        torch_ops.wiener(image, psf, 0)
    with pytest.raises(ValueError, match="num_iter=0 must be an integer >= 1"):
        torch_ops.richardson_lucy(image, psf, num_iter=0)
    with pytest.raises(TypeError, match="num_iter"):
        torch_ops.richardson_lucy(image, psf, num_iter=2.5)
    with pytest.raises(ValueError, match="image of shape"):
        torch_ops.wiener(np.zeros((2, 3, 4, 5)), psf, 0.1)
    with pytest.raises(ValueError, match="must not be larger than the image"):
        torch_ops.inverse_filter(np.zeros((3, 3)), psf)
    with pytest.raises(TypeError, match="complex"):
        torch_ops.tikhonov(image + 0j, psf, 0.1)
    with pytest.raises(ValueError, match="operator='sobel'"):
        torch_ops.tikhonov(image, psf, 0.1, operator="sobel")
    with pytest.raises(ValueError, match="NaN"):
        torch_ops.richardson_lucy(np.full((8, 8), np.nan), psf)
