"""Time deconv_course.restoration against scikit-image; print a markdown table.

Run:  python benchmarks/bench_restoration.py [--quick] [--repeats N]

The problem (FACTS.md, notebooks/03): the 512×512 camera image blurred by a
15×15 Gaussian PSF (sigma 2, zero boundary) with Poisson noise (peak 1000).

* ``richardson_lucy``, 30 iterations: ours vs ``skimage.restoration.richardson_lucy``
  (same arguments, float64), the time ratio (goal <= 0.5) and the largest
  absolute difference of the results;
* ``wiener`` (balance 0.01, Laplacian regulariser, clipped) vs
  ``skimage.restoration.wiener`` on the same image;
* the torch path (``deconv_course.torch_ops.richardson_lucy`` / ``wiener``) on
  the CPU, and on CUDA when it is available, if that module is importable.

All cases run interleaved, repeat after repeat, so a burst of load on a shared
machine hits every case alike; the table reports the median and the minimum,
and the ratio is the median of the per-repeat ratios. Ratios are measured,
not asserted: on a busy machine they move.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import skimage
from skimage import restoration as skr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
from deconv_course import data, restoration
from deconv_course.timing import best_time

GOAL = 0.5
NUM_ITER = 30


def problem():
    image = data.camera()
    psf = restoration.gaussian_psf(15, 2.0)
    blurred = restoration.add_poisson_noise(restoration.blur(image, psf, "zero"), 1000, seed=0)
    return image, psf, blurred


def torch_cases(psf, blurred, reference_rl, reference_wiener):
    """Torch cases as (operation, implementation, fn, reference, device), or a reason why there are none."""
    try:
        import torch

        from deconv_course import torch_ops
    except Exception as error:  # torch_ops missing or broken: report, do not fail
        return [], f"torch path: n/a (torch_ops not available: {type(error).__name__}: {error})"
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    cases = []
    for device in devices:

        def rl(device=device):
            return torch_ops.richardson_lucy(blurred, psf, num_iter=NUM_ITER, device=device)

        def wiener(device=device):
            out = torch_ops.wiener(blurred, psf, 0.01, reg=restoration.laplacian_kernel(), device=device)
            return np.clip(np.asarray(out), -1, 1)  # scikit-image clips; compare like with like

        # best_time(device=...) synchronises CUDA around each timed run
        cases.append((f"richardson_lucy ({NUM_ITER} it.)", f"torch_ops ({device})", rl, reference_rl, device))
        cases.append(("wiener", f"torch_ops ({device})", wiener, reference_wiener, device))
    note = "" if "cuda" in devices else "CUDA: n/a (no GPU on this machine)"
    return cases, note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 7")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per case (default 7)")
    parser.add_argument("--no-torch", action="store_true", help="skip the torch_ops cases")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)

    _, psf, blurred = problem()
    reference_rl = skr.richardson_lucy(blurred, psf, num_iter=NUM_ITER)
    reference_wiener = skr.wiener(blurred, psf, 0.01)
    cases = [  # (operation, implementation, fn, reference, device)
        (
            f"richardson_lucy ({NUM_ITER} it.)",
            "skimage",
            lambda: skr.richardson_lucy(blurred, psf, num_iter=NUM_ITER),
            reference_rl,
            "cpu",
        ),
        (
            f"richardson_lucy ({NUM_ITER} it.)",
            "deconv_course",
            lambda: restoration.richardson_lucy(blurred, psf, num_iter=NUM_ITER),
            reference_rl,
            "cpu",
        ),
        ("wiener", "skimage", lambda: skr.wiener(blurred, psf, 0.01), reference_wiener, "cpu"),
        (
            "wiener",
            "deconv_course",
            lambda: restoration.wiener(blurred, psf, 0.01, reg=restoration.laplacian_kernel(), clip=True),
            reference_wiener,
            "cpu",
        ),
    ]

    # NumPy cases first, interleaved, before torch is even imported (its thread pool keeps
    # cores busy after each call); then the torch cases in a block of their own
    differences, unavailable = {}, []
    times, cpu_times = {}, {}

    def measure(block, block_repeats, optional):
        # one untimed warm-up call each (imports, FFT plans, CUDA context), keeping the result;
        # an optional (torch) case that fails, e.g. a function torch_ops lacks, becomes an n/a row
        for case in list(block):
            operation, implementation, fn, reference, _ = case
            try:
                differences[operation, implementation] = float(np.max(np.abs(np.asarray(fn()) - reference)))
            except Exception as error:
                if not optional:
                    raise
                block.remove(case)
                unavailable.append((operation, implementation, f"n/a ({type(error).__name__}: {error})"))
        for operation, implementation, *_ in block:
            times[operation, implementation], cpu_times[operation, implementation] = [], []
        for _ in range(block_repeats):
            for operation, implementation, fn, _, device in block:  # one timed run each, interleaved
                cpu_start = time.process_time()
                times[operation, implementation].append(best_time(fn, repeat=1, warmup=0, device=device))
                cpu_times[operation, implementation].append(time.process_time() - cpu_start)

    measure(cases, repeats, optional=False)
    extra, note = (
        ([], "torch path: skipped (--no-torch)")
        if args.no_torch
        else torch_cases(psf, blurred, reference_rl, reference_wiener)
    )
    measure(extra, max(1, repeats // 2), optional=True)
    cases += extra

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-image {skimage.__version__}; "
        f"{repeats} interleaved repeats"
    )
    print(
        f"problem: camera 512x512, Gaussian PSF 15x15 (sigma 2), zero-boundary blur + Poisson noise; "
        f"RL {NUM_ITER} iterations; Wiener balance 0.01 with the Laplacian, clipped\n"
    )
    print(
        "| operation | implementation | median (s) | min (s) | time / skimage (median of ratios) "
        "| max abs diff vs skimage |"
    )
    print("|---|---|---|---|---|---|")
    for operation, implementation, *_ in cases:
        ts = times[operation, implementation]
        base = times[operation, "skimage"]
        # torch blocks ran after the NumPy block: compare medians there, paired repeats here
        ratio = (
            statistics.median(t / b for t, b in zip(ts, base))
            if not implementation.startswith("torch")
            else statistics.median(ts) / statistics.median(base)
        )
        print(
            f"| {operation} | {implementation} | {statistics.median(ts):.4f} | {min(ts):.4f} | "
            f"{ratio:.2f} | {differences[operation, implementation]:.1e} |"
        )
    for operation, implementation, reason in unavailable:
        print(f"| {operation} | {implementation} | {reason} | | | |")
    ours = times[f"richardson_lucy ({NUM_ITER} it.)", "deconv_course"]
    theirs = times[f"richardson_lucy ({NUM_ITER} it.)", "skimage"]
    ratio = statistics.median(t / b for t, b in zip(ours, theirs))
    key = f"richardson_lucy ({NUM_ITER} it.)"
    cpu_ratio = statistics.median(
        t / b for t, b in zip(cpu_times[key, "deconv_course"], cpu_times[key, "skimage"])
    )
    print(
        f"\nrichardson_lucy: ours / skimage = {ratio:.2f} (wall, median of paired repeats), "
        f"{min(ours) / min(theirs):.2f} (min / min), {cpu_ratio:.2f} (process CPU time; both single-threaded); "
        f"goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'}"
    )
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
