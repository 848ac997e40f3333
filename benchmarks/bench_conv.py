"""Time deconv_course.numpy_ops against PyTorch on the CPU; print a markdown table.

Run:  python benchmarks/bench_conv.py [--quick] [--repeats N]

What it measures (all cases interleaved, so a burst of load on a shared machine
hits every case alike; the table reports the minimum and the median per case):

* ``conv_transpose2d`` (method "fast") vs ``torch.nn.functional.conv_transpose2d``
  on a DCGAN-style generator layer: batch 16, 64 -> 32 channels,
  32x32 -> 64x64, kernel 4, stride 2, padding 1, float32;
* ``conv2d`` vs ``torch.nn.functional.conv2d`` on the mirror layer:
  batch 16, 32 -> 64 channels, 64x64 -> 32x32, kernel 4, stride 2, padding 1;
* GFLOP/s of each, next to a float32 NumPy matmul with the same FLOP count
  (the practical ceiling on this machine: both layers ARE one such matmul
  plus data movement);
* the four teaching routes of ``conv_transpose2d`` on a small case, and the
  speed-up of "fast" over the naive "scatter" loops.

The goal for the two layers is ours/torch <= 1.25 (at the minimum); the
ratios are measured, not asserted: on a busy machine they move.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
from deconv_course import numpy_ops
from deconv_course.timing import best_time

GOAL = 1.25


def layer_cases(batch=16):
    """The two DCGAN-style layers: name, ours, torch, FLOPs, matmul shape of equal FLOPs."""
    rng = np.random.default_rng(0)
    # generator layer: (16, 64, 32, 32) -> (16, 32, 64, 64); ConvTranspose2d weight (64, 32, 4, 4)
    x_t = rng.standard_normal((batch, 64, 32, 32), dtype=np.float32)
    w_t = rng.standard_normal((64, 32, 4, 4), dtype=np.float32)
    # mirror layer: (16, 32, 64, 64) -> (16, 64, 32, 32); Conv2d weight (64, 32, 4, 4)
    x_c = rng.standard_normal((batch, 32, 64, 64), dtype=np.float32)
    w_c = rng.standard_normal((64, 32, 4, 4), dtype=np.float32)
    tx_t, tw_t, tx_c, tw_c = (torch.from_numpy(a) for a in (x_t, w_t, x_c, w_c))
    # each output of the small side of the layer costs 2 * C_in * C_out * k * k FLOPs
    flops = 2 * batch * 32 * 32 * 64 * 32 * 4 * 4
    return [
        dict(
            name="conv_transpose2d (fast)",
            ours=lambda: numpy_ops.conv_transpose2d(x_t, w_t, stride=2, padding=1),
            torch=lambda: F.conv_transpose2d(tx_t, tw_t, stride=2, padding=1),
            flops=flops,
            gemm=(32 * 4 * 4, 64, batch * 32 * 32),  # (C_out*k*k, C_in) @ (C_in, N*H*W)
        ),
        dict(
            name="conv2d",
            ours=lambda: numpy_ops.conv2d(x_c, w_c, stride=2, padding=1),
            torch=lambda: F.conv2d(tx_c, tw_c, stride=2, padding=1),
            flops=flops,
            gemm=(64, 32 * 4 * 4, batch * 32 * 32),  # (C_out, C_in*k*k) @ (C_in*k*k, N*Ho*Wo)
        ),
    ]


def check_correct(cases):
    for case in cases:
        ours, ref = case["ours"](), case["torch"]().numpy()
        assert ours.dtype == np.float32, (case["name"], ours.dtype)
        np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-3, err_msg=case["name"])


def run(quick=False, repeats=None):
    """Run the benchmark; return (layer_rows, route_rows) as lists of dicts (times in seconds)."""
    repeats = repeats or (5 if quick else 21)
    cases = layer_cases()
    check_correct(cases)
    rng = np.random.default_rng(1)
    timers = {}
    for case in cases:
        m, k, n = case["gemm"]
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        timers[(case["name"], "ours")] = case["ours"]
        timers[(case["name"], "torch")] = case["torch"]
        timers[(case["name"], "matmul")] = lambda a=a, b=b: a @ b

    # the small case for the teaching routes: batch 2, 8 -> 8 channels, 8x8 -> 16x16
    x_s = rng.standard_normal((2, 8, 8, 8))
    w_s = rng.standard_normal((8, 8, 4, 4))
    tref = F.conv_transpose2d(torch.from_numpy(x_s), torch.from_numpy(w_s), stride=2, padding=1).numpy()
    for method in numpy_ops.METHODS:
        fn = lambda method=method: numpy_ops.conv_transpose2d(x_s, w_s, stride=2, padding=1, method=method)  # noqa: E731
        np.testing.assert_allclose(fn(), tref, rtol=1e-10, atol=1e-10, err_msg=method)
        timers[("small", method)] = fn
    timers[("small", "torch")] = lambda: F.conv_transpose2d(
        torch.from_numpy(x_s), torch.from_numpy(w_s), stride=2, padding=1
    )

    for fn in timers.values():  # warm up (allocations, thread pools)
        fn()
    times = {key: [] for key in timers}
    for _ in range(repeats):  # interleaved: one timed run of each case per repeat, warmed up above
        for key, fn in timers.items():
            times[key].append(best_time(fn, repeat=1, warmup=0, device="cpu"))

    layer_rows = []
    for case in cases:
        t = {who: times[(case["name"], who)] for who in ("ours", "torch", "matmul")}
        row = dict(name=case["name"], flops=case["flops"])
        for who, ts in t.items():
            row[who + "_min"] = min(ts)
            row[who + "_median"] = statistics.median(ts)
        row["ratio_min"] = row["ours_min"] / row["torch_min"]
        row["ratio_median"] = statistics.median(o / p for o, p in zip(t["ours"], t["torch"]))
        layer_rows.append(row)
    route_rows = []
    for method in (*numpy_ops.METHODS, "torch"):
        ts = times[("small", method)]
        route_rows.append(dict(method=method, min=min(ts), median=statistics.median(ts)))
    return layer_rows, route_rows


def markdown(layer_rows, route_rows) -> str:
    gf = lambda flops, s: flops / s / 1e9  # noqa: E731
    lines = [
        "| layer (batch 16, k4 s2 p1, float32) | ours ms (min / median) | torch ms (min / median) "
        "| ours/torch (min; median of pairs) | ours GFLOP/s | torch GFLOP/s | matmul GFLOP/s (same FLOPs) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in layer_rows:
        verdict = "meets" if r["ratio_min"] <= GOAL else "misses"
        lines.append(
            f"| {r['name']} | {r['ours_min'] * 1e3:.1f} / {r['ours_median'] * 1e3:.1f} "
            f"| {r['torch_min'] * 1e3:.1f} / {r['torch_median'] * 1e3:.1f} "
            f"| {r['ratio_min']:.2f}; {r['ratio_median']:.2f} ({verdict} the {GOAL} goal) "
            f"| {gf(r['flops'], r['ours_min']):.0f} | {gf(r['flops'], r['torch_min']):.0f} "
            f"| {gf(r['flops'], r['matmul_min']):.0f} |"
        )
    lines += [
        "",
        "| conv_transpose2d route (batch 2, 8->8 ch, 8x8 -> 16x16, k4 s2 p1, float64) "
        "| ms (min / median) | speed-up over scatter |",
        "|---|---|---|",
    ]
    scatter = next(r for r in route_rows if r["method"] == "scatter")["min"]
    for r in route_rows:
        name = "torch (reference)" if r["method"] == "torch" else r["method"]
        speedup = scatter / r["min"]
        shown = f"{speedup:.0f}x" if speedup >= 10 else f"{speedup:.2g}x"
        lines.append(f"| {name} | {r['min'] * 1e3:.2f} / {r['median'] * 1e3:.2f} | {shown} |")
    return "\n".join(lines)


def environment() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"{os.cpu_count()} CPUs, {platform.machine()}, load average {load:.1f}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repeats per case")
    args = parser.parse_args(argv)
    print(environment())
    print()
    print(markdown(*run(quick=args.quick, repeats=args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
