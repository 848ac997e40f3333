"""Image restoration on tensors: :func:`psf2otf`, :func:`inverse_filter`, :func:`wiener`,
:func:`tikhonov` and :func:`richardson_lucy`, with the names, arguments and results of
:mod:`deconv_course.restoration` (NumPy/SciPy); on the CPU in float64 the two agree to
rounding error.

NumPy in -> NumPy out, tensor in -> tensor out (on the tensor's device unless ``device``
says otherwise). Images are (H, W) or (H, W, C); internally a stack (C, H, W), one PSF
for all channels. The two modules cannot drift apart: arguments are checked by
:mod:`deconv_course._checks`, and every transfer function is made by restoration's one
OTF builder (a PSF is small, so it is transformed with NumPy and the spectrum is moved to
the device); only the images and the per-pixel arithmetic live on the device.
"""

from __future__ import annotations

import numpy as np
import torch

from deconv_course import restoration
from deconv_course._checks import check_flag, check_image, check_int, check_kernel, check_number, check_psf
from deconv_course.torch_ops.devices import parse_device, to_tensor

__all__ = ["psf2otf", "inverse_filter", "wiener", "tikhonov", "richardson_lucy"]

_Device = str | torch.device | None


def _float_tensor(image: torch.Tensor) -> torch.Tensor:
    """A real tensor as a floating one, with restoration's dtype rule: uint8 is scaled to
    [0, 1] (/ 255), other integers and bool become float64, float16 becomes float32."""
    if image.is_complex():
        raise TypeError(f"image must be real-valued, got complex dtype {image.dtype}")
    if image.dtype == torch.uint8:
        return image.to(torch.float64) / 255.0
    if not image.is_floating_point():
        return image.to(torch.float64)
    if image.dtype in (torch.float16, torch.bfloat16):
        return image.to(torch.float32)
    return image


def _image_stack(image, device: _Device):
    """(H, W) or (H, W, C) image -> (C, H, W) tensor, and how to give the result back."""
    return_numpy = not isinstance(image, torch.Tensor)
    if return_numpy:  # checked (and scaled) exactly as restoration checks it
        img = to_tensor(np.ascontiguousarray(check_image(image)), device=device)
    else:
        img = to_tensor(_float_tensor(image), device=device)
        if img.ndim not in (2, 3) or (img.ndim == 3 and not 1 <= img.shape[2] <= 4):
            raise ValueError(
                f"image of shape {tuple(img.shape)} must be (H, W) or (H, W, C) "
                "with channels last and 1 <= C <= 4"
            )
        if min(img.shape[:2]) < 1:
            raise ValueError(f"image of shape {tuple(img.shape)} must not be empty")
        if not bool(torch.isfinite(img).all()):
            raise ValueError("image contains NaN or infinity; every value must be finite")
    stack = img.permute(2, 0, 1) if img.ndim == 3 else img.unsqueeze(0)
    return stack, (return_numpy, img.ndim == 3)


def _unstack(stack: torch.Tensor, how):
    return_numpy, channels_last = how
    result = stack.permute(1, 2, 0).contiguous() if channels_last else stack[0]
    return result.cpu().numpy() if return_numpy else result


def _numpy_dtype(like: torch.Tensor) -> type:
    """The NumPy float type restoration computes in for an image of ``like``'s dtype."""
    return np.float32 if like.dtype == torch.float32 else np.float64


def _transfer(kernel: np.ndarray, shape, centre, like: torch.Tensor) -> torch.Tensor:
    """The rfft2 OTF of ``kernel`` on ``shape`` with pixel ``centre`` at (0, 0), built by
    restoration's one OTF builder (``psf2otf_rfft``), as a complex tensor on ``like``'s device."""
    otf = restoration.psf2otf_rfft(kernel, tuple(shape), centre)
    dtype = torch.complex64 if like.dtype == torch.float32 else torch.complex128
    return torch.from_numpy(otf).to(device=like.device, dtype=dtype)


def _otf_like(kernel: np.ndarray, stack: torch.Tensor) -> torch.Tensor:
    """The OTF of ``kernel`` for the image ``stack`` (C, H, W), centred on (kH // 2, kW // 2)."""
    return _transfer(kernel, stack.shape[-2:], restoration.psf_centre(kernel.shape), stack)


def _apply_transfer(stack: torch.Tensor, transfer: torch.Tensor) -> torch.Tensor:
    """Filter every channel in the Fourier domain (circular boundary model)."""
    return torch.fft.irfft2(torch.fft.rfft2(stack) * transfer, s=stack.shape[-2:])


def psf2otf(psf, shape, device: _Device = None):
    """Optical transfer function: the DFT of ``psf`` zero-padded to ``shape`` and shifted
    circularly so that its centre pixel (kH // 2, kW // 2) sits at (0, 0) (MATLAB's psf2otf).

    Parameters
    ----------
    psf : (kH, kW) array or tensor
        Any real 2-D kernel (a PSF or a regulariser).
    shape : int or (int, int)
        The image's (H, W), at least the kernel's size.
    device : optional
        Where a tensor result goes. Default: where ``psf`` is.

    Returns
    -------
    (H, W) complex array or tensor (NumPy in -> NumPy out): it *is*
    ``deconv_course.restoration.psf2otf``, as a tensor for a tensor ``psf``
    (complex64 for a float32 or float16 ``psf``, else complex128).

    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    target = None if device is None else parse_device(device, "device")
    otf = restoration.psf2otf(psf, shape)
    if not isinstance(psf, torch.Tensor):
        return otf
    single = psf.dtype in (torch.float16, torch.bfloat16, torch.float32)
    return torch.from_numpy(otf).to(
        device=target if target is not None else psf.device,
        dtype=torch.complex64 if single else torch.complex128,
    )


def _regularised_inverse(image, psf, penalty, clip: bool, device: _Device):
    """``G = conj(H) / (|H|^2 + penalty)`` applied to every channel of ``image``."""
    stack, how = _image_stack(image, device)
    otf = _otf_like(check_psf(psf, "psf", stack.shape[-2:], _numpy_dtype(stack)), stack)
    if callable(penalty):
        penalty = penalty(stack)
    denominator = otf.abs() ** 2 + penalty
    # where H and the penalty both vanish nothing can be recovered: leave that frequency at 0
    transfer = torch.where(denominator > 0, otf.conj() / denominator, torch.zeros_like(otf))
    out = _apply_transfer(stack, transfer)
    return _unstack(out.clamp(-1, 1) if clip else out, how)


def _penalty_from(operator, name: str, weight: float):
    """``weight * |R|^2`` for the regularisation operator ``operator``, once the image is known."""

    def penalty(stack):
        kernel = check_kernel(operator, name, stack.shape[-2:], _numpy_dtype(stack))
        return weight * _otf_like(kernel, stack).abs() ** 2

    return penalty


def inverse_filter(image, psf, eps: float = 0.0, device: _Device = None):
    """Naive (truncated) inverse filter on tensors: X = Y / H where |H| > eps, 0 elsewhere.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
        Blurred image (circular blur model).
    psf : (kH, kW) array or tensor
    eps : float
        Frequencies with ``|H| <= eps`` are set to 0; ``eps=0`` drops only exact zeros.
    device : optional
        Where to compute; default: where ``image`` is (the CPU for NumPy input).

    Returns
    -------
    Same shape and kind as ``image``; equals ``deconv_course.restoration.inverse_filter``.

    Notes
    -----
    With noise, X_hat = X + N / H, and 1 / |H| is huge where |H| is small: the noise
    swamps the image. The OTF is restoration's, to the bit, so ``eps=0`` drops the
    same frequencies in both modules.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    eps = check_number(eps, "eps", non_negative=True)
    stack, how = _image_stack(image, device)
    otf = _otf_like(check_psf(psf, "psf", stack.shape[-2:], _numpy_dtype(stack)), stack)
    safe = torch.where(otf.abs() > eps, otf, torch.ones_like(otf))
    transfer = torch.where(otf.abs() > eps, 1 / safe, torch.zeros_like(otf))
    return _unstack(_apply_transfer(stack, transfer), how)


def wiener(image, psf, balance: float, reg=None, clip: bool = False, device: _Device = None):
    """Wiener (Wiener-Hunt) deconvolution on tensors.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
        Blurred, noisy image (circular blur model).
    psf : (kH, kW) array or tensor
    balance : float
        Regularisation weight (> 0), the noise-to-signal power ratio.
    reg : (rH, rW) array or tensor, optional
        Regularisation operator; ``None`` is the identity (constant penalty ``balance``).
        ``restoration.laplacian_kernel()`` with ``clip=True`` gives
        ``skimage.restoration.wiener``.
    clip : bool
        Clip the result to [-1, 1].
    device : optional
        Where to compute; default: where ``image`` is.

    Returns
    -------
    Same shape and kind as ``image``; equals ``deconv_course.restoration.wiener``.

    Notes
    -----
    X_hat = conj(H) / (|H|^2 + balance |R|^2) * Y.
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    balance = check_number(balance, "balance", positive=True)
    clip = check_flag(clip, "clip")
    penalty = balance if reg is None else _penalty_from(reg, "reg", balance)
    return _regularised_inverse(image, psf, penalty, clip, device)


def tikhonov(image, psf, lam: float, operator="identity", device: _Device = None):
    """Tikhonov-regularised deconvolution on tensors: minimise ||h * x - y||^2 + lam ||L x||^2.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
    psf : (kH, kW) array or tensor
    lam : float
        Regularisation weight (> 0).
    operator : {"identity", "laplacian"} or 2-D array or tensor
        The operator L whose output is penalised.
    device : optional
        Where to compute; default: where ``image`` is.

    Returns
    -------
    Same shape and kind as ``image``; equals ``deconv_course.restoration.tikhonov``.

    Notes
    -----
    With circular boundaries, X_hat = conj(H) Y / (|H|^2 + lam |L|^2).
    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    lam = check_number(lam, "lam", positive=True)
    if isinstance(operator, str):
        if operator not in ("identity", "laplacian"):
            raise ValueError(f"operator={operator!r} must be 'identity', 'laplacian' or a 2-D array")
        if operator == "identity":
            return _regularised_inverse(image, psf, lam, False, device)
        operator = restoration.laplacian_kernel()
    return _regularised_inverse(image, psf, _penalty_from(operator, "operator", lam), False, device)


def richardson_lucy(
    image,
    psf,
    num_iter: int = 50,
    clip: bool = True,
    filter_epsilon: float | None = None,
    device: _Device = None,
):
    """Richardson-Lucy deconvolution on tensors, with scikit-image's semantics.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
        Blurred, non-negative image in [0, 1]; channels are restored independently.
    psf : (kH, kW) array or tensor
        Non-negative PSF with positive sum.
    num_iter : int
        Number of multiplicative updates (>= 1).
    clip : bool
        Clip the result to [-1, 1] like scikit-image.
    filter_epsilon : float, optional
        Where the re-blurred estimate is below this value the ratio is set to 0.
    device : optional
        Where to compute; default: where ``image`` is (the CPU for NumPy input).

    Returns
    -------
    Same shape and kind as ``image``; equals ``skimage.restoration.richardson_lucy``
    and ``deconv_course.restoration.richardson_lucy``.

    Notes
    -----
    Start from x = 0.5 and iterate x <- x * ((y / (x * P + 1e-12)) * P_flipped), where
    ``* P`` is ``scipy.signal.convolve(..., mode="same")`` (zero boundary). Each
    convolution is a product of spectra on a grid padded by kH // 2, kW // 2 zeros, so
    the circular FFT convolution never wraps image pixels around.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    W. H. Richardson, JOSA 62:55 (1972); L. B. Lucy, AJ 79:745 (1974).
    """
    num_iter = check_int(num_iter, "num_iter", minimum=1)
    clip = check_flag(clip, "clip")
    if filter_epsilon is not None:
        filter_epsilon = check_number(filter_epsilon, "filter_epsilon", non_negative=True)
    stack, how = _image_stack(image, device)
    kernel = check_psf(psf, "psf", stack.shape[-2:], _numpy_dtype(stack))
    h, w = stack.shape[-2:]
    kh, kw = kernel.shape
    grid = (h + kh // 2, w + kw // 2)
    centre = ((kh - 1) // 2, (kw - 1) // 2)  # where scipy.signal's 'same' crops
    otf = _transfer(kernel, grid, centre, stack)
    otf_mirror = _transfer(np.flip(kernel), grid, centre, stack)

    def convolve_same(x, transfer):
        return torch.fft.irfft2(torch.fft.rfft2(x, s=grid) * transfer, s=grid)[..., :h, :w]

    estimate = torch.full_like(stack, 0.5)
    for _ in range(num_iter):
        reblurred = convolve_same(estimate, otf) + 1e-12  # scikit-image's guard against 0 / 0
        ratio = stack / reblurred
        if filter_epsilon:
            ratio = torch.where(reblurred < filter_epsilon, torch.zeros_like(ratio), ratio)
        estimate = estimate * convolve_same(ratio, otf_mirror)
    return _unstack(estimate.clamp(-1, 1) if clip else estimate, how)
