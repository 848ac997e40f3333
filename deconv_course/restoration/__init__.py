r"""Classic image deconvolution: undo a known blur (NumPy and SciPy only).

This is the *signal-processing* meaning of "deconvolution": an image ``x`` was
blurred by a point-spread function (PSF) ``h`` and corrupted by noise ``n``,

.. math:: y = h \ast x + n,

and we estimate ``x`` from ``y`` and ``h``. (The deep-learning "deconvolution
layer" is a different thing, the transposed convolution in
:mod:`deconv_course.numpy_ops`.)

What is here, in the order notebooks/03b_restoration_algorithms.ipynb teaches it:

* PSFs: :func:`box_psf`, :func:`gaussian_psf`, :func:`motion_psf`; the optical
  transfer function :func:`psf2otf`; :func:`blur` with three boundary models;
  seeded noise :func:`add_gaussian_noise`, :func:`add_poisson_noise`.
* Linear filters in the Fourier domain: :func:`inverse_filter`, :func:`wiener`,
  :func:`tikhonov` (with :func:`laplacian_kernel`).
* The iterative, non-negative :func:`richardson_lucy` (same numbers as
  ``skimage.restoration.richardson_lucy``, about twice as fast).
* Quality scores :func:`psnr` and :func:`ssim`.
* The transpose :func:`blur_adjoint` (``C^T``, the bridge to the transposed convolution).
* Honest simulations (:mod:`.boundaries`): :func:`edge_taper`, :func:`blur_without_crime`.
* Parameters without the truth (:mod:`.parameters`): :func:`discrepancy_balance`,
  :func:`gcv_balance`, :func:`l_curve_balance`, :func:`regularisation_curves`, and
  Richardson-Lucy stopped by the discrepancy principle, :func:`richardson_lucy_discrepancy`.
* Total-variation deconvolution by ADMM (:mod:`.tv`): :func:`tv_deconvolution`,
  its x-step :func:`admm_x_update`, :func:`tv_objective`, :func:`total_variation`.
* Blind deconvolution (:mod:`.blind`): :func:`blind_richardson_lucy`, :func:`psf_distance`,
  and the practical route :func:`estimate_psf_from_point_source`.

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

from .blind import blind_richardson_lucy, estimate_psf_from_point_source, psf_distance
from .boundaries import blur_without_crime, edge_taper, taper_weights
from .filters import inverse_filter, tikhonov, wiener
from .forward import BOUNDARIES, add_gaussian_noise, add_poisson_noise, blur, blur_adjoint
from .fourier import psf2otf, psf2otf_rfft, psf_centre
from .iterative import richardson_lucy, richardson_lucy_discrepancy
from .metrics import psnr, ssim
from .parameters import discrepancy_balance, gcv_balance, l_curve_balance, regularisation_curves
from .psf import box_psf, gaussian_psf, laplacian_kernel, motion_psf
from .tv import admm_x_update, total_variation, tv_deconvolution, tv_objective

__all__ = [
    "box_psf",
    "gaussian_psf",
    "motion_psf",
    "psf2otf",
    "psf2otf_rfft",
    "psf_centre",
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
    "BOUNDARIES",
    "blur_adjoint",
    "edge_taper",
    "taper_weights",
    "blur_without_crime",
    "regularisation_curves",
    "discrepancy_balance",
    "gcv_balance",
    "l_curve_balance",
    "richardson_lucy_discrepancy",
    "total_variation",
    "tv_objective",
    "admm_x_update",
    "tv_deconvolution",
    "blind_richardson_lucy",
    "psf_distance",
    "estimate_psf_from_point_source",
]

# The names of the one OTF builder before restoration became a package; torch_ops.filters
# (and its test, which records the calls) still reach them here. New code: psf2otf_rfft.
_otf_rfft = psf2otf_rfft
_centre = psf_centre
