"""Chinese renders in the course's figures wherever a CJK font is installed (deconv_course.plotting.fonts).

Skipped, with the reason, where no CJK font is installed; ``DECONV_REQUIRE_CJK_FONT=1`` (set by
CI, which installs Debian's fonts-noto-cjk) turns that skip into a failure.
"""

import os
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager

from deconv_course import cli, plotting
from deconv_course.plotting import fonts

TITLE = "转置卷积 · 反卷积 (transposed convolution)"


@pytest.fixture
def cjk():
    font = fonts.cjk_font()
    if font is None:
        reason = "no CJK font installed (Debian/Ubuntu: apt-get install fonts-noto-cjk)"
        if os.environ.get("DECONV_REQUIRE_CJK_FONT") == "1":
            pytest.fail(f"DECONV_REQUIRE_CJK_FONT=1 but {reason}")
        pytest.skip(reason)
    return font


def _draw_warnings(title: str) -> list[str]:
    fig, ax = plt.subplots(figsize=(3, 2))
    try:
        ax.set_title(title)
        ax.set_xlabel("输出 output")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
    finally:
        plt.close(fig)
    return [str(w.message) for w in caught]


def test_a_chinese_title_renders_without_missing_glyphs(cjk):
    assert cjk in matplotlib.rcParams["font.family"]  # importing plotting configured it
    assert _draw_warnings(TITLE) == []


def test_the_check_catches_missing_glyphs_without_the_cjk_font(cjk):
    """The test above can fail: with only DejaVu Sans, the same title warns of missing glyphs."""
    with matplotlib.rc_context({"font.family": ["sans-serif"], "font.sans-serif": ["DejaVu Sans"]}):
        caught = _draw_warnings(TITLE)
    assert any("missing from font" in message for message in caught), caught


def test_latin_text_keeps_dejavu_sans(cjk):
    path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert "DejaVuSans" in os.path.basename(path)
    families = matplotlib.rcParams["font.sans-serif"]
    assert families.index("DejaVu Sans") + 1 == families.index(cjk)  # the CJK font is a fallback


def test_use_cjk_font_is_idempotent_and_check_env_names_the_same_font(cjk):
    before = {key: list(matplotlib.rcParams[key]) for key in ("font.family", "font.sans-serif")}
    assert plotting.use_cjk_font() == cjk
    assert {key: list(matplotlib.rcParams[key]) for key in before} == before
    assert cli.cjk_font() == cjk


def test_no_cjk_font_changes_nothing(monkeypatch):
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    with matplotlib.rc_context():
        before = {key: list(matplotlib.rcParams[key]) for key in ("font.family", "font.sans-serif")}
        assert fonts.use_cjk_font() is None
        assert {key: list(matplotlib.rcParams[key]) for key in before} == before
