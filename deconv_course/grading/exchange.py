"""The plain-data boundary with the kernel: inputs to files, the harness cell, results from files.

Inputs go in as ``.npy`` files and tagged JSON; results come back as ``.npy`` files (loaded with
``allow_pickle=False``) and JSON, each read with size and name checks: every file a kernel could
touch is treated as hostile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from . import kernel_side
from .model import MatrixOp

_SAFE_NAME = re.compile(r"^out_\d{1,4}\.npy$")
MAX_RESULT_JSON = 4 * 2**20
MAX_ARRAY_FILE = 64 * 2**20


def harness_cell(spec_path: str) -> str:
    """The code of one harness cell: a fresh harness namespace, the student's globals passed explicitly."""
    return (
        "import builtins as __dc_b\n"
        "__dc_ns = {'__builtins__': __dc_b, '__name__': 'deconv_grader_harness'}\n"
        f"__dc_b.exec({kernel_side.source('harness.py')!r}, __dc_ns)\n"
        f"__dc_ns['run']({spec_path!r}, __dc_b.globals())\n"
        "del __dc_ns, __dc_b\n"
    )


def encode_inputs(obj: Any, folder: Path, counter: list[int]) -> Any:
    """Arrays -> .npy files in ``folder``; tuples and MatrixOps -> tagged JSON."""
    if isinstance(obj, MatrixOp):
        counter[0] += 1
        name = f"in_{counter[0]}.npy"
        np.save(folder / name, obj.matrix, allow_pickle=False)
        return {"__matrix_op__": name, "in_shape": list(obj.in_shape), "out_shape": list(obj.out_shape)}
    if isinstance(obj, np.ndarray):
        counter[0] += 1
        name = f"in_{counter[0]}.npy"
        np.save(folder / name, obj, allow_pickle=False)
        return {"__npy__": name}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode_inputs(o, folder, counter) for o in obj]}
    if isinstance(obj, list):
        return [encode_inputs(o, folder, counter) for o in obj]
    if isinstance(obj, dict):
        return {k: encode_inputs(v, folder, counter) for k, v in obj.items()}
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    return obj


def write_spec(folder: Path, name: str, cases: list, call_timeout: float) -> Path:
    """Write one question's inputs and ``spec.json`` into ``folder``; return the spec's path."""
    counter = [0]
    spec = {
        "name": name,
        "call_timeout": call_timeout,
        "cases": [
            {
                "args": encode_inputs(list(c.args), folder, counter),
                "kwargs": encode_inputs(dict(c.kwargs), folder, counter),
            }
            for c in cases
        ],
    }
    path = folder / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def _read_array(folder: Path, res: dict) -> np.ndarray:
    name = str(res.get("file", ""))
    if not _SAFE_NAME.match(name):
        raise ValueError("bad array file name")
    apath = folder / name
    if apath.is_symlink() or not apath.is_file() or apath.stat().st_size > MAX_ARRAY_FILE:
        raise ValueError("array result missing or too large")
    return np.load(apath, allow_pickle=False)


def read_results(folder: Path, n_cases: int) -> list[dict]:
    """Read results.json written by the harness; arrays are loaded without pickle."""
    path = folder / "results.json"
    if not path.exists():
        raise ValueError("the harness wrote no results")
    if path.stat().st_size > MAX_RESULT_JSON:
        raise ValueError("the results file is too large")
    raw = json.loads(path.read_text())
    if not isinstance(raw, list) or len(raw) != n_cases:
        raise ValueError("the results file has the wrong form")
    out = []
    for r in raw:
        if not isinstance(r, dict) or not isinstance(r.get("status"), str):
            raise ValueError("the results file has the wrong form")
        status = r["status"][:40]
        entry = {"status": status, "message": str(r.get("message", ""))[:400]}
        if status == "ok":
            res = r.get("result")
            if not isinstance(res, dict) or "type" not in res:
                raise ValueError("the results file has the wrong form")
            entry["value"] = _read_array(folder, res) if res["type"] == "array" else res.get("value")
            entry["type"] = str(res["type"])
        out.append(entry)
    return out
