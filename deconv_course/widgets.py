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

from __future__ import annotations

import contextlib
import html
import io

import ipywidgets as ipw
import numpy as np

from . import arithmetic, data, numpy_ops, plotting, restoration

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

# Errors that a learner can cause by choosing settings; they are shown, not raised.
_SETTING_ERRORS = (ValueError, TypeError, RuntimeError)


def _figure(width, height):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=72, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.05)
    return fig


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()


def _pre(text):
    return f"<pre style='margin:0; line-height:1.3'>{html.escape(text)}</pre>"


def _error_html(message):
    return (f"<pre class='deconv-error' style='color:#b00020; white-space:pre-wrap; margin:0'>"
            f"{html.escape(message)}</pre>")


def _matrix_text(array, fmt="{:7.2f}"):
    rows = []
    for row in np.asarray(array, dtype=float):
        rows.append(" ".join(fmt.format(0.0 if v == 0 else v) for v in row))
    return "\n".join(rows)


def _side_by_side(blocks, gap="   "):
    """Join (title, text) blocks into columns, so small matrices sit next to each other."""
    columns = [[title, *text.splitlines()] for title, text in blocks]
    widths = [max(len(line) for line in column) for column in columns]
    height = max(len(column) for column in columns)
    lines = []
    for i in range(height):
        cells = [(column[i] if i < len(column) else "").ljust(width)
                 for column, width in zip(columns, widths)]
        lines.append(gap.join(cells).rstrip())
    return "\n".join(lines)


class Explorer(ipw.VBox):
    """A VBox holding named controls, a text area and a figure, redrawn on every change.

    Parameters
    ----------
    title : str
    controls : dict[str, ipywidgets.Widget]
    compute : callable(explorer) -> dict
        Reads the controls and returns the new :attr:`state` (must hold ``"text"``; an
        ``"error"`` message, or a ValueError/TypeError/RuntimeError, shows the message
        instead of the figure).
    draw : callable(figure, state)
        Draws ``state`` on an empty ``matplotlib.figure.Figure``.
    layout_rows : list of widgets
        How the controls are laid out above the text and the figure.
    figsize : (float, float)
    observe : list of str, optional
        Names of the controls that trigger :meth:`update` (default: all).
    initial_update : bool
        Compute and draw once at construction.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        The inputs, by name (e.g. ``controls["stride"]``).
    state : dict
        What was last computed and shown: arrays behind the figure, numbers, ``"text"``
        (the plain text on the page) and ``"error"`` (``None`` or the message shown).
    text : ipywidgets.HTML
        The printed output (shapes, values, PSNR, or the error message).
    figure : ipywidgets.Image
        The figure, as a PNG.
    """

    def __init__(self, title, controls, compute, draw, layout_rows, figsize, observe=None,
                 initial_update=True):
        self.controls = dict(controls)
        self.state = {}
        self.num_updates = 0
        self._compute = compute
        self._draw = draw
        self._figsize = figsize
        self._suspended = False
        self.text = ipw.HTML(layout=ipw.Layout(min_height="2em"))
        self.figure = ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))
        header = ipw.HTML(f"<b>{html.escape(title)}</b>")
        super().__init__(children=[header, *layout_rows, self.text, self.figure])
        self.add_class("deconv-explorer")
        for name in (self.controls if observe is None else observe):
            self.controls[name].observe(self._on_change, names="value")
        if initial_update:
            self.update()

    @property
    def last_result(self):
        """Alias of :attr:`state`."""
        return self.state

    def values(self):
        """The current control values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, change):
        if not self._suspended:
            self.update()

    def update(self):
        """Recompute from the control values and redraw (called on every change)."""
        self.num_updates += 1
        try:
            state = self._compute(self)
        except _SETTING_ERRORS as error:
            message = f"{type(error).__name__}: {error}"
            state = {"error": message, "text": message}
        state.setdefault("error", None)
        self.state = state
        if state["error"] is not None:
            # The message replaces the figure: a learner sees what rule was broken.
            self.text.value = _error_html(state["text"])
            self.figure.layout.display = "none"
            return
        fig = _figure(*self._figsize)
        self._draw(fig, state)
        self.figure.value = _png(fig)
        self.figure.layout.display = None
        # The text changes last, so once it shows the new numbers the figure has too.
        self.text.value = _pre(state["text"])

    @contextlib.contextmanager
    def hold_updates(self):
        """Change controls inside this block without redrawing after each change."""
        previous, self._suspended = self._suspended, True
        try:
            yield
        finally:
            self._suspended = previous

    def set_values(self, **values):
        """Set several controls at once and redraw once."""
        with self.hold_updates():
            for name, value in values.items():
                self.controls[name].value = value
        self.update()


# --------------------------------------------------------------------------------------
# 1. Kernel explorer: cross-correlation versus convolution
# --------------------------------------------------------------------------------------

def _binomial(size):
    row = np.array([1.0])
    for _ in range(size - 1):
        row = np.convolve(row, [1.0, 1.0])
    return np.outer(row, row) / row.sum() ** 2


def _embed(kernel, size):
    kernel = np.asarray(kernel, dtype=float)
    out = np.zeros((size, size))
    start = (size - kernel.shape[0]) // 2
    out[start:start + kernel.shape[0], start:start + kernel.shape[1]] = kernel
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


def kernel_preset(name, size=3):
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
    if name not in _PRESETS_3:
        raise ValueError(f"name={name!r} must be one of {KERNEL_PRESETS}")
    if size not in (3, 5):
        raise ValueError(f"size={size!r} must be 3 or 5")
    if size == 5 and name == "box blur":
        return np.full((5, 5), 1 / 25)
    if size == 5 and name == "Gaussian":
        return _binomial(5)
    return _embed(_PRESETS_3[name], size)


def kernel_demo(kernel, mode="correlate", small_image=None, image=None):
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
    if mode not in ("correlate", "convolve"):
        raise ValueError(f"mode={mode!r} must be 'correlate' or 'convolve'")
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {kernel.shape}")
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
    chosen = "cross-correlation" if mode == "correlate" else "convolution"
    text = "\n".join([
        _side_by_side([("kernel k", _matrix_text(kernel)),
                       ("flip(k), rotated 180 deg", _matrix_text(flipped))]),
        "",
        _side_by_side([("small image x", _matrix_text(small_image)),
                       ("cross-correlation (F.conv2d)", _matrix_text(small_corr)),
                       ("true convolution", _matrix_text(small_conv))]),
        "",
        "both 'same' size with zero padding; "
        f"shown on the image below: {chosen}",
        f"convolve2d(x, k) - correlate2d(x, flip(k)): max |difference| = {flip_gap:.1e}",
        ("correlation and convolution DIFFER for this kernel (it is not symmetric under flip)"
         if differ else "correlation and convolution AGREE (the kernel equals its flip)"),
    ])
    return {
        "kernel": kernel, "flipped": flipped, "mode": mode,
        "small_image": small_image, "small_correlation": small_corr,
        "small_convolution": small_conv,
        "small_result": small_corr if mode == "correlate" else small_conv,
        "image": image,
        "image_result": image_corr if mode == "correlate" else image_conv,
        "image_other": image_conv if mode == "correlate" else image_corr,
        "flip_gap": flip_gap, "differ": differ, "text": text,
    }


class KernelExplorer(Explorer):
    """Explorer with an editable kernel grid; see :func:`kernel_explorer`."""

    @property
    def cells(self):
        """The kernel's FloatText cells as a list of rows."""
        size = self.controls["size"].value
        return [[self.controls[f"k{r}{c}"] for c in range(size)] for r in range(size)]

    @property
    def kernel(self):
        """The kernel in the cells, as a (size, size) float array."""
        return np.array([[cell.value for cell in row] for row in self.cells], dtype=float)

    def load_preset(self, name):
        """Write preset ``name`` into the cells and redraw once."""
        values = kernel_preset(name, self.controls["size"].value)
        with self.hold_updates():
            for r, row in enumerate(self.cells):
                for c, cell in enumerate(row):
                    cell.value = float(np.round(values[r, c], 4))
        if not self._suspended:
            self.update()


def kernel_explorer(image=None):
    """Edit a 3x3 or 5x5 kernel and compare cross-correlation with convolution.

    Controls: ``size`` (3 or 5), ``preset``, ``mode`` ("correlate" or "convolve") and the
    cells ``k00`` ... ``k44`` (``explorer.cells`` gives the visible ones as rows). Shows the
    source document's 3x3 image with both results printed, and the chosen result on a
    real image. ``state`` is :func:`kernel_demo`'s dict.

    Taught in notebooks/02_core_concepts.ipynb.
    """
    image = data.camera(size=128) if image is None else np.asarray(image, dtype=float)
    small_image, _ = data.source_example()
    cells = {f"k{r}{c}": ipw.FloatText(value=0.0, step=0.1, layout=ipw.Layout(width="4.5em"),
                                       continuous_update=False)
             for r in range(5) for c in range(5)}
    size = ipw.ToggleButtons(options=[("3x3", 3), ("5x5", 5)], value=3, description="size")
    preset = ipw.Dropdown(options=["custom", *KERNEL_PRESETS], value="source [[1,0,-1]]x3",
                          description="preset")
    mode = ipw.ToggleButtons(options=[("cross-correlation", "correlate"),
                                      ("convolution", "convolve")],
                             value="correlate", description="operation")
    grid = ipw.GridBox(layout=ipw.Layout(grid_template_columns="repeat(3, 4.8em)"))
    controls = {"size": size, "preset": preset, "mode": mode, **cells}

    def compute(explorer):
        return kernel_demo(explorer.kernel, mode.value, small_image, image)

    names = {"correlate": "cross-correlation", "convolve": "convolution"}
    other = {"correlate": "convolve", "convolve": "correlate"}

    def draw(fig, state):
        axes = fig.subplots(1, 3)
        for ax, array, title in zip(axes, (state["image"], state["image_result"],
                                           state["image_other"]),
                                    ("input", f"{names[state['mode']]} (chosen)",
                                     f"{names[other[state['mode']]]} (the other)")):
            ax.imshow(array, cmap="gray", interpolation="nearest")
            ax.set_title(title, fontsize=10)
            ax.axis("off")

    explorer = KernelExplorer("Kernel explorer: cross-correlation vs convolution", controls,
                              compute, draw,
                              [ipw.HBox([size, preset]), mode, grid], (9, 3.2),
                              observe=["mode", *cells], initial_update=False)

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


# --------------------------------------------------------------------------------------
# 2. Convolution-arithmetic explorer
# --------------------------------------------------------------------------------------

def _torch_output_shape(input_size, kernel_size, stride, padding, dilation, output_padding,
                        transposed):
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, input_size, input_size)
    w = torch.zeros(1, 1, kernel_size, kernel_size)
    try:
        if transposed:
            y = F.conv_transpose2d(x, w, stride=stride, padding=padding,
                                   output_padding=output_padding, dilation=dilation)
        else:
            y = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    except RuntimeError as error:
        return None, f"RuntimeError: {str(error).splitlines()[0]}"
    return tuple(y.shape), None


def arithmetic_demo(input_size, kernel_size, stride=1, padding=0, dilation=1,
                    output_padding=0, transposed=False, step=0):
    """Output shape of a square convolution / transposed convolution, from the formula and
    from PyTorch, plus the grids to draw.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, dilation, output_padding : int
    transposed : bool
    step : int
        Output pixel (row-major) whose kernel footprint is drawn; clipped into range.

    Returns
    -------
    dict with ``output_shape`` (from ``arithmetic``, or ``None``), ``torch_shape`` (the
    (N, C, H, W) shape PyTorch returns, or ``None``), ``error`` (``None`` or the library's
    message), ``torch_error``, ``layout`` (:func:`plotting.conv_arithmetic_layout`),
    ``settings`` (the arguments, for :func:`plotting.draw_conv_arithmetic`) and ``text``. Illegal settings never raise: the messages are returned.

    Taught in notebooks/02_core_concepts.ipynb.
    """
    if not transposed:
        output_padding = 0
    settings = dict(stride=stride, padding=padding, dilation=dilation)
    torch_shape, torch_error = _torch_output_shape(input_size, kernel_size, stride, padding,
                                                   dilation, output_padding, transposed)
    try:
        if transposed:
            arithmetic.check_output_padding(output_padding, stride, dilation)
            shape = arithmetic.conv_transpose_output_size(
                input_size, kernel_size, output_padding=output_padding, **settings)
        else:
            shape = arithmetic.conv_output_size(input_size, kernel_size, **settings)
        shape = (int(shape), int(shape)) if np.ndim(shape) == 0 else tuple(int(v) for v in shape)
        step = int(min(max(step, 0), shape[0] * shape[1] - 1))
        layout = plotting.conv_arithmetic_layout(input_size, kernel_size, stride, padding,
                                                 dilation, output_padding, transposed, step)
        error = None
    except (ValueError, TypeError) as exc:
        shape, layout, error = None, None, f"{type(exc).__name__}: {exc}"

    k_eff = dilation * (kernel_size - 1) + 1
    if transposed:
        formula = (f"o = (i - 1)*s - 2p + d*(k - 1) + output_padding + 1 = ({input_size} - 1)*{stride}"
                   f" - 2*{padding} + {dilation}*({kernel_size} - 1) + {output_padding} + 1")
        name = "conv_transpose2d"
    else:
        formula = (f"o = floor((i + 2p - k_eff) / s) + 1 = floor(({input_size} + 2*{padding}"
                   f" - {k_eff}) / {stride}) + 1   (k_eff = d*(k - 1) + 1)")
        name = "conv2d"
    lines = [f"{name}: input {input_size}x{input_size}, kernel {kernel_size}x{kernel_size}, "
             f"stride {stride}, padding {padding}, dilation {dilation}"
             + (f", output_padding {output_padding}" if transposed else ""), formula]
    if error is None:
        lines.append(f"output shape (arithmetic): {shape[0]}x{shape[1]}")
    else:
        lines.append(f"error (deconv_course.arithmetic): {error}")
    if torch_error is None:
        lines.append(f"output shape (PyTorch):    {torch_shape[2]}x{torch_shape[3]}   "
                     f"(tensor shape {torch_shape})")
    else:
        lines.append(f"error (PyTorch): {torch_error}")
    if error is None and torch_shape is not None:
        agree = tuple(torch_shape[2:]) == tuple(shape)
        lines.append("arithmetic and PyTorch agree" if agree else "MISMATCH with PyTorch")
    settings = dict(input_size=input_size, kernel_size=kernel_size, stride=stride,
                    padding=padding, dilation=dilation, output_padding=output_padding,
                    transposed=transposed)
    return {"output_shape": shape, "torch_shape": torch_shape, "error": error,
            "torch_error": torch_error, "layout": layout, "step": step,
            "settings": settings, "text": "\n".join(lines)}


def arithmetic_explorer():
    """Sliders for input size, kernel size, stride, padding, dilation and output_padding,
    for convolution or transposed convolution, drawn like Dumoulin & Visin's figures.

    Controls: ``transposed``, ``input_size``, ``kernel_size``, ``stride``, ``padding``,
    ``dilation``, ``output_padding``, ``step``. The text shows the output shape from
    ``arithmetic`` and from PyTorch; illegal settings show the error messages instead.
    ``state`` is :func:`arithmetic_demo`'s dict.

    Taught in notebooks/02_core_concepts.ipynb.
    """

    def slider(description, value, low, high):
        return ipw.IntSlider(value=value, min=low, max=high, description=description,
                             continuous_update=True, style={"description_width": "8.5em"})

    controls = {
        "transposed": ipw.ToggleButtons(options=[("convolution", False),
                                                 ("transposed convolution", True)],
                                        value=False, description="operation"),
        "input_size": slider("input size", 4, 1, 9),
        "kernel_size": slider("kernel size", 3, 1, 5),
        "stride": slider("stride", 1, 1, 4),
        "padding": slider("padding", 0, 0, 4),
        "dilation": slider("dilation", 1, 1, 3),
        "output_padding": slider("output_padding", 0, 0, 3),
        "step": slider("step", 0, 0, 3),
    }

    def compute(explorer):
        v = explorer.values()
        controls["output_padding"].disabled = not v["transposed"]
        state = arithmetic_demo(v["input_size"], v["kernel_size"], v["stride"], v["padding"],
                                v["dilation"], v["output_padding"], v["transposed"], v["step"])
        if state["error"] is not None:
            return state
        # Keep the step slider's range equal to the number of output pixels.
        oh, ow = state["output_shape"]
        with explorer.hold_updates():
            controls["step"].max = oh * ow - 1
            controls["step"].value = state["step"]
        return state

    def draw(fig, state):
        plotting.draw_conv_arithmetic(**state["settings"], step=state["step"], fig=fig)

    rows = [controls["transposed"],
            ipw.HBox([ipw.VBox([controls[n] for n in ("input_size", "kernel_size", "stride")]),
                      ipw.VBox([controls[n] for n in ("padding", "dilation", "output_padding")])]),
            controls["step"]]
    return Explorer("Convolution arithmetic", controls, compute, draw, rows, (10, 3.6))


# --------------------------------------------------------------------------------------
# 3. Checkerboard explorer
# --------------------------------------------------------------------------------------

def checkerboard_demo(kernel_size, stride, num_layers=1, method="transposed", input_size=4):
    """Overlap counts of an upsampler on an all-ones input, and how uneven they are.

    Parameters
    ----------
    kernel_size, stride, num_layers, input_size : int
    method : {"transposed", "resize_conv", "pixel_shuffle"}
        See :func:`plotting.upsample_ones`.

    Returns
    -------
    dict with ``counts`` (:func:`plotting.upsample_ones`, (H, W)), ``normalized`` (counts
    divided by their interior mean: 1 everywhere means no checkerboard), ``margin`` (border
    width left out of the interior), ``interior_min``, ``interior_max``, ``ratio``
    (max / min over the interior), ``uniform`` (bool; ``None`` when the output has no
    interior at this input size), ``text``.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    counts = plotting.upsample_ones(method, kernel_size, stride, input_size, num_layers)
    # Border rows get fewer taps for every method; measure evenness away from them.
    margin = 0
    for _ in range(num_layers):
        if method == "transposed":       # taps missing within k - 1 of the edge
            margin = margin * stride + kernel_size - 1
        elif method == "resize_conv":    # upsample, then a 'same' conv's zero padding
            margin = margin * stride + kernel_size // 2
        else:                            # 'same' conv at low resolution, then shuffle
            margin = (margin + kernel_size // 2) * stride
    interior = counts[margin:counts.shape[0] - margin, margin:counts.shape[1] - margin]
    if interior.size == 0:
        # Every pixel is near a border: there is no interior to judge evenness on.
        interior, margin = counts, 0
        lo, hi, ratio, uniform = float(counts.min()), float(counts.max()), float("nan"), None
        verdict = "no interior at this input size: increase the input size to judge"
    else:
        lo, hi = float(interior.min()), float(interior.max())
        uniform = bool(np.isclose(lo, hi))
        ratio = hi / lo if lo > 0 else float("inf")
        verdict = ("uniform interior: no checkerboard" if uniform
                   else "UNEVEN overlap: checkerboard pattern")
    normalized = counts / float(interior.mean())
    label = {"transposed": "transposed convolution", "resize_conv": "resize then convolve",
             "pixel_shuffle": "pixel shuffle (sub-pixel convolution)"}[method]
    text = "\n".join([
        f"{label}: kernel {kernel_size}, stride {stride}, {num_layers} layer(s), "
        f"input {input_size}x{input_size} -> output {counts.shape[0]}x{counts.shape[1]}",
        f"kernel_size % stride = {kernel_size % stride}",
        f"interior overlap counts: min {lo:g}, max {hi:g}, max/min = {ratio:.2f}",
        verdict,
    ])
    return {"counts": counts, "normalized": normalized, "margin": margin,
            "interior_min": lo, "interior_max": hi, "ratio": ratio, "uniform": uniform,
            "method": method, "text": text}


def checkerboard_explorer():
    """Kernel size, stride, number of layers and upsampling method; shows the overlap count
    map and the output of a uniform input (normalised so that 1 means even).

    Controls: ``kernel_size``, ``stride``, ``num_layers``, ``method``, ``input_size``.
    ``state`` is :func:`checkerboard_demo`'s dict.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    style = {"description_width": "7em"}
    controls = {
        "method": ipw.Dropdown(options=[("transposed convolution", "transposed"),
                                        ("resize, then convolve", "resize_conv"),
                                        ("pixel shuffle", "pixel_shuffle")],
                               value="transposed", description="method", style=style),
        "kernel_size": ipw.IntSlider(value=3, min=1, max=8, description="kernel size",
                                     continuous_update=False, style=style),
        "stride": ipw.IntSlider(value=2, min=1, max=4, description="stride",
                                continuous_update=False, style=style),
        "num_layers": ipw.IntSlider(value=1, min=1, max=3, description="layers",
                                    continuous_update=False, style=style),
        "input_size": ipw.IntSlider(value=4, min=2, max=12, description="input size",
                                    continuous_update=False, style=style),
    }

    def compute(explorer):
        v = explorer.values()
        return checkerboard_demo(v["kernel_size"], v["stride"], v["num_layers"], v["method"],
                                 v["input_size"])

    def draw(fig, state):
        ax_counts, ax_image, ax_profile = fig.subplots(1, 3)
        plotting.show_array(state["counts"], ax=ax_counts, title="overlap count map",
                            annotate=True)
        image = ax_image.imshow(state["normalized"], cmap="gray", interpolation="nearest")
        fig.colorbar(image, ax=ax_image, fraction=0.046, pad=0.04)
        ax_image.set_title("uniform input -> output / interior mean", fontsize=10)
        ax_image.axis("off")
        row = state["normalized"][state["normalized"].shape[0] // 2]
        ax_profile.plot(row, marker="o", markersize=3)
        m = state["margin"]
        if m:
            ax_profile.axvspan(-0.5, m - 0.5, color="#dddddd")
            ax_profile.axvspan(len(row) - m - 0.5, len(row) - 0.5, color="#dddddd")
        ax_profile.set_title("middle row (grey: border)", fontsize=10)
        ax_profile.set_ylim(bottom=0)

    rows = [controls["method"],
            ipw.HBox([ipw.VBox([controls["kernel_size"], controls["stride"]]),
                      ipw.VBox([controls["num_layers"], controls["input_size"]])])]
    return Explorer("Checkerboard artifacts", controls, compute, draw, rows, (12, 3.8))


# --------------------------------------------------------------------------------------
# 4. Restoration explorer
# --------------------------------------------------------------------------------------

PSF_TYPES = ("box", "gaussian", "motion")
RESTORATION_METHODS = ("inverse", "wiener", "richardson_lucy")


def make_psf(kind, size):
    """A normalised PSF: ``box`` (size x size), ``gaussian`` (sigma = size / 4) or
    ``motion`` (horizontal, length = size). Taught in notebooks/03_algorithms_and_formulas.ipynb."""
    if kind not in PSF_TYPES:
        raise ValueError(f"kind={kind!r} must be one of {PSF_TYPES}")
    if kind == "box":
        return restoration.box_psf(size)
    if kind == "gaussian":
        return restoration.gaussian_psf(size, size / 4)
    return restoration.motion_psf(size, 0.0)


def restoration_demo(image, psf="gaussian", psf_size=7, noise_sigma=0.01, method="wiener",
                     balance=0.01, num_iter=30, seed=0):
    """Blur (circular) and add seeded Gaussian noise (clipped to [0, 1]), then restore;
    score with PSNR.

    Parameters
    ----------
    image : array_like (H, W) in [0, 1]
    psf : {"box", "gaussian", "motion"}
    psf_size : int
    noise_sigma : float >= 0
    method : {"inverse", "wiener", "richardson_lucy"}
    balance : float
        Wiener's noise-to-signal balance (ignored by the others).
    num_iter : int
        Richardson-Lucy iterations (ignored by the others).
    seed : int

    Returns
    -------
    dict with ``image``, ``psf``, ``degraded``, ``restored``, ``psnr_degraded``,
    ``psnr_restored`` (dB, borders of width ``psf_size`` cropped), ``parameter``, ``text``.

    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    if method not in RESTORATION_METHODS:
        raise ValueError(f"method={method!r} must be one of {RESTORATION_METHODS}")
    if noise_sigma < 0:
        raise ValueError(f"noise_sigma={noise_sigma} must be >= 0")
    image = np.asarray(image, dtype=float)
    kernel = make_psf(psf, psf_size)
    degraded = restoration.blur(image, kernel, boundary="circular")
    if noise_sigma > 0:
        # Clipped to [0, 1] like a sensor's values; Richardson-Lucy needs data >= 0.
        degraded = restoration.add_gaussian_noise(degraded, noise_sigma, seed=seed, clip=True)
    if method == "inverse":
        restored, parameter = restoration.inverse_filter(degraded, kernel), "eps = 0"
    elif method == "wiener":
        restored, parameter = restoration.wiener(degraded, kernel, balance), f"balance = {balance:g}"
    else:
        restored = restoration.richardson_lucy(degraded, kernel, num_iter=num_iter, clip=False)
        parameter = f"num_iter = {num_iter}"
    m = psf_size
    crop = (slice(m, -m), slice(m, -m)) if min(image.shape) > 4 * m else (slice(None),) * 2

    def score(estimate):
        return float(restoration.psnr(image[crop], estimate[crop], data_range=1.0))

    psnr_degraded, psnr_restored = score(degraded), score(restored)
    text = (f"{psf} PSF {psf_size}x{psf_size}, noise sigma {noise_sigma:g}, {method} ({parameter})\n"
            f"PSNR degraded: {psnr_degraded:.2f} dB   PSNR restored: {psnr_restored:.2f} dB   "
            f"change: {psnr_restored - psnr_degraded:+.2f} dB")
    return {"image": image, "psf": kernel, "degraded": degraded, "restored": restored,
            "psnr_degraded": psnr_degraded, "psnr_restored": psnr_restored,
            "parameter": parameter, "method": method, "text": text}


def restoration_explorer(image=None):
    """PSF type and size, noise level, method and its parameter; shows the degraded and
    restored images side by side with their PSNR.

    Controls: ``psf``, ``psf_size``, ``noise_sigma``, ``method``, ``balance`` (Wiener),
    ``num_iter`` (Richardson-Lucy). ``state`` is :func:`restoration_demo`'s dict.
    Try: inverse filter with and without noise; Richardson-Lucy from 5 to 300 iterations.

    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    image = data.camera(size=128) if image is None else np.asarray(image, dtype=float)
    style = {"description_width": "7em"}
    controls = {
        "psf": ipw.Dropdown(options=list(PSF_TYPES), value="gaussian", description="PSF",
                            style=style),
        "psf_size": ipw.IntSlider(value=7, min=3, max=15, step=2, description="PSF size",
                                  continuous_update=False, style=style),
        "noise_sigma": ipw.FloatSlider(value=0.01, min=0.0, max=0.1, step=0.001,
                                       readout_format=".3f", description="noise sigma",
                                       continuous_update=False, style=style),
        "method": ipw.Dropdown(options=[("inverse filter", "inverse"), ("Wiener", "wiener"),
                                        ("Richardson-Lucy", "richardson_lucy")],
                               value="wiener", description="method", style=style),
        "balance": ipw.FloatLogSlider(value=0.01, base=10, min=-5, max=1, step=0.1,
                                      description="balance", continuous_update=False,
                                      style=style),
        "num_iter": ipw.IntSlider(value=30, min=1, max=300, description="iterations",
                                  continuous_update=False, style=style),
    }

    def compute(explorer):
        v = explorer.values()
        controls["balance"].layout.display = None if v["method"] == "wiener" else "none"
        controls["num_iter"].layout.display = (None if v["method"] == "richardson_lucy"
                                               else "none")
        return restoration_demo(image, v["psf"], v["psf_size"], v["noise_sigma"], v["method"],
                                v["balance"], v["num_iter"])

    def draw(fig, state):
        plotting.show_images(
            [state["image"], state["degraded"], state["restored"]],
            titles=["original", f"degraded {state['psnr_degraded']:.2f} dB",
                    f"{state['method']} {state['psnr_restored']:.2f} dB"],
            fig=fig)

    rows = [ipw.HBox([ipw.VBox([controls["psf"], controls["psf_size"], controls["noise_sigma"]]),
                      ipw.VBox([controls["method"], controls["balance"],
                                controls["num_iter"]])])]
    return Explorer("Restoration: degraded vs restored", controls, compute, draw, rows,
                    (9, 3.3))
