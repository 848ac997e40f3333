"""Devices and tensors: :func:`pick_device` (CUDA -> Apple MPS -> CPU, overridable with
the ``DECONV_DEVICE`` environment variable) and :func:`to_tensor`.

Taught in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import os
import re

import numpy as np
import torch

__all__ = ["DEVICE_ENV", "pick_device", "to_tensor"]

#: The environment variable that overrides the automatic device choice.
DEVICE_ENV = "DECONV_DEVICE"
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
_ALLOWED_DEVICES = '"auto", "cpu", "cuda", "cuda:N" (N a GPU index) or "mps"'


def _check_device_available(device: torch.device, source: str) -> torch.device:
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{source} asks for {str(device)!r} but CUDA is not available "
                f"(torch {torch.__version__}, torch.cuda.is_available() is False); "
                "install a CUDA build of torch or choose 'cpu'"
            )
        index = 0 if device.index is None else device.index
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"{source} asks for {str(device)!r} but only {torch.cuda.device_count()} CUDA device(s) exist"
            )
    elif device.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(f"{source} asks for 'mps' but Apple MPS is not available here")
    elif device.type != "cpu":
        raise ValueError(f"{source}={str(device)!r} must be one of {_ALLOWED_DEVICES}")
    return device


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """Choose the device to compute on: CUDA, then Apple MPS, then CPU.

    Parameters
    ----------
    prefer : str or torch.device, optional
        Explicit choice; it wins over everything. One of "auto", "cpu", "cuda",
        "cuda:N" or "mps".

    Returns
    -------
    torch.device

    Notes
    -----
    Order of precedence: ``prefer``, then the environment variable
    ``DECONV_DEVICE`` (same values), then the first available of CUDA, MPS, CPU.
    Asking for a device that is not available raises ``ValueError`` instead of
    silently falling back, so a GPU run never turns into a CPU run unnoticed.
    Taught in notebooks/00_start_here.ipynb.

    Examples
    --------
    >>> pick_device("cpu")
    device(type='cpu')
    """
    if prefer is not None:
        return parse_device(prefer, "prefer")
    choice = os.environ.get(DEVICE_ENV, "")
    return parse_device(choice if choice.strip() else "auto", DEVICE_ENV)


def parse_device(choice: str | torch.device, source: str) -> torch.device:
    """``choice`` (str or torch.device) as an available device; errors name ``source``.

    "auto" is the first available of CUDA, MPS and CPU (what :func:`pick_device` does
    without an override). Taught in notebooks/00_start_here.ipynb.
    """
    if isinstance(choice, torch.device):
        return _check_device_available(choice, source)
    if not isinstance(choice, str):
        raise TypeError(f"{source}={choice!r} must be a str or torch.device, not {type(choice).__name__}")
    name = choice.strip().lower()
    if not _DEVICE_PATTERN.match(name):
        raise ValueError(f"{source}={choice!r} is not a device; allowed values: {_ALLOWED_DEVICES}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return _check_device_available(torch.device(name), source)


def to_tensor(
    array, device: str | torch.device | None = None, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """Turn an array (or tensor, list, number) into a tensor on ``device``.

    Parameters
    ----------
    array : array_like or torch.Tensor
        Numeric data of any shape.
    device : str or torch.device, optional
        Where to put it. ``None`` keeps a tensor where it is and puts anything else
        on the CPU (``torch.as_tensor``'s rule); pass ``pick_device()`` for the GPU.
    dtype : torch.dtype, optional
        ``None`` keeps the array's dtype (NumPy float64 stays float64), except that
        float64 becomes float32 on MPS, which has no float64.

    Returns
    -------
    torch.Tensor
        Same shape as ``array``; shares memory with a NumPy input when no copy is needed.

    Taught in notebooks/04_code_examples.ipynb.
    """
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype={dtype!r} must be a torch.dtype such as torch.float32")
    if device is not None:
        device = parse_device(device, "device")
    if isinstance(array, np.ndarray) and array.dtype.kind not in "biufc":
        raise TypeError(
            f"array has dtype {array.dtype}; to_tensor needs numbers (bool, int, float or complex)"
        )
    if not isinstance(array, torch.Tensor):
        try:
            array = torch.as_tensor(np.asarray(array))
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(f"array of type {type(array).__name__} cannot become a tensor: {error}") from None
    target = device if device is not None else array.device
    if dtype is None and target.type == "mps" and array.dtype == torch.float64:
        dtype = torch.float32
    return array.to(device=target, dtype=dtype)
