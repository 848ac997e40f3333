"""Linear filters in the Fourier domain: inverse filter, Wiener, Tikhonov.

Each one is ``G = H* / (|H|^2 + penalty)`` with ``H`` from :func:`psf2otf_rfft`.
Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import numpy as np

from .._checks import ArrayLike, check_choice, check_flag, check_image, check_kernel, check_number, check_psf
from .fourier import apply_transfer, from_stack, psf2otf_rfft, to_stack
from .psf import laplacian_kernel

__all__ = ["inverse_filter", "wiener", "tikhonov"]


def _operator_penalty(operator, name: str, weight: float):
    """The penalty ``weight * |L|^2`` of a regularisation operator ``L``, for the image's grid."""

    def penalty(shape, dtype):
        kernel = check_kernel(operator, name, shape, dtype)
        return weight * np.abs(psf2otf_rfft(kernel, shape)) ** 2

    return penalty


def _regularised_inverse(image, psf, penalty, clip=False):
    """``G = H* / (|H|^2 + penalty)`` applied to ``image``; ``penalty`` is a number or an array."""
    img = check_image(image)
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    stack = to_stack(img)
    shape = stack.shape[-2:]
    otf = psf2otf_rfft(kernel, shape)
    if callable(penalty):
        penalty = penalty(shape, img.dtype)
    denominator = np.abs(otf) ** 2 + penalty
    # where H and the penalty both vanish nothing can be recovered: leave that frequency at 0
    transfer = np.divide(np.conj(otf), denominator, out=np.zeros_like(otf), where=denominator > 0)
    out = apply_transfer(stack, transfer)
    if clip:
        np.clip(out, -1.0, 1.0, out=out)
    return from_stack(out.astype(img.dtype, copy=False), img)


def inverse_filter(image: ArrayLike, psf: ArrayLike, eps: float = 0.0) -> np.ndarray:
    """Naive (truncated) inverse filter: divide the spectrum by the transfer function.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Blurred image (circular blur model).
    psf : (kH, kW) array_like
        The PSF that blurred it.
    eps : float, default 0.0
        Frequencies with ``|H| <= eps`` are set to 0 instead of divided by
        (almost) nothing. ``eps=0`` only drops exact zeros.

    Returns
    -------
    restored : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: \\hat X = \\frac{Y}{H}\\ \\text{where } |H| > \\varepsilon,\\quad 0 \\text{ elsewhere}

    Without noise and with no zero in ``H`` this recovers a circularly blurred
    image exactly. With noise, :math:`\\hat X = X + N/H` and ``1/|H|`` is huge
    where ``|H|`` is small (about 6e5 for a 5×5 box on a 512² image), so the
    noise swamps the image: deconvolution is ill-posed.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed.,
       Pearson (2018), section 5.7 "Inverse filtering".
    """
    img = check_image(image)
    eps = check_number(eps, "eps", non_negative=True)
    kernel = check_psf(psf, "psf", img.shape, img.dtype)
    stack = to_stack(img)
    otf = psf2otf_rfft(kernel, stack.shape[-2:])
    transfer = np.divide(1.0, otf, out=np.zeros_like(otf), where=np.abs(otf) > eps)
    return from_stack(apply_transfer(stack, transfer).astype(img.dtype, copy=False), img)


def wiener(
    image: ArrayLike, psf: ArrayLike, balance: float, reg: ArrayLike | None = None, clip: bool = False
) -> np.ndarray:
    """Wiener (Wiener-Hunt) deconvolution with a constant noise-to-signal ratio.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Blurred, noisy image (circular blur model).
    psf : (kH, kW) array_like
    balance : float
        Regularisation weight, > 0: the noise-to-signal power ratio. Larger
        values smooth more; ``balance -> 0`` tends to :func:`inverse_filter`.
    reg : (rH, rW) array_like, optional
        Regularisation operator (impulse response). ``None``: the identity, so
        the penalty is the constant ``balance``. ``laplacian_kernel()`` gives
        scikit-image's default (``skimage.restoration.wiener``).
    clip : bool, default False
        Clip the result to [-1, 1], as scikit-image does by default.

    Returns
    -------
    restored : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: \\hat X = \\frac{H^*}{|H|^2 + \\lambda\\,|R|^2}\\, Y

    with ``λ = balance`` and ``|R| = 1`` unless ``reg`` is given. The Wiener
    filter minimises the expected squared error when signal and noise are
    stationary with power spectra ``S_x``, ``S_n``, where ``λ|R|^2 = S_n / S_x``.
    With ``reg=laplacian_kernel()`` and ``clip=True`` this equals
    ``skimage.restoration.wiener(image, psf, balance)``. (For a ``reg`` that is
    not point-symmetric the two differ: scikit-image keeps only the real part
    of the regulariser's transfer function, see its issue #7363; here ``|R|^2``
    uses the whole of it, as the formula says.)
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] N. Wiener, *Extrapolation, Interpolation, and Smoothing of Stationary
       Time Series*, MIT Press (1949).
    .. [2] F. Orieux, J.-F. Giovannelli and T. Rodet, "Bayesian estimation of
       regularization and point spread function parameters for Wiener-Hunt
       deconvolution", J. Opt. Soc. Am. A 27(7):1593-1607 (2010).
    """
    balance = check_number(balance, "balance", positive=True)
    clip = check_flag(clip, "clip")
    penalty = balance if reg is None else _operator_penalty(reg, "reg", balance)
    return _regularised_inverse(image, psf, penalty, clip)


def tikhonov(
    image: ArrayLike, psf: ArrayLike, lam: float, operator: str | ArrayLike = "identity"
) -> np.ndarray:
    """Tikhonov-regularised least squares (constrained least squares) deconvolution.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Blurred, noisy image (circular blur model).
    psf : (kH, kW) array_like
    lam : float
        Regularisation weight λ, > 0.
    operator : {"identity", "laplacian"} or (rH, rW) array_like, default "identity"
        The operator ``L`` whose output is penalised: ``"identity"`` penalises
        the energy of ``x``, ``"laplacian"`` its roughness
        (:func:`laplacian_kernel`), an array is used as the impulse response of ``L``.

    Returns
    -------
    restored : ndarray, same shape as ``image``

    Notes
    -----
    Minimises :math:`\\|h \\ast x - y\\|^2 + \\lambda \\|L x\\|^2`; with circular
    boundaries the minimiser is diagonal in the Fourier domain:

    .. math:: \\hat X = \\frac{H^* Y}{|H|^2 + \\lambda |L|^2}

    With ``operator="identity"`` this is exactly ``wiener(image, psf, balance=lam)``.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] A. N. Tikhonov and V. Y. Arsenin, *Solutions of Ill-Posed Problems*,
       Winston (1977).
    .. [2] B. R. Hunt, "The application of constrained least squares estimation
       to image restoration by digital computer", IEEE Trans. Computers
       C-22(9):805-812 (1973).
    """
    lam = check_number(lam, "lam", positive=True)
    if isinstance(operator, str):
        if check_choice(operator, "operator", ("identity", "laplacian")) == "identity":
            return _regularised_inverse(image, psf, lam)
        operator = laplacian_kernel()
    return _regularised_inverse(image, psf, _operator_penalty(operator, "operator", lam))
