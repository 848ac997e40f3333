"""Re-execute course notebooks in place and store them without volatile metadata.

    python tools/execute_notebooks.py notebooks/04_code_examples.ipynb [more.ipynb ...]
    python tools/execute_notebooks.py --strip-only notebooks/*.ipynb

Each notebook runs in a fresh kernel with its own folder as the working directory (as
nbval runs it). Afterwards every cell loses the per-cell ``execution`` timestamps that
JupyterLab and nbclient record, so re-running a notebook only changes lines that really
changed. ``tests/test_notebook_hygiene.py`` fails when a committed notebook keeps them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

VOLATILE_CELL_KEYS = ("execution",)


def strip_volatile(nb) -> int:
    """Remove per-cell timestamps from ``nb`` in place; return how many cells had them."""
    n = 0
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            if key in cell.get("metadata", {}):
                del cell["metadata"][key]
                n += 1
    return n


def execute(path: Path, timeout: int) -> float:
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    t0 = time.monotonic()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    seconds = time.monotonic() - t0
    strip_volatile(nb)
    nbformat.write(nb, str(path))
    return seconds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("--strip-only", action="store_true", help="only remove volatile metadata")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = p.parse_args(argv)
    for path in args.notebooks:
        if args.strip_only:
            nb = nbformat.read(str(path), as_version=4)
            n = strip_volatile(nb)
            if n:
                nbformat.write(nb, str(path))
            print(f"{path}: stripped {n} cells")
        else:
            print(f"{path}: executed in {execute(path, args.timeout):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
