"""Start a grading kernel: resource limits first, then ipykernel.

Run by the grader as ``python -c <this file's text> -f CONNECTION_FILE ...``. The address-space
limit comes from ``DECONV_GRADER_MEMORY_BYTES`` (0: none); core dumps are always off.
"""

import contextlib
import os
import resource


def set_limits(memory_bytes: int) -> None:
    """``RLIMIT_AS`` to ``memory_bytes`` (when positive) and no core files; silently skipped where refused."""
    if memory_bytes > 0:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    set_limits(int(os.environ.get("DECONV_GRADER_MEMORY_BYTES", "0")))
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
