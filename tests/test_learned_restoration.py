"""Tests for deconv_course.learned_restoration: the network's shapes and residual, seeded
training, and the learned-vs-classic comparison recomputed with scikit-image's metrics."""

import numpy as np
import pytest
import torch

from deconv_course import data, learned_restoration, restoration


@pytest.mark.parametrize("upsample", ["transposed", "resize"])
@pytest.mark.parametrize("size", [(16, 16), (15, 22)])
def test_restoration_net_shapes_and_residual(upsample, size):
    torch.manual_seed(0)
    model = learned_restoration.RestorationNet(channels=4, upsample=upsample)
    x = torch.rand(2, 1, *size)
    assert model(x).shape == x.shape
    # residual to the input: with the last layer zeroed the network is the identity
    torch.nn.init.zeros_(model.tail[-1].weight)
    torch.nn.init.zeros_(model.tail[-1].bias)
    torch.testing.assert_close(model(x), x)
    with pytest.raises(ValueError, match="upsample='pixel'"):
        learned_restoration.RestorationNet(upsample="pixel")


def test_train_restoration_net_is_deterministic():
    psf = restoration.box_psf(3)
    kwargs = dict(num_patches=40, patch_size=16, epochs=1, channels=4, device="cpu", progress=False)
    model_a, history_a = learned_restoration.train_restoration_net(psf, 0.01, **kwargs)
    model_b, history_b = learned_restoration.train_restoration_net(psf, 0.01, **kwargs)
    assert history_a == history_b
    for (name, p), q in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(p, q), name
    with pytest.raises(ValueError, match="camera"):
        learned_restoration.train_restoration_net(psf, 0.01, exclude=("camera",), **kwargs)


@pytest.fixture(scope="module")
def comparison():
    psf = restoration.box_psf(5)
    images = {"camera": data.camera(size=64), "astronaut": data.astronaut(size=64)}
    rows = learned_restoration.compare_restoration(
        images,
        psf,
        noise_sigma=0.01,
        seed=0,
        device="cpu",
        progress=False,
        train_kwargs=dict(num_patches=1024, epochs=2, lr=3e-3),
    )
    return images, psf, rows


def test_compare_restoration_rows_are_well_formed(comparison):
    images, _, rows = comparison
    methods = ["blurred input", "inverse filter", "Wiener", "Richardson-Lucy", "RestorationNet"]
    assert [(r["image"], r["method"]) for r in rows] == [(i, m) for i in images for m in methods]
    for r in rows:
        assert set(r) == {"image", "method", "param", "psnr", "ssim"}
        assert isinstance(r["param"], str)
        assert np.isfinite(r["psnr"]) and -1 <= r["ssim"] <= 1
    tuned = [r["param"] for r in rows if r["method"] in ("Wiener", "Richardson-Lucy")]
    assert all("tuned on the truth" in p for p in tuned)


def test_compare_restoration_scores_are_reproducible(comparison):
    """Recompute the blurred-input and Wiener rows with skimage's metrics, independently."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    images, psf, rows = comparison
    for i, (name, truth) in enumerate(images.items()):
        degraded = restoration.add_gaussian_noise(restoration.blur(truth, psf), 0.01, seed=i)
        inner = (slice(5, -5), slice(5, -5))  # the default crop is the PSF size
        by_method = {r["method"]: r for r in rows if r["image"] == name}
        expected = peak_signal_noise_ratio(truth[inner], np.clip(degraded, 0, 1)[inner], data_range=1.0)
        assert by_method["blurred input"]["psnr"] == pytest.approx(expected, abs=1e-9)
        balance = float(by_method["Wiener"]["param"].split(",")[0].split("=")[1])
        wiener = np.clip(restoration.wiener(degraded, psf, balance, reg=restoration.laplacian_kernel()), 0, 1)
        assert by_method["Wiener"]["psnr"] == pytest.approx(
            peak_signal_noise_ratio(truth[inner], wiener[inner], data_range=1.0), abs=1e-9
        )
        assert by_method["Wiener"]["ssim"] == pytest.approx(
            structural_similarity(truth[inner], wiener[inner], data_range=1.0), abs=1e-9
        )
        # the noise blows the naive inverse filter up; Wiener beats doing nothing
        assert by_method["inverse filter"]["psnr"] < by_method["blurred input"]["psnr"] - 10
        assert by_method["Wiener"]["psnr"] > by_method["blurred input"]["psnr"]


def test_restoration_net_beats_the_blurred_input(comparison):
    _, _, rows = comparison
    for name in ("camera", "astronaut"):
        by_method = {r["method"]: r for r in rows if r["image"] == name}
        assert by_method["RestorationNet"]["psnr"] > by_method["blurred input"]["psnr"]
        assert by_method["RestorationNet"]["ssim"] > by_method["blurred input"]["ssim"]
