"""Figures, the explorers' printed texts, the training bar and the restoration table speak the
learner's language (deconv_course/locale/zh-CN/figures.json), and English stays as it was.

The language is decided at call time, so one process draws the same figure in both languages:
``DECONV_COURSE_LANG=zh-CN`` gives Chinese labels, ``=en`` the English templates. Chinese figures
are drawn with the course's CJK font (deconv_course.plotting.fonts) and must draw without a
missing-glyph warning; that check is skipped, with the reason, where no CJK font is installed
(``DECONV_REQUIRE_CJK_FONT=1``, set by CI, turns the skip into a failure).
"""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from test_fonts import cjk  # noqa: F401  (the fixture: the CJK font, or a skip that says how to install one)

from deconv_course import data, i18n, learned_restoration, plotting, restoration, torch_ops, widgets

HAN = re.compile(r"[\u4e00-\u9fff]")
ZH = i18n.messages("zh-CN")


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")


@pytest.fixture
def en(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")


def _texts(fig: Figure) -> dict[str, list[str]]:
    """Every fixed text a figure shows, by kind (empty strings left out)."""
    found = {"figure": [t.get_text() for t in fig.texts], "title": [], "label": [], "legend": []}
    for ax in fig.axes:
        found["title"].append(ax.get_title())
        found["label"] += [ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            found["legend"] += [t.get_text() for t in legend.get_texts()]
    return {kind: [t for t in texts if t] for kind, texts in found.items()}


def _missing_glyphs(fig: Figure) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if re.search("missing from font|Glyph .* missing", str(w.message))]


def _draw_arithmetic(transposed: bool) -> Figure:
    if transposed:  # notebook 07's example
        return plotting.draw_conv_arithmetic(
            3, 3, stride=2, padding=1, output_padding=1, transposed=True, step=7
        )
    return plotting.draw_conv_arithmetic(5, 3, stride=2, padding=1, step=4)


# What the English figures say. Numbers from the closed forms: a transposed convolution of a
# 3x3 input (k 3, s 2, p 1, output_padding 1) has (3 - 1)*2 - 2 + (3 - 1) + 1 + 1 = 6 rows, and its
# zero-inserted input is padded by d(k - 1) - p = 1 (one more row at the bottom for
# output_padding); step 7 of a 6x6 output is pixel divmod(7, 6) = (1, 1). The convolution of a
# 5x5 input (k 3, s 2, p 1) has (5 + 2 - 3) // 2 + 1 = 3 rows; step 4 is pixel (1, 1).
ARITHMETIC_EN = {
    True: (
        [
            "input",
            "1 zero(s) inserted between pixels",
            "padded d(k-1)-p = 1 (+1 bottom/right), stride 1",
            "output 6x6",
        ],
        "transposed convolution: step 7 -> output pixel (1, 1)",
    ),
    False: (
        ["input", "padded p = 1, stride 2", "output 3x3"],
        "convolution: step 4 -> output pixel (1, 1)",
    ),
}


@pytest.mark.parametrize("transposed", [True, False], ids=["transposed", "convolution"])
def test_the_arithmetic_figure_in_english(transposed: bool, en):
    fig = _draw_arithmetic(transposed)
    try:
        texts = _texts(fig)
    finally:
        plt.close(fig)
    titles, suptitle = ARITHMETIC_EN[transposed]
    assert texts["title"] == titles
    assert texts["figure"] == [suptitle]


@pytest.mark.parametrize("transposed", [True, False], ids=["transposed", "convolution"])
def test_the_arithmetic_figure_in_chinese(transposed: bool, zh, cjk):  # noqa: F811 (shared fixture)
    fig = _draw_arithmetic(transposed)
    try:
        texts = _texts(fig)
        missing = _missing_glyphs(fig)
    finally:
        plt.close(fig)
    english_titles, english_suptitle = ARITHMETIC_EN[transposed]
    assert len(texts["title"]) == len(english_titles)
    for chinese, english in zip([*texts["title"], *texts["figure"]], [*english_titles, english_suptitle]):
        assert HAN.search(chinese), (chinese, english)
        assert re.findall(r"\d+", chinese) == re.findall(r"\d+", english)  # the same numbers
    assert missing == []


def _history():
    return {"train_loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "train_acc": [0.5, 0.8], "val_acc": [0.4, 0.7]}


def test_learning_curves_in_english(en):
    fig = plotting.plot_history(_history())
    try:
        texts = _texts(fig)
    finally:
        plt.close(fig)
    assert texts["label"] == ["epoch", "loss", "epoch", "accuracy"]
    assert texts["legend"] == ["train", "val", "train", "val"]


def test_learning_curves_in_chinese(zh, cjk):  # noqa: F811 (shared fixture)
    fig = plotting.plot_history(_history())
    try:
        texts = _texts(fig)
        missing = _missing_glyphs(fig)
    finally:
        plt.close(fig)
    assert len(texts["label"]) == 4 and len(texts["legend"]) == 4
    assert all(HAN.search(t) for t in texts["label"] + texts["legend"]), texts
    assert texts["legend"][0] != texts["legend"][1]  # train and val stay apart
    assert missing == []


# --- the explorers' printed texts --------------------------------------------------------------
def _demo_texts() -> dict[str, str]:
    camera = data.camera(size=64)
    return {
        "kernel Sobel y": widgets.kernel_demo(widgets.kernel_preset("Sobel y"))["text"],
        "kernel box blur": widgets.kernel_demo(widgets.kernel_preset("box blur"), mode="convolve")["text"],
        "arithmetic legal": widgets.arithmetic_demo(
            3, 3, stride=2, padding=1, output_padding=1, transposed=True
        )["text"],
        "arithmetic illegal": widgets.arithmetic_demo(
            3, 3, stride=2, padding=1, output_padding=2, transposed=True
        )["text"],
        "arithmetic conv": widgets.arithmetic_demo(4, 3)["text"],
        "checkerboard uneven": widgets.checkerboard_demo(3, 2)["text"],
        "checkerboard uniform": widgets.checkerboard_demo(3, 2, method="resize_conv")["text"],
        "checkerboard no interior": widgets.checkerboard_demo(
            3, 2, num_layers=3, method="pixel_shuffle", input_size=2
        )["text"],
        "restoration": widgets.restoration_demo(camera, "gaussian", 7, method="richardson_lucy", num_iter=5)[
            "text"
        ],
    }


# Lines that are formulas or Python names in both languages (kept as they are).
KEPT = re.compile(r"^(o = |kernel_size % stride = )")


def test_the_demo_texts_in_english(en):
    texts = _demo_texts()
    assert not any(HAN.search(text) for text in texts.values())
    # notebook 07's stored outputs, line by line
    assert texts["kernel Sobel y"].splitlines()[-1] == (
        "correlation and convolution DIFFER for this kernel (it is not symmetric under flip)"
    )
    assert (
        texts["kernel box blur"].splitlines()[-1]
        == "correlation and convolution AGREE (the kernel equals its flip)"
    )
    assert (
        texts["kernel Sobel y"].splitlines()[0].startswith("kernel k" + " " * 18 + "flip(k), rotated 180 deg")
    )
    assert texts["arithmetic legal"].splitlines() == [
        "conv_transpose2d: input 3x3, kernel 3x3, stride 2, padding 1, dilation 1, output_padding 1",
        "o = (i - 1)*s - 2p + d*(k - 1) + output_padding + 1 = (3 - 1)*2 - 2*1 + 1*(3 - 1) + 1 + 1",
        "output shape (arithmetic): 6x6",
        "output shape (PyTorch):    6x6   (tensor shape (1, 1, 6, 6))",
        "arithmetic and PyTorch agree",
    ]
    illegal = texts["arithmetic illegal"].splitlines()
    assert illegal[2].startswith("error (deconv_course.arithmetic): ValueError: output_padding=2")
    assert illegal[3].startswith("error (PyTorch): RuntimeError: output padding must be smaller")
    assert texts["arithmetic conv"].splitlines()[0] == (
        "conv2d: input 4x4, kernel 3x3, stride 1, padding 0, dilation 1"
    )
    assert texts["checkerboard uneven"].splitlines() == [
        "transposed convolution: kernel 3, stride 2, 1 layer(s), input 4x4 -> output 9x9",
        "kernel_size % stride = 1",
        "interior overlap counts: min 1, max 4, max/min = 4.00",
        "UNEVEN overlap: checkerboard pattern",
    ]
    assert texts["checkerboard uniform"].splitlines()[0] == (
        "resize then convolve: kernel 3, stride 2, 1 layer(s), input 4x4 -> output 8x8"
    )
    assert texts["checkerboard uniform"].splitlines()[-1] == "uniform interior: no checkerboard"
    assert (
        texts["checkerboard no interior"]
        .splitlines()[0]
        .startswith("pixel shuffle (sub-pixel convolution): ")
    )
    assert texts["checkerboard no interior"].splitlines()[-1] == (
        "no interior at this input size: increase the input size to judge"
    )
    first, second = texts["restoration"].splitlines()
    assert first == "gaussian PSF 7x7, noise sigma 0.01, richardson_lucy (num_iter = 5)"
    assert re.fullmatch(r"PSNR degraded: \S+ dB   PSNR restored: \S+ dB   change: [+-]\S+ dB", second)


def test_the_demo_texts_in_chinese(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    english = _demo_texts()
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    chinese = _demo_texts()
    for name in english:
        en_lines, zh_lines = english[name].splitlines(), chinese[name].splitlines()
        assert len(zh_lines) == len(en_lines), name
        for en_line, zh_line in zip(en_lines, zh_lines):
            if re.fullmatch(r"[ \d.+-]*", en_line):  # a matrix row: the same numbers (columns move)
                assert zh_line.split() == en_line.split(), (name, en_line, zh_line)
            elif KEPT.match(en_line):
                assert zh_line == en_line, (name, en_line, zh_line)  # formulas and Python names stay
            else:
                assert HAN.search(zh_line), (name, en_line, zh_line)
                # every number survives (the '1.0e+00' style keeps its digits)
                assert re.findall(r"\d+", zh_line) == re.findall(r"\d+", en_line) or "180" in en_line
    # the messages of deconv_course's own errors (API errors) and of PyTorch stay as they are
    illegal = chinese["arithmetic illegal"].splitlines()
    assert illegal[2].endswith(english["arithmetic illegal"].splitlines()[2].split(": ", 1)[1])
    assert illegal[3].endswith(english["arithmetic illegal"].splitlines()[3].split(": ", 1)[1])


def test_the_kernel_demo_keeps_its_columns_aligned_in_chinese():
    """The small matrices sit in columns under their titles; a Chinese character takes two columns."""
    from deconv_course.i18n import display_width as _width
    from deconv_course.widgets.kernel import _side_by_side

    assert _width("互相关 x") == 8 and _width("kernel k") == 8
    # "汉字" is 4 columns wide, so its column is 4 wide: the second column starts at column 4 + 3
    assert _side_by_side([("汉字", "ab\ncd"), ("x", "1")]) == "汉字   x\nab     1\ncd"
    assert _side_by_side([("ab", "汉字\n1"), ("x", "2\n3")]) == "ab     x\n汉字   2\n1      3"


@pytest.mark.parametrize(
    "name", ["kernel_explorer", "arithmetic_explorer", "checkerboard_explorer", "restoration_explorer"]
)
def test_the_explorers_figures_in_chinese(name: str, zh, cjk):  # noqa: F811 (shared fixture)
    explorer = getattr(widgets, name)()
    fig = Figure(figsize=explorer._figsize, dpi=72, layout="constrained")
    explorer._draw(fig, explorer.state)
    texts = _texts(fig)
    titles = texts["title"] + texts["figure"]
    assert titles and all(HAN.search(t) for t in titles if re.search("[a-z]{3}", t)), titles
    assert _missing_glyphs(fig) == []


# --- the training progress bar -------------------------------------------------------------------
def _train_once(capsys) -> str:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    x, y = np.random.default_rng(0).random((8, 3)), np.arange(8) % 2
    torch_ops.train(model, (x, y), epochs=1, batch_size=4, device="cpu")
    return capsys.readouterr().err


def test_the_training_bar_in_english(en, capsys):
    assert re.search(r"(^|\r)epochs: 100%", _train_once(capsys), re.M)


def test_the_training_bar_in_chinese(zh, capsys):
    err = _train_once(capsys)
    assert f"{ZH['epochs']}: 100%" in err and HAN.search(ZH["epochs"])
    assert "epochs:" not in err


# --- the restoration table of notebook 05 --------------------------------------------------------
def _rows():
    """Rows of every kind compare_restoration makes (both discrepancy-stop notes), without training."""
    psf = restoration.box_psf(3)
    truth = data.camera(size=32)
    rows = []
    for name, boundary, sigma in (("camera", "circular", 0.01), ("zero", "zero", 0.05)):
        degraded = restoration.add_gaussian_noise(
            restoration.blur(truth, psf, boundary=boundary), sigma, seed=1
        )
        for r in learned_restoration.classic_estimates(
            degraded, psf, sigma, truth, balances=(1e-3, 1e-2), rl_iters=(2, 50)
        ):
            rows.append({"image": name, "psnr": 20.0 + len(rows), "ssim": 0.5, **r})
    rows.append(
        {
            "image": "camera",
            "method": "RestorationNet",
            "choice": "training",
            "psnr": 9.5,
            "ssim": 0.25,
            "param": "trained on other images, sigma=0.01",
        }  # fmt: skip
    )
    return rows


def test_the_table_in_english_is_notebook_05s(en):
    rows = _rows()
    # the f-strings that notebook 05 printed the table with
    expected = [f"{'image':<10}{'method':<17}{'choice':<13}{'PSNR (dB)':>9}{'SSIM':>7}   parameter"]
    for row in rows:
        expected.append(
            f"{row['image']:<10}{row['method']:<17}{row['choice']:<13}{row['psnr']:>9.2f}{row['ssim']:>7.3f}   {row['param']}"
        )
    assert learned_restoration.comparison_table(rows) == "\n".join(expected)
    params = [r["param"] for r in rows]
    assert any("never reached N sigma^2" in p for p in params) and any(
        "stopped at num_iter=" in p for p in params
    )


def test_the_table_in_chinese(zh):
    from deconv_course.i18n import display_width as _width

    rows = _rows()
    assert any("uses the truth" in r["param"] for r in rows)  # the rows keep their English notes
    lines = learned_restoration.comparison_table(rows).splitlines()
    assert len(lines) == len(rows) + 1
    assert HAN.search(lines[0])
    for line, row in zip(lines[1:], rows):
        assert f"{row['psnr']:.2f}" in line
        if row["param"]:
            note = line.rsplit("   ", 1)[1] if not line.endswith("   ") else ""
            assert HAN.search(note), line  # every note pattern is known (none left in English)
            assert re.findall(r"\d+", note) == re.findall(r"\d+", row["param"]), line
        if row["method"] != "RestorationNet":  # a class name; the other methods are translated
            assert HAN.search(line[: line.index(f"{row['psnr']:.2f}")]), line
    # aligned by display width: the PSNR column ends in the same screen column on every line
    ends = set()
    for line, row in zip(lines[1:], rows):
        psnr = f"{row['psnr']:.2f}"
        ends.add(_width(line[: line.index(psnr) + len(psnr)]))
    assert len(ends) == 1, ends
    assert _width(lines[0][: lines[0].index("PSNR (dB)") + 9]) in ends
