"""Small helpers shared by the question modules (grader side only; torch is imported lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import Case

_FLIP_CORR = (
    "kernel flipped: deep-learning 'convolution' (and this function) is "
    "cross-correlation; slide the kernel as it is, without flipping it"
)


def _torch() -> Any:
    import torch

    return torch


def _T(x: Any) -> Any:
    """A float64 tensor of ``x`` (contiguous, so flipped views work)."""
    torch = _torch()
    return torch.as_tensor(np.ascontiguousarray(x, dtype=np.float64))


def _np(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy()


def _F() -> Any:
    import torch.nn.functional as F

    return F


def _ints(rng: np.random.Generator, low: int, high: int) -> int:
    """A random integer in [low, high] (both ends included)."""
    return int(rng.integers(low, high + 1))


def _img(rng: np.random.Generator, shape: tuple[int, ...], integer: bool = False) -> np.ndarray:
    if integer:
        return rng.integers(-5, 6, size=shape).astype(np.int64)
    return rng.standard_normal(shape)


def _labelled(case: Case, label: str) -> Case:
    case.label = label
    return case


def _psf(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A random positive PSF of ``shape`` that sums to one."""
    p = rng.random(shape) + 0.05
    return p / p.sum()


def _scipy_2d(image: Any, kernel: Any, mode: str, convolve: bool = False) -> np.ndarray:
    """SciPy's ``correlate2d`` (``convolve2d`` when ``convolve``) in float64: the ex02 and ex04 references."""
    from scipy import signal

    op = signal.convolve2d if convolve else signal.correlate2d
    return op(np.asarray(image, float), np.asarray(kernel, float), mode=mode)


def with_hints(questions: list, hints: dict[str, tuple[str, ...]]) -> list:
    """``questions`` with each one's hints on demand (``hint(id)``) set from ``hints`` (id -> levels)."""
    from dataclasses import replace

    missing = {q.id for q in questions} - set(hints)
    if missing:
        raise ValueError(f"no hints for {sorted(missing)}")
    return [replace(q, hints=tuple(hints[q.id])) for q in questions]
