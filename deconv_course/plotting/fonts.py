"""Fonts for the course's figures: Chinese titles render wherever a CJK font is installed.

matplotlib (3.6+) falls back glyph by glyph along the families of ``rcParams["font.family"]``.
Appending a CJK font there keeps every Latin letter, digit and symbol in DejaVu Sans (the look of
the figures does not change) and draws 汉字 with the CJK font instead of empty boxes.
Where no CJK font is installed nothing changes; ``deconv-course check-env`` says so, and the
README says how to install one (Debian/Ubuntu: ``apt-get install fonts-noto-cjk``).

Applied when :mod:`deconv_course.plotting` is imported, which every lesson does in its first
cell (see ``notebooks/00_start_here.ipynb``, "Check your environment").
"""

from __future__ import annotations

__all__ = ["CJK_FONTS", "cjk_font", "use_cjk_font"]

# Simplified Chinese first (the article's script), then the other CJK families that hold its
# characters: Debian's fonts-noto-cjk, Adobe's Source Han, common Windows and macOS fonts.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Serif CJK SC",
)


def cjk_font() -> str | None:
    """The name of an installed font matplotlib can draw Chinese with, or None when there is none."""
    from matplotlib import font_manager

    names = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    return next((name for name in sorted(names) if "CJK" in name), None)


def use_cjk_font() -> str | None:
    """Make the installed CJK font matplotlib's fallback for glyphs its default font lacks.

    matplotlib falls back along the families of ``rcParams["font.family"]`` (a generic family such
    as ``"sans-serif"`` stands for its first installed font, DejaVu Sans), so the CJK font is
    appended there, and also put right after DejaVu Sans in ``font.sans-serif``. Latin text keeps
    DejaVu Sans. Returns the font's name, or None (changing nothing) where no CJK font is
    installed; calling it again changes nothing more.
    """
    import matplotlib

    font = cjk_font()
    if font is None:
        return None
    family = matplotlib.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    if font not in family:
        matplotlib.rcParams["font.family"] = [*family, font]
    sans = [name for name in matplotlib.rcParams["font.sans-serif"] if name != font]
    at = sans.index("DejaVu Sans") + 1 if "DejaVu Sans" in sans else 0
    matplotlib.rcParams["font.sans-serif"] = [*sans[:at], font, *sans[at:]]
    return font
