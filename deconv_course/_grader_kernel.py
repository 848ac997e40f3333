"""Run one notebook in a fresh, limited Jupyter kernel and call its functions on given inputs.

Private module of :mod:`deconv_course.grading`. The kernel is ``sys.executable -m ipykernel``
started by us (not by a kernel manager) so that we control its limits: its own session and
process group (killed as a whole with SIGKILL on a time-out), ``RLIMIT_AS`` set before
ipykernel starts, one thread per math library, a private working folder.

Only plain data crosses the boundary: inputs go in as ``.npy`` files and JSON, results come
back as ``.npy`` files (loaded with ``allow_pickle=False``) and JSON. The code that calls the
student's functions (:data:`HARNESS_SRC`) is sent afresh for every question and needs nothing
from the student's namespace except the function itself.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------------------------------------
# The code that runs inside the kernel (and, via exec, inside `check` for the same encoding).
# It is exec'd in a namespace of its own, so names the student defines (or shadows: `input`,
# `sum`, `isinstance` ...) cannot change it; the student's namespace is passed in explicitly.
# ---------------------------------------------------------------------------------------------
HARNESS_SRC = r'''
def __deconv_grader_harness():
    import json as _json
    import os as _os
    import signal as _signal
    import numpy as _np

    class _GraderTimeout(BaseException):
        pass

    def plain(value, max_bytes=64 * 2**20):
        """Turn a return value into plain data: {"type": ..., "value": ...}."""
        if isinstance(value, (bool, _np.bool_)):
            return {"type": "bool", "value": bool(value)}
        if isinstance(value, str):
            return {"type": "str", "value": value[:2000]}
        if isinstance(value, dict):
            out = {}
            for k, v in list(value.items())[:200]:
                if isinstance(v, (bool, _np.bool_)):
                    v = bool(v)
                elif isinstance(v, (int, _np.integer)):
                    v = int(v)
                elif isinstance(v, (float, _np.floating)):
                    v = float(v)
                elif not isinstance(v, str):
                    v = repr(type(v).__name__)
                out[str(k)[:200]] = v[:2000] if isinstance(v, str) else v
            return {"type": "dict", "value": out}
        if isinstance(value, (int, _np.integer)):
            return {"type": "int", "value": int(value)}
        if isinstance(value, float):
            return {"type": "float", "value": float(value)}
        if value is None:
            return {"type": "none", "value": None}
        if type(value).__module__.split(".")[0] == "torch":
            value = value.detach().cpu().numpy()
        arr = _np.asarray(value)
        if arr.dtype.kind not in "biufc":
            raise TypeError("returned a %s, not an array of numbers" % type(value).__name__)
        if arr.nbytes > max_bytes:
            raise ValueError("returned an array of %d bytes, more than allowed" % arr.nbytes)
        return {"type": "array", "value": _np.array(arr)}

    def decode(obj, folder):
        if isinstance(obj, list):
            return [decode(o, folder) for o in obj]
        if isinstance(obj, dict):
            if "__npy__" in obj:
                return _np.load(_os.path.join(folder, obj["__npy__"]), allow_pickle=False)
            if "__tuple__" in obj:
                return tuple(decode(o, folder) for o in obj["__tuple__"])
            if "__matrix_op__" in obj:
                M = _np.load(_os.path.join(folder, obj["__matrix_op__"]), allow_pickle=False)
                out_shape = tuple(obj["out_shape"])
                return lambda x, M=M, s=out_shape: (M @ _np.asarray(x, float).reshape(-1)).reshape(s)
            return {k: decode(v, folder) for k, v in obj.items()}
        return obj

    def on_alarm(signum, frame):
        raise _GraderTimeout()

    def run(spec_path, user_ns):
        folder = _os.path.dirname(spec_path)
        with open(spec_path) as f:
            spec = _json.load(f)
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
                r = {"status": "ok"}
                try:
                    args = decode(case["args"], folder)
                    kwargs = decode(case["kwargs"], folder)
                    _signal.signal(_signal.SIGALRM, on_alarm)
                    _signal.setitimer(_signal.ITIMER_REAL, spec["call_timeout"])
                    try:
                        value = fn(*args, **kwargs)
                    finally:
                        _signal.setitimer(_signal.ITIMER_REAL, 0)
                    p = plain(value)
                    if p["type"] == "array":
                        name = "out_%d.npy" % i
                        _np.save(_os.path.join(folder, name), p["value"], allow_pickle=False)
                        p = {"type": "array", "file": name}
                    r["result"] = p
                except NotImplementedError:
                    r = {"status": "not attempted"}
                except _GraderTimeout:
                    timed_out = True
                    r = {"status": "timeout", "message": "took longer than %g s" % spec["call_timeout"]}
                except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                    r = {"status": "error", "message": "%s: %s" % (type(exc).__name__, str(exc)[:300])}
                results.append(r)
        tmp = _os.path.join(folder, "results.json.part")
        with open(tmp, "w") as f:
            _json.dump(results, f)
        _os.replace(tmp, _os.path.join(folder, "results.json"))

    return plain, run
'''

def harness_cell(spec_path: str) -> str:
    """The code of one harness cell: fresh harness, student's globals passed explicitly."""
    return ("import builtins as __dc_b\n"
            "__dc_ns = {'__builtins__': __dc_b, '__name__': 'deconv_grader_harness'}\n"
            f"__dc_b.exec({HARNESS_SRC!r}, __dc_ns)\n"
            f"__dc_ns['__deconv_grader_harness']()[1]({spec_path!r}, __dc_b.globals())\n"
            "del __dc_ns, __dc_b\n")


# Started as `python -c BOOT -f connection_file`: limits first, then ipykernel.
BOOT = r'''
import os, resource, sys
mem = int(os.environ.get("DECONV_GRADER_MEMORY_BYTES", "0"))
if mem > 0:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    except (ValueError, OSError):
        pass
try:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
except (ValueError, OSError):
    pass
from ipykernel import kernelapp
kernelapp.launch_new_instance()
'''

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")


@dataclass
class Limits:
    """Limits for one submission. Times in seconds, sizes in bytes."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 300.0
    call_timeout: float = 20.0  # the first call may import SciPy or torch
    output_limit: int = 1_000_000
    memory_limit: int = 4 * 2**30
    startup_timeout: float = 60.0
    max_restarts: int = 3


@dataclass
class CellRun:
    status: str  # ok | error | timeout | died | output | deadline
    message: str = ""
    output_bytes: int = 0
    seconds: float = 0.0


class KernelDied(Exception):
    pass


class Kernel:
    """A fresh ipykernel in its own process group, in folder ``cwd``."""

    def __init__(self, cwd: Path, limits: Limits, extra_env: dict | None = None):
        from jupyter_client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        self.limits = limits
        self.conn_file = str(Path(cwd).parent / f"kernel-{os.getpid()}-{time.monotonic_ns()}.json")
        write_connection_file(self.conn_file, ip="127.0.0.1", key=os.urandom(16).hex().encode())
        env = dict(os.environ)
        for var in THREAD_VARS:
            env[var] = "1"
        package_root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in [env.get("PYTHONPATH")] if p])
        env.update({"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "DECONV_COURSE_GRADER": "1",
                    "DECONV_GRADER_MEMORY_BYTES": str(int(limits.memory_limit or 0)),
                    "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JPY_PARENT_PID": str(os.getpid())})
        env.update(extra_env or {})
        self.log = open(Path(cwd).parent / "kernel.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, "-f", self.conn_file, "--HistoryManager.enabled=False"],
            cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            start_new_session=True)
        self.client = BlockingKernelClient()
        self.client.load_connection_file(self.conn_file)
        self.client.start_channels()
        try:
            self._wait_ready(limits.startup_timeout)
        except Exception:
            self.kill()
            raise

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise KernelDied("the kernel did not start")
            try:
                self.client.wait_for_ready(timeout=min(2.0, max(0.1, deadline - time.monotonic())))
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
            except Exception:
                if time.monotonic() > deadline:
                    raise

    def alive(self) -> bool:
        return self.proc.poll() is None

    def execute(self, code: str, timeout: float) -> CellRun:
        """Run ``code``; wait at most ``timeout`` s; kill the kernel on time-out or output flood."""
        start = time.monotonic()
        if not self.alive():
            return CellRun("died", "the kernel had already exited")
        msg_id = self.client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline = start + max(0.1, timeout)
        nbytes = 0
        error = ""
        while True:
            now = time.monotonic()
            if now > deadline:
                self.kill()
                return CellRun("timeout", f"still running after {timeout:g} s; the kernel was killed",
                               nbytes, now - start)
            try:
                msg = self.client.get_iopub_msg(timeout=min(0.25, deadline - now + 0.01))
            except queue.Empty:
                if not self.alive():
                    return CellRun("died", "the kernel died (os._exit, a crash, or out of memory)",
                                   nbytes, time.monotonic() - start)
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            content = msg["content"]
            if kind == "stream":
                nbytes += len(content.get("text", ""))
            elif kind in ("display_data", "execute_result", "update_display_data"):
                nbytes += sum(len(str(v)) for v in content.get("data", {}).values())
            elif kind == "error":
                nbytes += sum(len(line) for line in content.get("traceback", []))
                error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:300]
            elif kind == "status" and content.get("execution_state") == "idle":
                status = "error" if error else "ok"
                return CellRun(status, error, nbytes, time.monotonic() - start)
            if nbytes > self.limits.output_limit:
                self.kill()
                return CellRun("output", f"printed more than {self.limits.output_limit} characters; "
                                         "the kernel was killed", nbytes, time.monotonic() - start)

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            self.client.stop_channels()
        except Exception:
            pass
        try:
            os.unlink(self.conn_file)
        except OSError:
            pass
        try:
            self.log.close()
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------
# encoding inputs, decoding outputs
# ---------------------------------------------------------------------------------------------
_SAFE_NAME = re.compile(r"^out_\d{1,4}\.npy$")
MAX_RESULT_JSON = 4 * 2**20
MAX_ARRAY_FILE = 64 * 2**20


def encode_inputs(obj, folder: Path, counter: list):
    """Arrays -> .npy files in ``folder``; tuples and MatrixOps -> tagged JSON."""
    from ._grader_questions import MatrixOp

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
        message = str(r.get("message", ""))[:400]
        entry = {"status": status, "message": message}
        if status == "ok":
            res = r.get("result")
            if not isinstance(res, dict) or "type" not in res:
                raise ValueError("the results file has the wrong form")
            if res["type"] == "array":
                name = str(res.get("file", ""))
                if not _SAFE_NAME.match(name):
                    raise ValueError("bad array file name")
                apath = folder / name
                if apath.is_symlink() or not apath.is_file() or apath.stat().st_size > MAX_ARRAY_FILE:
                    raise ValueError("array result missing or too large")
                entry["value"] = np.load(apath, allow_pickle=False)
            else:
                entry["value"] = res.get("value")
            entry["type"] = str(res["type"])
        out.append(entry)
    return out
