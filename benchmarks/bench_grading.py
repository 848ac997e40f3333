"""Benchmark the batch grader: grade N submissions (copies of solutions and exercises) with -j J.

Prints the time of each submission, the total, the throughput and the ratio of the total to the
goal (40 submissions in under 120 s on 2 cores). Run: ``python benchmarks/bench_grading.py``
(``--quick`` grades 8). Hidden cases use a fixed secret so that runs are comparable.

``--class`` grades a synthetic class of 200 ex01 submissions (solutions and stubs, alternating,
named ``sNNN_ex01.ipynb``) with ``-j 2`` through the whole run (tables, feedback, similarity,
manifest) and prints the wall time per submission (``--class --quick``: 20). One run; no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from deconv_course import grading

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS_FOR_40 = 120.0


def make_submissions(folder: Path, n: int) -> list[Path]:
    """n notebooks: solutions and untouched exercises, alternating through all six."""
    sources = sorted((ROOT / "solutions").glob("ex0*.ipynb")) + sorted(
        (ROOT / "exercises").glob("ex0*.ipynb")
    )
    paths = []
    for i in range(n):
        src = sources[i % len(sources)]
        dest = folder / f"student{i:02d}_{src.parent.name[:3]}_{src.name}"
        shutil.copyfile(src, dest)
        paths.append(dest)
    return paths


def make_class(folder: Path, n: int) -> list[Path]:
    """n ex01 submissions: the solution and the untouched exercise, alternating."""
    sources = [ROOT / "solutions" / "ex01_two_meanings.ipynb", ROOT / "exercises" / "ex01_two_meanings.ipynb"]
    paths = []
    for i in range(n):
        dest = folder / f"s{i:03d}_ex01.ipynb"
        shutil.copyfile(sources[i % 2], dest)
        paths.append(dest)
    return paths


def bench_class(n: int, jobs: int) -> int:
    """Grade a synthetic class of n ex01 submissions; print the time per submission."""
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        make_class(tmp / "in", n)
        t0 = time.perf_counter()
        reports = grading.grade([tmp / "in"], tmp / "out", jobs=jobs, secret=1, progress_bar=True)
        total = time.perf_counter() - t0
        students = len((tmp / "out" / "gradebook.csv").read_text().splitlines()) - 1
    full = sum(1 for r in reports if r["score"] == r["max_score"] > 0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"# class of {n} ex01 submissions ({full} solutions, {n - full} stubs), -j {jobs}, {os.cpu_count()} CPUs"
    )
    print(f"# load average at the end: {load:.1f} (other work on the machine slows this down)")
    print(f"total wall time            {total:8.1f} s (grading, tables, feedback, similarity, manifest)")
    print(f"wall time per submission   {total / n:8.2f} s")
    print(f"gradebook rows             {students:8d}")
    broken = [r for r in reports if r["status"] == grading.STATUS_GRADER_ERROR]
    return 1 if broken else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=None, help="number of submissions (default 40; --class: 200)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--quick", action="store_true", help="grade 8 submissions (--class: 20)")
    p.add_argument(
        "--class", dest="klass", action="store_true", help="a synthetic class of 200 ex01 submissions"
    )
    args = p.parse_args()
    if args.klass:
        return bench_class(args.n or (20 if args.quick else 200), args.jobs)
    n = 8 if args.quick else (args.n or 40)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        paths = make_submissions(tmp / "in", n)
        t0 = time.perf_counter()
        reports = grading.grade(paths, tmp / "out", jobs=args.jobs, secret=1)
        total = time.perf_counter() - t0
    print(f"# {n} submissions, -j {args.jobs}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{'submission':<52} {'status':<15} {'score':>9} {'seconds':>8}")
    for r in reports:
        print(
            f"{r['submission']:<52} {r['status']:<15} {r['score']:>4g}/{r['max_score']:<4g} {r.get('seconds', 0):>8.2f}"
        )
    per = [r.get("seconds", 0.0) for r in reports]
    print(f"total wall time            {total:8.1f} s")
    print(f"mean time per submission   {sum(per) / len(per):8.2f} s (inside a worker)")
    print(f"throughput                 {n / total:8.2f} submissions/s")
    goal = GOAL_SECONDS_FOR_40 * n / 40
    print(
        f"ratio to goal              {total / goal:8.2f} (goal: 40 submissions in {GOAL_SECONDS_FOR_40:g} s; < 1 is met)"
    )
    broken = [r for r in reports if r["status"] == grading.STATUS_GRADER_ERROR]
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
