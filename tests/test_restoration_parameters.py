"""Choosing the regularisation without the truth: discrepancy, GCV, L-curve, Richardson-Lucy stopping.

Each rule sees only the data (and, for the discrepancy principle, σ); the oracle sees the truth
and takes the best PSNR over a grid. The margins are stated per rule; the measured gaps (camera
64², 7×7 Gaussian PSF σ 1.5, circular blur, Laplacian regulariser) were: GCV 0.00-0.04 dB,
discrepancy 0.6-0.8 dB, L-curve 0.4-1.7 dB below the oracle.
"""

import time

import numpy as np
import pytest
from skimage import restoration as skr

from deconv_course import data
from deconv_course import restoration as R

PSF = R.gaussian_psf(7, 1.5)
LAPLACIAN = R.laplacian_kernel()
GRID = np.geomspace(1e-6, 10, 36)


@pytest.fixture(scope="module")
def truth():
    return data.camera(64)


def oracle(truth, y, reg=LAPLACIAN):
    scores = [R.psnr(truth, R.wiener(y, PSF, lam, reg=reg)) for lam in GRID]
    return GRID[int(np.argmax(scores))], max(scores)


MARGINS = {"gcv": 0.5, "discrepancy": 1.2, "l_curve": 2.0}  # dB below the oracle


@pytest.mark.parametrize("sigma", [0.005, 0.02, 0.05])
@pytest.mark.parametrize("seed", [0, 1])
def test_rules_without_the_truth_come_close_to_the_oracle(truth, sigma, seed):
    y = R.add_gaussian_noise(R.blur(truth, PSF), sigma, seed=seed)
    _, best = oracle(truth, y)
    chosen = {
        "gcv": R.gcv_balance(y, PSF, reg=LAPLACIAN),
        "discrepancy": R.discrepancy_balance(y, PSF, sigma, reg=LAPLACIAN),
        "l_curve": R.l_curve_balance(y, PSF, reg=LAPLACIAN),
    }
    for rule, lam in chosen.items():
        score = R.psnr(truth, R.wiener(y, PSF, lam, reg=LAPLACIAN))
        assert score > best - MARGINS[rule], (rule, lam, score, best)
        assert score < best + 0.2  # the grid's oracle is (nearly) an upper bound


@pytest.mark.parametrize("sigma", [0.005, 0.02])
def test_the_chosen_weight_grows_with_the_noise(truth, sigma):
    y_low = R.add_gaussian_noise(R.blur(truth, PSF), sigma, seed=3)
    y_high = R.add_gaussian_noise(R.blur(truth, PSF), 4 * sigma, seed=3)
    for rule in (R.gcv_balance, R.l_curve_balance):
        assert rule(y_high, PSF, reg=LAPLACIAN) > rule(y_low, PSF, reg=LAPLACIAN)
    assert R.discrepancy_balance(y_high, PSF, 4 * sigma) > R.discrepancy_balance(y_low, PSF, sigma)


@pytest.mark.parametrize("tau", [1.0, 1.1])
@pytest.mark.parametrize("reg", [None, LAPLACIAN])
def test_discrepancy_balance_solves_its_equation(truth, tau, reg):
    sigma = 0.02
    y = R.add_gaussian_noise(R.blur(truth, PSF), sigma, seed=5)
    lam = R.discrepancy_balance(y, PSF, sigma, reg=reg, tau=tau)
    residual = R.blur(R.wiener(y, PSF, lam, reg=reg), PSF) - y  # computed in image space
    assert np.sum(residual**2) == pytest.approx(tau * y.size * sigma**2, rel=1e-4)


def test_gcv_and_l_curve_return_their_curves(truth):
    y = R.add_gaussian_noise(R.blur(truth, PSF), 0.02, seed=0)
    lam, curve = R.gcv_balance(y, PSF, reg=LAPLACIAN, return_curve=True)
    k = int(np.argmin(curve["gcv"]))
    assert curve["balance"][max(k - 1, 0)] <= lam <= curve["balance"][k + 1]
    assert np.all(np.diff(curve["residual_norm"]) > 0)  # the residual grows with λ ...
    assert np.all(np.diff(curve["solution_norm"]) < 0)  # ... and the solution shrinks
    lam_l, curve_l = R.l_curve_balance(y, PSF, reg=LAPLACIAN, return_curve=True)
    assert lam_l == curve_l["balance"][int(np.nanargmax(curve_l["curvature"]))]
    # with the residual computed by the filter itself, not the closed form
    for i in (5, 30):
        x_hat = R.wiener(y, PSF, curve["balance"][i], reg=LAPLACIAN)
        assert np.linalg.norm(R.blur(x_hat, PSF) - y) == pytest.approx(curve["residual_norm"][i], rel=1e-8)


@pytest.mark.parametrize("seed", [0, 1])
def test_gcv_wiener_against_skimage_unsupervised_wiener(truth, seed, capsys):
    y = R.add_gaussian_noise(R.blur(truth, PSF), 0.02, seed=seed)
    start = time.perf_counter()
    ours = np.clip(R.wiener(y, PSF, R.gcv_balance(y, PSF, reg=LAPLACIAN), reg=LAPLACIAN), 0, 1)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs, _ = skr.unsupervised_wiener(y, PSF, rng=seed)  # Laplacian regulariser by default, clipped
    t_theirs = time.perf_counter() - start
    p_ours, p_theirs = R.psnr(truth, ours), R.psnr(truth, np.clip(theirs, 0, 1))
    with capsys.disabled():
        print(
            f"\n  seed {seed}: GCV Wiener {p_ours:.2f} dB in {t_ours:.4f} s; "
            f"unsupervised_wiener {p_theirs:.2f} dB in {t_theirs:.4f} s"
        )
    assert p_ours > p_theirs - 0.5  # the time is printed, not asserted


# --------------------------------------------------------------------------- Richardson-Lucy


@pytest.mark.parametrize("seed", [0, 1])
def test_richardson_lucy_stops_earlier_for_noisier_data_near_the_oracle(truth, seed):
    iterations = {}
    for peak in (30, 300, 3000):
        y = R.add_poisson_noise(R.blur(truth, PSF, "zero"), peak, seed=seed)
        restored, k = R.richardson_lucy_discrepancy(y, PSF, peak=peak, max_iter=200, return_iterations=True)
        iterations[peak] = k
        counts = [1, 2, 3, 5, 8, 12, 18, 25, 35, 50]
        oracle_scores = [
            R.psnr(truth, R.richardson_lucy_discrepancy(y, PSF, peak=peak, tau=1e-9, max_iter=n))
            for n in counts
        ]
        # measured: stops at 2 / 4-5 / 15-17 iterations, 0.0-0.35 dB below the oracle count
        assert R.psnr(truth, restored) > max(oracle_scores) - 0.75, (peak, k)
    assert iterations[30] < iterations[300] < iterations[3000]


def test_richardson_lucy_discrepancy_gaussian_model_and_its_residual(truth):
    sigma = 0.01
    y = R.add_gaussian_noise(R.blur(truth, PSF, "zero"), sigma, seed=2)
    restored, k = R.richardson_lucy_discrepancy(
        y.clip(0),
        PSF,
        noise_model="gaussian",
        noise_sigma=sigma,
        max_iter=300,
        clip=False,
        return_iterations=True,
    )
    assert 1 <= k < 300
    residual = np.sum((R.blur(restored, PSF, "zero") - y.clip(0)) ** 2)
    assert residual <= y.size * sigma**2 * (1 + 1e-6)  # stopped at the first fit ...
    previous = R.richardson_lucy_discrepancy(
        y.clip(0), PSF, noise_model="gaussian", noise_sigma=sigma, tau=1e-9, max_iter=k - 1, clip=False
    )
    assert np.sum((R.blur(previous, PSF, "zero") - y.clip(0)) ** 2) > y.size * sigma**2  # ... not before


def test_richardson_lucy_discrepancy_equals_a_readable_em_loop(truth):
    from scipy import signal

    y = R.add_poisson_noise(R.blur(truth[:32, :40], PSF, "zero"), 100, seed=0)
    ones = signal.convolve(np.ones(y.shape), PSF[::-1, ::-1], mode="same")
    x = np.full(y.shape, 0.5)
    for _ in range(6):
        x = (
            x
            * signal.convolve(
                y / (signal.convolve(x, PSF, mode="same") + 1e-12), PSF[::-1, ::-1], mode="same"
            )
            / ones
        )
    ours = R.richardson_lucy_discrepancy(y, PSF, peak=100, tau=1e-9, max_iter=6, clip=False)
    np.testing.assert_allclose(ours, x, atol=1e-10)
    # away from the border C^T 1 = 1: the same numbers as richardson_lucy (and scikit-image) there
    plain = R.richardson_lucy(y, PSF, num_iter=1, clip=False)
    one = R.richardson_lucy_discrepancy(y, PSF, peak=100, tau=1e-9, max_iter=1, clip=False)
    np.testing.assert_allclose(one[3:-3, 3:-3], plain[3:-3, 3:-3], atol=1e-10)


BAD = [
    (lambda y: R.discrepancy_balance(y, PSF, 0.0), ValueError, "noise_sigma=0.0"),
    (lambda y: R.discrepancy_balance(y, PSF, 10.0), ValueError, "noise_sigma=10.0 is too large"),
    (lambda y: R.discrepancy_balance(y, PSF, 1e-9), ValueError, "too small"),
    (lambda y: R.discrepancy_balance(y, PSF, 0.02, tau=0), ValueError, "tau=0"),
    (lambda y: R.discrepancy_balance(y, PSF, "0.02"), TypeError, "noise_sigma"),
    (lambda y: R.gcv_balance(y, PSF, bounds=(1.0, 0.1)), ValueError, "low < high"),
    (lambda y: R.gcv_balance(y, PSF, bounds=1.0), TypeError, "bounds"),
    (lambda y: R.gcv_balance(y, PSF, bounds=(0, 1)), ValueError, "bounds\\[0\\]"),
    (lambda y: R.gcv_balance(y, PSF, num=2), ValueError, "num=2"),
    (lambda y: R.gcv_balance(y, PSF, return_curve=1), TypeError, "return_curve"),
    (lambda y: R.l_curve_balance(np.stack([y, y], -1), PSF), ValueError, "channel by channel"),
    (lambda y: R.gcv_balance(y, PSF, reg=np.ones((80, 80))), ValueError, "reg of shape"),
    (lambda y: R.regularisation_curves(y, PSF, [0.1, -1]), ValueError, "balances"),
    (lambda y: R.regularisation_curves(y, PSF, []), ValueError, "balances"),
    (lambda y: R.richardson_lucy_discrepancy(y, PSF), ValueError, "peak=None"),
    (lambda y: R.richardson_lucy_discrepancy(y, PSF, noise_model="gaussian"), ValueError, "noise_sigma=None"),
    (lambda y: R.richardson_lucy_discrepancy(y, PSF, noise_model="laplace"), ValueError, "noise_model"),
    (lambda y: R.richardson_lucy_discrepancy(y - 1, PSF, peak=10), ValueError, "negative"),
    (lambda y: R.richardson_lucy_discrepancy(y, PSF, peak=10, max_iter=0), ValueError, "max_iter=0"),
    (lambda y: R.richardson_lucy_discrepancy(y, PSF, peak=True), TypeError, "peak"),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_bad_input_names_the_argument(truth, index):
    call, error, fragment = BAD[index]
    with pytest.raises(error, match=fragment):
        call(R.blur(truth, PSF))
