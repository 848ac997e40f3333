"""Figures for the course: arrays with their values written in, before/after grids,
convolution-arithmetic diagrams in the style of Dumoulin & Visin, learning curves,
overlap (checkerboard) maps and a timeline.

Every drawing function takes an optional ``ax`` (or ``fig``) so that the widgets can
draw into figures they own, and returns what it drew on. The pure functions
(:func:`overlap_map`, :func:`upsample_ones`, :func:`conv_arithmetic_layout`) compute
arrays only and are tested against PyTorch without drawing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import arithmetic, numpy_ops
from .._checks import ArrayLike, IntOrPair, check_choice, check_int, check_pair, check_real_array
from ..i18n import translate as tr

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "show_array",
    "show_images",
    "conv_arithmetic_layout",
    "draw_conv_arithmetic",
    "overlap_map",
    "upsample_ones",
    "UPSAMPLING_METHODS",
    "plot_history",
    "plot_timeline",
]

# Largest array (rows * cols) whose values are written into the cells.
_ANNOTATE_MAX_CELLS = 144

UPSAMPLING_METHODS = ("transposed", "resize_conv", "pixel_shuffle")


def _new_axes(ax, figsize=(4, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _format_value(value, fmt):
    if fmt is not None:
        return format(value, fmt)
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.2f}"


def show_array(
    array: ArrayLike,
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool = True,
    cmap: str = "viridis",
    fmt: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = False,
) -> Axes:
    """Draw a 2-D array as an image, writing each value into its cell when it is small.

    Parameters
    ----------
    array : array_like, shape (H, W)
        Values to show. A (1, 1, H, W) or (1, H, W) array is squeezed.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional
    annotate : bool
        Write the values into the cells when ``H * W <= 144``.
    cmap, vmin, vmax : passed to ``imshow``.
    fmt : str, optional
        Format spec for the values (default: integers as integers, else 2 decimals).
    colorbar : bool
        Add a colour bar beside the image.

    Returns
    -------
    matplotlib Axes

    Taught in notebooks/02_core_concepts.ipynb.
    """
    arr = check_real_array(array, "array")
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(f"array must be 2-D (or squeeze to 2-D), got shape {np.shape(array)}")
    arr = arr.astype(float)
    ax = _new_axes(ax, figsize=(max(2.0, 0.5 * arr.shape[1] + 1), max(2.0, 0.5 * arr.shape[0] + 1)))
    image = ax.imshow(arr, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    if annotate and arr.size <= _ANNOTATE_MAX_CELLS:
        lo, hi = image.get_clim()
        middle = (lo + hi) / 2
        for (row, col), value in np.ndenumerate(arr):
            # Dark text on the bright half of a perceptually ordered colour map.
            colour = "black" if value > middle else "white"
            ax.text(col, row, _format_value(value, fmt), ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_images(
    images: Sequence[ArrayLike],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    cmap: str = "gray",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    size: float = 3.0,
    fig: Figure | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Draw images side by side (before/after grids), one panel each.

    Parameters
    ----------
    images : sequence of arrays, each (H, W) or (H, W, 3)
    titles : sequence of str, optional
        One per image.
    ncols : int, optional
        Panels per row (default: all in one row, at most 4).
    cmap, vmin, vmax : passed to ``imshow`` (use ``vmin=vmax=None`` to autoscale).
    size : float
        Inches per panel.
    fig : matplotlib Figure, optional
        Draw into this (empty) figure instead of a new one.
    suptitle : str, optional

    Returns
    -------
    matplotlib Figure

    Taught in notebooks/03a_transposed_convolution.ipynb.
    """
    images = list(images)
    if not images:
        raise ValueError("images must contain at least one image, got an empty sequence")
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(images):
            raise ValueError(
                f"titles must have one entry per image: got {len(titles)} titles for {len(images)} images"
            )
    if ncols is None:
        ncols = min(len(images), 4)
    ncols = check_int(ncols, "ncols", minimum=1)
    nrows = -(-len(images) // ncols)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(size * ncols, size * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= len(images):
            continue
        image = np.asarray(images[index])
        if image.ndim not in (2, 3):
            raise ValueError(f"images[{index}] must be 2-D or (H, W, 3), got shape {image.shape}")
        ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[index], fontsize=10)
    if suptitle is not None:
        fig.suptitle(suptitle)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# Convolution arithmetic (Dumoulin & Visin 2016, arXiv 1603.07285)
# --------------------------------------------------------------------------------------

PADDING, INPUT, INSERTED = 0, 1, 2  # cell codes of conv_arithmetic_layout()["grid"]


def conv_arithmetic_layout(
    input_size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    output_padding: IntOrPair = 0,
    transposed: bool = False,
    step: int = 0,
) -> dict:
    """The grids that a convolution (or transposed convolution) slides its kernel over.

    A convolution slides a dilated kernel with ``stride`` over the input padded by
    ``padding``. A transposed convolution is drawn as Dumoulin & Visin draw it: insert
    ``stride - 1`` zeros between the input pixels, pad by ``dilation * (k - 1) - padding``
    (plus ``output_padding`` at the bottom/right; a negative pad crops), then slide the
    kernel with stride 1.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, dilation, output_padding : int or (int, int)
        As in ``torch.nn.Conv2d`` / ``ConvTranspose2d``.
    transposed : bool
        Draw a transposed convolution instead of a convolution.
    step : int
        Which output pixel (row-major index) the kernel footprint is drawn for.

    Returns
    -------
    dict with
        ``grid`` : int array (Hg, Wg), cell codes ``PADDING`` (0), ``INPUT`` (1), ``INSERTED`` (2);
        ``input_index`` : int array (Hg, Wg), flat index of the input pixel in the cell, -1 if none;
        ``footprint`` : list of (row, col) grid cells the kernel covers at ``step``;
        ``output_shape`` : (Ho, Wo); ``output_index`` : (row, col) of ``step``;
        ``grid_stride`` : stride of the slide over ``grid`` (1 for transposed);
        ``pad`` : (top, bottom, left, right) padding of ``grid`` (negative = cropped).

    Raises
    ------
    ValueError
        For illegal settings, with the message of the shared checks in ``arithmetic``.

    Taught in notebooks/02_core_concepts.ipynb.
    """
    ih, iw = check_pair(input_size, "input_size", minimum=1)
    kh, kw = check_pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = arithmetic.check_stride(stride)
    ph, pw = arithmetic.check_padding(padding)
    dh, dw = arithmetic.check_dilation(dilation)
    oph, opw = check_pair(output_padding, "output_padding", minimum=0)
    if transposed:  # checks output_padding against stride and dilation
        out = arithmetic.conv_transpose_output_size(
            (ih, iw), (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw)
        )
    else:
        if (oph, opw) != (0, 0):
            raise ValueError(
                f"output_padding={output_padding} only applies to a transposed "
                "convolution; a convolution takes output_padding=0"
            )
        out = arithmetic.conv_output_size((ih, iw), (kh, kw), (sh, sw), (ph, pw), (dh, dw))
    out = tuple(int(v) for v in out)
    step = check_int(step, "step", minimum=0, maximum=out[0] * out[1] - 1)

    index = np.arange(ih * iw).reshape(ih, iw)
    if transposed:
        # Zero insertion: input pixel (r, c) lands at (r * s, c * s).
        zh, zw = arithmetic.conv_transpose_output_size((ih, iw), 1, (sh, sw))  # (i - 1) s + 1
        inserted = np.full((zh, zw), -1)
        inserted[::sh, ::sw] = index
        top, left = dh * (kh - 1) - ph, dw * (kw - 1) - pw
        bottom, right = top + oph, left + opw
        grid_stride = (1, 1)
    else:
        inserted = index
        top = bottom = ph
        left = right = pw
        grid_stride = (sh, sw)
    codes = np.where(inserted >= 0, INPUT, INSERTED)
    # Pad with the non-negative part, then crop the negative part.
    pad_width = ((max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)))
    input_index = np.pad(inserted, pad_width, constant_values=-1)
    grid = np.pad(codes, pad_width, constant_values=PADDING)
    crop = (
        slice(max(-top, 0), grid.shape[0] - max(-bottom, 0)),
        slice(max(-left, 0), grid.shape[1] - max(-right, 0)),
    )
    grid, input_index = grid[crop], input_index[crop]

    orow, ocol = divmod(int(step), out[1])
    footprint = [
        (orow * grid_stride[0] + dh * a, ocol * grid_stride[1] + dw * b) for a in range(kh) for b in range(kw)
    ]
    return {
        "grid": grid,
        "input_index": input_index,
        "footprint": footprint,
        "output_shape": out,
        "output_index": (orow, ocol),
        "grid_stride": grid_stride,
        "pad": (top, bottom, left, right),
    }


_COLOURS = {
    PADDING: "#ffffff",
    INPUT: "#4f81bd",  # blue, as in Dumoulin & Visin's figures
    INSERTED: "#dce6f2",
    "kernel": "#555555",
    "output": "#48c9b0",  # cyan-green output
}


def _draw_grid(ax, codes, title, footprint=(), highlight=None, dashed_codes=(PADDING,)):
    from matplotlib.patches import Rectangle

    rows, cols = codes.shape
    for (r, c), code in np.ndenumerate(codes):
        colour = _COLOURS.get(code, code) if not isinstance(code, str) else code
        dashed = code in dashed_codes
        ax.add_patch(
            Rectangle(
                (c, r),
                1,
                1,
                facecolor=colour,
                edgecolor="#7f7f7f",
                linestyle="--" if dashed else "-",
                linewidth=0.8,
            )
        )
    for r, c in footprint:
        if 0 <= r < rows and 0 <= c < cols:
            ax.add_patch(
                Rectangle(
                    (c + 0.1, r + 0.1),
                    0.8,
                    0.8,
                    facecolor=_COLOURS["kernel"],
                    alpha=0.55,
                    edgecolor="black",
                    linewidth=1.2,
                )
            )
    if highlight is not None:
        r, c = highlight
        ax.add_patch(Rectangle((c, r), 1, 1, facecolor="none", edgecolor="black", linewidth=2.5))
    ax.set_xlim(-0.2, max(cols, 1) + 0.2)
    ax.set_ylim(max(rows, 1) + 0.2, -0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9)


def draw_conv_arithmetic(
    input_size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    output_padding: IntOrPair = 0,
    transposed: bool = False,
    step: int = 0,
    fig: Figure | None = None,
) -> Figure:
    """Draw a convolution or transposed convolution as Dumoulin & Visin's figures do.

    Panels: the input; for a transposed convolution the input with ``stride - 1`` zeros
    inserted; the (padded) grid the kernel slides over with the kernel's footprint at
    ``step`` in grey; the output with the pixel computed at ``step`` outlined. Blue cells
    are input pixels, pale cells inserted zeros, dashed white cells padding.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, dilation, output_padding, transposed, step :
        As in :func:`conv_arithmetic_layout`.
    fig : matplotlib Figure, optional
        Draw into this (empty) figure instead of a new one.

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        For illegal settings (see :func:`conv_arithmetic_layout`).

    Taught in notebooks/02_core_concepts.ipynb.
    """
    layout = conv_arithmetic_layout(
        input_size, kernel_size, stride, padding, dilation, output_padding, transposed, step
    )
    ih, iw = arithmetic.as_pair(input_size, "input_size")
    oh, ow = layout["output_shape"]
    panels = [(tr("input"), np.full((ih, iw), INPUT), {})]
    if transposed:
        sh, sw = arithmetic.as_pair(stride, "stride")
        zero_inserted = np.full(((ih - 1) * sh + 1, (iw - 1) * sw + 1), INSERTED)
        zero_inserted[::sh, ::sw] = INPUT
        inserted = f"{sh - 1}" if sh == sw else f"{sh - 1}/{sw - 1}"
        panels.append((tr("{n} zero(s) inserted between pixels", n=inserted), zero_inserted, {}))
        top, bottom, left, right = layout["pad"]
        if bottom != top:
            slide = tr(
                "padded d(k-1)-p = {pad} (+{extra} bottom/right), stride 1", pad=top, extra=bottom - top
            )
        else:
            slide = tr("padded d(k-1)-p = {pad}, stride 1", pad=top)
    else:
        slide = tr("padded p = {pad}, stride {stride}", pad=layout["pad"][0], stride=layout["grid_stride"][0])
    panels.append((slide, layout["grid"], {"footprint": layout["footprint"]}))
    panels.append(
        (
            tr("output {h}x{w}", h=oh, w=ow),
            np.full((oh, ow), "#48c9b0", dtype=object),
            {"highlight": layout["output_index"], "dashed_codes": ()},
        )
    )
    widths = [max(p[1].shape[1], 1) for p in panels]
    height = max(p[1].shape[0] for p in panels)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(min(2.0 + 0.35 * sum(widths), 14), 1.0 + 0.35 * height))
    axes = fig.subplots(1, len(panels), gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    for ax, (title, codes, extra) in zip(axes, panels):
        _draw_grid(ax, codes, title, **extra)
    kind = tr("transposed convolution") if transposed else tr("convolution")
    suptitle = tr(
        "{kind}: step {step} -> output pixel {pixel}", kind=kind, step=step, pixel=layout["output_index"]
    )
    fig.suptitle(suptitle, fontsize=10)
    return fig


# --------------------------------------------------------------------------------------
# Checkerboard artifacts (Odena, Dumoulin & Olah, Distill 2016)
# --------------------------------------------------------------------------------------


def _check_upsampling_args(kernel_size, stride, input_size, num_layers):
    for name, value in (
        ("kernel_size", kernel_size),
        ("stride", stride),
        ("input_size", input_size),
        ("num_layers", num_layers),
    ):
        check_int(value, name, minimum=1)


def overlap_map(kernel_size: int, stride: int, input_size: int, num_layers: int = 1) -> np.ndarray:
    """How many kernel taps land on each output pixel of stacked transposed convolutions.

    Computed as ``conv_transpose2d`` of an all-ones ``input_size x input_size`` image with
    an all-ones ``kernel_size x kernel_size`` kernel, applied ``num_layers`` times (no
    padding). When ``kernel_size`` is not divisible by ``stride`` the counts are uneven
    (k=3, s=2 gives the 4/2/1 checkerboard); when it is, they are uniform away from the border.

    Parameters
    ----------
    kernel_size, stride, input_size, num_layers : int

    Returns
    -------
    ndarray, float64, shape (H, W) with H = W = the transposed-convolution output size
    after ``num_layers`` layers.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    _check_upsampling_args(kernel_size, stride, input_size, num_layers)
    x = np.ones((1, 1, input_size, input_size))
    weight = np.ones((1, 1, kernel_size, kernel_size))
    for _ in range(num_layers):
        x = numpy_ops.conv_transpose2d(x, weight, stride=stride)
    return x[0, 0]


def upsample_ones(
    method: str, kernel_size: int, stride: int, input_size: int, num_layers: int = 1
) -> np.ndarray:
    """Output of ``num_layers`` upsamplers (all-ones kernels) on an all-ones image.

    Parameters
    ----------
    method : {"transposed", "resize_conv", "pixel_shuffle"}
        ``"transposed"``: ``conv_transpose2d(x, ones(k, k), stride)`` (same as :func:`overlap_map`);
        ``"resize_conv"``: ``upsample_nearest(x, stride)`` then ``conv2d(., ones(k, k), padding="same")``;
        ``"pixel_shuffle"``: ``conv2d(x, ones(stride**2, 1, k, k), padding="same")`` then
        ``pixel_shuffle(., stride)``.
    kernel_size, stride, input_size, num_layers : int

    Returns
    -------
    ndarray, float64, shape (H, W): the number of (input pixel, kernel tap) pairs that
    reach each output pixel. Uniform away from the border means no checkerboard.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    check_choice(method, "method", UPSAMPLING_METHODS)
    if method == "transposed":
        return overlap_map(kernel_size, stride, input_size, num_layers)
    _check_upsampling_args(kernel_size, stride, input_size, num_layers)
    x = np.ones((1, 1, input_size, input_size))
    for _ in range(num_layers):
        if method == "resize_conv":
            x = numpy_ops.upsample_nearest(x, stride)
            x = numpy_ops.conv2d(x, np.ones((1, 1, kernel_size, kernel_size)), padding="same")
        else:
            x = numpy_ops.conv2d(x, np.ones((stride * stride, 1, kernel_size, kernel_size)), padding="same")
            x = numpy_ops.pixel_shuffle(x, stride)
    return x[0, 0]


# --------------------------------------------------------------------------------------
# Learning curves and timeline
# --------------------------------------------------------------------------------------


def plot_history(history: dict, fig: Figure | None = None) -> Figure:
    """Learning curves from ``torch_ops.train``'s history dict.

    Parameters
    ----------
    history : dict
        ``{"train_loss": [...], "val_loss": [...], "train_acc": [...], "val_acc": [...]}``;
        only ``train_loss`` is required. Accuracy keys add a second panel.
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib Figure

    Taught in notebooks/04_code_examples.ipynb.
    """
    if not isinstance(history, dict) or "train_loss" not in history:
        raise ValueError(
            "history must be a dict with at least a 'train_loss' list, got "
            f"{type(history).__name__} with keys "
            f"{sorted(history) if isinstance(history, dict) else None}"
        )
    has_acc = any(key in history and len(history[key]) for key in ("train_acc", "val_acc"))
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(9 if has_acc else 4.5, 3.2))
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    panels = [(tr("loss"), ("train_loss", "val_loss"))]
    if has_acc:
        panels.append((tr("accuracy"), ("train_acc", "val_acc")))
    for ax, (label, keys) in zip(axes, panels):
        for key in keys:
            values = history.get(key)
            if values is not None and len(values):
                epochs = np.arange(1, len(values) + 1)
                label_of = tr("train" if key.startswith("train") else "val")
                ax.plot(epochs, values, marker="o", markersize=3, label=label_of)
        ax.set_xlabel(tr("epoch"))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return fig


def plot_timeline(events: Sequence, ax: Axes | None = None) -> Axes:
    """A horizontal timeline of (year, label) events, labels alternating above and below.

    Parameters
    ----------
    events : sequence of (year, label) pairs or dicts with keys ``"year"`` and ``"label"``
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Taught in notebooks/01_background.ipynb.
    """
    items = []
    for i, event in enumerate(events):
        if isinstance(event, dict):
            year, label = event.get("year"), event.get("label")
        else:
            try:
                year, label = event
            except (TypeError, ValueError):
                raise ValueError(f"events[{i}]={event!r} must be a (year, label) pair") from None
        if isinstance(year, bool) or not isinstance(year, (int, float, np.integer, np.floating)):
            raise TypeError(f"events[{i}] year must be a number, got {year!r}")
        items.append((year, str(label)))
    if not items:
        raise ValueError("events must contain at least one (year, label) pair")
    items.sort(key=lambda item: item[0])
    ax = _new_axes(ax, figsize=(11, 3.8))
    years = [year for year, _ in items]
    ax.axhline(0, color="#555555", linewidth=1.5, zorder=1)
    ax.scatter(years, [0] * len(years), color="#4f81bd", zorder=2)
    levels = [1.0, -1.0, 2.0, -2.0]
    for i, (year, label) in enumerate(items):
        level = levels[i % len(levels)]
        ax.plot([year, year], [0, level * 0.8], color="#aaaaaa", linewidth=0.8, zorder=1)
        ax.text(
            year,
            level,
            f"{year}\n{label}" if level > 0 else f"{label}\n{year}",
            ha="center",
            va="bottom" if level > 0 else "top",
            fontsize=8,
            wrap=True,
        )
    span = max(years) - min(years)
    ax.set_xlim(min(years) - 0.06 * span - 1, max(years) + 0.06 * span + 1)
    ax.set_ylim(-3.2, 3.2)
    ax.axis("off")
    return ax
