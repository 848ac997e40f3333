"""Measure the memory one learner needs: run each notebook in a fresh kernel, record its peak RSS.

    python tools/measure_memory.py                       # lessons, exercises and solutions
    python tools/measure_memory.py notebooks/05_*.ipynb  # some notebooks
    python tools/measure_memory.py --json mem.json       # also write the numbers

Each notebook runs top to bottom with nbclient in a fresh ``python3`` kernel, its own folder as
the working directory (as nbval runs it); nothing is written back. After every cell the
kernel's peak resident set (``VmHWM`` in ``/proc/<pid>/status``, Linux; psutil's peak where
``/proc`` lacks it) is read, so the report names the cell that reached the peak. A hub admin's
per-learner limit is the largest peak plus the Jupyter server (also measured, ``--server``).
Solutions are included because a learner who has solved an exercise runs that code.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = ["notebooks/*.ipynb", "exercises/*.ipynb", "solutions/*.ipynb"]


def peak_rss_bytes(pid: int) -> int:
    """The peak resident set size of process ``pid`` so far (VmHWM), in bytes."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    import psutil  # not on Linux: the best psutil can tell

    info = psutil.Process(pid).memory_info()
    return getattr(info, "peak_wset", info.rss)


def _kernel_pid(client) -> int:
    provisioner = client.km.provisioner
    pid = getattr(provisioner, "pid", None) or provisioner.process.pid
    return int(pid)


def measure(path: Path, timeout: int = 600) -> dict:
    """Run ``path`` in a fresh kernel; return its peak RSS and the cell that reached it."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    after_cell: list[tuple[int, int]] = []  # (cell index, VmHWM after it)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )

    def on_cell_executed(cell, cell_index, **_):
        after_cell.append((cell_index, peak_rss_bytes(_kernel_pid(client))))

    client.on_cell_executed = on_cell_executed
    t0 = time.monotonic()
    error = None
    try:
        client.execute()
    except Exception as exc:  # report it; the measurement up to that cell still counts
        lines = [ln for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines() if ln.strip()]
        where = f"cell {after_cell[-1][0]}" if after_cell else "before the first cell"
        error = f"{type(exc).__name__} in {where}: {lines[-1] if lines else ''}"
    seconds = time.monotonic() - t0
    if not after_cell:
        return {"notebook": str(path.relative_to(REPO)), "peak_mib": None, "error": error}
    peak = max(hwm for _, hwm in after_cell)
    first_at_peak = next(index for index, hwm in after_cell if hwm == peak)
    start = after_cell[0][1]
    source = nb.cells[first_at_peak].source.strip().splitlines()
    return {
        "notebook": str(path.relative_to(REPO)),
        "peak_mib": round(peak / 2**20, 1),
        "after_first_cell_mib": round(start / 2**20, 1),
        "peak_cell": first_at_peak,
        "peak_cell_source": source[0][:100] if source else "",
        "seconds": round(seconds, 1),
        "error": error,
    }


def measure_server(seconds: float = 15.0) -> float:
    """RSS (MiB) of an idle ``jupyter lab`` server a learner's browser would talk to."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(REPO / ".jupyter-local" / "measure")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--port=0", "--ServerApp.token=measure",
         f"--ServerApp.root_dir={REPO}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        time.sleep(seconds)
        return round(peak_rss_bytes(proc.pid) / 2**20, 1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help=f"default: {' '.join(DEFAULT)}")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--server", action="store_true", help="also measure an idle JupyterLab server")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout, seconds")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = [Path(p).resolve() for p in args.notebooks] or sorted(
        p for pattern in DEFAULT for p in REPO.glob(pattern)
    )
    results = []
    for path in paths:
        row = measure(path, args.timeout)
        results.append(row)
        flag = f"  ERROR {row['error']}" if row["error"] else ""
        print(
            f"{row['notebook']:48s} peak {row['peak_mib']:>7} MiB  (cell {row.get('peak_cell')}: "
            f"{row.get('peak_cell_source', '')[:50]!r}, {row.get('seconds')} s){flag}",
            flush=True,
        )
    summary = {"results": results}
    measured = [r for r in results if r["peak_mib"] is not None]
    if measured:
        top = max(measured, key=lambda r: r["peak_mib"])
        summary["largest"] = top
        print(f"\nlargest kernel peak: {top['peak_mib']} MiB in {top['notebook']}, cell {top['peak_cell']}")
    if args.server:
        summary["jupyter_lab_server_mib"] = measure_server()
        print(f"idle JupyterLab server: {summary['jupyter_lab_server_mib']} MiB")
    summary.update(python=sys.version.split()[0], cpu_count=os.cpu_count())
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
