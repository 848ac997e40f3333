"""Total-variation deconvolution (ADMM) against closed forms, scikit-image's TV denoising and Wiener."""

import numpy as np
import pytest
from skimage import data as skdata
from skimage import transform
from skimage.restoration import denoise_tv_chambolle

from deconv_course import restoration as R
from deconv_course.restoration import tv

PSF = R.gaussian_psf(7, 1.5)


@pytest.fixture(scope="module")
def phantom():
    # the bundled Shepp-Logan phantom (400x400), downsampled; black at the borders
    return transform.resize(skdata.shepp_logan_phantom(), (64, 64), anti_aliasing=True)


def circular_matrix(shape, kernel_at_origin):
    """The circulant matrix of a kernel given on the full grid (index (0, 0) is the centre)."""
    h, w = shape
    rows = []
    for i in range(h):
        for j in range(w):
            e = np.zeros(shape)
            e[i, j] = 1
            rows.append(np.real(np.fft.ifft2(np.fft.fft2(kernel_at_origin) * np.fft.fft2(e))).ravel())
    return np.array(rows).T


def test_total_variation_closed_forms():
    assert R.total_variation(np.full((5, 6), 0.3)) == pytest.approx(0.0)
    step = np.zeros((6, 8))
    step[:, 4:] = 1.0  # two jumps per row with circular differences (3 -> 4, and 7 -> 0 wrapped)
    assert R.total_variation(step) == pytest.approx(2 * 6)
    assert R.total_variation(np.stack([step, 2 * step], axis=-1)) == pytest.approx(3 * 12)
    ramp = np.tile(np.arange(5.0), (5, 1))  # isotropic: one pixel with gradient (3, 4) has TV 5
    single = np.zeros((5, 5))
    single[1, 0], single[0, 1] = 3.0, 4.0
    corner = np.sqrt(
        np.sum(np.stack([np.roll(single, -1, 0) - single, np.roll(single, -1, 1) - single]) ** 2, 0)
    )
    assert R.total_variation(single) == pytest.approx(corner.sum())
    assert corner[0, 0] == pytest.approx(5.0)
    assert R.total_variation(ramp) == pytest.approx(5 * (4 * 1 + 4))


@pytest.mark.parametrize("shape", [(6, 5), (8, 8)])
@pytest.mark.parametrize("rho", [0.1, 2.0])
def test_admm_x_update_solves_its_normal_equations(shape, rho):
    rng = np.random.default_rng(int(rho * 10) + shape[0])
    kernel = rng.random((3, 3))
    kernel /= kernel.sum()
    y, z, u = rng.random(shape), rng.random((2,) + shape), rng.random((2,) + shape)
    x = R.admm_x_update(y, kernel, z, u, rho)

    def blur_matrix(k):
        grid = np.zeros(shape)
        grid[: k.shape[0], : k.shape[1]] = k
        return circular_matrix(shape, np.roll(grid, (-(k.shape[0] // 2), -(k.shape[1] // 2)), axis=(0, 1)))

    C = blur_matrix(kernel)
    # forward differences x[i + 1] - x[i], built with numpy.roll, as matrices
    eye = np.eye(y.size)
    D1 = np.array([(np.roll(e.reshape(shape), -1, axis=0) - e.reshape(shape)).ravel() for e in eye]).T
    D2 = np.array([(np.roll(e.reshape(shape), -1, axis=1) - e.reshape(shape)).ravel() for e in eye]).T
    lhs = C.T @ C + rho * (D1.T @ D1 + D2.T @ D2)
    rhs = C.T @ y.ravel() + rho * (D1.T @ (z[0] - u[0]).ravel() + D2.T @ (z[1] - u[1]).ravel())
    np.testing.assert_allclose(x.ravel(), np.linalg.solve(lhs, rhs), atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weight", [0.001, 0.01])
def test_the_objective_decreases_below_the_start_and_below_wiener(phantom, seed, weight):
    y = R.add_gaussian_noise(R.blur(phantom, PSF), 0.02, seed=seed)
    restored, history = R.tv_deconvolution(y, PSF, weight, num_iter=60, return_objective=True)
    assert len(history) == 60
    start = R.tv_objective(y, y, PSF, weight)
    assert history[-1] < 0.9 * start
    assert history[-1] == pytest.approx(R.tv_objective(restored, y, PSF, weight))
    # nearly monotone: no step raises it by more than 0.1 % of the start
    assert np.max(np.diff(history)) < 1e-3 * start
    for lam in (1e-3, 1e-2, 1e-1):
        assert history[-1] < R.tv_objective(R.wiener(y, PSF, lam), y, PSF, weight)


@pytest.mark.parametrize("weight", [0.05, 0.1])
@pytest.mark.parametrize("seed", [0, 1])
def test_delta_psf_matches_skimage_tv_denoising_objective(phantom, weight, seed):
    # denoise_tv_chambolle minimises 1/2 ||u - f||^2 + weight * TV(u) (its docstring's lambda is 1 / weight)
    noisy = R.add_gaussian_noise(phantom, 0.05, seed=seed)
    delta = np.ones((1, 1))
    ours = R.tv_deconvolution(noisy, delta, weight, num_iter=200)
    theirs = denoise_tv_chambolle(noisy, weight=weight, eps=1e-6, max_num_iter=1000)
    e_ours, e_theirs = (R.tv_objective(v, noisy, delta, weight) for v in (ours, theirs))
    # measured: ours 0.2 % lower (the phantom's zero border makes the boundary rules agree)
    assert abs(e_ours - e_theirs) < 0.01 * e_theirs
    assert e_ours < e_theirs * 1.001
    assert np.max(np.abs(ours - theirs)) < 0.1


# measured gaps (TV minus Wiener, oracle weights, seeds 0-2): sigma 0.005: 0.63-0.89 dB,
# sigma 0.01: 0.44-0.60 dB, sigma 0.02: 0.13-0.29 dB. The lead shrinks as the noise grows.
TV_LEAD = {0.005: 0.3, 0.01: 0.3, 0.02: 0.0}


@pytest.mark.parametrize("sigma", sorted(TV_LEAD))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tv_beats_wiener_on_the_shepp_logan_phantom(phantom, sigma, seed):
    # each method with its own oracle weight (best PSNR over a grid, computed with the truth);
    # Wiener with scikit-image's Laplacian regulariser, both clipped to [0, 1]
    y = R.add_gaussian_noise(R.blur(phantom, PSF), sigma, seed=seed)
    wiener_best = max(
        R.psnr(phantom, np.clip(R.wiener(y, PSF, lam, reg=R.laplacian_kernel()), 0, 1))
        for lam in np.geomspace(1e-5, 1, 16)
    )
    tv_best = max(
        R.psnr(phantom, np.clip(R.tv_deconvolution(y, PSF, w, num_iter=100), 0, 1))
        for w in sigma * np.array([0.0125, 0.025, 0.05, 0.1])
    )
    assert tv_best > wiener_best + TV_LEAD[sigma]


def test_colour_is_per_channel(phantom):
    y = R.blur(phantom, PSF)
    colour = np.stack([y, 0.5 * y], axis=-1)
    out = R.tv_deconvolution(colour, PSF, 0.005, num_iter=10)
    np.testing.assert_allclose(out[..., 0], R.tv_deconvolution(y, PSF, 0.005, num_iter=10), atol=1e-12)
    assert out.shape == colour.shape


BAD = [
    (lambda y: R.tv_deconvolution(y, PSF, 0), ValueError, "weight=0"),
    (lambda y: R.tv_deconvolution(y, PSF, 0.1, num_iter=0), ValueError, "num_iter=0"),
    (lambda y: R.tv_deconvolution(y, PSF, 0.1, rho=-1), ValueError, "rho=-1"),
    (lambda y: R.tv_deconvolution(y, PSF, 0.1, method="chambolle_pock"), ValueError, "method"),
    (lambda y: R.tv_deconvolution(y, PSF, 0.1, return_objective="yes"), TypeError, "return_objective"),
    (
        lambda y: R.admm_x_update(y, PSF, np.zeros((2, 3, 3)), np.zeros((2, 64, 64)), 1.0),
        ValueError,
        "z of shape",
    ),
    (
        lambda y: R.admm_x_update(y, PSF, np.zeros((2, 64, 64)), np.zeros((64, 64)), 1.0),
        ValueError,
        "u of shape",
    ),
    (lambda y: R.admm_x_update(y, PSF, np.zeros((2, 64, 64)), np.zeros((2, 64, 64)), 0.0), ValueError, "rho"),
    (lambda y: R.tv_objective(y[:10], y, PSF, 0.1), ValueError, "same shape"),
    (lambda y: R.tv_objective(y, y, PSF, -1), ValueError, "weight"),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_bad_input_names_the_argument(phantom, index):
    call, error, fragment = BAD[index]
    with pytest.raises(error, match=fragment):
        call(phantom)


def test_the_module_exposes_the_exercise_x_update():
    assert tv.admm_x_update is R.admm_x_update
