"""Interactive explorers: one function call in a notebook cell gives one widget.

Each explorer is a thin :class:`Explorer` (an ``ipywidgets.VBox``) around a pure
function defined here (``kernel_demo``, ``arithmetic_demo``, ``checkerboard_demo``,
``restoration_demo``), which in turn only calls ``numpy_ops``, ``restoration``,
``arithmetic`` and ``plotting``. The pure functions are tested on their own; the
explorers are tested by setting control values and reading ``explorer.state``.

    >>> from deconv_course.widgets import arithmetic_explorer
    >>> ex = arithmetic_explorer()
    >>> ex.controls["stride"].value = 2          # runs the update at once
    >>> ex.state["output_shape"]                 # what the page now shows
    (1, 1)

Figures are drawn on ``matplotlib.figure.Figure`` objects that pyplot never sees (so
nothing leaks and nothing is shown twice) and sent to the page as PNG images.
"""

from .checkerboard import checkerboard_demo, checkerboard_explorer
from .conv_arithmetic import arithmetic_demo, arithmetic_explorer
from .deblurring import PSF_TYPES, RESTORATION_METHODS, make_psf, restoration_demo, restoration_explorer
from .explorer import Explorer
from .kernel import KERNEL_PRESETS, KernelExplorer, kernel_demo, kernel_explorer, kernel_preset

__all__ = [
    "Explorer",
    "KernelExplorer",
    "KERNEL_PRESETS",
    "kernel_preset",
    "kernel_demo",
    "kernel_explorer",
    "arithmetic_demo",
    "arithmetic_explorer",
    "checkerboard_demo",
    "checkerboard_explorer",
    "PSF_TYPES",
    "RESTORATION_METHODS",
    "make_psf",
    "restoration_demo",
    "restoration_explorer",
]
