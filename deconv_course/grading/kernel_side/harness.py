"""The code that calls a student's function inside the grading kernel.

The grader sends this file's text to the kernel for every question and runs it in a namespace of
its own, so names the student defines (or shadows: ``input``, ``sum``, ``isinstance`` ...) cannot
change it; the student's namespace is passed to :func:`run` explicitly. Only plain data crosses
the boundary: inputs arrive as ``.npy`` files and JSON, results leave the same way. The grader
imports :func:`plain` from here too, so ``check`` in a notebook encodes answers the same way.
"""

import json
import os
import signal
from collections.abc import Callable

import numpy as np


class GraderTimeout(BaseException):
    """Raised by the alarm when one call runs longer than the call time limit."""


def plain(value: object, max_bytes: int = 64 * 2**20) -> dict:
    """Turn a return value into plain data: ``{"type": ..., "value": ...}`` (arrays copied)."""
    if isinstance(value, (bool, np.bool_)):
        return {"type": "bool", "value": bool(value)}
    if isinstance(value, str):
        return {"type": "str", "value": value[:2000]}
    if isinstance(value, dict):
        out = {}
        for k, v in list(value.items())[:200]:
            if isinstance(v, (bool, np.bool_)):
                v = bool(v)
            elif isinstance(v, (int, np.integer)):
                v = int(v)
            elif isinstance(v, (float, np.floating)):
                v = float(v)
            elif not isinstance(v, str):
                v = repr(type(v).__name__)
            out[str(k)[:200]] = v[:2000] if isinstance(v, str) else v
        return {"type": "dict", "value": out}
    if isinstance(value, (int, np.integer)):
        return {"type": "int", "value": int(value)}
    if isinstance(value, float):
        return {"type": "float", "value": float(value)}
    if value is None:
        return {"type": "none", "value": None}
    if type(value).__module__.split(".")[0] == "torch":
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"returned a {type(value).__name__}, not an array of numbers")
    if arr.nbytes > max_bytes:
        raise ValueError(f"returned an array of {arr.nbytes} bytes, more than allowed")
    return {"type": "array", "value": np.array(arr)}


def decode(obj: object, folder: str) -> object:
    """Tagged JSON back to inputs: ``.npy`` files, tuples, and matrices as callables."""
    if isinstance(obj, list):
        return [decode(o, folder) for o in obj]
    if isinstance(obj, dict):
        if "__npy__" in obj:
            return np.load(os.path.join(folder, obj["__npy__"]), allow_pickle=False)
        if "__tuple__" in obj:
            return tuple(decode(o, folder) for o in obj["__tuple__"])
        if "__matrix_op__" in obj:
            M = np.load(os.path.join(folder, obj["__matrix_op__"]), allow_pickle=False)
            out_shape = tuple(obj["out_shape"])
            return lambda x, M=M, s=out_shape: (M @ np.asarray(x, float).reshape(-1)).reshape(s)
        return {k: decode(v, folder) for k, v in obj.items()}
    return obj


def _on_alarm(signum, frame):
    raise GraderTimeout()


def call_case(fn: Callable, case: dict, folder: str, index: int, call_timeout: float) -> dict:
    """One call ``fn(*args, **kwargs)`` under the alarm; an array result is saved as ``out_<index>.npy``."""
    args = decode(case["args"], folder)
    kwargs = decode(case["kwargs"], folder)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, call_timeout)
    try:
        value = fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    p = plain(value)
    if p["type"] == "array":
        name = f"out_{index}.npy"
        np.save(os.path.join(folder, name), p["value"], allow_pickle=False)
        p = {"type": "array", "file": name}
    return {"status": "ok", "result": p}


def run(spec_path: str, user_ns: dict) -> None:
    """Call ``user_ns[spec["name"]]`` on every case of ``spec_path``; write ``results.json`` beside it."""
    folder = os.path.dirname(spec_path)
    with open(spec_path) as f:
        spec = json.load(f)
    fn = user_ns.get(spec["name"])
    results = []
    if fn is None or not callable(fn):
        status = "missing" if fn is None else "not callable"
        results = [{"status": status} for _ in spec["cases"]]
    else:
        timed_out = False
        for i, case in enumerate(spec["cases"]):
            if timed_out:  # one endless call is enough: do not wait again for each case
                results.append({"status": "timeout", "message": "not run after an earlier time-out"})
                continue
            try:
                r = call_case(fn, case, folder, i, spec["call_timeout"])
            except NotImplementedError:
                r = {"status": "not attempted"}
            except GraderTimeout:
                timed_out = True
                r = {"status": "timeout", "message": "took longer than {:g} s".format(spec["call_timeout"])}
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                r = {"status": "error", "message": f"{type(exc).__name__}: {str(exc)[:300]}"}
            results.append(r)
    tmp = os.path.join(folder, "results.json.part")
    with open(tmp, "w") as f:
        json.dump(results, f)
    os.replace(tmp, os.path.join(folder, "results.json"))
