"""What every operation of :mod:`deconv_course.numpy_ops` shares: input preparation and threads.

Arrays are converted and checked once, at the public boundary, with the shared
checks of :mod:`deconv_course._checks` and :mod:`deconv_course.arithmetic`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._checks import as_float_array

#: The layouts of a batch of images, for the error messages.
NCHW = "(C, H, W) unbatched or (N, C, H, W) batched"


def prepare(input, weight, bias):
    """Convert and check ``input`` (CHW or NCHW), ``weight`` (4-D) and ``bias``.

    Returns float arrays of one common dtype, input as NCHW, and a flag saying
    whether the input was unbatched.
    """
    x = as_float_array(input, "input", ndim=(3, 4), what=NCHW)
    w = as_float_array(weight, "weight", ndim=4, what="(C_out, C_in / groups, kH, kW)")
    if min(w.shape) < 1:
        raise ValueError(f"weight must not be empty, got shape {w.shape}")
    arrays = [x, w]
    if bias is not None:
        arrays.append(as_float_array(bias, "bias", ndim=1, what="(C_out,)"))
    dtype = np.result_type(*arrays)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    b = arrays[2].astype(dtype, copy=False) if bias is not None else None
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if min(x.shape) < 1:
        raise ValueError(f"input must not be empty, got shape {x.shape}")
    return x, w, b, unbatched


def check_bias(b, out_channels: int) -> None:
    """``bias`` holds one value per output channel."""
    if b is not None and b.shape != (out_channels,):
        raise ValueError(
            f"bias must have shape ({out_channels},) (one value per output channel), got {b.shape}"
        )


def finish(out: np.ndarray, b, unbatched: bool) -> np.ndarray:
    """Add the bias and drop the batch axis of an unbatched input."""
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out[0] if unbatched else out


#: Arrays smaller than this (elements) are moved on one thread.
_PARALLEL_MIN_SIZE = 1 << 20


def in_parallel(task, length: int, work: int) -> None:
    """Run ``task(lo, hi)`` over slices of ``range(length)``, on several threads
    when ``work`` (elements moved) is large.

    Only the fast paths use this, for the copies and additions around the
    matrix product: NumPy releases the GIL in them, so threads run in parallel
    the way BLAS and PyTorch already do. Each thread writes its own slice.
    """
    workers = min(os.cpu_count() or 1, 8, length)
    if workers < 2 or work < _PARALLEL_MIN_SIZE:
        task(0, length)
        return
    bounds = np.linspace(0, length, workers + 1).astype(int)
    # a pool per call: cheap next to the work, and safe in forked processes
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(task, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]:
            future.result()
