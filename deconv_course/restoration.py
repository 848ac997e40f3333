r"""Classic image deconvolution: undo a known blur (NumPy and SciPy only).

This is the *signal-processing* meaning of "deconvolution": an image ``x`` was
blurred by a point-spread function (PSF) ``h`` and corrupted by noise ``n``,

.. math:: y = h \ast x + n,

and we estimate ``x`` from ``y`` and ``h``. (The deep-learning "deconvolution
layer" is a different thing, the transposed convolution in
:mod:`deconv_course.numpy_ops`.)

What is here, in the order notebooks/03_algorithms_and_formulas.ipynb teaches it:

* PSFs: :func:`box_psf`, :func:`gaussian_psf`, :func:`motion_psf`; the optical
  transfer function :func:`psf2otf`; :func:`blur` with three boundary models;
  seeded noise :func:`add_gaussian_noise`, :func:`add_poisson_noise`.
* Linear filters in the Fourier domain: :func:`inverse_filter`, :func:`wiener`,
  :func:`tikhonov` (with :func:`laplacian_kernel`).
* The iterative, non-negative :func:`richardson_lucy` (same numbers as
  ``skimage.restoration.richardson_lucy``, about twice as fast).
* Quality scores :func:`psnr` and :func:`ssim`.

Conventions shared by every function
------------------------------------
* Images are 2-D ``(H, W)`` grey or ``(H, W, C)`` colour with ``C <= 4``
  channels last; colour images are processed channel by channel with the same
  2-D PSF.
* Unsigned integer images are scaled once to [0, 1] by their dtype's maximum
  (``uint8`` / 255, ``uint16`` / 65535, as ``skimage.util.img_as_float``);
  signed integer and boolean images are converted to float64 unchanged.
  ``float32`` (and ``float16``) images are computed and returned in
  ``float32``; everything else in ``float64``.
* A PSF is a 2-D, finite, non-negative array with a positive sum that is not
  larger than the image. The functions do not normalise it (the PSF makers do).
* Bad input raises ``ValueError`` / ``TypeError`` naming the argument.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.fft as sfft
from scipy import signal

from .arithmetic import as_pair, check_finite

__all__ = [
    "box_psf",
    "gaussian_psf",
    "motion_psf",
    "psf2otf",
    "blur",
    "add_gaussian_noise",
    "add_poisson_noise",
    "inverse_filter",
    "wiener",
    "tikhonov",
    "richardson_lucy",
    "psnr",
    "ssim",
    "laplacian_kernel",
]

BOUNDARIES = ("circular", "zero", "reflect")

# numpy >= 2.0 lets its FFTs write into a given array (``out=``), so a loop can reuse
# its buffers instead of allocating (and page-faulting) fresh megabytes every step
_FFT_HAS_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


# --------------------------------------------------------------------------- argument checks


def _is_real_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_number(value, name: str, *, positive=False, non_negative=False) -> float:
    if not _is_real_number(value):
        raise TypeError(f"{name}={value!r} must be a real number")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}={value!r} must be finite")
    if positive and not value > 0:
        raise ValueError(f"{name}={value!r} must be > 0")
    if non_negative and not value >= 0:
        raise ValueError(f"{name}={value!r} must be >= 0")
    return value


def _float_type(dtype) -> type:
    """float32 stays float32 (float16 is promoted to it); everything else -> float64.

    The same rule as scikit-image's ``_supported_float_type``.
    """
    return np.float32 if dtype in (np.float16, np.float32) else np.float64


def _as_real_array(array, name: str) -> np.ndarray:
    if hasattr(array, "detach") and hasattr(array, "cpu"):  # a torch tensor
        array = array.detach().cpu().numpy()
    try:
        array = np.asarray(array)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {error}") from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real-valued, got complex dtype {array.dtype}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
    return array


def _check_image(image, name: str = "image") -> np.ndarray:
    """Return ``image`` as a float array (H, W) or (H, W, C), checked and converted once."""
    array = _as_real_array(image, name)
    if array.ndim not in (2, 3):
        raise ValueError(f"{name} of shape {array.shape} must have 2 dimensions (H, W) "
                         f"or 3 (H, W, C), not {array.ndim}")
    if array.ndim == 3 and not 1 <= array.shape[2] <= 4:
        raise ValueError(f"{name} of shape {array.shape} must be (H, W, C) with channels "
                         f"last and 1 <= C <= 4; for a (C, H, W) array use np.moveaxis(image, 0, -1)")
    if min(array.shape[:2]) < 1:
        raise ValueError(f"{name} of shape {array.shape} must not be empty")
    if array.dtype.kind == "u":  # uint8 / 255 and uint16 / 65535 -> [0, 1]
        return array / np.float64(np.iinfo(array.dtype).max)
    if array.dtype.kind in "bi":
        return array.astype(np.float64)
    array = array.astype(_float_type(array.dtype), copy=False)
    check_finite(array, name)
    return array


def _check_kernel(kernel, name: str, image_shape, dtype=np.float64, *, is_psf=True) -> np.ndarray:
    """A 2-D finite kernel no larger than the image; a PSF must also be >= 0 with sum > 0."""
    array = _as_real_array(kernel, name)
    if array.ndim != 2:
        raise ValueError(f"{name} of shape {array.shape} must be 2-D (kH, kW); the same PSF "
                         f"is used for every channel")
    if min(array.shape) < 1:
        raise ValueError(f"{name} of shape {array.shape} must not be empty")
    array = array.astype(dtype)
    check_finite(array, name)
    if array.shape[0] > image_shape[0] or array.shape[1] > image_shape[1]:
        raise ValueError(f"{name} of shape {array.shape} must not be larger than the image's "
                         f"{tuple(image_shape[:2])}")
    if is_psf:
        if np.any(array < 0):
            raise ValueError(f"{name} has negative entries (min {array.min():g}); a PSF must be "
                             f"non-negative")
        if not array.sum() > 0:
            raise ValueError(f"{name} sums to {array.sum():g}; a PSF must have a positive sum "
                             f"(usually 1)")
    return array


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def _stack(image: np.ndarray) -> np.ndarray:
    """(H, W) -> (1, H, W); (H, W, C) -> (C, H, W), so every filter works on the last two axes."""
    return image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)


def _unstack(stack: np.ndarray, like: np.ndarray) -> np.ndarray:
    return stack[0] if like.ndim == 2 else np.ascontiguousarray(np.moveaxis(stack, 0, -1))


# --------------------------------------------------------------------------- point-spread functions


def _check_size(size, name: str = "size") -> tuple[int, int]:
    pair = as_pair(size, name)
    if min(pair) < 1:
        raise ValueError(f"{name}={size!r} must be >= 1 in every dimension")
    return pair


def box_psf(size) -> np.ndarray:
    """Uniform (box, "out-of-focus square") PSF.

    Parameters
    ----------
    size : int or (int, int)
        Height and width; odd or even.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, every entry ``1 / (kH * kW)``, sum 1

    Notes
    -----
    .. math:: h[i, j] = \\frac{1}{k_H k_W}

    Its transfer function is a product of Dirichlet kernels, with exact zeros
    on grids of frequencies: the inverse filter cannot undo a box blur.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    >>> box_psf(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    h, w = _check_size(size)
    return np.full((h, w), 1.0 / (h * w))


def gaussian_psf(size, sigma) -> np.ndarray:
    """Sampled 2-D Gaussian PSF, normalised to sum 1.

    Parameters
    ----------
    size : int or (int, int)
        Height and width; odd or even. About ``6 * sigma + 1`` keeps the tails.
    sigma : float or (float, float)
        Standard deviation in pixels (one value, or one per axis), > 0.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, sum 1

    Notes
    -----
    .. math:: h[i, j] \\propto \\exp\\left(-\\frac{(i - c_H)^2}{2\\sigma_H^2}
              -\\frac{(j - c_W)^2}{2\\sigma_W^2}\\right), \\quad c = \\frac{k - 1}{2}

    The centre ``c`` is the geometric centre, so for an even size the peak lies
    between four pixels. Its transfer function is (nearly) a Gaussian with no
    zeros, which is why a noiseless Gaussian blur can be inverted exactly.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    >>> psf = gaussian_psf(5, 1.0)
    >>> psf.shape, round(float(psf.sum()), 12), bool(psf[2, 2] == psf.max())
    ((5, 5), 1.0, True)
    """
    h, w = _check_size(size)
    if isinstance(sigma, (tuple, list, np.ndarray)):
        if len(sigma) != 2:
            raise ValueError(f"sigma={sigma!r} must be a number or a pair (sigma_H, sigma_W)")
        s_h, s_w = (_check_number(s, "sigma", positive=True) for s in sigma)
    else:
        s_h = s_w = _check_number(sigma, "sigma", positive=True)
    rows = np.arange(h) - (h - 1) / 2
    cols = np.arange(w) - (w - 1) / 2
    psf = np.exp(-(rows[:, None] ** 2) / (2 * s_h**2) - cols[None, :] ** 2 / (2 * s_w**2))
    return psf / psf.sum()


def motion_psf(length, angle=0.0, size=None) -> np.ndarray:
    """Linear motion-blur PSF: a straight path of ``length`` pixels through the centre.

    Parameters
    ----------
    length : float
        Length of the motion in pixels, > 0.
    angle : float, default 0.0
        Direction in degrees, counter-clockwise from the horizontal as seen on
        screen (rows grow downwards): 0 is a horizontal streak, 90 a vertical
        one, 45 runs from bottom left to top right.
    size : int or (int, int), optional
        Kernel shape. Default: the smallest odd square that holds the path,
        ``ceil(length)`` rounded up to odd.

    Returns
    -------
    psf : (kH, kW) ndarray of float64, sum 1

    Notes
    -----
    Each pixel gets the fraction of the path's length that lies inside its
    square (the path is centred on the kernel's geometric centre),

    .. math:: h[i, j] = \\frac{|\\{t \\in [-L/2, L/2] : c + t\\,(\\cos\\theta, -\\sin\\theta)
              \\in \\text{pixel}(i, j)\\}|}{L},

    approximated by 64 samples per pixel of length. An integer length at angle 0
    gives exactly a one-row box of ``length`` pixels.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    >>> motion_psf(3, 0.0)
    array([[0.        , 0.        , 0.        ],
           [0.33333333, 0.33333333, 0.33333333],
           [0.        , 0.        , 0.        ]])
    """
    length = _check_number(length, "length", positive=True)
    angle = _check_number(angle, "angle")
    if size is None:
        k = max(1, int(np.ceil(length - 1e-9)))
        h = w = k if k % 2 else k + 1
    else:
        h, w = _check_size(size)
    theta = np.deg2rad(angle)
    n = max(1, int(np.ceil(64 * length)))
    t = -length / 2 + (np.arange(n) + 0.5) * (length / n)  # midpoints: never on a pixel edge
    cols = np.floor((w - 1) / 2 + t * np.cos(theta) + 0.5).astype(int)
    rows = np.floor((h - 1) / 2 - t * np.sin(theta) + 0.5).astype(int)  # screen rows grow downwards
    if rows.min() < 0 or rows.max() >= h or cols.min() < 0 or cols.max() >= w:
        raise ValueError(f"size={size!r} is too small for a motion of length={length:g} at "
                         f"angle={angle:g} degrees; leave size=None to fit it")
    psf = np.zeros((h, w))
    np.add.at(psf, (rows, cols), 1.0)
    return psf / psf.sum()


def laplacian_kernel() -> np.ndarray:
    """The 3×3 discrete Laplacian, the usual smoothness operator for Tikhonov / Wiener.

    Returns
    -------
    kernel : (3, 3) ndarray of float64
        ``[[0, -1, 0], [-1, 4, -1], [0, -1, 0]]`` (the same as scikit-image's
        default ``reg`` in ``skimage.restoration.wiener``).

    Notes
    -----
    Its transfer function is :math:`|L(u, v)|^2 = (4 - 2\\cos 2\\pi u/W - 2\\cos 2\\pi v/H)^2`,
    zero at frequency 0 and largest at the highest frequencies, so penalising
    ``|L X|^2`` damps noise but leaves the mean intact.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    return np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])


# --------------------------------------------------------------------------- transfer function and blur


def _otf_rfft(kernel: np.ndarray, shape, centre) -> np.ndarray:
    """rfft2 of ``kernel`` zero-padded to ``shape`` with pixel ``centre`` moved to (0, 0)."""
    padded = np.zeros(shape, dtype=kernel.dtype)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = np.roll(padded, (-centre[0], -centre[1]), axis=(0, 1))
    return sfft.rfft2(padded)


def _centre(kernel_shape) -> tuple[int, int]:
    return (kernel_shape[0] // 2, kernel_shape[1] // 2)


def psf2otf(psf, shape) -> np.ndarray:
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] B. R. Hunt, "A matrix theory proof of the discrete convolution
       theorem", IEEE Trans. Audio Electroacoust. 19(4):285-288 (1971).

    Examples
    --------
    >>> otf = psf2otf(box_psf(3), (8, 8))
    >>> otf.shape, complex(otf[0, 0])
    ((8, 8), (1+0j))
    """
    kernel = _as_real_array(psf, "psf")
    if kernel.ndim != 2 or min(kernel.shape) < 1:
        raise ValueError(f"psf of shape {kernel.shape} must be a non-empty 2-D array")
    shape = as_pair(shape, "shape")
    kernel = _check_kernel(kernel, "psf", shape, is_psf=False)
    padded = np.zeros(shape)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = np.roll(padded, (-(kernel.shape[0] // 2), -(kernel.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(padded)


def blur(image, psf, boundary="circular") -> np.ndarray:
    """Blur an image with a PSF: the forward model ``h * x`` of deconvolution.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
    psf : (kH, kW) array_like
        Non-negative, positive sum, not larger than the image (not normalised here).
    boundary : {"circular", "zero", "reflect"}, default "circular"
        What lies beyond the image's edges:

        * ``"circular"``: the image repeats periodically. This is the model
          every Fourier-domain filter (:func:`inverse_filter`, :func:`wiener`,
          :func:`tikhonov`) assumes; computed with :func:`psf2otf`. Equals
          ``scipy.ndimage.convolve(image, psf, mode="wrap")``.
        * ``"zero"``: zeros; equals ``scipy.signal.convolve(image, psf,
          mode="same")``, the model of :func:`richardson_lucy` and scikit-image.
        * ``"reflect"``: the image mirrored about its edge (``d c b a | a b c d``,
          ``numpy.pad(mode="symmetric")``); the most realistic for photographs.

    Returns
    -------
    blurred : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: (h \\ast x)[i, j] = \\sum_{m, n} h[m, n]\\, x[i - m + c_H,\\, j - n + c_W]

    with the boundary rule for indices outside the image. For odd PSF sizes
    ``c = (k - 1) / 2`` and the three models agree away from the border. For an
    even size the conventions of the libraries differ by one pixel: "circular"
    uses ``c = k // 2`` (like :func:`psf2otf`, MATLAB and ``scipy.ndimage``),
    "zero" and "reflect" use ``c = (k - 1) // 2`` (like ``scipy.signal``'s
    ``mode="same"``, which is what scikit-image's Richardson-Lucy uses).
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    Examples
    --------
    >>> x = np.zeros((5, 5)); x[2, 2] = 1.0
    >>> np.allclose(blur(x, box_psf(3), boundary="zero")[1:4, 1:4], 1 / 9)
    True
    """
    img = _check_image(image)
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary={boundary!r} must be one of {BOUNDARIES}")
    kernel = _check_kernel(psf, "psf", img.shape, img.dtype)
    stack = _stack(img)
    h, w = stack.shape[-2:]
    if boundary == "circular":
        otf = _otf_rfft(kernel, (h, w), _centre(kernel.shape))
        out = sfft.irfft2(sfft.rfft2(stack) * otf, s=(h, w))
    elif boundary == "zero":
        out = np.stack([signal.convolve(channel, kernel, mode="same") for channel in stack])
    else:
        kh, kw = kernel.shape
        # pad so that a 'valid' convolution lines up with scipy.signal's 'same' crop
        pad = ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2))
        out = np.stack([signal.convolve(np.pad(channel, pad, mode="symmetric"), kernel, mode="valid")
                        for channel in stack])
    return _unstack(out.astype(img.dtype, copy=False), img)


# --------------------------------------------------------------------------- noise


def add_gaussian_noise(image, sigma, seed=0, clip=False) -> np.ndarray:
    """Add white Gaussian noise of standard deviation ``sigma``.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
    sigma : float
        Noise standard deviation in image units (images are in [0, 1]), >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Passed to ``numpy.random.default_rng``; the same seed gives the same noise.
    clip : bool, default False
        Clip the result to [0, 1]. Off by default: clipping changes the noise's
        statistics (it is no longer zero-mean near black and white).

    Returns
    -------
    noisy : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: y = x + \\sigma\\,\\varepsilon, \\qquad \\varepsilon \\sim \\mathcal N(0, 1)
              \\text{ i.i.d. per pixel}

    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    img = _check_image(image)
    sigma = _check_number(sigma, "sigma", non_negative=True)
    clip = _check_bool(clip, "clip")
    rng = np.random.default_rng(seed)
    noisy = img + sigma * rng.standard_normal(img.shape)
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(img.dtype, copy=False)


def add_poisson_noise(image, peak, seed=0, clip=False) -> np.ndarray:
    """Simulate photon-counting (Poisson, "shot") noise.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Non-negative intensities (usually in [0, 1]).
    peak : float
        Expected photon count of a pixel of intensity 1, > 0. Larger is less noisy:
        the signal-to-noise ratio of a pixel of value ``v`` is ``sqrt(v * peak)``.
    seed : int, numpy.random.Generator or None, default 0
        Passed to ``numpy.random.default_rng``.
    clip : bool, default False
        Clip the result to [0, 1] (counts above ``peak`` exceed 1).

    Returns
    -------
    noisy : ndarray, same shape as ``image``

    Notes
    -----
    .. math:: y = \\frac{1}{\\text{peak}}\\,\\mathrm{Poisson}(\\text{peak}\\cdot x)

    so ``E[y] = x`` and ``Var[y] = x / peak``: the noise grows with the signal.
    This is the noise model Richardson-Lucy is derived for.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    img = _check_image(image)
    peak = _check_number(peak, "peak", positive=True)
    clip = _check_bool(clip, "clip")
    if img.min() < 0:
        raise ValueError(f"image has negative values (min {img.min():g}); Poisson noise needs "
                         f"non-negative intensities")
    rng = np.random.default_rng(seed)
    noisy = rng.poisson(img.astype(np.float64) * peak) / peak
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(img.dtype, copy=False)


# --------------------------------------------------------------------------- linear (Fourier) filters


def _apply_transfer(stack: np.ndarray, transfer: np.ndarray) -> np.ndarray:
    """Multiply every channel's rfft2 by ``transfer`` and transform back (circular model)."""
    h, w = stack.shape[-2:]
    return sfft.irfft2(sfft.rfft2(stack) * transfer, s=(h, w))


def _regularised_inverse(image, psf, penalty, clip=False):
    """``G = H* / (|H|^2 + penalty)`` applied to ``image``; ``penalty`` is a number or an array."""
    img = _check_image(image)
    kernel = _check_kernel(psf, "psf", img.shape, img.dtype)
    stack = _stack(img)
    shape = stack.shape[-2:]
    otf = _otf_rfft(kernel, shape, _centre(kernel.shape))
    if callable(penalty):
        penalty = penalty(shape, img.dtype)
    denominator = np.abs(otf) ** 2 + penalty
    # where H and the penalty both vanish nothing can be recovered: leave that frequency at 0
    transfer = np.divide(np.conj(otf), denominator, out=np.zeros_like(otf),
                         where=denominator > 0)
    out = _apply_transfer(stack, transfer)
    if clip:
        np.clip(out, -1.0, 1.0, out=out)
    return _unstack(out.astype(img.dtype, copy=False), img)


def inverse_filter(image, psf, eps=0.0) -> np.ndarray:
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed.,
       Pearson (2018), section 5.7 "Inverse filtering".
    """
    img = _check_image(image)
    eps = _check_number(eps, "eps", non_negative=True)
    kernel = _check_kernel(psf, "psf", img.shape, img.dtype)
    stack = _stack(img)
    otf = _otf_rfft(kernel, stack.shape[-2:], _centre(kernel.shape))
    transfer = np.divide(1.0, otf, out=np.zeros_like(otf), where=np.abs(otf) > eps)
    return _unstack(_apply_transfer(stack, transfer).astype(img.dtype, copy=False), img)


def wiener(image, psf, balance, reg=None, clip=False) -> np.ndarray:
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] N. Wiener, *Extrapolation, Interpolation, and Smoothing of Stationary
       Time Series*, MIT Press (1949).
    .. [2] F. Orieux, J.-F. Giovannelli and T. Rodet, "Bayesian estimation of
       regularization and point spread function parameters for Wiener-Hunt
       deconvolution", J. Opt. Soc. Am. A 27(7):1593-1607 (2010).
    """
    balance = _check_number(balance, "balance", positive=True)
    clip = _check_bool(clip, "clip")
    if reg is None:
        penalty = balance
    else:
        def penalty(shape, dtype):
            reg_kernel = _check_kernel(reg, "reg", shape, dtype, is_psf=False)
            return balance * np.abs(_otf_rfft(reg_kernel, shape, _centre(reg_kernel.shape))) ** 2
    return _regularised_inverse(image, psf, penalty, clip)


def tikhonov(image, psf, lam, operator="identity") -> np.ndarray:
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
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] A. N. Tikhonov and V. Y. Arsenin, *Solutions of Ill-Posed Problems*,
       Winston (1977).
    .. [2] B. R. Hunt, "The application of constrained least squares estimation
       to image restoration by digital computer", IEEE Trans. Computers
       C-22(9):805-812 (1973).
    """
    lam = _check_number(lam, "lam", positive=True)
    if isinstance(operator, str):
        if operator not in ("identity", "laplacian"):
            raise ValueError(f"operator={operator!r} must be 'identity', 'laplacian' or a 2-D array")
        if operator == "identity":
            return _regularised_inverse(image, psf, lam)
        operator = laplacian_kernel()

    def penalty(shape, dtype):
        kernel = _check_kernel(operator, "operator", shape, dtype, is_psf=False)
        return lam * np.abs(_otf_rfft(kernel, shape, _centre(kernel.shape))) ** 2

    return _regularised_inverse(image, psf, penalty)


# --------------------------------------------------------------------------- Richardson-Lucy


def _richardson_lucy_reference(image, psf, num_iter, clip=True, filter_epsilon=None):
    """The readable version: scikit-image's loop, line by line (slow; used in tests).

    ``scipy.signal.convolve(..., mode="same")`` recomputes both FFTs, the PSF's
    included, at every call.
    """
    estimate = np.full(image.shape, 0.5, dtype=image.dtype)
    psf_mirror = np.flip(psf)
    for _ in range(num_iter):
        reblurred = signal.convolve(estimate, psf, mode="same") + 1e-12
        if filter_epsilon:
            ratio = np.where(reblurred < filter_epsilon, 0, image / reblurred)
        else:
            ratio = image / reblurred
        estimate *= signal.convolve(ratio, psf_mirror, mode="same")
    if clip:
        np.clip(estimate, -1, 1, out=estimate)
    return estimate


def richardson_lucy(image, psf, num_iter=50, clip=True, filter_epsilon=None) -> np.ndarray:
    """Richardson-Lucy deconvolution (scikit-image's algorithm, about twice as fast).

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        Blurred image, ideally non-negative and in [0, 1] (scale 0..255 data first,
        or pass ``clip=False``). Channels are restored independently.
    psf : (kH, kW) array_like
        Non-negative PSF with positive sum (normally sum 1).
    num_iter : int, default 50
        Number of iterations, >= 1. It acts as the regulariser: too few leave
        the image blurred, too many amplify noise (semi-convergence).
    clip : bool, default True
        Clip the result to [-1, 1], like scikit-image.
    filter_epsilon : float, optional
        If given (and non-zero), the ratio is set to 0 where the re-blurred
        estimate is below it, to avoid dividing by tiny numbers.

    Returns
    -------
    restored : ndarray, same shape as ``image`` (float32 for float32 input, else float64)

    Notes
    -----
    Start from :math:`x_0 = 0.5` everywhere and iterate

    .. math:: x_{k+1} = x_k \\cdot \\left( \\frac{y}{x_k \\ast P + 10^{-12}} \\star P \\right)

    where ``∗ P`` is the zero-boundary convolution ``scipy.signal.convolve(...,
    mode="same")`` and ``⋆ P`` the same with the flipped PSF. It is the EM
    algorithm for Poisson noise: every iterate stays non-negative when ``y``
    is, and, for an odd-sized PSF (for which the flipped-PSF convolution is the
    exact transpose of the blur), every iterate has the same total as the data,
    ``Σ x_k = Σ y`` (up to the 1e-12 guard). For an even-sized PSF, scipy's
    'same' crop puts the flipped PSF one pixel off the transpose, so this identity
    fails (by about 40 % after 20 iterations with a 4×4 box on a 64² image):
    scikit-image has the same behaviour, and odd-sized PSFs avoid it.

    The numbers equal ``skimage.restoration.richardson_lucy`` (same start, guard,
    boundary, PSF flip, dtype rule, clip and ``filter_epsilon`` rule) to rounding.
    The speed comes from doing each convolution as one real FFT pair on a grid
    just big enough to avoid wrap-around (``scipy.fft.next_fast_len(H + kH // 2)``),
    with the transforms of the PSF and of its mirror computed once, before the
    loop (scikit-image recomputes them in every iteration), and with every
    transform writing into buffers allocated once. The readable loop is
    ``_richardson_lucy_reference`` beside this function.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] W. H. Richardson, "Bayesian-based iterative method of image
       restoration", J. Opt. Soc. Am. 62(1):55-59 (1972).
    .. [2] L. B. Lucy, "An iterative technique for the rectification of observed
       distributions", Astron. J. 79(6):745-754 (1974).
    .. [3] L. A. Shepp and Y. Vardi, "Maximum likelihood reconstruction for
       emission tomography", IEEE Trans. Med. Imaging 1(2):113-122 (1982).
    """
    img = _check_image(image)
    if isinstance(num_iter, (bool, np.bool_)) or not isinstance(num_iter, numbers.Integral):
        raise TypeError(f"num_iter={num_iter!r} must be an int")
    if num_iter < 1:
        raise ValueError(f"num_iter={num_iter} must be >= 1")
    clip = _check_bool(clip, "clip")
    if filter_epsilon is not None:
        filter_epsilon = _check_number(filter_epsilon, "filter_epsilon", non_negative=True)
    kernel = _check_kernel(psf, "psf", img.shape, img.dtype)

    stack = _stack(img)
    h, w = stack.shape[-2:]
    kh, kw = kernel.shape
    # 'same' output pixel i reads input pixels i - m + c, c = (k - 1) // 2: padding to
    # H + k // 2 keeps the wrapped-around part of a circular convolution in the zeros
    fft_shape = (sfft.next_fast_len(h + kh // 2, real=True), sfft.next_fast_len(w + kw // 2, real=True))
    centre = ((kh - 1) // 2, (kw - 1) // 2)  # scipy.signal's 'same' crop
    otf = _otf_rfft(kernel, fft_shape, centre)
    otf_mirror = _otf_rfft(np.flip(kernel), fft_shape, centre)

    # The estimate and the ratio live in the top-left corner of zero-padded buffers (the
    # zeros are the zero boundary), and every transform writes into a buffer made once here.
    padded_shape = stack.shape[:-2] + fft_shape
    estimate_padded = np.zeros(padded_shape, dtype=img.dtype)
    estimate = estimate_padded[..., :h, :w]
    estimate[...] = 0.5
    ratio_padded = np.zeros_like(estimate_padded)
    ratio = ratio_padded[..., :h, :w]
    complex_type = np.result_type(img.dtype, np.complex64)
    half = np.empty(padded_shape[:-1] + (fft_shape[1] // 2 + 1,), dtype=complex_type)
    spectrum = np.empty_like(half)
    result = np.empty(padded_shape, dtype=img.dtype)

    def convolve_same(padded, transfer):
        """``scipy.signal.convolve(corner, psf, mode="same")`` for the corner of ``padded``."""
        if _FFT_HAS_OUT:  # numpy >= 2: rfft2 = rfft along rows, then fft along columns
            np.fft.rfft(padded, axis=-1, out=half)
            np.fft.fft(half, axis=-2, out=spectrum)
            np.multiply(spectrum, transfer, out=spectrum)
            np.fft.ifft(spectrum, axis=-2, out=half)
            np.fft.irfft(half, n=fft_shape[1], axis=-1, out=result)
            return result[..., :h, :w]
        product = sfft.rfft2(padded) * transfer  # older numpy: same maths, fresh arrays
        return sfft.irfft2(product, s=fft_shape, overwrite_x=True)[..., :h, :w]

    for _ in range(num_iter):
        reblurred = convolve_same(estimate_padded, otf)
        reblurred += 1e-12  # scikit-image's guard against 0 / 0
        np.divide(stack, reblurred, out=ratio)
        if filter_epsilon:
            ratio[reblurred < filter_epsilon] = 0
        estimate *= convolve_same(ratio_padded, otf_mirror)
    estimate = estimate.copy()  # contiguous, without the padding
    if clip:
        np.clip(estimate, -1, 1, out=estimate)
    return _unstack(estimate, img)


# --------------------------------------------------------------------------- quality scores


def _check_pair(reference, estimate, data_range):
    ref = _check_image(reference, "reference")
    est = _check_image(estimate, "estimate")
    if ref.shape != est.shape:
        raise ValueError(f"reference of shape {ref.shape} and estimate of shape {est.shape} "
                         f"must have the same shape")
    if data_range is None:
        if ref.min() < 0 or ref.max() > 1:
            raise ValueError(f"reference has values in [{ref.min():g}, {ref.max():g}], outside "
                             f"[0, 1]; pass data_range (e.g. 255 for 0..255 data)")
        data_range = 1.0
    else:
        data_range = _check_number(data_range, "data_range", positive=True)
    return ref.astype(np.float64), est.astype(np.float64), data_range


def psnr(reference, estimate, data_range=None) -> float:
    """Peak signal-to-noise ratio in decibels (higher is better).

    Parameters
    ----------
    reference : (H, W) or (H, W, C) array_like
        The true image.
    estimate : array_like, same shape
        The restored (or degraded) image.
    data_range : float, optional
        Peak-to-peak range of the intensities. ``None`` means images in [0, 1]
        (``uint8`` input is scaled to that), so 1.0; a reference outside [0, 1]
        then raises ``ValueError``.

    Returns
    -------
    float
        ``inf`` when the images are identical.

    Notes
    -----
    .. math:: \\mathrm{PSNR} = 10 \\log_{10} \\frac{R^2}{\\frac{1}{N}\\sum (x - \\hat x)^2}

    Equals ``skimage.metrics.peak_signal_noise_ratio(reference, estimate,
    data_range=R)``. +6 dB is half the RMS error. Crop the borders first when
    the boundary model is in doubt.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    ref, est, data_range = _check_pair(reference, estimate, data_range)
    mse = np.mean((ref - est) ** 2)
    if mse == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / mse))


def ssim(reference, estimate, data_range=None) -> float:
    """Structural similarity index (mean SSIM; 1 means identical).

    Parameters
    ----------
    reference : (H, W) or (H, W, C) array_like
        The true image; at least 7×7. Colour images are scored per channel and averaged.
    estimate : array_like, same shape
    data_range : float, optional
        As in :func:`psnr`: ``None`` means images in [0, 1].

    Returns
    -------
    float

    Notes
    -----
    A thin wrapper over ``skimage.metrics.structural_similarity`` (7×7 uniform
    window, ``K1 = 0.01``, ``K2 = 0.03``) with ``channel_axis=-1`` for colour:

    .. math:: \\mathrm{SSIM}(a, b) = \\frac{(2\\mu_a\\mu_b + C_1)(2\\sigma_{ab} + C_2)}
              {(\\mu_a^2 + \\mu_b^2 + C_1)(\\sigma_a^2 + \\sigma_b^2 + C_2)}

    averaged over all windows, with :math:`C_i = (K_i R)^2`.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image
       quality assessment: from error visibility to structural similarity",
       IEEE Trans. Image Process. 13(4):600-612 (2004).
    """
    from skimage.metrics import structural_similarity

    ref, est, data_range = _check_pair(reference, estimate, data_range)
    if min(ref.shape[:2]) < 7:
        raise ValueError(f"reference of shape {ref.shape} must be at least 7x7 for SSIM's window")
    channel_axis = -1 if ref.ndim == 3 else None
    return float(structural_similarity(ref, est, data_range=data_range, channel_axis=channel_axis))
