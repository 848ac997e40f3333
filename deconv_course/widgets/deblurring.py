"""The restoration explorer: blur, noise and a restoration method, scored with PSNR.

Taught in notebooks/03b_restoration_algorithms.ipynb.
"""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from .. import data, plotting, restoration
from .._checks import ArrayLike, check_choice, check_number
from ..i18n import translate as tr
from .explorer import Explorer

__all__ = ["PSF_TYPES", "RESTORATION_METHODS", "make_psf", "restoration_demo", "restoration_explorer"]

PSF_TYPES = ("box", "gaussian", "motion")
RESTORATION_METHODS = ("inverse", "wiener", "richardson_lucy")
METHOD_LABELS = {"inverse": "inverse filter", "wiener": "Wiener", "richardson_lucy": "Richardson-Lucy"}


def make_psf(kind: str, size: int) -> np.ndarray:
    """A normalised PSF: ``box`` (size x size), ``gaussian`` (sigma = size / 4) or
    ``motion`` (horizontal, length = size). Taught in notebooks/03b_restoration_algorithms.ipynb."""
    check_choice(kind, "kind", PSF_TYPES)
    if kind == "box":
        return restoration.box_psf(size)
    if kind == "gaussian":
        return restoration.gaussian_psf(size, size / 4)
    return restoration.motion_psf(size, 0.0)


def restoration_demo(
    image: ArrayLike,
    psf: str = "gaussian",
    psf_size: int = 7,
    noise_sigma: float = 0.01,
    method: str = "wiener",
    balance: float = 0.01,
    num_iter: int = 30,
    seed: int | np.random.Generator | None = 0,
) -> dict:
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

    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    check_choice(method, "method", RESTORATION_METHODS)
    noise_sigma = check_number(noise_sigma, "noise_sigma", non_negative=True)
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
    text = "\n".join(
        [
            tr(
                "{psf} PSF {size}x{size}, noise sigma {sigma:g}, {method} ({parameter})",
                psf=psf,
                size=psf_size,
                sigma=noise_sigma,
                method=method,
                parameter=parameter,
            ),
            tr(
                "PSNR degraded: {degraded:.2f} dB   PSNR restored: {restored:.2f} dB   change: {change:+.2f} dB",
                degraded=psnr_degraded,
                restored=psnr_restored,
                change=psnr_restored - psnr_degraded,
            ),
        ]
    )
    return {
        "image": image,
        "psf": kernel,
        "degraded": degraded,
        "restored": restored,
        "psnr_degraded": psnr_degraded,
        "psnr_restored": psnr_restored,
        "parameter": parameter,
        "method": method,
        "text": text,
    }


def restoration_explorer(image: ArrayLike | None = None) -> Explorer:
    """PSF type and size, noise level, method and its parameter; shows the degraded and
    restored images side by side with their PSNR.

    Controls: ``psf``, ``psf_size``, ``noise_sigma``, ``method``, ``balance`` (Wiener),
    ``num_iter`` (Richardson-Lucy). ``state`` is :func:`restoration_demo`'s dict.
    Try: inverse filter with and without noise; Richardson-Lucy from 5 to 300 iterations.

    Taught in notebooks/03b_restoration_algorithms.ipynb.
    """
    image = data.camera(size=128) if image is None else np.asarray(image, dtype=float)
    style = {"description_width": "7em"}
    controls = {
        "psf": ipw.Dropdown(options=list(PSF_TYPES), value="gaussian", description="PSF", style=style),
        "psf_size": ipw.IntSlider(
            value=7, min=3, max=15, step=2, description="PSF size", continuous_update=False, style=style
        ),
        "noise_sigma": ipw.FloatSlider(
            value=0.01,
            min=0.0,
            max=0.1,
            step=0.001,
            readout_format=".3f",
            description="noise sigma",
            continuous_update=False,
            style=style,
        ),
        "method": ipw.Dropdown(
            options=[(label, method) for method, label in METHOD_LABELS.items()],
            value="wiener",
            description="method",
            style=style,
        ),
        "balance": ipw.FloatLogSlider(
            value=0.01,
            base=10,
            min=-5,
            max=1,
            step=0.1,
            description="balance",
            continuous_update=False,
            style=style,
        ),
        "num_iter": ipw.IntSlider(
            value=30, min=1, max=300, description="iterations", continuous_update=False, style=style
        ),
    }

    def compute(explorer):
        v = explorer.values()
        controls["balance"].layout.display = None if v["method"] == "wiener" else "none"
        controls["num_iter"].layout.display = None if v["method"] == "richardson_lucy" else "none"
        return restoration_demo(
            image, v["psf"], v["psf_size"], v["noise_sigma"], v["method"], v["balance"], v["num_iter"]
        )

    def draw(fig, state):
        plotting.show_images(
            [state["image"], state["degraded"], state["restored"]],
            titles=[
                tr("original"),
                tr("degraded {psnr:.2f} dB", psnr=state["psnr_degraded"]),
                tr(
                    "{method} {psnr:.2f} dB",
                    method=tr(METHOD_LABELS[state["method"]]),
                    psnr=state["psnr_restored"],
                ),
            ],
            fig=fig,
        )

    rows = [
        ipw.HBox(
            [
                ipw.VBox([controls["psf"], controls["psf_size"], controls["noise_sigma"]]),
                ipw.VBox([controls["method"], controls["balance"], controls["num_iter"]]),
            ]
        )
    ]
    return Explorer("Restoration: degraded vs restored", controls, compute, draw, rows, (9, 3.3))
