"""What the grader's jail costs: the same submissions graded jailed and with --no-sandbox.

    python benchmarks/bench_jail.py [--quick]

Grades every solution notebook (one per exercise) with ``-j 1``, alternating jailed and
unjailed runs, and prints the time per submission of each and their difference and ratio,
measured in this one run (the machine is shared: compare within a run, never across runs).
The issue's goal: the jail costs at most 0.5 s per submission.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deconv_course.grading import grade  # noqa: E402
from deconv_course.grading.jail import jail_problem  # noqa: E402


def one_run(paths: list[Path], sandbox: bool) -> float:
    out = Path(tempfile.mkdtemp(prefix="bench-jail-"))
    try:
        t0 = time.perf_counter()
        reports = grade(paths, out, jobs=1, secret="bench", sandbox=sandbox)
        seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    bad = [r["submission"] for r in reports if r["score"] != r["max_score"]]
    if bad:
        raise SystemExit(f"a solution lost points ({'jailed' if sandbox else 'unjailed'}): {bad}")
    return seconds / len(paths)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one pair of runs on two exercises")
    args = p.parse_args(argv)
    if (problem := jail_problem()) is not None:
        print(f"no jail can be made here: {problem}")
        return 2
    paths = sorted((ROOT / "solutions").glob("ex0*.ipynb"))
    if args.quick:
        paths = paths[:2]
    repeats = 1 if args.quick else 3
    jailed, plain = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        plain.append(one_run(paths, sandbox=False))
        jailed.append(one_run(paths, sandbox=True))
    j, u = statistics.median(jailed), statistics.median(plain)
    print(f"{len(paths)} solution notebooks, -j 1, {repeats} interleaved pair(s) of runs")
    print(
        f"  unjailed (--no-sandbox): {u:6.2f} s per submission (runs: {', '.join(f'{x:.2f}' for x in plain)})"
    )
    print(
        f"  jailed (bubblewrap):     {j:6.2f} s per submission (runs: {', '.join(f'{x:.2f}' for x in jailed)})"
    )
    print(
        f"  the jail costs {j - u:+.2f} s per submission (ratio jailed/unjailed {j / u:.2f}); goal: <= 0.5 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
