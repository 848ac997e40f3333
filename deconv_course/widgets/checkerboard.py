"""The checkerboard explorer: how evenly an upsampler's kernel taps cover the output.

Taught in notebooks/05_trends_and_challenges.ipynb.
"""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from .. import plotting
from ..i18n import translate as tr
from .explorer import Explorer

__all__ = ["checkerboard_demo", "checkerboard_explorer"]


def checkerboard_demo(
    kernel_size: int, stride: int, num_layers: int = 1, method: str = "transposed", input_size: int = 4
) -> dict:
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
        if method == "transposed":  # taps missing within k - 1 of the edge
            margin = margin * stride + kernel_size - 1
        elif method == "resize_conv":  # upsample, then a 'same' conv's zero padding
            margin = margin * stride + kernel_size // 2
        else:  # 'same' conv at low resolution, then shuffle
            margin = (margin + kernel_size // 2) * stride
    interior = counts[margin : counts.shape[0] - margin, margin : counts.shape[1] - margin]
    if interior.size == 0:
        # Every pixel is near a border: there is no interior to judge evenness on.
        interior, margin = counts, 0
        lo, hi, ratio, uniform = float(counts.min()), float(counts.max()), float("nan"), None
        verdict = tr("no interior at this input size: increase the input size to judge")
    else:
        lo, hi = float(interior.min()), float(interior.max())
        uniform = bool(np.isclose(lo, hi))
        ratio = hi / lo if lo > 0 else float("inf")
        verdict = tr(
            "uniform interior: no checkerboard" if uniform else "UNEVEN overlap: checkerboard pattern"
        )
    normalized = counts / float(interior.mean())
    label = {
        "transposed": tr("transposed convolution"),
        "resize_conv": tr("resize then convolve"),
        "pixel_shuffle": tr("pixel shuffle (sub-pixel convolution)"),
    }[method]
    text = "\n".join(
        [
            tr(
                "{label}: kernel {k}, stride {s}, {n} layer(s), input {i}x{i} -> output {h}x{w}",
                label=label,
                k=kernel_size,
                s=stride,
                n=num_layers,
                i=input_size,
                h=counts.shape[0],
                w=counts.shape[1],
            ),
            f"kernel_size % stride = {kernel_size % stride}",
            tr(
                "interior overlap counts: min {lo:g}, max {hi:g}, max/min = {ratio:.2f}",
                lo=lo,
                hi=hi,
                ratio=ratio,
            ),
            verdict,
        ]
    )
    return {
        "counts": counts,
        "normalized": normalized,
        "margin": margin,
        "interior_min": lo,
        "interior_max": hi,
        "ratio": ratio,
        "uniform": uniform,
        "method": method,
        "text": text,
    }


def checkerboard_explorer() -> Explorer:
    """Kernel size, stride, number of layers and upsampling method; shows the overlap count
    map and the output of a uniform input (normalised so that 1 means even).

    Controls: ``kernel_size``, ``stride``, ``num_layers``, ``method``, ``input_size``.
    ``state`` is :func:`checkerboard_demo`'s dict.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    style = {"description_width": "7em"}
    controls = {
        "method": ipw.Dropdown(
            options=[
                ("transposed convolution", "transposed"),
                ("resize, then convolve", "resize_conv"),
                ("pixel shuffle", "pixel_shuffle"),
            ],
            value="transposed",
            description="method",
            style=style,
        ),
        "kernel_size": ipw.IntSlider(
            value=3, min=1, max=8, description="kernel size", continuous_update=False, style=style
        ),
        "stride": ipw.IntSlider(
            value=2, min=1, max=4, description="stride", continuous_update=False, style=style
        ),
        "num_layers": ipw.IntSlider(
            value=1, min=1, max=3, description="layers", continuous_update=False, style=style
        ),
        "input_size": ipw.IntSlider(
            value=4, min=2, max=12, description="input size", continuous_update=False, style=style
        ),
    }

    def compute(explorer):
        v = explorer.values()
        return checkerboard_demo(v["kernel_size"], v["stride"], v["num_layers"], v["method"], v["input_size"])

    def draw(fig, state):
        ax_counts, ax_image, ax_profile = fig.subplots(1, 3)
        plotting.show_array(state["counts"], ax=ax_counts, title=tr("overlap count map"), annotate=True)
        image = ax_image.imshow(state["normalized"], cmap="gray", interpolation="nearest")
        fig.colorbar(image, ax=ax_image, fraction=0.046, pad=0.04)
        ax_image.set_title(tr("uniform input -> output / interior mean"), fontsize=10)
        ax_image.axis("off")
        row = state["normalized"][state["normalized"].shape[0] // 2]
        ax_profile.plot(row, marker="o", markersize=3)
        m = state["margin"]
        if m:
            ax_profile.axvspan(-0.5, m - 0.5, color="#dddddd")
            ax_profile.axvspan(len(row) - m - 0.5, len(row) - 0.5, color="#dddddd")
        ax_profile.set_title(tr("middle row (grey: border)"), fontsize=10)
        ax_profile.set_ylim(bottom=0)

    rows = [
        controls["method"],
        ipw.HBox(
            [
                ipw.VBox([controls["kernel_size"], controls["stride"]]),
                ipw.VBox([controls["num_layers"], controls["input_size"]]),
            ]
        ),
    ]
    return Explorer("Checkerboard artifacts", controls, compute, draw, rows, (12, 3.8))
