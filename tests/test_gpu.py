"""The same torch_ops (and learned_restoration) on CUDA and on the CPU give the same answers;
best_time waits for the GPU.

Skipped, with the reason, where ``torch.cuda.is_available()`` is False.
"""

import numpy as np
import pytest
import torch

from deconv_course import data, learned_restoration, restoration, torch_ops
from deconv_course.timing import best_time

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason="CUDA not available: run on a machine with an NVIDIA GPU and a CUDA build of "
        "torch (make test TORCH_SPEC=torch)",
    ),
]


def test_pick_device_prefers_cuda(monkeypatch):
    monkeypatch.delenv("DECONV_DEVICE", raising=False)
    assert torch_ops.pick_device().type == "cuda"
    monkeypatch.setenv("DECONV_DEVICE", "cuda:0")
    assert torch_ops.pick_device() == torch.device("cuda:0")
    monkeypatch.setenv("DECONV_DEVICE", f"cuda:{torch.cuda.device_count()}")
    with pytest.raises(ValueError, match="CUDA device"):
        torch_ops.pick_device()


@pytest.mark.parametrize("shape", [(64, 48), (32, 40, 3)])
def test_restoration_cuda_equals_cpu(shape):
    image = np.random.default_rng(0).random(shape)
    psf = restoration.gaussian_psf(7, 1.5)
    blurred = restoration.add_gaussian_noise(restoration.blur(image, psf), 0.01, seed=0)
    on_gpu = torch.from_numpy(blurred).cuda()
    for function, args in [
        (torch_ops.inverse_filter, (1e-3,)),
        (torch_ops.wiener, (0.01,)),
        (torch_ops.tikhonov, (0.01, "laplacian")),
        (torch_ops.richardson_lucy, (20,)),
    ]:
        cpu = function(blurred, psf, *args)
        gpu = function(on_gpu, torch.from_numpy(psf).cuda(), *args)
        assert gpu.device.type == "cuda"
        np.testing.assert_allclose(gpu.cpu().numpy(), cpu, rtol=0, atol=1e-8)
        # an ndarray computed on the GPU comes back as an ndarray
        via_device = function(blurred, psf, *args, device="cuda")
        assert isinstance(via_device, np.ndarray)
        np.testing.assert_allclose(via_device, cpu, rtol=0, atol=1e-8)
    otf = torch_ops.psf2otf(psf, shape[:2], device="cuda")
    np.testing.assert_allclose(otf, restoration.psf2otf(psf, shape[:2]), atol=1e-12)


def test_models_cuda_equal_cpu():
    torch.manual_seed(0)
    models = [
        torch_ops.SourceDocCNN(),
        torch_ops.ConvAutoencoder(),
        torch_ops.TransposedConvUpsampler(1),
        torch_ops.ResizeConvUpsampler(1),
        torch_ops.PixelShuffleUpsampler(1),
        learned_restoration.RestorationNet(channels=4),
    ]
    x = torch.rand(3, 1, 8, 8, dtype=torch.float64)
    for model in models:
        model = model.double()
        expected = model(x)
        got = model.cuda()(x.cuda()).cpu()
        torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-9)


def test_train_runs_on_cuda():
    images, labels = data.digits()
    torch.manual_seed(0)
    model = torch_ops.SourceDocCNN()
    history = torch_ops.train(
        model,
        (images[:1400, None], labels[:1400]),
        (images[1400:, None], labels[1400:]),
        epochs=3,
        device="cuda",
        progress=False,
    )
    assert next(model.parameters()).device.type == "cuda"
    assert history["val_acc"][-1] > 0.8


def test_best_time_waits_for_the_gpu(monkeypatch):
    """Timed with device="cuda" a run lasts as long as the GPU works (CUDA events say how
    long), not just the microseconds it takes to queue the kernel."""
    calls = []
    synchronize = torch.cuda.synchronize
    monkeypatch.setattr(
        torch.cuda, "synchronize", lambda device=None: (calls.append(device), synchronize(device))
    )
    a = torch.randn(4096, 4096, device="cuda")

    def work():
        for _ in range(8):
            a @ a

    work()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    work()
    end.record()
    synchronize()
    gpu_seconds = start.elapsed_time(end) / 1e3
    seconds = best_time(work, repeat=3, device="cuda")
    assert calls == ["cuda"] * 6  # before and after each of the three timed runs
    assert seconds >= 0.5 * gpu_seconds, (seconds, gpu_seconds)
