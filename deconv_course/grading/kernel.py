"""Run code in a fresh, limited Jupyter kernel: :class:`Kernel`, its :class:`Limits`, a :class:`CellRun`.

The kernel is ``sys.executable`` running ``kernel_side/boot.py`` (not a kernel manager) so that we
control its limits: its own session and process group (killed as a whole with SIGKILL on a
time-out), ``RLIMIT_AS`` set before ipykernel starts, one thread per math library, a private
working folder. :meth:`Kernel._launch` is the one place that starts the process.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from . import kernel_side

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
)
FATAL = ("timeout", "died", "output")  # a cell that ends like this ends the kernel too


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

    @classmethod
    def from_options(
        cls,
        cell_timeout: float | None = None,
        timeout: float | None = None,
        call_timeout: float | None = None,
        memory_mb: int | None = None,
        output_limit: int | None = None,
    ) -> Limits:
        """The limits of the command-line options (None keeps a default; ``memory_mb`` in MiB)."""
        lim = cls()
        if cell_timeout is not None:
            lim.cell_timeout = float(cell_timeout)
        if timeout is not None:
            lim.notebook_timeout = float(timeout)
        if call_timeout is not None:
            lim.call_timeout = float(call_timeout)
        if memory_mb is not None:
            lim.memory_limit = int(memory_mb) * 2**20
        if output_limit is not None:
            lim.output_limit = int(output_limit)
        return lim


@dataclass
class CellRun:
    """How one execution ended: ``status`` is ok | error | timeout | died | output."""

    status: str
    message: str = ""
    output_bytes: int = 0
    seconds: float = 0.0


class KernelDied(Exception):
    pass


def package_root() -> str:
    """The folder that holds ``deconv_course`` (put on the kernel's PYTHONPATH)."""
    import deconv_course

    return str(Path(deconv_course.__file__).resolve().parents[1])


def kernel_environment(limits: Limits, extra_env: dict | None = None) -> dict[str, str]:
    """The kernel's environment: ours, one thread per math library, the grader's flags and limits."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = "1"
    env["PYTHONPATH"] = os.pathsep.join([package_root()] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(
        {
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "DECONV_COURSE_GRADER": "1",
            "DECONV_GRADER_MEMORY_BYTES": str(int(limits.memory_limit or 0)),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "JPY_PARENT_PID": str(os.getpid()),
        }
    )
    env.update(extra_env or {})
    return env


class Kernel:
    """A fresh ipykernel in its own process group, in folder ``cwd``."""

    def __init__(self, cwd: Path, limits: Limits, extra_env: dict | None = None) -> None:
        from jupyter_client import BlockingKernelClient

        self.limits = limits
        self.conn_file = self._write_connection_file(Path(cwd).parent)
        self.log = open(Path(cwd).parent / "kernel.log", "ab")  # noqa: SIM115 (closed by kill)
        self.proc = self._launch(Path(cwd), kernel_environment(limits, extra_env), self.log)
        self.client = BlockingKernelClient()
        self.client.load_connection_file(self.conn_file)
        self.client.start_channels()
        try:
            self._wait_ready(limits.startup_timeout)
        except Exception:
            self.kill()
            raise

    @staticmethod
    def _write_connection_file(folder: Path) -> str:
        """The one place that makes the connection file (loopback TCP, a fresh random key)."""
        from jupyter_client.connect import write_connection_file

        path = str(folder / f"kernel-{os.getpid()}-{time.monotonic_ns()}.json")
        write_connection_file(path, ip="127.0.0.1", key=os.urandom(16).hex().encode())
        return path

    def _launch(self, cwd: Path, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen:
        """Start the kernel process: ``python -c <boot.py> -f CONN`` in its own session (swap for a jail here)."""
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                kernel_side.source("boot.py"),
                "-f",
                self.conn_file,
                "--HistoryManager.enabled=False",
            ],
            cwd=str(cwd),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise KernelDied("the kernel did not start")
            try:
                self.client.wait_for_ready(timeout=min(2.0, max(0.1, deadline - time.monotonic())))
                return
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
                return CellRun(
                    "timeout",
                    f"still running after {timeout:g} s; the kernel was killed",
                    nbytes,
                    now - start,
                )
            try:
                msg = self.client.get_iopub_msg(timeout=min(0.25, deadline - now + 0.01))
            except queue.Empty:
                if not self.alive():
                    return CellRun(
                        "died",
                        "the kernel died (os._exit, a crash, or out of memory)",
                        nbytes,
                        time.monotonic() - start,
                    )
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            nbytes += _output_size(kind, content)
            if kind == "error":
                error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:300]
            elif kind == "status" and content.get("execution_state") == "idle":
                status = "error" if error else "ok"
                return CellRun(status, error, nbytes, time.monotonic() - start)
            if nbytes > self.limits.output_limit:
                self.kill()
                return CellRun(
                    "output",
                    f"printed more than {self.limits.output_limit} characters; the kernel was killed",
                    nbytes,
                    time.monotonic() - start,
                )

    def kill(self) -> None:
        """SIGKILL the kernel's whole process group; close the channels, the log, the connection file."""
        steps = (
            lambda: os.killpg(self.proc.pid, signal.SIGKILL),
            self.proc.kill,
            lambda: self.proc.wait(timeout=10),
            self.client.stop_channels,
            lambda: os.unlink(self.conn_file),
            self.log.close,
        )
        for step in steps:
            with contextlib.suppress(Exception):
                step()


def _output_size(kind: str, content: dict[str, Any]) -> int:
    """Characters of output in one iopub message (streams, displays, tracebacks)."""
    if kind == "stream":
        return len(content.get("text", ""))
    if kind in ("display_data", "execute_result", "update_display_data"):
        return sum(len(str(v)) for v in content.get("data", {}).values())
    if kind == "error":
        return sum(len(line) for line in content.get("traceback", []))
    return 0
