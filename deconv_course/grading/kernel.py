"""Run code in a fresh, limited Jupyter kernel: :class:`Kernel`, its :class:`Limits`, a :class:`CellRun`.

The kernel is ``sys.executable`` running ``kernel_side/boot.py`` (not a kernel manager) so that we
control its limits: resource limits set before ipykernel starts (address space, file size, open
files, processes, CPU time), one thread per math library, its own session (killed as a whole with
SIGKILL on a time-out). With a :class:`Sandbox` that has a student-side package, the kernel runs
in a bubblewrap jail (:mod:`.jail`) and its channels cross the namespaces with jupyter_client's
``ipc`` transport; without one (``--no-sandbox``, or ``validate`` of a learner's own notebook) it
runs as this user on loopback TCP with a scrubbed environment. Either way every message the
client accepts is bounded in size, and results come back as one message
(:data:`~.kernel_side.harness.RESULT_MIME`), never as a file. :meth:`Kernel._launch` is the one
place that starts the process.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import jail, kernel_side
from .kernel_side.harness import RESULT_MIME

THREAD_VARS = jail.THREAD_VARS  # one thread per math library, jailed or not
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
    file_size_limit: int = 128 * 2**20  # RLIMIT_FSIZE: the largest file a kernel may write
    open_files: int = 512  # RLIMIT_NOFILE
    processes: int = 256  # RLIMIT_NPROC (jailed as root only: each kernel has a uid of its own)
    scratch_bytes: int = 512 * 2**20  # the jail's /tmp
    message_limit: int = 64 * 2**20  # the largest message the client accepts from a kernel

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
    """How one execution ended: ``status`` is ok | error | timeout | died | output.

    ``results`` holds the payloads of the harness's results messages sent during this execution.
    """

    status: str
    message: str = ""
    output_bytes: int = 0
    seconds: float = 0.0
    results: list = field(default_factory=list)


@dataclass(frozen=True)
class Sandbox:
    """How a kernel is confined: jailed with the student-side package in ``package_root``, or not.

    ``uid`` is the unprivileged uid of a jailed kernel when the grader runs as root.
    """

    package_root: Path | None = None
    uid: int | None = None

    @property
    def jailed(self) -> bool:
        return self.package_root is not None


class KernelDied(Exception):
    pass


def package_root() -> str:
    """The folder that holds ``deconv_course`` (put on the kernel's PYTHONPATH)."""
    import deconv_course

    return str(Path(deconv_course.__file__).resolve().parents[1])


# never handed to a kernel, even an unjailed one
PRIVATE_ENV = ("DECONV_GRADER_SECRET", "JPY_PARENT_PID", "JPY_SESSION_NAME", "JUPYTER_TOKEN")


def limit_environment(limits: Limits, *, processes: bool) -> dict[str, str]:
    """The variables ``kernel_side/boot.py`` reads its resource limits from (0: no limit)."""
    return {
        "DECONV_GRADER_MEMORY_BYTES": str(int(limits.memory_limit or 0)),
        "DECONV_GRADER_FSIZE_BYTES": str(int(limits.file_size_limit or 0)),
        "DECONV_GRADER_NOFILE": str(int(limits.open_files or 0)),
        "DECONV_GRADER_NPROC": str(int(limits.processes or 0) if processes else 0),
        "DECONV_GRADER_CPU_SECONDS": str(int(limits.notebook_timeout + limits.startup_timeout)),
    }


def kernel_environment(limits: Limits, extra_env: dict | None = None) -> dict[str, str]:
    """An unjailed kernel's environment: ours without secrets, one thread per library, the limits."""
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
    for var in THREAD_VARS:
        env[var] = "1"
    env["PYTHONPATH"] = os.pathsep.join([package_root()] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(
        {
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "DECONV_COURSE_GRADER": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    env.update(limit_environment(limits, processes=False))
    env.update(extra_env or {})
    return env


class Kernel:
    """A fresh ipykernel in its own session, working in folder ``cwd``; jailed when ``sandbox`` says so."""

    def __init__(
        self, cwd: Path, limits: Limits, sandbox: Sandbox | None = None, extra_env: dict | None = None
    ) -> None:
        import zmq
        from jupyter_client import BlockingKernelClient

        self.limits = limits
        self.sandbox = sandbox or Sandbox()
        self.kernel_dir: Path | None = None  # a jailed kernel's /run/kernel on the host
        folder = Path(cwd).parent
        self.log = open(folder / "kernel.log", "ab")  # noqa: SIM115 (closed by kill)
        if self.sandbox.jailed:
            client_info, argv = self._jailed(folder, extra_env)
            self.proc = self._launch(argv, None, None, self.log)
        else:
            client_info = self._connection_info("tcp", "127.0.0.1")
            argv = self._kernel_argv(self._write_connection_file(folder, client_info))
            self.proc = self._launch(argv, Path(cwd), kernel_environment(limits, extra_env), self.log)
        # a kernel may send anything: the client refuses (and drops) any message above the limit
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, int(limits.message_limit))
        self.client = BlockingKernelClient(context=self.context)
        self.client.load_connection_info(client_info)
        self.client.start_channels()
        try:
            self._wait_ready(limits.startup_timeout)
        except Exception:
            self.kill()
            raise

    @staticmethod
    def _connection_info(transport: str, ip: str) -> dict:
        """Fresh connection details: a random key; ports (``ipc``: socket name suffixes) chosen here."""
        from jupyter_client.connect import write_connection_file

        if transport == "ipc":
            ports = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5)
            return dict(
                ports, transport="ipc", ip=ip, key=os.urandom(16).hex(), signature_scheme="hmac-sha256"
            )
        # TCP: let jupyter_client pick free loopback ports, then read them back

        with tempfile.TemporaryDirectory() as tmp:
            fname, info = write_connection_file(
                str(Path(tmp) / "c.json"), ip=ip, key=os.urandom(16).hex().encode()
            )
        info = dict(info)
        info["key"] = info["key"].decode() if isinstance(info["key"], bytes) else info["key"]
        return info

    @staticmethod
    def _write_connection_file(folder: Path, info: dict) -> str:
        """The one place that writes a connection file for a kernel to read."""

        path = folder / f"kernel-{os.getpid()}-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(info))
        return str(path)

    @staticmethod
    def _kernel_argv(conn_file: str) -> list[str]:
        return [
            sys.executable,
            "-c",
            kernel_side.source("boot.py"),
            "-f",
            conn_file,
            "--HistoryManager.enabled=False",
        ]

    def _jailed(self, folder: Path, extra_env: dict | None) -> tuple[dict, list[str]]:
        """The client's connection details and the bwrap command of a jailed kernel."""
        # one per start; a Unix socket's path must stay under ~100 bytes, so not below a deep $TMPDIR
        base = folder if len(str(folder)) < 60 else Path("/tmp")
        kdir = Path(tempfile.mkdtemp(prefix="dck-", dir=base))
        jail.prepare_kernel_dir(kdir, self.sandbox.uid)
        self.kernel_dir = kdir
        inside = self._connection_info("ipc", f"{jail.KERNEL_DIR}/k")
        conn = kdir / "connection.json"
        conn.write_text(json.dumps(inside))
        if self.sandbox.uid is not None and jail.as_root():
            os.chown(conn, self.sandbox.uid, self.sandbox.uid)
        env = limit_environment(self.limits, processes=jail.as_root())
        env.update(extra_env or {})
        spec = jail.JailSpec(
            kernel_dir=kdir,
            package_root=self.sandbox.package_root,
            scratch_bytes=self.limits.scratch_bytes,
            uid=self.sandbox.uid,
            extra_env=env,
        )
        argv = jail.jail_argv(spec, self._kernel_argv(f"{jail.KERNEL_DIR}/connection.json"))
        return dict(inside, ip=str(kdir / "k")), argv

    def _launch(
        self, argv: list[str], cwd: Path | None, env: dict[str, str] | None, log: IO[bytes]
    ) -> subprocess.Popen:
        """Start the kernel process (``python -c <boot.py> -f CONN``, or bwrap around it) in its own session."""
        return subprocess.Popen(
            argv,
            cwd=str(cwd) if cwd else None,
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
        results: list = []
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
            except Exception as exc:  # a message that cannot be decoded (too deep, malformed...)
                self.kill()
                return CellRun(
                    "died",
                    f"the kernel sent a message the grader cannot read ({type(exc).__name__}); "
                    "the kernel was killed",
                    nbytes,
                    time.monotonic() - start,
                )
            if not isinstance(msg, dict) or not isinstance(msg.get("content"), dict):
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data" and RESULT_MIME in content.get("data", {}):
                results.append(content["data"][RESULT_MIME])  # bounded by the message limit
                continue
            nbytes += _output_size(kind, content)
            if kind == "error":
                error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:300]
            elif kind == "status" and content.get("execution_state") == "idle":
                status = "error" if error else "ok"
                return CellRun(status, error, nbytes, time.monotonic() - start, results)
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
            lambda: self.context.destroy(linger=0),
            self.log.close,
            lambda: self.kernel_dir and shutil.rmtree(self.kernel_dir, ignore_errors=True),
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
