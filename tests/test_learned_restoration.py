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


METHODS = [
    ("blurred input", "none"),
    ("inverse filter", "none"),
    ("Wiener", "oracle"),
    ("Wiener", "gcv"),
    ("Wiener", "discrepancy"),
    ("Richardson-Lucy", "oracle"),
    ("Richardson-Lucy", "discrepancy"),
    ("RestorationNet", "training"),
]


def test_compare_restoration_rows_are_well_formed(comparison):
    images, _, rows = comparison
    assert [(r["image"], r["method"], r["choice"]) for r in rows] == [
        (i, m, c) for i in images for m, c in METHODS
    ]
    for r in rows:
        assert set(r) == {"image", "method", "choice", "uses_truth", "param", "psnr", "ssim"}
        assert isinstance(r["param"], str) and r["choice"] in learned_restoration.CHOICES
        assert np.isfinite(r["psnr"]) and -1 <= r["ssim"] <= 1
        assert r["uses_truth"] == (r["choice"] == "oracle")
        assert ("uses the truth" in r["param"]) == r["uses_truth"]


def _by_key(rows):
    return {(r["method"], r["choice"]): r for r in rows}


def test_truth_free_parameters_do_not_depend_on_the_truth():
    """Same data, two different "truths" (and none): every truth-free row is identical."""
    psf = restoration.box_psf(5)
    truth = data.camera(size=48)
    degraded = restoration.add_gaussian_noise(restoration.blur(truth, psf), 0.01, seed=3)
    other = np.random.default_rng(0).random(truth.shape)
    with_truth = _by_key(learned_restoration.classic_estimates(degraded, psf, 0.01, truth))
    with_other = _by_key(learned_restoration.classic_estimates(degraded, psf, 0.01, other))
    without = _by_key(learned_restoration.classic_estimates(degraded, psf, 0.01))
    free = [k for k in with_truth if k[1] != "oracle"]
    assert sorted(without) == sorted(free)  # no truth: the oracle rows are left out
    for key in free:
        assert with_truth[key]["param"] == with_other[key]["param"] == without[key]["param"], key
        np.testing.assert_array_equal(with_truth[key]["estimate"], with_other[key]["estimate"])
        np.testing.assert_array_equal(with_truth[key]["estimate"], without[key]["estimate"])
    # ... while the oracle does look at the truth: a constant "truth" prefers the smoothest grid value
    flat = _by_key(learned_restoration.classic_estimates(degraded, psf, 0.01, np.full(truth.shape, 0.5)))
    assert flat["Wiener", "oracle"]["param"].startswith("balance=1,")
    assert with_truth["Wiener", "oracle"]["param"] != flat["Wiener", "oracle"]["param"]


def test_truth_free_parameters_are_the_restoration_rules():
    """The truth-free rows use restoration's rules (checked by recomputing them), on unclipped data."""
    psf = restoration.box_psf(5)
    truth = data.astronaut(size=48)
    degraded = restoration.add_gaussian_noise(restoration.blur(truth, psf), 0.01, seed=1)
    assert degraded.min() < 0  # Gaussian data: some pixels negative, and they are kept
    rows = _by_key(learned_restoration.classic_estimates(degraded, psf, 0.01, truth, rl_iters=(2, 5, 20)))
    reg = restoration.laplacian_kernel()
    gcv = restoration.gcv_balance(degraded, psf, reg=reg)
    morozov = restoration.discrepancy_balance(degraded, psf, 0.01, reg=reg)
    np.testing.assert_allclose(
        rows["Wiener", "gcv"]["estimate"], restoration.wiener(degraded, psf, gcv, reg=reg)
    )
    np.testing.assert_allclose(
        rows["Wiener", "discrepancy"]["estimate"], restoration.wiener(degraded, psf, morozov, reg=reg)
    )
    rl, done = restoration.richardson_lucy_discrepancy(
        degraded, psf, "gaussian", noise_sigma=0.01, max_iter=20, clip=False, return_iterations=True
    )
    np.testing.assert_allclose(rows["Richardson-Lucy", "discrepancy"]["estimate"], rl)
    assert str(done) in rows["Richardson-Lucy", "discrepancy"]["param"]
    # GCV's closed form against a brute-force GCV curve: its minimiser is near the grid's
    lams = np.geomspace(1e-5, 1, 41)
    curve = restoration.regularisation_curves(degraded, psf, lams, reg=reg)["gcv"]
    assert abs(np.log(gcv) - np.log(lams[np.argmin(curve)])) <= np.log(lams[1] / lams[0])
    for r in rows.values():
        assert np.all(np.isfinite(r["estimate"])) and r["estimate"].shape == truth.shape


def test_classic_estimates_rejects_bad_input():
    psf = restoration.box_psf(3)
    y = np.zeros((16, 16)) + 0.5
    with pytest.raises(ValueError, match="noise_sigma"):
        learned_restoration.classic_estimates(y, psf, 0.0)
    with pytest.raises(ValueError, match="truth of shape"):
        learned_restoration.classic_estimates(y, psf, 0.01, np.zeros((8, 8)))
    with pytest.raises(ValueError, match="degraded of shape"):
        learned_restoration.classic_estimates(np.zeros(16), psf, 0.01)


def test_compare_restoration_scores_are_reproducible(comparison):
    """Recompute the blurred-input and Wiener rows with skimage's metrics, independently."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    images, psf, rows = comparison
    for i, (name, truth) in enumerate(images.items()):
        degraded = restoration.add_gaussian_noise(restoration.blur(truth, psf), 0.01, seed=i)
        inner = (slice(5, -5), slice(5, -5))  # the default crop is the PSF size
        by_method = {r["method"]: r for r in rows if r["image"] == name and r["choice"] in ("none", "oracle")}
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
        by_method = {r["method"]: r for r in rows if r["image"] == name and r["choice"] != "oracle"}
        assert by_method["RestorationNet"]["psnr"] > by_method["blurred input"]["psnr"]
        assert by_method["RestorationNet"]["ssim"] > by_method["blurred input"]["ssim"]
