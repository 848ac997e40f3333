"""The Fourier side of restoration: the one OTF builder, and the channel layout the filters use.

As scikit-image keeps ``restoration/uft.py`` beside its algorithms, every
transfer function of the course is built here, by :func:`psf2otf` (the full
``fft2``) or :func:`psf2otf_rfft` (the ``rfft2`` half), from the same
zero-padded, centred kernel.
Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.fft as sfft

from .._checks import ArrayLike, IntOrPair, check_kernel, check_pair, check_real_array, float_type

__all__ = ["psf2otf", "psf2otf_rfft", "psf_centre"]


def psf_centre(kernel_shape: Sequence[int]) -> tuple[int, int]:
    """The pixel of a ``(kH, kW)`` kernel that :func:`psf2otf` moves to (0, 0): ``(kH // 2, kW // 2)``."""
    return (kernel_shape[0] // 2, kernel_shape[1] // 2)


def _kernel_at_origin(kernel: np.ndarray, shape: tuple[int, int], centre: tuple[int, int]) -> np.ndarray:
    """``kernel`` zero-padded to ``shape``, shifted circularly so that pixel ``centre`` is at (0, 0)."""
    padded = np.zeros(shape, dtype=kernel.dtype)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    return np.roll(padded, (-centre[0], -centre[1]), axis=(0, 1))


def psf2otf(psf: ArrayLike, shape: IntOrPair) -> np.ndarray:
    """Optical transfer function: the DFT of the PSF, centred on pixel (0, 0).

    Parameters
    ----------
    psf : (kH, kW) array_like
        Any real, finite 2-D kernel (a PSF, or a regulariser such as
        :func:`laplacian_kernel`).
    shape : (int, int)
        The image's ``(H, W)``, at least the kernel's size.

    Returns
    -------
    otf : (H, W) ndarray of complex128
        ``H[u, v]``; ``ifft2(otf * fft2(x)).real`` is the circular blur of ``x``.

    Notes
    -----
    The PSF is zero-padded to ``shape`` and shifted circularly so that its
    centre pixel ``(kH // 2, kW // 2)`` lands on index ``(0, 0)``; otherwise the
    filtered image would be shifted. Then

    .. math:: H[u, v] = \\sum_{m, n} h_{\\text{shifted}}[m, n]\\,
              e^{-2\\pi i (u m / H + v n / W)}.

    Same convention as MATLAB's ``psf2otf`` and scikit-image's
    ``skimage.restoration.uft.ir2tf`` (which returns the ``rfft2`` half).
    By the convolution theorem, blurring with circular boundaries is the
    pointwise product ``H · X`` (Hunt 1971).
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    References
    ----------
    .. [1] B. R. Hunt, "A matrix theory proof of the discrete convolution
       theorem", IEEE Trans. Audio Electroacoust. 19(4):285-288 (1971).

    Examples
    --------
    >>> from deconv_course.restoration import box_psf
    >>> otf = psf2otf(box_psf(3), (8, 8))
    >>> otf.shape, complex(otf[0, 0])
    ((8, 8), (1+0j))
    """
    shape = check_pair(shape, "shape", minimum=1)
    kernel = check_kernel(psf, "psf", shape)
    return np.fft.fft2(_kernel_at_origin(kernel, shape, psf_centre(kernel.shape)))


def psf2otf_rfft(psf: ArrayLike, shape: IntOrPair, centre: tuple[int, int] | None = None) -> np.ndarray:
    """The ``rfft2`` half of the OTF: ``psf2otf(psf, shape)[:, : W // 2 + 1]``, in the PSF's precision.

    Parameters
    ----------
    psf : (kH, kW) array_like
        Any real, finite 2-D kernel.
    shape : (int, int)
        The grid ``(H, W)`` the filter works on, at least the kernel's size
        (the image, or a zero-padded one).
    centre : (int, int), optional
        The kernel pixel moved to (0, 0). Default ``(kH // 2, kW // 2)`` as in
        :func:`psf2otf`; :func:`richardson_lucy` passes ``((kH - 1) // 2, (kW - 1) // 2)``,
        the centre of ``scipy.signal.convolve(..., mode="same")``.

    Returns
    -------
    otf : (H, W // 2 + 1) ndarray
        complex64 for a float32 (or float16) PSF, else complex128.
        ``scipy.fft.irfft2(otf * scipy.fft.rfft2(x), s=shape)`` is the circular blur of ``x``.

    Notes
    -----
    A real image has a Hermitian spectrum, so half of it is enough: this is what
    every filter of :mod:`deconv_course.restoration` multiplies with (as
    ``skimage.restoration.uft.ir2tf`` does). Same convention as :func:`psf2otf`.
    Taught in notebooks/03b_restoration_algorithms.ipynb.

    Examples
    --------
    >>> half = psf2otf_rfft(np.ones((3, 3)) / 9, (8, 8))
    >>> half.shape, np.allclose(half, psf2otf(np.ones((3, 3)) / 9, (8, 8))[:, :5])
    ((8, 5), True)
    """
    shape = check_pair(shape, "shape", minimum=1)
    kernel = check_kernel(psf, "psf", shape, float_type(check_real_array(psf, "psf").dtype))
    centre = psf_centre(kernel.shape) if centre is None else check_pair(centre, "centre", minimum=0)
    return sfft.rfft2(_kernel_at_origin(kernel, shape, centre))


def apply_transfer(stack: np.ndarray, transfer: np.ndarray) -> np.ndarray:
    """Multiply every channel's rfft2 by ``transfer`` and transform back (circular model)."""
    h, w = stack.shape[-2:]
    return sfft.irfft2(sfft.rfft2(stack) * transfer, s=(h, w))


def to_stack(image: np.ndarray) -> np.ndarray:
    """(H, W) -> (1, H, W); (H, W, C) -> (C, H, W), so every filter works on the last two axes."""
    return image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)


def from_stack(stack: np.ndarray, like: np.ndarray) -> np.ndarray:
    """The inverse of :func:`to_stack`, back to the layout of ``like``."""
    return stack[0] if like.ndim == 2 else np.ascontiguousarray(np.moveaxis(stack, 0, -1))
