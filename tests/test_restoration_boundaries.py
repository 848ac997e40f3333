"""Boundaries, the edge taper, the inverse crime, and Poisson noise, against SciPy and closed forms."""

import numpy as np
import pytest
from scipy import ndimage, signal

from deconv_course import data
from deconv_course import restoration as R


@pytest.fixture(scope="module")
def scene():
    return data.camera(80)


def test_blur_has_the_three_boundary_models():
    assert R.BOUNDARIES == ("circular", "zero", "reflect")
    rng = np.random.default_rng(0)
    x, k = rng.random((12, 10)), rng.random((3, 5))
    np.testing.assert_allclose(R.blur(x, k, "circular"), ndimage.convolve(x, k, mode="wrap"), atol=1e-12)
    np.testing.assert_allclose(R.blur(x, k, "zero"), ndimage.convolve(x, k, mode="constant"), atol=1e-12)
    np.testing.assert_allclose(R.blur(x, k, "reflect"), ndimage.convolve(x, k, mode="reflect"), atol=1e-12)


# --------------------------------------------------------------------------- edge taper


@pytest.mark.parametrize("shape", [(32, 32), (40, 24)])
@pytest.mark.parametrize("psf", [R.gaussian_psf(7, 1.5), R.box_psf((3, 5))])
def test_taper_weights_are_zero_at_the_border_and_one_inside(shape, psf):
    alpha = R.taper_weights(shape, psf)
    assert alpha.shape == shape and alpha.min() >= 0 and alpha.max() <= 1
    np.testing.assert_allclose(alpha[0], 0, atol=1e-12)
    np.testing.assert_allclose(alpha[:, 0], 0, atol=1e-12)
    kh, kw = psf.shape
    np.testing.assert_allclose(alpha[kh : shape[0] - kh, kw : shape[1] - kw], 1, atol=1e-12)
    # the closed form: 1 - circular autocorrelation / its peak, down a column where the other factor is 1
    n = shape[0] - 1  # MATLAB's edgetaper: n - 1 lags, lag 0 repeated at the end
    p = np.pad(psf.sum(axis=1), (0, n - kh))
    r = np.array([np.sum(p * np.roll(p, -lag)) for lag in range(n)] + [np.sum(p * p)])
    np.testing.assert_allclose(alpha[:, shape[1] // 2], np.clip(1 - r / r[0], 0, 1), atol=1e-12)
    np.testing.assert_allclose(alpha[-1], 0, atol=1e-12)
    np.testing.assert_allclose(alpha[:, -1], 0, atol=1e-12)


def test_edge_taper_keeps_the_interior_and_is_the_circular_blur_at_the_border(scene):
    psf = R.gaussian_psf(9, 2.0)
    y = scene[:48, :56]
    tapered = R.edge_taper(y, psf)
    np.testing.assert_allclose(tapered[12:-12, 12:-12], y[12:-12, 12:-12], atol=1e-12)
    circular = ndimage.convolve(y, psf, mode="wrap")
    np.testing.assert_allclose(tapered[0], circular[0], atol=1e-12)
    np.testing.assert_allclose(tapered[:, -1], circular[:, -1], atol=1e-12)
    colour = R.edge_taper(np.stack([y, 1 - y], axis=-1).astype(np.float32), psf)
    assert colour.dtype == np.float32
    np.testing.assert_allclose(colour[..., 1], R.edge_taper(1 - y, psf), atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("balance", [1e-3, 1e-2])
def test_edge_taper_reduces_the_ringing_of_a_circular_wiener(scene, seed, balance):
    psf = R.gaussian_psf(9, 2.0)
    observed, truth = R.blur_without_crime(scene, psf)  # not periodic: the edges do not match
    observed = R.add_gaussian_noise(observed, 0.002, seed=seed)
    band = np.ones(truth.shape, bool)
    band[12:-12, 12:-12] = False  # ringing energy: mean squared error within 12 px of the border
    plain = np.mean((R.wiener(observed, psf, balance) - truth)[band] ** 2)
    tapered = np.mean((R.wiener(R.edge_taper(observed, psf), psf, balance) - truth)[band] ** 2)
    # measured (seeds 0-2): 0.213 -> 0.0036 (balance 1e-3), 0.0158 -> 0.0037 (1e-2)
    assert tapered < 0.3 * plain


# --------------------------------------------------------------------------- the inverse crime


@pytest.mark.parametrize("mode", ["constant", "wrap", "symmetric", "edge"])
@pytest.mark.parametrize("kshape", [(5, 5), (7, 3), (4, 6)])
def test_blur_without_crime_does_not_depend_on_any_boundary_rule(mode, kshape):
    rng = np.random.default_rng(sum(kshape))
    scene, psf = rng.random((30, 26)), rng.random(kshape)
    observed, truth = R.blur_without_crime(scene, psf)
    m = max(kshape) // 2
    assert observed.shape == truth.shape == (30 - 2 * m, 26 - 2 * m)
    np.testing.assert_array_equal(truth, scene[m:-m, m:-m])
    # scipy.ndimage centres even kernels one pixel differently: compare with signal's convention
    reference = signal.convolve(
        np.pad(scene, 8, mode=mode if mode != "constant" else "constant"), psf, mode="same"
    )
    np.testing.assert_allclose(observed, reference[8 + m : -8 - m, 8 + m : -8 - m], atol=1e-12)


def test_blur_without_crime_on_a_finer_grid_bins_scene_and_blur():
    rng = np.random.default_rng(3)
    scene = rng.random((36, 44))
    observed, truth = R.blur_without_crime(scene, np.ones((1, 1)), margin=2, factor=4)
    assert observed.shape == truth.shape == (7, 9)  # margin rounded up to 4: (36 - 8) / 4, (44 - 8) / 4
    np.testing.assert_allclose(truth, scene[4:-4, 4:-4].reshape(7, 4, 9, 4).mean(axis=(1, 3)), atol=1e-12)
    np.testing.assert_allclose(observed, truth, atol=1e-12)  # a delta PSF only bins
    np.testing.assert_allclose(truth[0, 0], scene[4:8, 4:8].mean(), atol=1e-12)
    blurred, _ = R.blur_without_crime(scene, R.gaussian_psf(7, 2.0), factor=2)
    assert blurred.shape == (14, 18)  # margin 3 rounded up to 4: (36 - 8) / 2, (44 - 8) / 2


def test_the_inverse_crime_flatters_wiener(scene):
    psf = R.gaussian_psf(9, 2.0)
    honest, truth = R.blur_without_crime(scene, psf)
    crime = R.blur(truth, psf, "circular")  # the very model the filter inverts
    honest, crime = (R.add_gaussian_noise(v, 0.002, seed=0) for v in (honest, crime))
    score = {
        name: R.psnr(truth, np.clip(R.wiener(v, psf, 1e-3), 0, 1))
        for name, v in [("honest", honest), ("crime", crime)]
    }
    # measured: 26.0 dB with the crime, 13.8 dB without it
    assert score["crime"] > score["honest"] + 8


BAD = [
    (lambda: R.edge_taper(np.zeros((8, 8)), np.ones((9, 9))), ValueError, "psf of shape"),
    (lambda: R.edge_taper(np.zeros((8, 8)), -np.ones((3, 3))), ValueError, "negative"),
    (lambda: R.blur_without_crime(np.zeros((10, 10)), np.ones((5, 5)), margin=1), ValueError, "margin=1"),
    (lambda: R.blur_without_crime(np.zeros((10, 10)), np.ones((3, 3)), factor=0), ValueError, "factor=0"),
    (lambda: R.blur_without_crime(np.zeros((10, 10)), np.ones((3, 3)), factor=1.5), TypeError, "factor"),
    (
        lambda: R.blur_without_crime(np.zeros((10, 11)), np.ones((3, 3)), factor=2),
        ValueError,
        "multiple of factor",
    ),
    (lambda: R.blur_without_crime("scene", np.ones((3, 3))), TypeError, "scene"),
    (lambda: R.blur_adjoint(np.zeros((8, 8)), np.ones((3, 3)), boundary="wrap"), ValueError, "boundary"),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_bad_input_names_the_argument(index):
    call, error, fragment = BAD[index]
    with pytest.raises(error, match=fragment):
        call()


# --------------------------------------------------------------------------- Poisson noise


@pytest.mark.parametrize("peak", [10.0, 100.0, 1000.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_noise_has_poisson_statistics_at_a_photon_count(peak, seed):
    levels = np.array([0.05, 0.3, 0.9])
    image = np.repeat(levels, 128 * 43)[: 128 * 128].reshape(128, 128)
    noisy = R.add_poisson_noise(image, peak, seed=seed)
    counts = noisy * peak
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)  # whole photons
    for level in levels:
        sample = counts[image == level]
        n, mean = sample.size, level * peak
        # mean within 4 standard errors; variance = mean (Poisson) within 4 standard errors of s^2
        assert abs(sample.mean() - mean) < 4 * np.sqrt(mean / n)
        var_se = np.sqrt((mean + 2 * mean**2) / n)  # Var(s^2) = (mu4 - sigma^4) / n for Poisson
        assert abs(sample.var(ddof=1) - mean) < 4 * var_se


def test_poisson_noise_is_seeded_and_matches_numpy():
    image = np.random.default_rng(9).random((20, 30))
    np.testing.assert_array_equal(
        R.add_poisson_noise(image, 50, seed=4), R.add_poisson_noise(image, 50, seed=4)
    )
    assert not np.array_equal(R.add_poisson_noise(image, 50, seed=4), R.add_poisson_noise(image, 50, seed=5))
    expected = np.random.default_rng(4).poisson(image * 50) / 50
    np.testing.assert_array_equal(R.add_poisson_noise(image, 50, seed=4), expected)
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(R.add_poisson_noise(image, 50, seed=rng), expected)
    for bad, error in [(0, ValueError), (-3, ValueError), (True, TypeError), ("10", TypeError)]:
        with pytest.raises(error, match="peak"):
            R.add_poisson_noise(image, bad)
