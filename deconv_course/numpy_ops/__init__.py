"""Convolution and transposed convolution from scratch, in NumPy only.

The functions mirror ``torch.nn.functional`` (names, argument order and
semantics) on NCHW arrays, or unbatched CHW arrays (CHW in, CHW out), and are
tested equal to PyTorch in float64 to 1e-10.

Weight layouts are PyTorch's:

* ``conv2d``: ``weight`` has shape ``(C_out, C_in / groups, kH, kW)``;
* ``conv_transpose2d``: ``weight`` has shape ``(C_in, C_out / groups, kH, kW)``.

Transposed convolution is computed four ways, selected with ``method=``:

``"scatter"``
    every input pixel adds a scaled copy of the kernel into the output
    (readable loops; the definition);
``"zero_insert"``
    insert ``stride - 1`` zeros between input pixels, pad, and run an
    ordinary stride-1 ``conv2d`` with the flipped, channel-swapped kernel;
``"matrix"``
    build the convolution matrix ``C`` of the convolution whose adjoint this
    is, and multiply by ``C.T``;
``"fast"``
    one matrix product for the whole batch, then "col2im": add ``kH * kW``
    shifted slices (the default). The slices are laid out by stride phase so
    each addition is contiguous, and large arrays are split over threads.

Data types: float64 stays float64, float32 stays float32 (as in PyTorch);
integer input is converted to float64. NaN or infinity in the input or
weight raises ``ValueError`` (PyTorch would propagate it silently).

``bed_of_nails``, ``max_pool2d_with_indices`` and ``max_unpool2d`` are the fixed upsamplers
of notebooks/05b_upsampling_and_checkerboards.ipynb (zeros, and unpooling with switches).

``conv1d``, ``conv_matrix1d`` and ``conv_transpose1d`` are the one-channel 1-D versions
(the 2-D functions on an image of height 1).

Taught in notebooks/02_core_concepts.ipynb, notebooks/03a_transposed_convolution.ipynb
and notebooks/04_code_examples.ipynb.
"""

from __future__ import annotations

from .conv import conv2d, conv_matrix
from .correlate import convolve2d, correlate2d
from .layers import avg_pool2d, linear, pixel_shuffle, upsample_nearest
from .onedim import conv1d, conv_matrix1d, conv_transpose1d
from .transposed import METHODS, conv_transpose2d, zero_insert
from .upsampling import bed_of_nails, max_pool2d_with_indices, max_unpool2d

__all__ = [
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv_transpose2d",
    "conv_matrix",
    "zero_insert",
    "avg_pool2d",
    "linear",
    "pixel_shuffle",
    "upsample_nearest",
    "bed_of_nails",
    "max_pool2d_with_indices",
    "max_unpool2d",
    "conv1d",
    "conv_matrix1d",
    "conv_transpose1d",
    "METHODS",
]
