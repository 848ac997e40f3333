"""A bubblewrap jail for one grading kernel (Linux).

Each submission's kernel runs in its own ``bwrap`` sandbox:

* new pid, network, ipc and uts namespaces (and a new mount namespace): the kernel sees only its
  own processes, has no network but loopback, and cannot reach another kernel or the grader;
* a new session, ``--die-with-parent``, and the pid namespace's init: when the kernel is killed,
  every process it started dies with it;
* no capabilities; when the grader runs as root the kernel runs as an unprivileged uid of its own
  (``setpriv`` inside the jail, after the mounts), otherwise as the grader's uid in a user namespace;
* a cleared environment (an allow-list: ``HOME`` and ``IPYTHONDIR`` live in the jail's scratch);
* read-only binds of only what the kernel needs: ``/usr`` (the system libraries), the Python
  installation, the virtual environment and the *student-side* copy of ``deconv_course`` (no
  answer key); a size-capped tmpfs as ``/tmp`` (its working folder and HOME);
* one writable folder shared with the grader, ``/run/kernel``: the kernel's ``ipc`` sockets
  (jupyter_client's ipc transport crosses the namespaces as Unix sockets). Nothing the grader
  reads comes from files: results come back as kernel messages of bounded size.

Resource limits (address space, file size, open files, processes, CPU time) are set by the boot
script before ipykernel starts (:mod:`deconv_course.grading.kernel_side.boot`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import translate as tr

KERNEL_DIR = "/run/kernel"  # inside the jail: sockets and the connection file
PACKAGE_DIR = "/opt/deconv"  # inside the jail: the student-side package (on PYTHONPATH)
SCRATCH = "/tmp"  # inside the jail: the size-capped tmpfs
WORK_DIR = "/tmp/work"  # the kernel's working folder
HOME_DIR = "/tmp/home"

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
)
FIRST_JAIL_UID = 64000  # root grader: kernel k runs as uid FIRST_JAIL_UID + k (one per worker slot)


class JailUnavailable(RuntimeError):
    """No jail can be made here; the message says why and how to fix it."""


@dataclass
class JailSpec:
    """What one jailed kernel gets: its folders on the host and its limits."""

    kernel_dir: Path  # host folder bound at /run/kernel (written by the kernel)
    package_root: Path  # host folder holding the student-side ``deconv_course``
    scratch_bytes: int = 256 * 2**20
    uid: int | None = None  # root only: the unprivileged uid the kernel runs as
    extra_env: dict = field(default_factory=dict)


def _bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=1)
def jail_problem() -> str | None:
    """``None`` when a jail can be made here, else why not and how to fix it."""
    if not sys.platform.startswith("linux"):
        return tr(
            "the grader's jail needs Linux (this is {platform}); grade on Linux, "
            "or pass --no-sandbox to run student code unjailed",
            platform=sys.platform,
        )
    bwrap = _bwrap()
    if bwrap is None:
        return tr(
            "bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt-get install "
            "bubblewrap; Fedora: dnf install bubblewrap), or pass --no-sandbox to run student "
            "code unjailed"
        )
    probe = [
        bwrap,
        *_namespace_args(),
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--",
        "/bin/true",
    ]
    try:
        res = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return tr("bwrap could not run ({error})", error=f"{type(exc).__name__}: {exc}")
    if res.returncode != 0:
        why = (res.stderr or "").strip().splitlines()[-1:] or ["no message"]
        return tr(
            "bwrap cannot create namespaces here ({why}); enable unprivileged user namespaces "
            "(sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces>0), run the "
            "grader as root, or pass --no-sandbox to run student code unjailed",
            why=why[0],
        )
    return None


def as_root() -> bool:
    """Is the grader running as root (then it drops each kernel to a uid of its own)?"""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _namespace_args() -> list[str]:
    common = [
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
    ]
    if as_root():
        # root sets up the mounts itself, then `setpriv` drops to an unprivileged uid: keep only the
        # two capabilities that need (they vanish with the uid change and no_new_privs).
        return common + [
            "--cap-drop",
            "ALL",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "--cap-add",
            "CAP_SETPCAP",
        ]
    return ["--unshare-user", *common, "--cap-drop", "ALL"]


def _roots_to_bind() -> list[Path]:
    """The Python installation and the virtual environment (real paths, deduplicated)."""
    roots: list[Path] = []
    for p in {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix}:
        for q in (Path(p), Path(p).resolve()):
            if str(q).startswith("/usr/") or q == Path("/usr"):
                continue
            if q.exists() and not any(q == r or r in q.parents for r in roots):
                roots = [r for r in roots if q not in r.parents] + [q]
    return sorted(roots)


def _dirs_for(path: Path, made: set[str]) -> list[str]:
    """``--dir`` arguments (mode 0755) for the parents of a bind target bwrap would make 0700."""
    out = []
    for parent in reversed(path.parents):
        s = str(parent)
        if s == "/" or s in made:
            continue
        made.add(s)
        out += ["--perms", "0755", "--dir", s]
    return out


def installed_package_dir() -> Path:
    """Where ``deconv_course`` is imported from in this (the grader's) process."""
    import deconv_course

    return Path(deconv_course.__file__).resolve().parent


def jail_argv(spec: JailSpec, kernel_argv: list[str]) -> list[str]:
    """The full ``bwrap ... -- [setpriv ...] python ...`` command for one kernel."""
    bwrap = _bwrap()
    if bwrap is None:
        raise JailUnavailable(jail_problem() or "bwrap not found")
    args = [bwrap, *_namespace_args()]
    made: set[str] = {SCRATCH}
    # the scratch tmpfs first: a bind below /tmp (a venv or a checkout there) then lands on top of it
    args += ["--size", str(int(spec.scratch_bytes)), "--perms", "1777", "--tmpfs", SCRATCH]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/fonts"):
        args += ["--ro-bind-try", etc, etc]
    for root in _roots_to_bind():
        args += _dirs_for(root, made) + ["--ro-bind", str(root), str(root)]
    # an installed (non-editable) course package inside a bound prefix would carry the answer key:
    # cover it with the student-side copy
    real_pkg = installed_package_dir()
    student_pkg = spec.package_root / "deconv_course"
    if any(r == real_pkg or r in real_pkg.parents for r in _roots_to_bind()):
        args += ["--ro-bind", str(student_pkg), str(real_pkg)]
    args += _dirs_for(Path(PACKAGE_DIR) / "x", made) + ["--ro-bind", str(spec.package_root), PACKAGE_DIR]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "0777", "--dir", WORK_DIR, "--perms", "0777", "--dir", HOME_DIR]
    args += _dirs_for(Path(KERNEL_DIR), made) + ["--bind", str(spec.kernel_dir), KERNEL_DIR]
    args += ["--clearenv"]
    for key, value in kernel_env(spec).items():
        args += ["--setenv", key, value]
    args += ["--chdir", WORK_DIR, "--"]
    if as_root():
        uid = FIRST_JAIL_UID if spec.uid is None else int(spec.uid)
        args += [
            shutil.which("setpriv") or "/usr/bin/setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    return args + kernel_argv


def kernel_env(spec: JailSpec) -> dict[str, str]:
    """The kernel's whole environment: an allow-list, nothing inherited."""
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME_DIR,
        "IPYTHONDIR": f"{HOME_DIR}/.ipython",
        "MPLCONFIGDIR": f"{HOME_DIR}/.config/matplotlib",
        "XDG_CACHE_HOME": f"{HOME_DIR}/.cache",
        "JUPYTER_RUNTIME_DIR": f"{HOME_DIR}/.jupyter",
        "TMPDIR": SCRATCH,
        "PYTHONPATH": PACKAGE_DIR,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "USER": "student",
        "LOGNAME": "student",
        "DECONV_COURSE_GRADER": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    env.update({var: "1" for var in THREAD_VARS})
    env.update({str(k): str(v) for k, v in spec.extra_env.items()})
    return env


def prepare_kernel_dir(path: Path, uid: int | None) -> None:
    """The host folder bound at /run/kernel (made here unless it is a fresh ``mkdtemp``): the jailed uid's only."""
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    if as_root() and uid is not None:
        os.chown(path, uid, uid)


# ---------------------------------------------------------------------------------------------
# the student-side package: what a jailed kernel may import
# ---------------------------------------------------------------------------------------------
ANSWER_KEY = ("grading/questions",)  # references, hidden-case generators, quiz answers


def _ignore_answer_key(src_root: Path):
    def ignore(folder: str, names: list[str]) -> list[str]:
        rel = Path(folder).resolve().relative_to(src_root).as_posix()
        out = [n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))]
        out += [n for n in names if f"{rel}/{n}".lstrip("./") in ANSWER_KEY]
        return out

    return ignore


def copy_student_package(dest_root: Path) -> Path:
    """Copy ``deconv_course`` without its answer key into ``dest_root``; return ``dest_root``.

    Everything a lesson or an exercise imports is there (``numpy_ops``, ``restoration``, ``check``
    ...); ``deconv_course.grading.questions`` (the references, the hidden-case generators and the
    quiz answers) is not. Files are world-readable, folders world-traversable, nothing writable.
    """
    src = installed_package_dir()
    dest = Path(dest_root) / "deconv_course"
    shutil.copytree(src, dest, ignore=_ignore_answer_key(src))
    for folder, _dirs, files in os.walk(dest_root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return Path(dest_root)
