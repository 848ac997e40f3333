"""The convolution-arithmetic explorer: output shapes from the formula and from PyTorch, drawn.

Taught in notebooks/02_core_concepts.ipynb.
"""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from .. import arithmetic, plotting
from ..i18n import translate as tr
from .explorer import Explorer

__all__ = ["arithmetic_demo", "arithmetic_explorer"]


def _torch_output_shape(input_size, kernel_size, stride, padding, dilation, output_padding, transposed):
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, input_size, input_size)
    w = torch.zeros(1, 1, kernel_size, kernel_size)
    try:
        if transposed:
            y = F.conv_transpose2d(
                x, w, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
            )
        else:
            y = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    except RuntimeError as error:
        return None, f"RuntimeError: {str(error).splitlines()[0]}"
    return tuple(y.shape), None


def arithmetic_demo(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    output_padding: int = 0,
    transposed: bool = False,
    step: int = 0,
) -> dict:
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
    torch_shape, torch_error = _torch_output_shape(
        input_size, kernel_size, stride, padding, dilation, output_padding, transposed
    )
    try:
        if transposed:  # checks output_padding against stride and dilation
            shape = arithmetic.conv_transpose_output_size(
                input_size, kernel_size, output_padding=output_padding, **settings
            )
        else:
            shape = arithmetic.conv_output_size(input_size, kernel_size, **settings)
        shape = (int(shape), int(shape)) if np.ndim(shape) == 0 else tuple(int(v) for v in shape)
        step = int(min(max(step, 0), shape[0] * shape[1] - 1))
        layout = plotting.conv_arithmetic_layout(
            input_size, kernel_size, stride, padding, dilation, output_padding, transposed, step
        )
        error = None
    except (ValueError, TypeError) as exc:
        shape, layout, error = None, None, f"{type(exc).__name__}: {exc}"

    k_eff = dilation * (kernel_size - 1) + 1
    if transposed:
        formula = (
            f"o = (i - 1)*s - 2p + d*(k - 1) + output_padding + 1 = ({input_size} - 1)*{stride}"
            f" - 2*{padding} + {dilation}*({kernel_size} - 1) + {output_padding} + 1"
        )
        name = "conv_transpose2d"
    else:
        formula = (
            f"o = floor((i + 2p - k_eff) / s) + 1 = floor(({input_size} + 2*{padding}"
            f" - {k_eff}) / {stride}) + 1   (k_eff = d*(k - 1) + 1)"
        )
        name = "conv2d"
    settings_line = tr(
        "{name}: input {i}x{i}, kernel {k}x{k}, stride {s}, padding {p}, dilation {d}, output_padding {op}"
        if transposed
        else "{name}: input {i}x{i}, kernel {k}x{k}, stride {s}, padding {p}, dilation {d}",
        name=name,
        i=input_size,
        k=kernel_size,
        s=stride,
        p=padding,
        d=dilation,
        op=output_padding,
    )
    lines = [settings_line, formula]
    if error is None:
        lines.append(tr("output shape (arithmetic): {h}x{w}", h=shape[0], w=shape[1]))
    else:  # the library's own message stays as it is (English, like every ValueError it raises)
        lines.append(tr("error (deconv_course.arithmetic): {error}", error=error))
    if torch_error is None:
        lines.append(
            tr(
                "output shape (PyTorch):    {h}x{w}   (tensor shape {shape})",
                h=torch_shape[2],
                w=torch_shape[3],
                shape=torch_shape,
            )
        )
    else:
        lines.append(tr("error (PyTorch): {error}", error=torch_error))
    if error is None and torch_shape is not None:
        agree = tuple(torch_shape[2:]) == tuple(shape)
        lines.append(tr("arithmetic and PyTorch agree" if agree else "MISMATCH with PyTorch"))
    settings = dict(
        input_size=input_size,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        output_padding=output_padding,
        transposed=transposed,
    )
    return {
        "output_shape": shape,
        "torch_shape": torch_shape,
        "error": error,
        "torch_error": torch_error,
        "layout": layout,
        "step": step,
        "settings": settings,
        "text": "\n".join(lines),
    }


def arithmetic_explorer() -> Explorer:
    """Sliders for input size, kernel size, stride, padding, dilation and output_padding,
    for convolution or transposed convolution, drawn like Dumoulin & Visin's figures.

    Controls: ``transposed``, ``input_size``, ``kernel_size``, ``stride``, ``padding``,
    ``dilation``, ``output_padding``, ``step``. The text shows the output shape from
    ``arithmetic`` and from PyTorch; illegal settings show the error messages instead.
    ``state`` is :func:`arithmetic_demo`'s dict.

    Taught in notebooks/02_core_concepts.ipynb.
    """

    def slider(description, value, low, high):
        return ipw.IntSlider(
            value=value,
            min=low,
            max=high,
            description=description,
            continuous_update=True,
            style={"description_width": "8.5em"},
        )

    controls = {
        "transposed": ipw.ToggleButtons(
            options=[("convolution", False), ("transposed convolution", True)],
            value=False,
            description="operation",
            # ipywidgets' fixed button width cut "transposed convolution" off: size to the label
            style={"description_width": "8.5em", "button_width": "auto"},
        ),
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
        state = arithmetic_demo(
            v["input_size"],
            v["kernel_size"],
            v["stride"],
            v["padding"],
            v["dilation"],
            v["output_padding"],
            v["transposed"],
            v["step"],
        )
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

    rows = [
        controls["transposed"],
        ipw.HBox(
            [
                ipw.VBox([controls[n] for n in ("input_size", "kernel_size", "stride")]),
                ipw.VBox([controls[n] for n in ("padding", "dilation", "output_padding")]),
            ]
        ),
        controls["step"],
    ]
    return Explorer("Convolution arithmetic", controls, compute, draw, rows, (10, 3.6))
