"""Total-variation deconvolution from scratch, by ADMM with a Fourier-domain x-update.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from .._checks import ArrayLike, check_choice, check_flag, check_image, check_int, check_number, check_psf
from .fourier import from_stack, psf2otf, psf2otf_rfft, to_stack

__all__ = ["total_variation", "tv_objective", "admm_x_update", "tv_deconvolution"]


def _gradient(x: np.ndarray) -> np.ndarray:
    """Forward differences with circular boundaries: (2, H, W), ``D_1 x`` down the rows, ``D_2 x`` along them."""
    return np.stack([np.roll(x, -1, axis=-2) - x, np.roll(x, -1, axis=-1) - x])


def _difference_otfs(shape: tuple[int, int]) -> np.ndarray:
    """The transfer functions ``D_1``, ``D_2`` of :func:`_gradient` on ``shape``: (2, H, W // 2 + 1), rfft2 half."""
    d1 = np.zeros(shape)
    d1[0, 0], d1[-1, 0] = -1.0, 1.0  # (d1 ⊛ x)[i] = x[i + 1] - x[i]
    d2 = np.zeros(shape)
    d2[0, 0], d2[0, -1] = -1.0, 1.0
    return np.stack([sfft.rfft2(d1), sfft.rfft2(d2)])


def total_variation(image: ArrayLike) -> float:
    """Isotropic total variation with circular forward differences.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like

    Returns
    -------
    float
        :math:`\\mathrm{TV}(x) = \\sum_{i,j} \\sqrt{(D_1 x)_{ij}^2 + (D_2 x)_{ij}^2}`,
        summed over channels.

    Notes
    -----
    :math:`(D_1 x)_{ij} = x_{i+1,j} - x_{ij}` and :math:`(D_2 x)_{ij} = x_{i,j+1} - x_{ij}`,
    indices modulo the size (so that both are diagonal in the Fourier domain).
    scikit-image's ``denoise_tv_chambolle`` sets the last difference to 0
    instead (Neumann boundaries); for an image whose opposite edges agree the
    two are the same. Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    stack = to_stack(check_image(image).astype(np.float64))
    return float(np.sum(np.sqrt(np.sum(_gradient(stack) ** 2, axis=0))))


def tv_objective(estimate: ArrayLike, image: ArrayLike, psf: ArrayLike, weight: float) -> float:
    """The TV deconvolution objective ``½‖h ⊛ x − y‖² + weight · TV(x)`` (circular blur).

    Parameters
    ----------
    estimate : (H, W) or (H, W, C) array_like
        The candidate ``x``.
    image : array_like, same shape
        The observation ``y``.
    psf : (kH, kW) array_like
    weight : float
        >= 0.

    Returns
    -------
    float

    Notes
    -----
    .. math:: E(x) = \\tfrac12 \\|h \\circledast x - y\\|^2 + w\\,\\mathrm{TV}(x)

    With a delta PSF this is the objective of ``skimage.restoration.denoise_tv_chambolle``
    with the same ``weight`` (its docstring's λ is ``1 / weight``), up to the
    boundary rule of :func:`total_variation`.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    x = check_image(estimate, "estimate").astype(np.float64)
    y = check_image(image).astype(np.float64)
    if x.shape != y.shape:
        raise ValueError(f"estimate of shape {x.shape} and image of shape {y.shape} must have the same shape")
    weight = check_number(weight, "weight", non_negative=True)
    kernel = check_psf(psf, "psf", y.shape)
    xs, ys = to_stack(x), to_stack(y)
    otf = psf2otf(kernel, ys.shape[-2:])
    residual = np.fft.ifft2(otf * np.fft.fft2(xs)).real - ys
    return float(0.5 * np.sum(residual**2) + weight * total_variation(x))


def _x_update(image_spectrum, otf, d_otfs, denominator, z, u, rho):
    """The x-step on precomputed rfft2 spectra: one FFT per component of ``z - u``, one inverse FFT."""
    numerator = np.conj(otf) * image_spectrum
    numerator = numerator + rho * np.sum(np.conj(d_otfs) * sfft.rfft2(z - u), axis=0)
    return sfft.irfft2(numerator / denominator, s=z.shape[-2:])


def admm_x_update(image: ArrayLike, psf: ArrayLike, z: ArrayLike, u: ArrayLike, rho: float) -> np.ndarray:
    """ADMM's x-step for TV deconvolution: a quadratic problem solved exactly by one division in Fourier.

    Parameters
    ----------
    image : (H, W) array_like
        The observation ``y``.
    psf : (kH, kW) array_like
    z, u : (2, H, W) array_like
        The split variable (the target of the gradient ``D x``) and the scaled dual variable.
    rho : float
        The ADMM penalty ρ > 0.

    Returns
    -------
    x : (H, W) ndarray of float64

    Notes
    -----
    The minimiser of :math:`\\tfrac12\\|Cx - y\\|^2 + \\tfrac\\rho2 \\sum_i \\|D_i x - z_i + u_i\\|^2`
    solves :math:`(C^TC + \\rho \\sum_i D_i^T D_i)\\,x = C^T y + \\rho \\sum_i D_i^T (z_i - u_i)`;
    all the matrices are circulant, so in the Fourier domain

    .. math:: x = \\mathcal F^{-1}\\left[\\frac{\\bar H\\, \\mathcal F(y) + \\rho \\sum_i \\bar D_i\\,
              \\mathcal F(z_i - u_i)}{|H|^2 + \\rho \\sum_i |D_i|^2}\\right].

    (The conjugates are the transposes: :math:`\\bar H` is the transposed convolution ``C^T``.)
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    y = check_image(image).astype(np.float64)
    if y.ndim != 2:
        raise ValueError(f"image of shape {y.shape} must have 2 dimensions (H, W)")
    kernel = check_psf(psf, "psf", y.shape)
    rho = check_number(rho, "rho", positive=True)
    z, u = (np.asarray(v, dtype=np.float64) for v in (z, u))
    for name, value in (("z", z), ("u", u)):
        if value.shape != (2,) + y.shape:
            raise ValueError(f"{name} of shape {value.shape} must have shape {(2,) + y.shape} (2, H, W)")
    otf = psf2otf_rfft(kernel, y.shape)  # a real image: the rfft2 half of every spectrum is enough
    d_otfs = _difference_otfs(y.shape)
    denominator = np.abs(otf) ** 2 + rho * np.sum(np.abs(d_otfs) ** 2, axis=0)
    return _x_update(sfft.rfft2(y), otf, d_otfs, denominator, z, u, rho)


def _shrink(v: np.ndarray, threshold: float) -> np.ndarray:
    """Isotropic soft thresholding of the (2, H, W) vector field ``v``: the prox of ``threshold · ‖·‖₂``."""
    norm = np.sqrt(np.sum(v**2, axis=0))
    scale = np.maximum(1.0 - threshold / np.maximum(norm, 1e-300), 0.0)
    return scale * v


def _admm(y, kernel, weight, num_iter, rho, objective):
    otf = psf2otf_rfft(kernel, y.shape)
    d_otfs = _difference_otfs(y.shape)
    denominator = np.abs(otf) ** 2 + rho * np.sum(np.abs(d_otfs) ** 2, axis=0)
    spectrum = sfft.rfft2(y)
    x = y.copy()
    z = _gradient(x)
    u = np.zeros_like(z)
    history = []
    for _ in range(num_iter):
        x = _x_update(spectrum, otf, d_otfs, denominator, z, u, rho)
        gx = _gradient(x)
        z = _shrink(gx + u, weight / rho)
        u = u + gx - z
        if objective:
            history.append(tv_objective(x, y, kernel, weight))
    return x, history


def tv_deconvolution(
    image: ArrayLike,
    psf: ArrayLike,
    weight: float,
    num_iter: int = 100,
    rho: float | None = None,
    method: str = "admm",
    return_objective: bool = False,
):
    """Total-variation (ROF) deconvolution by ADMM.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        The observation (circular blur model; :func:`edge_taper` first for real images).
    psf : (kH, kW) array_like
    weight : float
        The TV weight ``w`` > 0 (same scale as ``denoise_tv_chambolle``'s ``weight``).
    num_iter : int, default 100
        ADMM iterations, >= 1.
    rho : float, optional
        ADMM penalty ρ > 0; default ``10 * weight``, which converges in about
        100 iterations for images in [0, 1].
    method : {"admm"}, default "admm"
        Only ADMM is implemented (Chambolle-Pock is a close relative).
    return_objective : bool, default False
        Also return the list of :func:`tv_objective` values after each iteration.

    Returns
    -------
    restored : ndarray, same shape as ``image`` (float64)
    objective : list of float, only if ``return_objective``

    Notes
    -----
    Minimises :math:`\\tfrac12\\|h \\circledast x - y\\|^2 + w\\,\\mathrm{TV}(x)`
    by splitting :math:`z = D x` (scaled-form ADMM, starting from ``x = y``, ``z = Dx``, ``u = 0``):

    .. math::
        x &\\leftarrow \\arg\\min_x \\tfrac12\\|Cx - y\\|^2 + \\tfrac\\rho2\\|Dx - z + u\\|^2
            \\quad\\text{(:func:`admm_x_update`)}\\\\
        z &\\leftarrow \\operatorname{shrink}(Dx + u,\\ w / \\rho), \\qquad
            \\operatorname{shrink}(v, t) = \\max(1 - t/\\|v\\|_2, 0)\\, v
            \\ \\text{per pixel}\\\\
        u &\\leftarrow u + Dx - z.

    TV favours piecewise-constant images: edges are kept sharp where Wiener
    blurs them and rings. Colour images are restored channel by channel.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] L. I. Rudin, S. Osher and E. Fatemi, "Nonlinear total variation based
       noise removal algorithms", Physica D 60:259-268 (1992).
    .. [2] S. Boyd, N. Parikh, E. Chu, B. Peleato and J. Eckstein, "Distributed
       optimization and statistical learning via the alternating direction
       method of multipliers", Found. Trends Mach. Learn. 3(1):1-122 (2011).
    .. [3] A. Chambolle and T. Pock, "A first-order primal-dual algorithm for
       convex problems with applications to imaging", J. Math. Imaging Vis.
       40:120-145 (2011).
    """
    img = check_image(image)
    kernel = check_psf(psf, "psf", img.shape)
    weight = check_number(weight, "weight", positive=True)
    num_iter = check_int(num_iter, "num_iter", minimum=1)
    rho = 10.0 * weight if rho is None else check_number(rho, "rho", positive=True)
    check_choice(method, "method", ("admm",))
    return_objective = check_flag(return_objective, "return_objective")
    stack = to_stack(img.astype(np.float64))
    results = [_admm(channel, kernel, weight, num_iter, rho, return_objective) for channel in stack]
    restored = from_stack(np.stack([x for x, _ in results]), img)
    if not return_objective:
        return restored
    return restored, [float(sum(values)) for values in zip(*(h for _, h in results))]
