"""Start a grading kernel: resource limits first, then ipykernel.

Run by the grader as ``python -c <this file's text> -f CONNECTION_FILE ...`` (inside the jail when
there is one). The limits come from environment variables set by the grader (0 or unset: none):
``DECONV_GRADER_MEMORY_BYTES`` (address space), ``DECONV_GRADER_FSIZE_BYTES`` (largest file),
``DECONV_GRADER_NOFILE`` (open files), ``DECONV_GRADER_NPROC`` (processes of this uid) and
``DECONV_GRADER_CPU_SECONDS`` (CPU time); core dumps are always off.
"""

import contextlib
import os
import resource

LIMITS = {
    "DECONV_GRADER_MEMORY_BYTES": "RLIMIT_AS",
    "DECONV_GRADER_FSIZE_BYTES": "RLIMIT_FSIZE",
    "DECONV_GRADER_NOFILE": "RLIMIT_NOFILE",
    "DECONV_GRADER_NPROC": "RLIMIT_NPROC",
    "DECONV_GRADER_CPU_SECONDS": "RLIMIT_CPU",
}


def _set(name: str, value: int) -> None:
    limit = getattr(resource, name, None)
    if limit is not None and value > 0:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (value, value))


def set_limits(memory_bytes: int, **others: int) -> None:
    """``RLIMIT_AS`` to ``memory_bytes`` and each ``RLIMIT_<NAME>=value`` of ``others`` (when positive);
    no core files; a limit the system refuses is skipped."""
    _set("RLIMIT_AS", memory_bytes)
    for name, value in others.items():
        _set(name, value)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    values = {LIMITS[var]: int(os.environ.get(var, "0") or 0) for var in LIMITS}
    set_limits(values.pop("RLIMIT_AS"), **values)
    from ipykernel import iostream, kernelapp

    # flush printed output often, so that a flood arrives as many small messages that the grader
    # counts (and stops at its output limit), not as one message above the size it accepts
    iostream.OutStream.flush_interval = 0.02

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
