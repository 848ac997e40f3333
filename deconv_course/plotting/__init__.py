"""Figures for the course (:mod:`.figures`) and the fonts they are drawn with (:mod:`.fonts`).

Importing this package adds an installed CJK font to matplotlib's fallbacks
(:func:`~deconv_course.plotting.fonts.use_cjk_font`), so Chinese titles render instead of boxes.
The lessons import it in their first cell; ``notebooks/00_start_here.ipynb`` explains the check.
"""

from .figures import (
    INPUT,
    INSERTED,
    PADDING,
    UPSAMPLING_METHODS,
    conv_arithmetic_layout,
    draw_conv_arithmetic,
    overlap_map,
    plot_history,
    plot_timeline,
    show_array,
    show_images,
    upsample_ones,
)
from .fonts import cjk_font, use_cjk_font

__all__ = [
    "INPUT",
    "INSERTED",
    "PADDING",
    "UPSAMPLING_METHODS",
    "cjk_font",
    "conv_arithmetic_layout",
    "draw_conv_arithmetic",
    "overlap_map",
    "plot_history",
    "plot_timeline",
    "show_array",
    "show_images",
    "upsample_ones",
    "use_cjk_font",
]

use_cjk_font()
