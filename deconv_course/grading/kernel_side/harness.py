"""The code that calls a student's function inside the grading kernel.

The grader sends this file's text to the kernel for every question and runs it in a namespace of
its own, so names the student defines (or shadows: ``input``, ``sum``, ``isinstance`` ...) cannot
change it; the student's namespace is passed to :func:`run` explicitly. Only plain data crosses
the boundary, and no file does: the inputs arrive inside the harness cell as JSON (arrays as
base64 ``.npy`` bytes, loaded without pickle) and the results leave as one display message of
type :data:`RESULT_MIME`, which the grader reads with size bounds. The grader imports
:func:`plain` from here too, so ``check`` in a notebook encodes answers the same way.
"""

import base64
import io
import json
import re
import signal
import traceback
from collections.abc import Callable

import numpy as np

RESULT_MIME = "application/vnd.deconv-grader.results+json"


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


def array_to_text(arr: np.ndarray) -> str:
    """An array as base64 ``.npy`` bytes (no pickle)."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def array_from_text(text: str) -> np.ndarray:
    """The inverse of :func:`array_to_text` (``allow_pickle=False``)."""
    return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)


def decode(obj: object, make_operator: Callable | None = None) -> object:
    """Tagged JSON back to inputs: arrays, tuples, and matrices as operators.

    An operator is ``make_operator(matrix, in_shape, out_shape)`` (the grader passes its
    ``MatrixOp``); by default, in the kernel, a plain function ``x -> (M @ x.ravel()).reshape``.
    """
    if isinstance(obj, list):
        return [decode(o, make_operator) for o in obj]
    if isinstance(obj, dict):
        if "__npy__" in obj:
            return array_from_text(obj["__npy__"])
        if "__tuple__" in obj:
            return tuple(decode(o, make_operator) for o in obj["__tuple__"])
        if "__matrix_op__" in obj:
            M = array_from_text(obj["__matrix_op__"])
            if make_operator is not None:
                return make_operator(M, obj["in_shape"], obj["out_shape"])
            out_shape = tuple(obj["out_shape"])
            return lambda x, M=M, s=out_shape: (M @ np.asarray(x, float).reshape(-1)).reshape(s)
        return {k: decode(v, make_operator) for k, v in obj.items()}
    return obj


_CELL_FILE = re.compile(r"(ipykernel_\d+[/\\]\d+\.py$)|(^<ipython-input-)")
MAX_TRACEBACK_FRAMES = 5
MAX_TRACEBACK_CHARS = 1500


def student_traceback(exc: BaseException) -> str:
    """The frames of ``exc``'s traceback whose code comes from the notebook's cells (the last 5).

    One line per frame, ``cell line N: <source line>``, then the exception; bounded in length.
    Frames of the harness and of libraries are left out: the learner sees their own lines.
    """
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _CELL_FILE.search(f.filename or "")]
    except Exception:
        frames = []
    lines = [f"cell line {f.lineno}: {(f.line or '').strip()[:160]}" for f in frames[-MAX_TRACEBACK_FRAMES:]]
    lines.append(f"{type(exc).__name__}: {str(exc)[:300]}")
    return "\n".join(lines)[-MAX_TRACEBACK_CHARS:]


def _on_alarm(signum, frame):
    raise GraderTimeout()


def call_case(fn: Callable, case: dict, call_timeout: float) -> dict:
    """One call ``fn(*args, **kwargs)`` under the alarm; an array result travels as base64 ``.npy``."""
    args = decode(case["args"])
    kwargs = decode(case["kwargs"])
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, call_timeout)
    try:
        value = fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    p = plain(value)
    if p["type"] == "array":
        p = {"type": "array", "value": {"__npy__": array_to_text(p["value"])}}
    return {"status": "ok", "result": p}


def _publish(results: list) -> None:
    from IPython.display import publish_display_data

    publish_display_data({RESULT_MIME: results}, metadata={})


def run(spec_text: str, user_ns: dict, emit: Callable[[list], None] | None = None) -> list:
    """Call ``user_ns[spec["name"]]`` on every case of the JSON ``spec_text``; emit and return the results."""
    spec = json.loads(spec_text)
    fn = user_ns.get(spec["name"])
    results = []
    if fn is None or not callable(fn):
        status = "missing" if fn is None else "not callable"
        results = [{"status": status} for _ in spec["cases"]]
    else:
        timed_out = False
        for case in spec["cases"]:
            if timed_out:  # one endless call is enough: do not wait again for each case
                results.append({"status": "timeout", "message": "not run after an earlier time-out"})
                continue
            try:
                r = call_case(fn, case, spec["call_timeout"])
            except NotImplementedError:
                r = {"status": "not attempted"}
            except GraderTimeout:
                timed_out = True
                r = {"status": "timeout", "message": "took longer than {:g} s".format(spec["call_timeout"])}
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                r = {"status": "error", "message": f"{type(exc).__name__}: {str(exc)[:300]}"}
                r["traceback"] = student_traceback(exc)
            results.append(r)
    (emit or _publish)(results)
    return results
