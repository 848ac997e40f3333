"""The course's one timer: :func:`best_time`, and :func:`one_thread` to time fairly.

Notebooks and benchmarks time code only through these two functions, so a fix to
how the course measures (a warm-up call, CUDA synchronisation) is made once.

This module sits at the ground of the package: it imports no torch at module level.
:func:`best_time` imports torch only when it is asked to time on a CUDA device, or
when torch is already imported (then it checks whether CUDA work may be queued).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from deconv_course._checks import check_int

__all__ = ["best_time", "one_thread"]


@contextmanager
def one_thread() -> Iterator[None]:
    """Limit PyTorch and NumPy's BLAS to one thread inside a ``with`` block, then restore.

    Timings then compare algorithms, not core counts, and stay steady on a busy
    machine. Nothing changes outside the block.
    Taught in notebooks/05_trends_and_challenges.ipynb and notebooks/06_faq.ipynb.
    """
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


def _synchronizer(device: Any) -> Callable[[], None] | None:
    """What to call so that a run's GPU work is finished when the clock is read, or None.

    ``device=None`` synchronises CUDA only if torch is already imported and has a CUDA
    context (work may then be queued); "cpu" never synchronises; "cuda", "cuda:N" or a
    CUDA ``torch.device`` always does (and must be available); "mps" uses torch.mps.
    """
    if device is None:
        torch = sys.modules.get("torch")
        if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
            return None
        return torch.cuda.synchronize
    kind = getattr(device, "type", device)
    if not isinstance(kind, str):
        raise TypeError(f"device={device!r} must be None, a str such as 'cuda' or a torch.device")
    kind = kind.strip().lower().split(":")[0]
    if kind == "cpu":
        return None
    if kind not in ("cuda", "mps"):
        raise ValueError(f"device={device!r} must be None, 'cpu', 'cuda', 'cuda:N' or 'mps'")
    import torch

    if kind == "mps":
        return torch.mps.synchronize
    if not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asks to time on CUDA but CUDA is not available")
    return lambda: torch.cuda.synchronize(device)


def best_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1, device: Any = None) -> float:
    """Best of ``repeat`` wall-clock runs of ``fn()``, in seconds, after ``warmup`` untimed calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is ignored.
    repeat : int
        Timed runs (>= 1); the minimum is returned: the run least disturbed by other
        work on the machine.
    warmup : int
        Untimed calls first (>= 0): the first call pays one-off costs (allocations,
        FFT plans, loading GPU kernels). Use 0 for a slow loop that has none.
    device : None, "cpu", "cuda", "cuda:N", "mps" or torch.device
        Where ``fn`` computes. On a GPU, calls return before the work is done, so the
        device is synchronised before the clock starts and before it is read (for
        "cuda", ``torch.cuda.synchronize``). ``None`` synchronises CUDA if torch has
        already started it, and otherwise does nothing.

    Returns
    -------
    float
        Seconds of the fastest timed run.

    Taught in notebooks/04_code_examples.ipynb and notebooks/05_trends_and_challenges.ipynb.
    """
    repeat = check_int(repeat, "repeat", minimum=1)
    warmup = check_int(warmup, "warmup", minimum=0)
    if not callable(fn):
        raise TypeError(f"fn={fn!r} must be callable with no arguments")
    sync = _synchronizer(device) or (lambda: None)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        sync()  # earlier work must not be billed to this run
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times)
