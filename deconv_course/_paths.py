"""Where the course is: the checkout the package runs from, or the folder a command works on.

At the ground of the package (standard library only), so that ``cli``, ``grading.release`` and
``workspace`` share one rule without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

from .i18n import translate as tr

COURSE_ROOT = Path(__file__).resolve().parents[1]


class CourseDirError(Exception):
    """No course folder (a clone with notebooks/, benchmarks/, …) was given or found."""


def checkout_root() -> Path | None:
    """The checkout the package runs from (an editable install), or None for a wheel install.

    A checkout is the folder above the package holding ``pyproject.toml`` and ``notebooks/``.
    """
    root = COURSE_ROOT
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def course_dir(
    explicit: str | os.PathLike[str] | None = None, *, needs: str = "notebooks", command: str = "lab"
) -> Path:
    """The course folder a command works on: it must hold the subfolder ``needs``.

    ``explicit`` (the ``--course-dir`` option) wins; else the checkout the package runs from;
    else the current folder. Raises :class:`CourseDirError`, with a message naming
    ``--course-dir``, when none of them holds ``needs/`` (e.g. a wheel installed into a venv,
    run from an unrelated folder).
    """
    if explicit is not None:
        folder = Path(explicit).expanduser().resolve()
        if not (folder / needs).is_dir():
            raise CourseDirError(
                tr(
                    "deconv-course {command} --course-dir {folder}: that folder has no {needs}/; "
                    "pass the folder of a clone of the course (it holds notebooks/ and benchmarks/)",
                    command=command,
                    folder=folder,
                    needs=needs,
                )
            )
        return folder
    checkout = checkout_root()
    if checkout is not None and (checkout / needs).is_dir():
        return checkout
    here = Path.cwd()
    if (here / needs).is_dir():
        return here
    raise CourseDirError(
        tr(
            "deconv-course {command} needs the course's {needs}/ folder: the package is installed at "
            "{package}, outside a checkout, and the current folder {here} "
            "has no {needs}/. Pass --course-dir DIR (a clone of the course), or run it from that folder.",
            command=command,
            needs=needs,
            package=Path(__file__).resolve().parent,
            here=here,
        )
    )
