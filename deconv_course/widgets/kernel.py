"""The kernel explorer: cross-correlation versus convolution, on a 3x3 example and a photo.

Taught in notebooks/02_core_concepts.ipynb.
"""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from .. import data, numpy_ops
from .._checks import ArrayLike, check_choice, check_real_array
from ..i18n import display_width
from ..i18n import translate as tr
from .explorer import Explorer

__all__ = ["KernelExplorer", "KERNEL_PRESETS", "kernel_preset", "kernel_demo", "kernel_explorer"]


def _matrix_text(array, fmt="{:7.2f}"):
    rows = []
    for row in np.asarray(array, dtype=float):
        rows.append(" ".join(fmt.format(0.0 if v == 0 else v) for v in row))
    return "\n".join(rows)


def _side_by_side(blocks, gap="   "):
    """Join (title, text) blocks into columns, so small matrices sit next to each other."""
    columns = [[title, *text.splitlines()] for title, text in blocks]
    widths = [max(display_width(line) for line in column) for column in columns]
    height = max(len(column) for column in columns)
    lines = []
    for i in range(height):
        cells = [column[i] if i < len(column) else "" for column in columns]
        padded = [cell + " " * (width - display_width(cell)) for cell, width in zip(cells, widths)]
        lines.append(gap.join(padded).rstrip())
    return "\n".join(lines)


def _binomial(size):
    row = np.array([1.0])
    for _ in range(size - 1):
        row = np.convolve(row, [1.0, 1.0])
    return np.outer(row, row) / row.sum() ** 2


def _embed(kernel, size):
    kernel = np.asarray(kernel, dtype=float)
    out = np.zeros((size, size))
    start = (size - kernel.shape[0]) // 2
    out[start : start + kernel.shape[0], start : start + kernel.shape[1]] = kernel
    return out


# 3x3 kernels written as cross-correlation kernels (what F.conv2d applies).
_PRESETS_3 = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": np.full((3, 3), 1 / 9),
    "Gaussian": _binomial(3),
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "source [[1,0,-1]]x3": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
}
KERNEL_PRESETS = tuple(_PRESETS_3)


def kernel_preset(name: str, size: int = 3) -> np.ndarray:
    """A named kernel as a float (size, size) array.

    Parameters
    ----------
    name : str
        One of :data:`KERNEL_PRESETS`: identity, box blur, Gaussian (binomial), sharpen,
        Sobel x / y (as cross-correlation kernels, like ``scipy.ndimage.sobel``),
        Laplacian, and the source document's ``[[1, 0, -1]] * 3``.
    size : {3, 5}
        5x5 box blur and Gaussian are genuinely 5x5; the others are the 3x3 kernel
        surrounded by zeros.

    Taught in notebooks/02_core_concepts.ipynb.
    """
    check_choice(name, "name", KERNEL_PRESETS)
    check_choice(size, "size", (3, 5))
    if size == 5 and name == "box blur":
        return np.full((5, 5), 1 / 25)
    if size == 5 and name == "Gaussian":
        return _binomial(5)
    return _embed(_PRESETS_3[name], size)


def kernel_demo(
    kernel: ArrayLike,
    mode: str = "correlate",
    small_image: ArrayLike | None = None,
    image: ArrayLike | None = None,
) -> dict:
    """Apply a kernel by cross-correlation and by convolution ('same' size, zero padding).

    Parameters
    ----------
    kernel : array_like (k, k)
    mode : {"correlate", "convolve"}
        Which result is "the" result shown on the real image.
    small_image : array_like (h, w), optional
        Default: the source document's 3x3 image 1..9.
    image : array_like (H, W), optional
        Default: ``data.camera(size=128)``.

    Returns
    -------
    dict with ``kernel``, ``flipped`` (kernel rotated 180 degrees), ``small_image``,
    ``small_correlation``, ``small_convolution``, ``small_result``, ``image``,
    ``image_result``, ``image_other`` (the other operation), ``flip_gap`` (max
    |convolve2d(x, k) - correlate2d(x, flip(k))|, zero up to rounding), ``differ`` (whether
    correlation and convolution give different results), ``text``.

    Taught in notebooks/02_core_concepts.ipynb.
    """
    check_choice(mode, "mode", ("correlate", "convolve"))
    kernel = check_real_array(kernel, "kernel", ndim=2, what="(k, k)").astype(float)
    if small_image is None:
        small_image, _ = data.source_example()
    small_image = np.asarray(small_image, dtype=float)
    if image is None:
        image = data.camera(size=128)
    flipped = kernel[::-1, ::-1]
    small_corr = numpy_ops.correlate2d(small_image, kernel, mode="same")
    small_conv = numpy_ops.convolve2d(small_image, kernel, mode="same")
    image_corr = numpy_ops.correlate2d(image, kernel, mode="same")
    image_conv = numpy_ops.convolve2d(image, kernel, mode="same")
    flip_gap = float(np.max(np.abs(image_conv - numpy_ops.correlate2d(image, flipped, mode="same"))))
    differ = not np.allclose(small_corr, small_conv) or not np.allclose(image_corr, image_conv)
    chosen = tr("cross-correlation") if mode == "correlate" else tr("convolution")
    text = "\n".join(
        [
            _side_by_side(
                [
                    (tr("kernel k"), _matrix_text(kernel)),
                    (tr("flip(k), rotated 180 deg"), _matrix_text(flipped)),
                ]
            ),
            "",
            _side_by_side(
                [
                    (tr("small image x"), _matrix_text(small_image)),
                    (tr("cross-correlation (F.conv2d)"), _matrix_text(small_corr)),
                    (tr("true convolution"), _matrix_text(small_conv)),
                ]
            ),
            "",
            tr("both 'same' size with zero padding; shown on the image below: {chosen}", chosen=chosen),
            tr("convolve2d(x, k) - correlate2d(x, flip(k)): max |difference| = {gap:.1e}", gap=flip_gap),
            tr(
                "correlation and convolution DIFFER for this kernel (it is not symmetric under flip)"
                if differ
                else "correlation and convolution AGREE (the kernel equals its flip)"
            ),
        ]
    )
    return {
        "kernel": kernel,
        "flipped": flipped,
        "mode": mode,
        "small_image": small_image,
        "small_correlation": small_corr,
        "small_convolution": small_conv,
        "small_result": small_corr if mode == "correlate" else small_conv,
        "image": image,
        "image_result": image_corr if mode == "correlate" else image_conv,
        "image_other": image_conv if mode == "correlate" else image_corr,
        "flip_gap": flip_gap,
        "differ": differ,
        "text": text,
    }


class KernelExplorer(Explorer):
    """Explorer with an editable kernel grid; see :func:`kernel_explorer`."""

    @property
    def cells(self) -> list[list[ipw.FloatText]]:
        """The kernel's FloatText cells as a list of rows."""
        size = self.controls["size"].value
        return [[self.controls[f"k{r}{c}"] for c in range(size)] for r in range(size)]

    @property
    def kernel(self) -> np.ndarray:
        """The kernel in the cells, as a (size, size) float array."""
        return np.array([[cell.value for cell in row] for row in self.cells], dtype=float)

    def load_preset(self, name: str) -> None:
        """Write preset ``name`` into the cells and redraw once."""
        values = kernel_preset(name, self.controls["size"].value)
        with self.hold_updates():
            for r, row in enumerate(self.cells):
                for c, cell in enumerate(row):
                    cell.value = float(np.round(values[r, c], 4))
        if not self._suspended:
            self.update()


def kernel_explorer(image: ArrayLike | None = None) -> KernelExplorer:
    """Edit a 3x3 or 5x5 kernel and compare cross-correlation with convolution.

    Controls: ``size`` (3 or 5), ``preset``, ``mode`` ("correlate" or "convolve") and the
    cells ``k00`` ... ``k44`` (``explorer.cells`` gives the visible ones as rows). Shows the
    source document's 3x3 image with both results printed, and the chosen result on a
    real image. ``state`` is :func:`kernel_demo`'s dict.

    Taught in notebooks/02_core_concepts.ipynb.
    """
    image = data.camera(size=128) if image is None else np.asarray(image, dtype=float)
    small_image, _ = data.source_example()
    cells = {
        f"k{r}{c}": ipw.FloatText(
            value=0.0, step=0.1, layout=ipw.Layout(width="4.5em"), continuous_update=False
        )
        for r in range(5)
        for c in range(5)
    }
    size = ipw.ToggleButtons(options=[("3x3", 3), ("5x5", 5)], value=3, description="size")
    preset = ipw.Dropdown(
        options=["custom", *KERNEL_PRESETS], value="source [[1,0,-1]]x3", description="preset"
    )
    mode = ipw.ToggleButtons(
        options=[("cross-correlation", "correlate"), ("convolution", "convolve")],
        value="correlate",
        description="operation",
        style={"button_width": "auto"},  # the labels are never cut off
    )
    grid = ipw.GridBox(layout=ipw.Layout(grid_template_columns="repeat(3, 4.8em)"))
    controls = {"size": size, "preset": preset, "mode": mode, **cells}

    def compute(explorer):
        return kernel_demo(explorer.kernel, mode.value, small_image, image)

    names = {"correlate": "cross-correlation", "convolve": "convolution"}
    other = {"correlate": "convolve", "convolve": "correlate"}

    def draw(fig, state):
        axes = fig.subplots(1, 3)
        for ax, array, title in zip(
            axes,
            (state["image"], state["image_result"], state["image_other"]),
            (
                tr("input"),
                tr("{name} (chosen)", name=tr(names[state["mode"]])),
                tr("{name} (the other)", name=tr(names[other[state["mode"]]])),
            ),
        ):
            ax.imshow(array, cmap="gray", interpolation="nearest")
            ax.set_title(title, fontsize=10)
            ax.axis("off")

    explorer = KernelExplorer(
        "Kernel explorer: cross-correlation vs convolution",
        controls,
        compute,
        draw,
        [ipw.HBox([size, preset]), mode, grid],
        (9, 3.2),
        observe=["mode", *cells],
        initial_update=False,
    )

    def show_grid():
        n = size.value
        grid.layout.grid_template_columns = f"repeat({n}, 4.8em)"
        grid.children = [cells[f"k{r}{c}"] for r in range(n) for c in range(n)]

    def on_size(change):
        show_grid()
        explorer.load_preset(preset.value if preset.value != "custom" else "identity")

    def on_preset(change):
        if change["new"] != "custom":
            explorer.load_preset(change["new"])

    def on_cell(change):
        # A hand edit turns the preset into "custom" without rewriting the cells.
        if not explorer._suspended and preset.value != "custom":
            with explorer.hold_updates():
                preset.value = "custom"

    # size and preset redraw through load_preset (once), not through Explorer's observer.
    size.observe(on_size, names="value")
    preset.observe(on_preset, names="value")
    for cell in cells.values():
        cell.observe(on_cell, names="value")
    show_grid()
    explorer.load_preset(preset.value)
    return explorer
