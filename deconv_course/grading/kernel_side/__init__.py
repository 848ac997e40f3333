"""Code that runs inside the grading kernel, shipped as package data and sent to the kernel as text.

``harness.py`` calls the student's function on decoded inputs and writes the results; ``boot.py``
sets resource limits and starts ipykernel. Nothing here imports the rest of ``deconv_course``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def source(name: str) -> str:
    """The text of ``name`` (``"harness.py"`` or ``"boot.py"``), read from the installed package."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
