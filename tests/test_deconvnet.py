"""Tests for deconv_course.torch_ops.deconvnet (Zeiler & Fergus's deconvnet), each against PyTorch:
autograd gradients of the single operations, ``nn.ConvTranspose2d``, and an autograd run whose ReLU
backward is replaced by hooks (how attribution libraries such as Captum implement the deconvnet)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deconv_course import data
from deconv_course.timing import one_thread
from deconv_course.torch_ops import (
    SmallDigitCNN,
    backward_relu,
    deconvnet_project,
    gradient_saliency,
    strongest_activation,
    train,
    transposed_filter,
    unpool,
)


def small_model(seed=0, **kwargs) -> SmallDigitCNN:
    torch.manual_seed(seed)
    return SmallDigitCNN(**kwargs).double()


def random_image(seed=0, size=16, channels=None) -> torch.Tensor:
    shape = (size, size) if channels is None else (channels, size, size)
    return torch.from_numpy(np.random.default_rng(seed).random(shape))


# --------------------------------------------------------------------------- the model


def test_forward_with_switches_records_what_functional_ops_compute():
    model = small_model()
    x = random_image()[None, None]
    logits, records = model.forward_with_switches(x)
    assert len(records) == 2 and logits.shape == (1, 10)
    h = x
    for conv, record in zip(model.convs, records):
        pre = F.conv2d(h, conv.weight, conv.bias, padding=1)
        h, idx = F.max_pool2d(F.relu(pre), 2, return_indices=True)
        torch.testing.assert_close(record.pre_relu, pre, rtol=0, atol=1e-12)
        torch.testing.assert_close(record.pooled, h, rtol=0, atol=1e-12)
        assert torch.equal(record.switches, idx)
    torch.testing.assert_close(logits, F.linear(h.flatten(1), model.fc.weight, model.fc.bias))
    assert records[0].pooled.shape == (1, 8, 8, 8) and records[1].pooled.shape == (1, 16, 4, 4)
    torch.testing.assert_close(model(x), logits)


def test_small_digit_cnn_trains_to_90_percent_on_held_out_digits():
    images, labels = data.digits()
    x = F.interpolate(torch.from_numpy(images)[:, None], size=16, mode="bilinear", align_corners=False)
    order = np.random.default_rng(0).permutation(len(x))
    train_idx, test_idx = order[:1400], order[1400:]
    torch.manual_seed(0)
    model = SmallDigitCNN()
    with one_thread():  # tiny convolutions: one thread is as fast, and far faster on a busy machine
        history = train(
            model, (x[train_idx], labels[train_idx]), (x[test_idx], labels[test_idx]),
            epochs=6, lr=1e-2, batch_size=64, progress=False, device="cpu",
        )  # fmt: skip
    assert history["val_acc"][-1] >= 0.9


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image_size=15), "image_size=15 must be divisible by 2 \\*\\* len\\(channels\\) = 4"),
        (dict(channels=()), "channels"),
        (dict(channels=(8, 0)), "channels=0"),
        (dict(in_channels=0), "in_channels=0"),
    ],
)
def test_small_digit_cnn_rejects_bad_settings(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SmallDigitCNN(**kwargs)


def test_forward_rejects_wrong_input_shape():
    with pytest.raises(ValueError, match=r"must be \(N, 1, 16, 16\)"):
        small_model()(torch.zeros(1, 1, 8, 8, dtype=torch.float64))


# --------------------------------------------------------------------------- the three steps


@pytest.mark.parametrize(
    "conv_kwargs",
    [
        dict(in_channels=1, out_channels=8, kernel_size=3, padding=1),
        dict(in_channels=8, out_channels=16, kernel_size=3, padding=1),
        dict(in_channels=3, out_channels=4, kernel_size=5, padding=2, dilation=1),
        dict(in_channels=4, out_channels=6, kernel_size=3, padding=2, dilation=2),
        dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2),
        dict(in_channels=2, out_channels=3, kernel_size=(3, 5), padding=(1, 2)),
    ],
)
def test_transposed_filter_is_the_gradient_of_the_conv_and_a_conv_transpose2d_layer(conv_kwargs):
    torch.manual_seed(0)
    conv = nn.Conv2d(**conv_kwargs).double()
    x = torch.randn(2, conv.in_channels, 9, 10, dtype=torch.float64, requires_grad=True)
    out = conv(x)
    upstream = torch.randn_like(out)
    (grad,) = torch.autograd.grad((out * upstream).sum(), x)  # the adjoint applied to upstream
    ours = transposed_filter(upstream, conv)
    torch.testing.assert_close(ours, grad, rtol=0, atol=1e-10)

    layer = nn.ConvTranspose2d(
        conv.out_channels, conv.in_channels, conv.kernel_size,
        padding=conv.padding, dilation=conv.dilation, groups=conv.groups, bias=False,
    ).double()  # fmt: skip
    with torch.no_grad():
        layer.weight.copy_(
            conv.weight
        )  # the same tensor: (out, in/groups, kH, kW) read as (in, out/groups, ...)
        torch.testing.assert_close(ours, layer(upstream), rtol=0, atol=1e-10)


def test_transposed_filter_rejects_a_non_conv():
    with pytest.raises(TypeError, match="conv must be a torch.nn.Conv2d"):
        transposed_filter(torch.zeros(1, 1, 4, 4), nn.Linear(2, 2))


@pytest.mark.parametrize("size", [(8, 8), (6, 10), (7, 9)])
def test_unpool_is_the_gradient_of_max_pool_for_one_hot_upstreams(size):
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.standard_normal((2, 3, *size))).requires_grad_(True)
    pooled, switches = F.max_pool2d(x, 2, return_indices=True)
    for n, c, i, j in [(0, 0, 0, 0), (1, 2, pooled.shape[2] - 1, pooled.shape[3] - 1), (0, 1, 1, 2)]:
        one_hot = torch.zeros_like(pooled)
        one_hot[n, c, i, j] = 1.0
        (grad,) = torch.autograd.grad(pooled[n, c, i, j], x, retain_graph=True)
        ours = unpool(one_hot, switches, x.shape)
        assert ours.shape == x.shape
        torch.testing.assert_close(ours, grad, rtol=0, atol=0)
    upstream = torch.from_numpy(rng.standard_normal(pooled.shape))  # and, by linearity, for any upstream
    (grad,) = torch.autograd.grad((pooled * upstream).sum(), x)
    torch.testing.assert_close(unpool(upstream, switches, x.shape), grad, rtol=0, atol=0)


def test_backward_relu_rules():
    rng = np.random.default_rng(2)
    pre = torch.from_numpy(rng.standard_normal((2, 3, 5, 5)))
    pre[0, 0, 0, 0] = 0.0  # the kink: PyTorch's gradient there is 0
    signal = torch.from_numpy(rng.standard_normal((2, 3, 5, 5)))
    z = pre.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad((F.relu(z) * signal).sum(), z)
    torch.testing.assert_close(backward_relu(signal, pre, "gradient"), grad, rtol=0, atol=0)
    torch.testing.assert_close(backward_relu(signal, pre, "deconvnet"), F.relu(signal), rtol=0, atol=0)
    torch.testing.assert_close(backward_relu(signal, pre, "guided"), F.relu(grad), rtol=0, atol=0)
    with pytest.raises(ValueError, match="rule='sign' must be one of"):
        backward_relu(signal, pre, "sign")


# --------------------------------------------------------------------------- the projections


def hooked_gradient(model, x, layer, channel, rule):
    """d a / d x by autograd, with every ReLU's backward replaced by the deconvnet or the guided rule."""

    def hook(module, grad_input, grad_output):
        if rule == "deconvnet":
            return (F.relu(grad_output[0]),)  # ignore the forward mask, rectify what comes down
        return (F.relu(grad_input[0]),)  # guided: the forward mask (grad_input) and then rectify

    handles = [relu.register_full_backward_hook(hook) for relu in model.relus]
    try:
        x = x.clone()[None, None].requires_grad_(True)
        pooled = model.forward_with_switches(x)[1][layer - 1].pooled
        flat = int(pooled[0, channel].argmax())
        w = pooled.shape[-1]
        value = pooled[0, channel, flat // w, flat % w]
        (grad,) = torch.autograd.grad(value, x)
    finally:
        for handle in handles:
            handle.remove()
    return value.detach() * grad[0, 0]


CASES = [(seed, layer, channel) for seed in (0, 1) for layer, channel in [(1, 0), (1, 5), (2, 3), (2, 15)]]


@pytest.mark.parametrize("seed, layer, channel", CASES)
def test_deconvnet_with_the_gradient_relu_rule_is_the_gradient(seed, layer, channel):
    model, x = small_model(seed), random_image(seed)
    value, _ = strongest_activation(model, x, layer, channel)
    grad = gradient_saliency(model, x, layer, channel)
    assert grad.shape == (16, 16)
    projected = deconvnet_project(model, x, layer, channel, relu_rule="gradient")
    torch.testing.assert_close(projected, value * grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed, layer, channel", CASES)
@pytest.mark.parametrize("rule", ["deconvnet", "guided"])
def test_deconvnet_and_guided_equal_autograd_with_hooked_relus(seed, layer, channel, rule):
    model, x = small_model(seed), random_image(seed)
    projected = deconvnet_project(model, x, layer, channel, relu_rule=rule)
    torch.testing.assert_close(projected, hooked_gradient(model, x, layer, channel, rule), rtol=0, atol=1e-12)


def test_the_deconvnet_differs_from_the_gradient_only_through_the_relu_rule():
    model, x = small_model(3), random_image(3)
    value, _ = strongest_activation(model, x, 2, 1)
    deconv = deconvnet_project(model, x, 2, 1)
    grad = gradient_saliency(model, x, 2, 1)
    assert not torch.allclose(deconv, value * grad, atol=1e-6)  # different rules, different pictures
    # in block 1 the only ReLU going down is the chosen activation's own, at a positive value: the rules agree
    value_1, _ = strongest_activation(model, x, 1, 2)
    assert value_1 > 0
    torch.testing.assert_close(
        deconvnet_project(model, x, 1, 2), value_1 * gradient_saliency(model, x, 1, 2), rtol=0, atol=1e-12
    )


def test_strongest_activation_is_the_argmax_of_the_pooled_map():
    model, x = small_model(), random_image()
    h = x[None, None]
    for layer, conv in enumerate(model.convs, start=1):
        with torch.no_grad():
            h = F.max_pool2d(F.relu(F.conv2d(h, conv.weight, conv.bias, padding=1)), 2)
        for channel in (0, conv.out_channels - 1):
            value, (row, col) = strongest_activation(model, x, layer, channel)
            assert value == pytest.approx(float(h[0, channel].max()), abs=1e-12)
            assert float(h[0, channel, row, col]) == pytest.approx(value, abs=1e-12)


def test_position_picks_another_activation():
    model, x = small_model(), random_image()
    proj = deconvnet_project(model, x, 2, 0, position=(0, 0), relu_rule="gradient")
    grad = gradient_saliency(model, x, 2, 0, position=(0, 0))
    pooled = model.forward_with_switches(x[None, None])[1][1].pooled
    torch.testing.assert_close(proj, pooled[0, 0, 0, 0].detach() * grad, rtol=0, atol=1e-12)


def test_accepts_image_shapes_and_many_channels():
    model = small_model(in_channels=3, channels=(4, 6, 5), image_size=16)
    x = random_image(channels=3)
    for shaped in (x, x[None]):
        assert deconvnet_project(model, shaped, 3, 4).shape == (3, 16, 16)
        assert gradient_saliency(model, shaped, 3, 4).shape == (3, 16, 16)
    one = small_model()
    image = random_image()
    torch.testing.assert_close(
        deconvnet_project(one, image, 1, 0), deconvnet_project(one, image[None, None], 1, 0)
    )
    assert deconvnet_project(one, image.numpy(), 1, 0).shape == (16, 16)  # NumPy works too


@pytest.mark.parametrize("fn", [deconvnet_project, gradient_saliency, strongest_activation])
@pytest.mark.parametrize(
    "layer, channel, error, match",
    [
        (0, 0, ValueError, r"layer=0 must be an integer in \[1, 2\]"),
        (3, 0, ValueError, r"layer=3 must be an integer in \[1, 2\]"),
        (1.0, 0, TypeError, r"layer=1.0 must be an integer"),
        (1, -1, ValueError, r"channel=-1 must be an integer in \[0, 7\]"),
        (1, 8, ValueError, r"channel=8 must be an integer in \[0, 7\]"),
        (2, 16, ValueError, r"channel=16 must be an integer in \[0, 15\]"),
    ],
)
def test_bad_layer_or_channel_raises_naming_the_argument(fn, layer, channel, error, match):
    with pytest.raises(error, match=match):
        fn(small_model(), random_image(), layer, channel)


def test_bad_model_image_position_and_rule():
    model, x = small_model(), random_image()
    with pytest.raises(TypeError, match="model must be a SmallDigitCNN"):
        deconvnet_project(nn.Conv2d(1, 1, 3), x, 1, 0)
    with pytest.raises(ValueError, match=r"x of shape \(8, 8\) must be one image"):
        deconvnet_project(model, x[:8, :8], 1, 0)
    with pytest.raises(ValueError, match=r"x of shape \(2, 1, 16, 16\) must be one image"):
        gradient_saliency(model, torch.stack([x, x])[:, None], 1, 0)
    with pytest.raises(ValueError, match=r"position\[0\]=8 must be an integer in \[0, 7\]"):
        deconvnet_project(model, x, 1, 0, position=(8, 0))
    with pytest.raises(TypeError, match="position=3 must be None or a"):
        gradient_saliency(model, x, 1, 0, position=3)
    with pytest.raises(ValueError, match="relu_rule='sign' must be one of"):
        deconvnet_project(model, x, 1, 0, relu_rule="sign")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_projections_on_cuda_equal_the_cpu():
    model, x = small_model(), random_image()
    cuda_model = small_model().cuda()
    for layer, channel in [(1, 3), (2, 7)]:
        for rule in ("deconvnet", "gradient", "guided"):
            on_cpu = deconvnet_project(model, x, layer, channel, relu_rule=rule)
            on_gpu = deconvnet_project(cuda_model, x, layer, channel, relu_rule=rule)
            assert on_gpu.device.type == "cuda"
            torch.testing.assert_close(on_gpu.cpu(), on_cpu, rtol=1e-9, atol=1e-9)
        grad = gradient_saliency(cuda_model, x.cuda(), layer, channel)
        torch.testing.assert_close(
            grad.cpu(), gradient_saliency(model, x, layer, channel), rtol=1e-9, atol=1e-9
        )
