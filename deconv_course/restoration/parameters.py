"""Choosing the regularisation weight without the true image: discrepancy, GCV, L-curve.

For the Fourier-domain filters (:func:`wiener`, :func:`tikhonov`) the
regularised solution is diagonal in the Fourier domain, and so is every
quantity these rules need: the residual, the norm of the solution and the
trace of the influence matrix are sums over frequencies, computed here in
closed form for a whole grid of weights at the cost of one FFT.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from .._checks import (
    ArrayLike,
    check_flag,
    check_image,
    check_int,
    check_kernel,
    check_ndim,
    check_number,
    check_psf,
)
from .fourier import psf2otf

__all__ = ["regularisation_curves", "discrepancy_balance", "gcv_balance", "l_curve_balance"]

#: The default search interval of the weight λ (``balance`` of :func:`wiener`).
BOUNDS = (1e-8, 1e2)


def _spectra(image, psf, reg):
    """``|Y|^2``, ``|H|^2`` and ``|L|^2`` on the image's grid (full fft2), for a 2-D image."""
    img = check_image(image)
    check_ndim(img, "image", 2, "(H, W); restore colour images channel by channel")
    img = img.astype(np.float64)
    kernel = check_psf(psf, "psf", img.shape)
    y2 = np.abs(np.fft.fft2(img)) ** 2
    h2 = np.abs(psf2otf(kernel, img.shape)) ** 2
    if reg is None:
        l2 = np.ones_like(h2)
    else:
        l2 = np.abs(psf2otf(check_kernel(reg, "reg", img.shape), img.shape)) ** 2
    return y2, h2, l2


def _bounds(bounds):
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(f"bounds={bounds!r} must be a pair (low, high) of weights")
    low = check_number(bounds[0], "bounds[0]", positive=True)
    high = check_number(bounds[1], "bounds[1]", positive=True)
    if not low < high:
        raise ValueError(f"bounds={bounds!r} must have low < high")
    return low, high


def _curves(y2, h2, l2, balances):
    """The closed forms of :func:`regularisation_curves` for an array of weights."""
    n = y2.size
    out = {k: np.empty(len(balances)) for k in ("residual_norm", "solution_norm", "trace", "gcv")}
    for i, lam in enumerate(balances):
        den = h2 + lam * l2
        ok = den > 0
        a = np.divide(h2, den, out=np.zeros_like(h2), where=ok)  # eigenvalues of A_λ
        residual2 = np.sum((1 - a) ** 2 * y2) / n  # Parseval: ||v||^2 = sum |V|^2 / N
        solution2 = np.sum(np.divide(l2 * h2 * y2, den**2, out=np.zeros_like(h2), where=ok)) / n
        trace = np.sum(1 - a)
        out["residual_norm"][i] = np.sqrt(residual2)
        out["solution_norm"][i] = np.sqrt(solution2)
        out["trace"][i] = trace
        out["gcv"][i] = n * residual2 / trace**2
    return out


def regularisation_curves(
    image: ArrayLike, psf: ArrayLike, balances: ArrayLike, reg: ArrayLike | None = None
) -> dict[str, np.ndarray]:
    """Residual, solution norm, trace and GCV of the Wiener/Tikhonov solution for many weights.

    Parameters
    ----------
    image : (H, W) array_like
        The observed image ``y`` (circular blur model).
    psf : (kH, kW) array_like
    balances : 1-D array_like of float
        Weights λ > 0 (``balance`` of :func:`wiener`, ``lam`` of :func:`tikhonov`).
    reg : (rH, rW) array_like, optional
        Regularisation operator ``L`` (impulse response); ``None`` is the identity.

    Returns
    -------
    dict of 1-D ndarrays, one entry per weight
        ``"balance"``, ``"residual_norm"`` ‖C x̂_λ − y‖, ``"solution_norm"`` ‖L x̂_λ‖,
        ``"trace"`` trace(I − A_λ), ``"gcv"`` the GCV function.

    Notes
    -----
    With circular boundaries ``C`` and ``L`` are diagonalised by the DFT, and
    the influence matrix :math:`A_\\lambda = C (C^T C + \\lambda L^T L)^{-1} C^T`
    (which maps ``y`` to the re-blurred solution :math:`C \\hat x_\\lambda`) has
    the eigenvalues :math:`a = |H|^2 / (|H|^2 + \\lambda |L|^2)`. With
    :math:`Y = \\mathrm{DFT}(y)`, ``N`` pixels and Parseval's identity,

    .. math::
        \\|(I - A_\\lambda) y\\|^2 = \\frac{1}{N} \\sum (1 - a)^2 |Y|^2, \\qquad
        \\|L \\hat x_\\lambda\\|^2 = \\frac{1}{N} \\sum
            \\frac{|L|^2 |H|^2 |Y|^2}{(|H|^2 + \\lambda |L|^2)^2},

    .. math::
        \\operatorname{trace}(I - A_\\lambda) = \\sum (1 - a), \\qquad
        \\mathrm{GCV}(\\lambda) = \\frac{N \\|(I - A_\\lambda) y\\|^2}
                                      {\\operatorname{trace}(I - A_\\lambda)^2}.

    Frequencies where ``|H|^2 + λ|L|^2 = 0`` are set to 0 by the filters, so ``a = 0`` there.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] G. H. Golub, M. Heath and G. Wahba, "Generalized cross-validation
       as a method for choosing a good ridge parameter", Technometrics
       21(2):215-223 (1979).
    """
    lams = np.atleast_1d(np.asarray(balances, dtype=np.float64))
    if lams.ndim != 1 or lams.size == 0 or not np.all(np.isfinite(lams)) or np.any(lams <= 0):
        raise ValueError(f"balances={balances!r} must be a non-empty 1-D array of finite weights > 0")
    out = _curves(*_spectra(image, psf, reg), lams)
    out["balance"] = lams
    return out


def discrepancy_balance(
    image: ArrayLike,
    psf: ArrayLike,
    noise_sigma: float,
    reg: ArrayLike | None = None,
    tau: float = 1.0,
    bounds: tuple[float, float] = BOUNDS,
) -> float:
    """Choose the Wiener/Tikhonov weight by Morozov's discrepancy principle.

    Parameters
    ----------
    image : (H, W) array_like
        The observed image ``y`` (circular blur model).
    psf : (kH, kW) array_like
    noise_sigma : float
        Standard deviation of the (white, Gaussian) noise, > 0: known from the
        sensor, or estimated (e.g. ``skimage.restoration.estimate_sigma``).
    reg : (rH, rW) array_like, optional
        Regularisation operator ``L``; ``None`` is the identity.
    tau : float, default 1.0
        Safety factor τ > 0 (1.0 to 1.1 in practice; larger smooths more).
    bounds : (float, float), default (1e-8, 1e2)
        The interval searched for λ.

    Returns
    -------
    balance : float
        λ with :math:`\\|C \\hat x_\\lambda - y\\|^2 = \\tau N \\sigma^2`.

    Notes
    -----
    The residual of the true image is the noise, whose expected squared norm
    is :math:`N\\sigma^2`; a solution that fits the data better than that fits
    the noise. The residual grows monotonically with λ, so the equation

    .. math:: \\|C \\hat x_\\lambda - y\\|^2 = \\tau N \\sigma^2

    has one root, found by Brent's method on :math:`\\log\\lambda` with the
    closed-form residual of :func:`regularisation_curves`. The principle
    tends to over-smooth slightly (the residual of the *estimate* is smaller
    than the noise's, by ``σ² trace(A_λ)`` on average).
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] V. A. Morozov, "On the solution of functional equations by the
       method of regularization", Soviet Math. Dokl. 7:414-417 (1966).

    Raises
    ------
    ValueError
        If no λ in ``bounds`` reaches the target (``noise_sigma`` too small or too large).
    """
    sigma = check_number(noise_sigma, "noise_sigma", positive=True)
    tau = check_number(tau, "tau", positive=True)
    low, high = _bounds(bounds)
    spectra = _spectra(image, psf, reg)
    target = tau * spectra[0].size * sigma**2

    def gap(t):
        return np.log(_curves(*spectra, [np.exp(t)])["residual_norm"][0] ** 2 / target)

    g_low, g_high = gap(np.log(low)), gap(np.log(high))
    if g_low > 0 or g_high < 0:
        side = "small" if g_low > 0 else "large"
        raise ValueError(
            f"noise_sigma={noise_sigma!r} is too {side}: the residual stays "
            f"{'above' if g_low > 0 else 'below'} tau * N * noise_sigma**2 for every balance in bounds={bounds!r}"
        )
    return float(np.exp(optimize.brentq(gap, np.log(low), np.log(high), xtol=1e-6)))


def gcv_balance(
    image: ArrayLike,
    psf: ArrayLike,
    reg: ArrayLike | None = None,
    bounds: tuple[float, float] = BOUNDS,
    num: int = 61,
    return_curve: bool = False,
):
    """Choose the Wiener/Tikhonov weight by generalized cross-validation (no noise level needed).

    Parameters
    ----------
    image : (H, W) array_like
    psf : (kH, kW) array_like
    reg : (rH, rW) array_like, optional
        Regularisation operator ``L``; ``None`` is the identity.
    bounds : (float, float), default (1e-8, 1e2)
    num : int, default 61
        Log-spaced grid points searched before a bounded refinement, >= 5.
    return_curve : bool, default False
        Also return the :func:`regularisation_curves` of the grid.

    Returns
    -------
    balance : float
        The minimiser of GCV(λ).
    curve : dict, only if ``return_curve``

    Notes
    -----
    .. math:: \\mathrm{GCV}(\\lambda) = \\frac{N\\,\\|(I - A_\\lambda) y\\|^2}
              {\\operatorname{trace}(I - A_\\lambda)^2}

    (closed form in :func:`regularisation_curves`). It is the leave-one-out
    prediction error made invariant to rotations of the data; its minimiser
    estimates the λ of least predictive risk without knowing σ.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] G. H. Golub, M. Heath and G. Wahba, "Generalized cross-validation
       as a method for choosing a good ridge parameter", Technometrics
       21(2):215-223 (1979).
    """
    return _grid_then_refine(image, psf, reg, bounds, num, return_curve, "gcv")


def _grid_then_refine(image, psf, reg, bounds, num, return_curve, rule):
    low, high = _bounds(bounds)
    num = check_int(num, "num", minimum=5)
    return_curve = check_flag(return_curve, "return_curve")
    spectra = _spectra(image, psf, reg)
    lams = np.geomspace(low, high, num)
    curve = _curves(*spectra, lams)
    curve["balance"] = lams
    if rule == "gcv":
        best = int(np.argmin(curve["gcv"]))
        lo, hi = np.log(lams[max(best - 1, 0)]), np.log(lams[min(best + 1, num - 1)])
        found = optimize.minimize_scalar(
            lambda t: _curves(*spectra, [np.exp(t)])["gcv"][0], bounds=(lo, hi), method="bounded"
        )
        balance = float(np.exp(found.x))
    else:
        curve["curvature"] = _curvature(np.log(curve["residual_norm"]), np.log(curve["solution_norm"]), lams)
        balance = float(lams[int(np.nanargmax(curve["curvature"]))])
    return (balance, curve) if return_curve else balance


def _curvature(rho, eta, lams):
    """Signed curvature of the parametric curve (ρ(t), η(t)), t = log λ; positive at the L's corner."""
    t = np.log(lams)
    d_rho, d_eta = np.gradient(rho, t), np.gradient(eta, t)
    dd_rho, dd_eta = np.gradient(d_rho, t), np.gradient(d_eta, t)
    kappa = (d_rho * dd_eta - dd_rho * d_eta) / (d_rho**2 + d_eta**2) ** 1.5
    kappa[:2] = kappa[-2:] = np.nan  # one-sided differences at the ends
    return kappa


def l_curve_balance(
    image: ArrayLike,
    psf: ArrayLike,
    reg: ArrayLike | None = None,
    bounds: tuple[float, float] = BOUNDS,
    num: int = 121,
    return_curve: bool = False,
):
    """Choose the Wiener/Tikhonov weight at the corner of the L-curve (no noise level needed).

    Parameters
    ----------
    image : (H, W) array_like
    psf : (kH, kW) array_like
    reg : (rH, rW) array_like, optional
        Regularisation operator ``L``; ``None`` is the identity.
    bounds : (float, float), default (1e-8, 1e2)
    num : int, default 121
        Log-spaced grid points, >= 5; the curvature is taken by finite differences on them.
    return_curve : bool, default False
        Also return the curves, with an extra ``"curvature"`` entry.

    Returns
    -------
    balance : float
        The grid weight of largest curvature.
    curve : dict, only if ``return_curve``

    Notes
    -----
    The L-curve is :math:`(\\rho, \\eta) = (\\log\\|C\\hat x_\\lambda - y\\|,
    \\log\\|L\\hat x_\\lambda\\|)`: for small λ the solution norm explodes (noise),
    for large λ the residual does (over-smoothing); the corner balances the
    two. With ``t = log λ`` and primes for d/dt its curvature is

    .. math:: \\kappa = \\frac{\\rho'\\eta'' - \\rho''\\eta'}{(\\rho'^2 + \\eta'^2)^{3/2}}

    and the corner is its maximum. The rule needs no σ but is known to
    over-smooth for smooth true images (Hanke 1996).
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] P. C. Hansen, "Analysis of discrete ill-posed problems by means of
       the L-curve", SIAM Review 34(4):561-580 (1992).
    .. [2] P. C. Hansen and D. P. O'Leary, "The use of the L-curve in the
       regularization of discrete ill-posed problems", SIAM J. Sci. Comput.
       14(6):1487-1503 (1993).
    """
    return _grid_then_refine(image, psf, reg, bounds, num, return_curve, "lcurve")
