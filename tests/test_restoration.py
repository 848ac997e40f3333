"""deconv_course.restoration against independent references.

References: scikit-image (Richardson-Lucy, Wiener, ir2tf, PSNR, SSIM), SciPy
(scipy.signal.convolve, scipy.ndimage.convolve, scipy.signal.windows.gaussian),
and closed forms (exact inverse of a noiseless circular blur, Tikhonov = Wiener,
the flux identity of Richardson-Lucy, the direction of a motion PSF).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage, signal
from skimage import metrics
from skimage import restoration as skr
from skimage.restoration import uft

from deconv_course import data
from deconv_course import restoration as R
from deconv_course.restoration import iterative


@pytest.fixture(scope="module")
def image():
    return data.camera(64)


@pytest.fixture(scope="module")
def colour():
    return data.astronaut(gray=False, size=48)


PSFS = {
    "gaussian9": R.gaussian_psf(9, 1.5),
    "box4_even": R.box_psf(4),
    "motion7_30deg": R.motion_psf(7, 30),
    "gaussian_6x9": R.gaussian_psf((6, 9), (1.0, 2.0)),
    "random_5x2": (lambda p: p / p.sum())(np.random.default_rng(3).random((5, 2))),
}


def _even_origin(psf):
    # scipy.ndimage centres an even kernel at k // 2, scipy.signal's 'same' at (k - 1) // 2
    return tuple(-1 if k % 2 == 0 else 0 for k in psf.shape)


# --------------------------------------------------------------------------- PSFs


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 8, (3, 6), (5, 2)])
def test_psfs_sum_to_one_and_have_the_requested_shape(size):
    shape = (size, size) if isinstance(size, int) else size
    for psf in (R.box_psf(size), R.gaussian_psf(size, 1.3), R.motion_psf(0.9, 20, size=size)):
        assert psf.shape == shape and psf.dtype == np.float64
        assert psf.sum() == pytest.approx(1.0, abs=1e-12)
        assert psf.min() >= 0
    np.testing.assert_array_equal(R.box_psf(size), np.ones(shape) / np.prod(shape))


@pytest.mark.parametrize("size, sigma", [(7, 1.0), (8, 2.0), ((5, 9), (0.8, 2.5))])
def test_gaussian_psf_is_scipy_gaussian_window_outer_product(size, sigma):
    h, w = (size, size) if isinstance(size, int) else size
    s_h, s_w = (sigma, sigma) if np.isscalar(sigma) else sigma
    expected = np.outer(signal.windows.gaussian(h, s_h), signal.windows.gaussian(w, s_w))
    np.testing.assert_allclose(R.gaussian_psf(size, sigma), expected / expected.sum(), rtol=1e-12)


def test_motion_psf_closed_forms():
    # an integer length at angle 0 is a one-row box; at 90 degrees a one-column box
    expected = np.zeros((5, 5))
    expected[2] = 0.2
    np.testing.assert_allclose(R.motion_psf(5, 0), expected, atol=1e-15)
    np.testing.assert_allclose(R.motion_psf(5, 90), expected.T, atol=1e-15)
    np.testing.assert_allclose(R.motion_psf(5, 180), expected, atol=1e-15)
    # an even length reaches half-way into the end pixels
    np.testing.assert_allclose(R.motion_psf(4, 0)[2], [0.125, 0.25, 0.25, 0.25, 0.125], atol=1e-12)
    # 45 degrees runs bottom-left to top-right (rows grow downwards): the anti-diagonal
    psf = R.motion_psf(7, 45)
    rows, cols = np.nonzero(psf > 0.05)
    assert np.all(rows + cols == 6)
    rows, cols = np.nonzero(R.motion_psf(7, 135) > 0.05)
    assert np.all(rows == cols)


@pytest.mark.parametrize("angle", [0, 15, 30, 60, 100, 145, 170])
def test_motion_psf_direction_from_second_moments(angle):
    psf = R.motion_psf(15, angle)
    c = (psf.shape[0] - 1) / 2
    rows, cols = np.indices(psf.shape)
    x, y = cols - c, c - rows  # screen coordinates, y up
    cov = np.array([[np.sum(psf * x * x), np.sum(psf * x * y)], [np.sum(psf * x * y), np.sum(psf * y * y)]])
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    direction = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1])) % 180
    assert min(abs(direction - angle), 180 - abs(direction - angle)) < 3
    assert eigenvalues[-1] > 20 * max(eigenvalues[0], 1e-3)  # a thin streak
    # the mean squared distance along a uniform segment of length L is L^2 / 12
    assert eigenvalues[-1] == pytest.approx(15**2 / 12, rel=0.05)


def test_laplacian_kernel_is_skimage_default_regulariser():
    np.testing.assert_array_equal(R.laplacian_kernel(), uft.laplacian(2, (3, 3))[1])


# --------------------------------------------------------------------------- OTF and blur


@pytest.mark.parametrize("name", list(PSFS))
def test_psf2otf_matches_skimage_ir2tf(name):
    psf = PSFS[name]
    otf = R.psf2otf(psf, (20, 17))
    assert otf.shape == (20, 17) and np.iscomplexobj(otf)
    np.testing.assert_allclose(otf[:, : 17 // 2 + 1], uft.ir2tf(psf, (20, 17)), atol=1e-12)
    assert otf[0, 0] == pytest.approx(psf.sum())


@pytest.mark.parametrize("name", list(PSFS))
def test_blur_matches_scipy_for_all_boundaries(image, name):
    psf = PSFS[name]
    np.testing.assert_allclose(
        R.blur(image, psf, "circular"), ndimage.convolve(image, psf, mode="wrap"), atol=1e-12
    )
    np.testing.assert_allclose(
        R.blur(image, psf, "zero"), signal.convolve(image, psf, mode="same"), atol=1e-12
    )
    np.testing.assert_allclose(
        R.blur(image, psf, "reflect"),
        ndimage.convolve(image, psf, mode="reflect", origin=_even_origin(psf)),
        atol=1e-12,
    )
    # the default is the circular model of the Fourier filters
    np.testing.assert_array_equal(R.blur(image, psf), R.blur(image, psf, "circular"))


@settings(max_examples=30, deadline=None)
@given(
    h=st.integers(3, 20),
    w=st.integers(3, 20),
    kh=st.integers(1, 6),
    kw=st.integers(1, 6),
    boundary=st.sampled_from(["circular", "zero", "reflect"]),
    seed=st.integers(0, 1000),
)
def test_blur_property(h, w, kh, kw, boundary, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    x, psf = rng.random((h, w)), rng.random((kh, kw)) + 0.01
    if boundary == "circular":
        expected = ndimage.convolve(x, psf, mode="wrap")
    elif boundary == "zero":
        expected = signal.convolve(x, psf, mode="same")
    else:
        expected = ndimage.convolve(x, psf, mode="reflect", origin=_even_origin(psf))
    np.testing.assert_allclose(R.blur(x, psf, boundary), expected, atol=1e-12)


def test_blur_colour_is_per_channel_and_keeps_dtype(colour):
    psf = PSFS["motion7_30deg"]
    out = R.blur(colour, psf, "zero")
    assert out.shape == colour.shape
    for c in range(3):
        np.testing.assert_allclose(out[..., c], signal.convolve(colour[..., c], psf, mode="same"), atol=1e-12)
    assert R.blur(colour.astype(np.float32), psf).dtype == np.float32


def test_uint8_images_are_scaled_to_unit_range(image):
    as_uint8 = np.round(image * 255).astype(np.uint8)
    psf = PSFS["gaussian9"]
    np.testing.assert_allclose(
        R.blur(as_uint8, psf, "zero"), signal.convolve(as_uint8 / 255.0, psf, mode="same"), atol=1e-12
    )


# --------------------------------------------------------------------------- noise


def test_gaussian_noise_is_seeded_and_has_the_right_statistics():
    flat = np.full((200, 200), 0.5)
    noisy = R.add_gaussian_noise(flat, 0.1, seed=7)
    np.testing.assert_allclose(noisy, flat + 0.1 * np.random.default_rng(7).standard_normal(flat.shape))
    np.testing.assert_array_equal(noisy, R.add_gaussian_noise(flat, 0.1, seed=7))
    assert not np.array_equal(noisy, R.add_gaussian_noise(flat, 0.1, seed=8))
    assert noisy.std() == pytest.approx(0.1, rel=0.03)
    assert noisy.min() < 0.15  # not clipped by default ...
    clipped = R.add_gaussian_noise(np.zeros((50, 50)), 0.1, clip=True)
    assert clipped.min() == 0.0 and clipped.max() <= 1.0  # ... only on request
    np.testing.assert_array_equal(R.add_gaussian_noise(flat, 0.0), flat)


def test_poisson_noise_accepts_the_rounding_of_an_fft_blur():
    scene = np.zeros((32, 32))
    scene[8:24, 8:24] = 1.0
    blurred = R.blur(scene, R.gaussian_psf(9, 2.0), "circular")  # FFT rounding leaves values like -1e-16
    noisy = R.add_poisson_noise(blurred, 100, seed=0)
    assert noisy.min() >= 0.0
    # far from the square, the expected count rounds to 0 photons: exactly 0 as for an exact 0
    np.testing.assert_array_equal(noisy[0, :4], 0.0)
    with pytest.raises(ValueError, match="non-negative"):
        R.add_poisson_noise(blurred - 1e-6, 100)


def test_poisson_noise_mean_and_variance():
    level, peak = 0.3, 50.0
    noisy = R.add_poisson_noise(np.full((300, 300), level), peak, seed=1)
    assert noisy.mean() == pytest.approx(level, rel=0.01)
    assert noisy.var() == pytest.approx(level / peak, rel=0.03)
    # multiples of 1 / peak: photon counts
    np.testing.assert_allclose(noisy * peak, np.round(noisy * peak), atol=1e-9)
    np.testing.assert_array_equal(noisy, R.add_poisson_noise(np.full((300, 300), level), peak, seed=1))
    assert R.add_poisson_noise(np.full((20, 20), 0.99), 5.0, clip=True).max() <= 1.0


# --------------------------------------------------------------------------- linear filters


def test_inverse_filter_undoes_noiseless_circular_blur_exactly(image):
    psf = R.gaussian_psf(5, 0.7)
    assert np.abs(R.psf2otf(psf, image.shape)).min() > 1e-2  # no zeros: invertible
    restored = R.inverse_filter(R.blur(image, psf), psf)
    np.testing.assert_allclose(restored, image, atol=1e-10)


def test_inverse_filter_with_noise_is_worse_than_doing_nothing(image):
    psf = R.gaussian_psf(9, 1.5)
    blurred = R.add_gaussian_noise(R.blur(image, psf), 0.01, seed=0)
    assert R.psnr(image, R.inverse_filter(blurred, psf)) < R.psnr(image, blurred) - 10
    # truncating the small |H| helps, and Wiener is better than the blurred input
    assert R.psnr(image, R.inverse_filter(blurred, psf, eps=0.1)) > R.psnr(
        image, R.inverse_filter(blurred, psf)
    )
    assert R.psnr(image, R.wiener(blurred, psf, 1e-2)) > R.psnr(image, blurred)


def test_inverse_filter_drops_frequencies_a_box_erases():
    x = data.test_pattern(32)
    psf = R.box_psf(4)  # |H| = 0 exactly at multiples of 32 / 4 = 8
    assert np.min(np.abs(R.psf2otf(psf, x.shape))) < 1e-12
    restored = R.inverse_filter(R.blur(x, psf), psf)
    assert np.all(np.isfinite(restored))
    # what survives equals the original where the transfer function is non-zero
    otf = R.psf2otf(psf, x.shape)
    kept = np.abs(otf) > 1e-9
    np.testing.assert_allclose(np.fft.fft2(restored)[kept], np.fft.fft2(x)[kept], atol=1e-8)
    np.testing.assert_allclose(np.fft.fft2(restored)[~kept], 0, atol=1e-8)


def test_wiener_tends_to_the_inverse_filter_as_balance_goes_to_zero(image):
    psf = R.gaussian_psf(5, 0.7)
    blurred = R.blur(image, psf)
    errors = [np.abs(R.wiener(blurred, psf, b) - image).max() for b in (1e-2, 1e-4, 1e-6, 1e-9)]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 1e-6
    np.testing.assert_allclose(R.wiener(blurred, psf, 1e-12), R.inverse_filter(blurred, psf), atol=1e-8)


@pytest.mark.parametrize("name", ["gaussian9", "box4_even", "motion7_30deg", "gaussian_6x9"])
@pytest.mark.parametrize("balance", [1e-3, 0.1])
def test_wiener_matches_skimage(image, name, balance):
    psf = PSFS[name]
    noisy = R.add_gaussian_noise(R.blur(image, psf), 0.02, seed=2)
    # scikit-image's default: Laplacian regulariser, clipped to [-1, 1]
    np.testing.assert_allclose(
        R.wiener(noisy, psf, balance, reg=R.laplacian_kernel(), clip=True),
        skr.wiener(noisy, psf, balance),
        atol=1e-10,
    )
    # constant noise-to-signal ratio: a 1x1 identity regulariser in scikit-image
    np.testing.assert_allclose(
        R.wiener(noisy, psf, balance),
        skr.wiener(noisy, psf, balance, reg=np.ones((1, 1)), clip=False),
        atol=1e-10,
    )


def test_wiener_colour_is_per_channel(colour):
    psf = PSFS["gaussian9"]
    out = R.wiener(colour, psf, 0.01)
    assert out.shape == colour.shape
    for c in range(3):
        np.testing.assert_allclose(
            out[..., c], skr.wiener(colour[..., c], psf, 0.01, reg=np.ones((1, 1)), clip=False), atol=1e-10
        )


def test_tikhonov_closed_forms(image):
    psf = PSFS["motion7_30deg"]
    noisy = R.add_gaussian_noise(R.blur(image, psf), 0.02, seed=3)
    np.testing.assert_allclose(R.tikhonov(noisy, psf, 0.05), R.wiener(noisy, psf, balance=0.05), atol=1e-12)
    np.testing.assert_allclose(
        R.tikhonov(noisy, psf, 0.05, operator="laplacian"),
        skr.wiener(noisy, psf, 0.05, clip=False),
        atol=1e-10,
    )
    # a point-symmetric operator array (scikit-image keeps only the real part of reg's
    # transfer function, so a non-symmetric one is checked against the normal equations below)
    cross = np.array([[0.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(
        R.tikhonov(noisy, psf, 0.05, operator=cross),
        skr.wiener(noisy, psf, 0.05, reg=cross, clip=False),
        atol=1e-10,
    )


def test_tikhonov_solves_the_normal_equations():
    # small problem: build the circular blur and Laplacian as dense matrices and solve directly
    rng = np.random.default_rng(0)
    y = rng.random((8, 8))
    psf, lam = R.gaussian_psf(3, 1.0), 0.3

    def matrix(kernel):
        columns = []
        for i in range(64):
            e = np.zeros(64)
            e[i] = 1
            columns.append(ndimage.convolve(e.reshape(8, 8), kernel, mode="wrap").ravel())
        return np.array(columns).T

    A = matrix(psf)
    for operator, kernel in [
        ("laplacian", R.laplacian_kernel()),
        ("identity", np.ones((1, 1))),
        (np.array([[1.0, -1.0]]), np.array([[1.0, -1.0]])),
    ]:
        L = matrix(kernel)
        expected = np.linalg.solve(A.T @ A + lam * L.T @ L, A.T @ y.ravel()).reshape(8, 8)
        np.testing.assert_allclose(R.tikhonov(y, psf, lam, operator=operator), expected, atol=1e-10)
    # with a non-symmetric PSF too
    psf = PSFS["random_5x2"]
    A = matrix(psf)
    expected = np.linalg.solve(A.T @ A + lam * np.eye(64), A.T @ y.ravel()).reshape(8, 8)
    np.testing.assert_allclose(R.tikhonov(y, psf, lam), expected, atol=1e-10)


# --------------------------------------------------------------------------- Richardson-Lucy


@pytest.mark.parametrize("name", list(PSFS))
@pytest.mark.parametrize("num_iter", [1, 7, 25])
@pytest.mark.parametrize("clip", [True, False])
def test_richardson_lucy_matches_skimage(image, name, num_iter, clip):
    psf = PSFS[name]
    blurred = R.add_poisson_noise(R.blur(image, psf, "zero"), 200, seed=num_iter)
    ours = R.richardson_lucy(blurred, psf, num_iter=num_iter, clip=clip)
    theirs = skr.richardson_lucy(blurred, psf, num_iter=num_iter, clip=clip)
    assert ours.dtype == theirs.dtype == np.float64
    # clip=False lets noise grow to ~1e4 with the random PSF: compare relatively there
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("name", ["gaussian9", "box4_even", "gaussian_6x9"])
def test_richardson_lucy_filter_epsilon_matches_skimage(name):
    x = np.zeros((40, 50))
    x[10:20, 15:35] = 1.0  # dark surroundings: the filter must actually act
    psf = PSFS[name]
    blurred = R.blur(x, psf, "zero")
    for filter_epsilon in (1e-3, 0.05):
        ours = R.richardson_lucy(blurred, psf, 15, filter_epsilon=filter_epsilon)
        theirs = skr.richardson_lucy(blurred, psf, 15, filter_epsilon=filter_epsilon)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    assert not np.allclose(
        R.richardson_lucy(blurred, psf, 15, filter_epsilon=0.05), R.richardson_lucy(blurred, psf, 15)
    )


def test_richardson_lucy_colour_uint8_and_float32(colour):
    psf = PSFS["gaussian9"]
    blurred = R.blur(colour, psf, "zero")
    out = R.richardson_lucy(blurred, psf, 10)
    assert out.shape == colour.shape and out.dtype == np.float64
    for c in range(3):
        np.testing.assert_allclose(out[..., c], skr.richardson_lucy(blurred[..., c], psf, 10), atol=1e-6)
    # float32 in -> float32 arithmetic and out, as scikit-image
    single = blurred[..., 0].astype(np.float32)
    ours, theirs = R.richardson_lucy(single, psf, 10), skr.richardson_lucy(single, psf, 10)
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    # uint8 is scaled to [0, 1] first (scikit-image would work on 0..255 and clip)
    as_uint8 = np.round(blurred[..., 1] * 255).astype(np.uint8)
    np.testing.assert_allclose(
        R.richardson_lucy(as_uint8, psf, 5), skr.richardson_lucy(as_uint8 / 255.0, psf, 5), atol=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(4, 24),
    w=st.integers(4, 24),
    kh=st.integers(1, 7),
    kw=st.integers(1, 7),
    num_iter=st.integers(1, 6),
    seed=st.integers(0, 1000),
)
def test_richardson_lucy_property(h, w, kh, kw, num_iter, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    y, psf = rng.random((h, w)), rng.random((kh, kw)) + 0.01
    np.testing.assert_allclose(
        R.richardson_lucy(y, psf, num_iter, clip=False),
        skr.richardson_lucy(y, psf, num_iter, clip=False),
        rtol=1e-9,
        atol=1e-9,
    )


def test_richardson_lucy_fast_path_equals_the_readable_loop(image):
    psf = PSFS["motion7_30deg"]
    blurred = R.blur(image, psf, "zero")
    np.testing.assert_allclose(
        R.richardson_lucy(blurred, psf, 12, filter_epsilon=0.01),
        iterative._richardson_lucy_reference(blurred, psf, 12, filter_epsilon=0.01),
        atol=1e-12,
    )


def test_richardson_lucy_clips_to_minus_one_one_like_skimage():
    # RL is odd in the data (x_k(-y) = -x_k(y)), so negative data in [-1.5, 0] gives
    # results below -1: both ends of scikit-image's [-1, 1] clip are exercised
    psf = R.gaussian_psf(5, 1.0)
    data_ = -1.5 * R.blur(data.test_pattern(32), psf, "zero")
    unclipped = R.richardson_lucy(data_, psf, 10, clip=False)
    assert unclipped.min() < -1
    np.testing.assert_allclose(unclipped, -R.richardson_lucy(-data_, psf, 10, clip=False), atol=1e-9)
    np.testing.assert_allclose(unclipped, skr.richardson_lucy(data_, psf, 10, clip=False), rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        R.richardson_lucy(data_, psf, 10), skr.richardson_lucy(data_, psf, 10), rtol=0, atol=1e-6
    )


def test_richardson_lucy_fallback_for_numpy_without_fft_out(image, monkeypatch):
    monkeypatch.setattr(iterative, "_FFT_HAS_OUT", False)
    psf = PSFS["gaussian_6x9"]
    blurred = R.blur(image, psf, "zero")
    np.testing.assert_allclose(
        R.richardson_lucy(blurred, psf, 9), skr.richardson_lucy(blurred, psf, 9), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("name", ["gaussian9", "motion7_30deg"])
def test_richardson_lucy_is_non_negative_and_keeps_the_data_flux(image, name):
    # Odd PSFs: the flipped-PSF 'same' convolution is the exact transpose of the blur, so
    # sum(x_k) = sum(y * Px / (Px + 1e-12)) = sum(y): the observed flux, zero-boundary model.
    psf = PSFS[name]
    blurred = R.add_poisson_noise(R.blur(image, psf, "zero"), 100, seed=5)
    for num_iter in (1, 5, 30):
        restored = R.richardson_lucy(blurred, psf, num_iter, clip=False)
        assert restored.min() >= 0
        assert restored.sum() == pytest.approx(blurred.sum(), rel=1e-9)


def test_richardson_lucy_semi_convergence():
    # Noisy data: PSNR first rises (deblurring) and then falls (noise amplification).
    truth = data.camera(128)
    psf = R.gaussian_psf(9, 1.5)
    noisy = R.add_poisson_noise(R.blur(truth, psf, "zero"), 300, seed=1)
    iterations = [1, 3, 10, 30, 100]
    scores = [
        R.psnr(truth[4:-4, 4:-4], R.richardson_lucy(noisy, psf, n, clip=False)[4:-4, 4:-4])
        for n in iterations
    ]
    best = int(np.argmax(scores))
    assert 0 < best < len(iterations) - 1
    assert scores[best] > scores[0] + 1.0
    assert scores[best] > scores[-1] + 3.0


# --------------------------------------------------------------------------- quality scores


def test_psnr_matches_skimage(image, colour):
    noisy = R.add_gaussian_noise(image, 0.05, seed=1)
    assert R.psnr(image, noisy) == pytest.approx(
        metrics.peak_signal_noise_ratio(image, noisy, data_range=1.0)
    )
    noisy_colour = R.add_gaussian_noise(colour, 0.03, seed=2)
    assert R.psnr(colour, noisy_colour) == pytest.approx(
        metrics.peak_signal_noise_ratio(colour, noisy_colour, data_range=1.0)
    )
    scaled = 255 * image
    assert R.psnr(scaled, 255 * noisy, data_range=255) == pytest.approx(R.psnr(image, noisy))
    a, b = (np.round(x * 255).clip(0, 255).astype(np.uint8) for x in (image, noisy))
    assert R.psnr(a, b) == pytest.approx(metrics.peak_signal_noise_ratio(a, b))  # uint8: range 255
    assert R.psnr(image, image) == float("inf")
    # closed form: RMS error 0.1 on a range of 1 is 20 dB
    assert R.psnr(np.zeros((4, 4)), np.full((4, 4), 0.1)) == pytest.approx(20.0)


def test_ssim_matches_skimage(image, colour):
    noisy = R.add_gaussian_noise(image, 0.05, seed=1)
    assert R.ssim(image, noisy) == pytest.approx(metrics.structural_similarity(image, noisy, data_range=1.0))
    noisy_colour = R.add_gaussian_noise(colour, 0.05, seed=1)
    assert R.ssim(colour, noisy_colour) == pytest.approx(
        metrics.structural_similarity(colour, noisy_colour, data_range=1.0, channel_axis=-1)
    )
    assert R.ssim(image, image) == pytest.approx(1.0)


# --------------------------------------------------------------------------- bad input


def _psf_too_big():
    return np.ones((9, 9)) / 81


BAD_CALLS = [
    # (callable, error, fragment of the message)
    (lambda x: R.blur(x, np.ones((70, 3))), ValueError, "psf"),
    (lambda x: R.richardson_lucy(x[:8, :8], _psf_too_big()), ValueError, "larger than the image"),
    (lambda x: R.wiener(x, np.zeros((3, 3)), 0.1), ValueError, "sums to 0"),
    (lambda x: R.blur(x, np.array([[0.5, -0.1, 0.6]])), ValueError, "negative"),
    (lambda x: R.richardson_lucy(x, np.array([[np.nan, 1.0]])), ValueError, "psf contains NaN"),
    (lambda x: R.inverse_filter(x, np.array([[np.inf]])), ValueError, "psf contains NaN or infinity"),
    (lambda x: R.blur(np.where(x > 0.5, np.nan, x), R.box_psf(3)), ValueError, "image contains NaN"),
    (lambda x: R.wiener(np.where(x > 0.5, np.inf, x), R.box_psf(3), 0.1), ValueError, "image contains NaN"),
    (lambda x: R.richardson_lucy(x, R.box_psf(3), num_iter=0), ValueError, "num_iter=0"),
    (lambda x: R.richardson_lucy(x, R.box_psf(3), num_iter=-2), ValueError, "num_iter=-2"),
    (lambda x: R.richardson_lucy(x, R.box_psf(3), num_iter=2.5), TypeError, "num_iter"),
    (lambda x: R.richardson_lucy(x, R.box_psf(3), filter_epsilon=-1), ValueError, "filter_epsilon"),
    (lambda x: R.wiener(x, R.box_psf(3), 0), ValueError, "balance=0"),
    (lambda x: R.wiener(x, R.box_psf(3), -0.1), ValueError, "balance=-0.1"),
    (lambda x: R.tikhonov(x, R.box_psf(3), 0.0), ValueError, "lam=0"),
    (lambda x: R.tikhonov(x, R.box_psf(3), 0.1, operator="gradient"), ValueError, "operator"),
    (lambda x: R.inverse_filter(x, R.box_psf(3), eps=-1), ValueError, "eps"),
    (lambda x: R.blur(x[0], R.box_psf(1)), ValueError, "2 dimensions"),
    (lambda x: R.blur(x[None, None], R.box_psf(3)), ValueError, "2 dimensions"),
    (lambda x: R.blur(np.stack([x] * 3), R.box_psf(3)), ValueError, "channels"),
    (lambda x: R.blur(x, R.box_psf(3)[None]), ValueError, "psf of shape"),
    (lambda x: R.blur(x, R.box_psf(3), boundary="wrap"), ValueError, "boundary"),
    (lambda x: R.blur("camera", R.box_psf(3)), TypeError, "image"),
    (lambda x: R.blur(x.astype(complex), R.box_psf(3)), TypeError, "complex"),
    (lambda x: R.blur(x.astype(object), R.box_psf(3)), TypeError, "image"),
    (lambda x: R.blur(x, [["a"]]), TypeError, "psf"),
    (lambda x: R.wiener(x, R.box_psf(3), "0.1"), TypeError, "balance"),
    (lambda x: R.add_gaussian_noise(x, -0.1), ValueError, "sigma"),
    (lambda x: R.add_poisson_noise(x, 0), ValueError, "peak"),
    (lambda x: R.add_poisson_noise(x - 0.5, 10), ValueError, "non-negative"),
    (lambda x: R.psnr(x, x[:10]), ValueError, "same shape"),
    (lambda x: R.psnr(255 * x, 255 * x), ValueError, "data_range"),
    (lambda x: R.psnr(x, x, data_range=0), ValueError, "data_range"),
    (lambda x: R.ssim(x[:5, :5], x[:5, :5]), ValueError, "7x7"),
    (lambda x: R.psf2otf(R.box_psf(5), (4, 4)), ValueError, "psf"),
    (lambda x: R.box_psf(0), ValueError, "size"),
    (lambda x: R.box_psf(2.5), TypeError, "size"),
    (lambda x: R.gaussian_psf(5, 0), ValueError, "sigma"),
    (lambda x: R.motion_psf(0, 10), ValueError, "length"),
    (lambda x: R.motion_psf(9, 30, size=3), ValueError, "too small"),
]


@pytest.mark.parametrize("index", range(len(BAD_CALLS)))
def test_bad_input_raises_a_clear_error(image, index):
    call, error, fragment = BAD_CALLS[index]
    with pytest.raises(error, match=fragment):
        call(image)
