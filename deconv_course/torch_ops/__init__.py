"""PyTorch side of the course, one job per module, in the order the notebooks use them:

* :mod:`~deconv_course.torch_ops.devices`: :func:`pick_device` (CUDA -> Apple MPS -> CPU,
  overridable with the ``DECONV_DEVICE`` environment variable) and :func:`to_tensor`;
* :mod:`~deconv_course.torch_ops.models`: the small models the notebooks train
  (:class:`SourceDocCNN`, three upsamplers with the same shapes, :class:`ConvAutoencoder`)
  and :func:`bilinear_kernel` (FCN's initialisation);
* :mod:`~deconv_course.torch_ops.training`: the seeded training loop :func:`train`;
* :mod:`~deconv_course.torch_ops.deconvnet`: Zeiler & Fergus's deconvnet on :class:`SmallDigitCNN`
  (:func:`deconvnet_project`, :func:`gradient_saliency` and the three steps going down);
* :mod:`~deconv_course.torch_ops.upsampling`: :func:`icnr_`, :func:`checkerboard_energy`,
  :func:`bilinear_upsampler` (grouped) and the x2 super-resolution experiment
  (:class:`SuperResolutionNet`, :func:`super_resolution_pairs`, :func:`train_super_resolution`);
* :mod:`~deconv_course.torch_ops.filters`: image restoration on tensors with the names and
  results of :mod:`deconv_course.restoration` (:func:`psf2otf`, :func:`inverse_filter`,
  :func:`wiener`, :func:`tikhonov`, :func:`richardson_lucy`).

The learned counterpart (``RestorationNet``, ``compare_restoration``) lives above this
package, in :mod:`deconv_course.learned_restoration`; the timer in
:mod:`deconv_course.timing`. Every function runs unchanged on CPU, CUDA or MPS.
"""

from deconv_course.torch_ops.deconvnet import (
    RELU_RULES,
    BlockRecord,
    SmallDigitCNN,
    backward_relu,
    deconvnet_project,
    gradient_saliency,
    strongest_activation,
    transposed_filter,
    unpool,
)
from deconv_course.torch_ops.devices import DEVICE_ENV, pick_device, to_tensor
from deconv_course.torch_ops.filters import inverse_filter, psf2otf, richardson_lucy, tikhonov, wiener
from deconv_course.torch_ops.models import (
    ConvAutoencoder,
    PixelShuffleUpsampler,
    ResizeConvUpsampler,
    SourceDocCNN,
    TransposedConvUpsampler,
    bilinear_kernel,
)
from deconv_course.torch_ops.training import train
from deconv_course.torch_ops.upsampling import (
    UPSAMPLER_KINDS,
    SuperResolutionNet,
    bilinear_upsampler,
    checkerboard_energy,
    icnr_,
    super_resolution_pairs,
    train_super_resolution,
)

__all__ = [
    "DEVICE_ENV",
    "pick_device",
    "to_tensor",
    "SourceDocCNN",
    "TransposedConvUpsampler",
    "ResizeConvUpsampler",
    "PixelShuffleUpsampler",
    "ConvAutoencoder",
    "bilinear_kernel",
    "train",
    "SmallDigitCNN",
    "BlockRecord",
    "RELU_RULES",
    "strongest_activation",
    "unpool",
    "backward_relu",
    "transposed_filter",
    "deconvnet_project",
    "gradient_saliency",
    "icnr_",
    "checkerboard_energy",
    "bilinear_upsampler",
    "UPSAMPLER_KINDS",
    "SuperResolutionNet",
    "super_resolution_pairs",
    "train_super_resolution",
    "psf2otf",
    "inverse_filter",
    "wiener",
    "tikhonov",
    "richardson_lucy",
]
