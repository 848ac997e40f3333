"""The plain-data boundary with the kernel: inputs inside the harness cell, results from one message.

No file crosses the boundary (a kernel could replace a file by a FIFO, a link to ``/dev/zero`` or
a link to one of the grader's own files). Inputs travel as JSON inside the harness cell, arrays
as base64 ``.npy`` bytes; the harness answers with one display message of type
:data:`~.kernel_side.harness.RESULT_MIME` whose size the kernel client bounds
(:data:`MAX_RESULTS_BYTES`), and :func:`decode_results` checks its form, every string's length
and every array's size before anything is loaded (``allow_pickle=False``).
"""

from __future__ import annotations

import binascii
import json
from typing import Any

import numpy as np

from . import kernel_side
from .kernel_side.harness import RESULT_MIME, array_from_text, array_to_text
from .model import MatrixOp

MAX_RESULTS_BYTES = 48 * 2**20  # all results of one question, as sent
MAX_ARRAY_BYTES = 32 * 2**20  # one returned array, decoded
MAX_TRACEBACK_CHARS = 2000  # the student's frames of one failed call

__all__ = ["RESULT_MIME", "MAX_RESULTS_BYTES", "encode_inputs", "harness_cell", "decode_results"]


def encode_inputs(obj: Any) -> Any:
    """Arrays -> base64 ``.npy`` text; tuples and MatrixOps -> tagged JSON."""
    if isinstance(obj, MatrixOp):
        return {
            "__matrix_op__": array_to_text(obj.matrix),
            "in_shape": list(obj.in_shape),
            "out_shape": list(obj.out_shape),
        }
    if isinstance(obj, np.ndarray):
        return {"__npy__": array_to_text(obj)}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode_inputs(o) for o in obj]}
    if isinstance(obj, list):
        return [encode_inputs(o) for o in obj]
    if isinstance(obj, dict):
        return {k: encode_inputs(v) for k, v in obj.items()}
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


def spec_text(name: str, cases: list, call_timeout: float) -> str:
    """One question's call plan as JSON: the function's name, the time limit, every case's arguments."""
    spec = {
        "name": name,
        "call_timeout": call_timeout,
        "cases": [
            {"args": encode_inputs(list(c.args)), "kwargs": encode_inputs(dict(c.kwargs))} for c in cases
        ],
    }
    return json.dumps(spec)


def harness_cell(name: str, cases: list, call_timeout: float) -> str:
    """The code of one harness cell: a fresh harness namespace, the student's globals passed explicitly."""
    return (
        "import builtins as __dc_b\n"
        "__dc_ns = {'__builtins__': __dc_b, '__name__': 'deconv_grader_harness'}\n"
        f"__dc_b.exec({kernel_side.source('harness.py')!r}, __dc_ns)\n"
        f"__dc_ns['run']({spec_text(name, cases, call_timeout)!r}, __dc_b.globals())\n"
        "del __dc_ns, __dc_b\n"
    )


def _decode_array(value: Any) -> np.ndarray:
    text = value.get("__npy__") if isinstance(value, dict) else None
    if not isinstance(text, str) or len(text) > MAX_ARRAY_BYTES * 4 // 3 + 1024:
        raise ValueError("array result missing or too large")
    try:
        arr = array_from_text(text)
    except (ValueError, binascii.Error, OSError) as exc:
        raise ValueError(f"array result unreadable ({type(exc).__name__})") from None
    if arr.dtype.kind not in "biufc" or arr.nbytes > MAX_ARRAY_BYTES:
        raise ValueError("array result of the wrong kind or too large")
    return arr


def decode_results(payload: Any, n_cases: int) -> list[dict]:
    """The harness's results message -> one ``{"status", "message", "type", "value"}`` per case."""
    if not isinstance(payload, list) or len(payload) != n_cases:
        raise ValueError("the results have the wrong form")
    out = []
    for r in payload:
        if not isinstance(r, dict) or not isinstance(r.get("status"), str):
            raise ValueError("the results have the wrong form")
        status = r["status"][:40]
        entry: dict[str, Any] = {"status": status, "message": str(r.get("message", ""))[:400]}
        if isinstance(r.get("traceback"), str):  # the student's own frames (optional, bounded)
            entry["traceback"] = r["traceback"][:MAX_TRACEBACK_CHARS]
        if status == "ok":
            res = r.get("result")
            if not isinstance(res, dict) or not isinstance(res.get("type"), str):
                raise ValueError("the results have the wrong form")
            entry["type"] = res["type"][:20]
            entry["value"] = _decode_array(res.get("value")) if entry["type"] == "array" else res.get("value")
            if isinstance(entry["value"], str):
                entry["value"] = entry["value"][:2000]
        out.append(entry)
    return out
