"""Learned restoration: a small network that learns to deblur, and the honest comparison
with the classic filters of :mod:`deconv_course.restoration`.

:class:`RestorationNet` (an encoder-decoder CNN with a ``ConvTranspose2d`` decoder),
:func:`train_restoration_net`, :func:`restore_with_net`, :func:`classic_estimates` (Wiener
and Richardson-Lucy with their parameter picked by the truth, the oracle, and without it:
GCV and the discrepancy principle), :func:`compare_restoration` (classic vs learned on
held-out images) and :func:`comparison_table` (its rows as a table, in the learner's language). This module sits above
:mod:`deconv_course.torch_ops`, :mod:`deconv_course.restoration` and
:mod:`deconv_course.data`, which it combines; none of them imports it.
"""

from __future__ import annotations

import re

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deconv_course import data, restoration
from deconv_course._checks import check_choice, check_int, check_number
from deconv_course.i18n import display_width
from deconv_course.i18n import translate as tr
from deconv_course.torch_ops import to_tensor, train

__all__ = [
    "RestorationNet",
    "train_restoration_net",
    "restore_with_net",
    "classic_estimates",
    "compare_restoration",
    "comparison_table",
]


class RestorationNet(nn.Module):
    """A small encoder-decoder CNN that learns to deblur, predicting a correction to its input.

    Parameters
    ----------
    channels : int
        Feature channels at full resolution (twice as many at half resolution).
    upsample : {"transposed", "resize"}
        Decoder: ``ConvTranspose2d(k=4, s=2, p=1)`` (kernel divisible by the stride, so
        no checkerboard from uneven overlap) or nearest resize followed by a 3x3 conv.

    Shapes
    ------
    (N, 1, H, W) -> head conv 3x3 -> (N, c, H, W) -> strided conv (k4, s2, p1)
    -> (N, 2c, H/2, W/2) -> two 3x3 convs -> decoder -> (N, c, H, W)
    -> concatenated with the head features -> two 3x3 convs -> residual (N, 1, H, W);
    output = input + residual. Odd H or W work too (the decoder is given the output size).

    Notes
    -----
    The half-resolution path widens the receptive field (about 24 pixels) cheaply, so the
    network can undo blurs a few pixels wide; the skip connection keeps the fine detail;
    learning a residual means the untrained network starts near the identity.
    Taught in notebooks/05_trends_and_challenges.ipynb.
    """

    def __init__(self, channels: int = 16, upsample: str = "transposed") -> None:
        super().__init__()
        c = check_int(channels, "channels", minimum=1)
        self.upsample = check_choice(upsample, "upsample", ("transposed", "resize"))
        self.head = nn.Conv2d(1, c, 3, padding=1)
        self.down = nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)
        self.body = nn.Sequential(
            nn.Conv2d(2 * c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1),
            nn.ReLU(),
        )
        if upsample == "transposed":
            self.up = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        else:
            self.up = nn.Conv2d(2 * c, c, 3, padding=1)
        self.tail = nn.Sequential(
            nn.Conv2d(2 * c, c, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c, 1, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1 or min(x.shape[-2:]) < 2:
            raise ValueError(f"input of shape {tuple(x.shape)} must be (N, 1, H, W) with H, W >= 2")
        features = torch.relu(self.head(x))
        low = self.body(torch.relu(self.down(features)))
        size = features.shape[-2:]
        if self.upsample == "transposed":
            up = self.up(low, output_size=size)
        else:
            up = self.up(F.interpolate(low, size=size, mode="nearest"))
        return x + self.tail(torch.cat([torch.relu(up), features], dim=1))


def _degrade(image, psf, noise_sigma, seed):
    """The forward model of every comparison: circular blur, then Gaussian noise."""
    blurred = restoration.blur(image, psf, boundary="circular")
    return restoration.add_gaussian_noise(blurred, noise_sigma, seed=seed) if noise_sigma else blurred


def train_restoration_net(
    psf,
    noise_sigma: float = 0.01,
    *,
    patch_size: int = 32,
    num_patches: int = 2048,
    epochs: int = 8,
    batch_size: int = 32,
    lr: float = 2e-3,
    channels: int = 16,
    upsample: str = "transposed",
    exclude: tuple[str, ...] = ("astronaut",),
    image_size: int = 128,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> tuple[RestorationNet, dict[str, list[float]]]:
    """Train a :class:`RestorationNet` to undo blur by ``psf`` plus Gaussian noise.

    Parameters
    ----------
    psf : (kH, kW) array
        The blur to learn to undo (one network per blur).
    noise_sigma : float
        Standard deviation of the added Gaussian noise (images in [0, 1]).
    patch_size, num_patches : int
        Random square patches cut from the degraded training images.
    epochs, batch_size, lr : training settings (Adam, MSE loss).
    channels, upsample : passed to :class:`RestorationNet`.
    exclude : tuple of str
        Names from ``data.TRAINING_IMAGE_NAMES`` kept out of training so they can be test
        images. ``camera`` is never in the training set.
    image_size : int
        Training images are resized to this size before cutting patches.
    seed : int
        Seeds the patch positions, the noise, the initial weights and the shuffling.
    device, progress : see :func:`train`.

    Returns
    -------
    model : RestorationNet
        Trained, in evaluation mode, on ``device``.
    history : dict
        From :func:`train`; ``"val_loss"`` is measured on the last 10 % of the patches.

    Notes
    -----
    Each training image is blurred whole (circularly, as in :func:`compare_restoration`);
    each patch gets its own noise. Patches are (N, 1, P, P) float32 tensors.
    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    patch_size = check_int(patch_size, "patch_size", minimum=8)
    num_patches = check_int(num_patches, "num_patches", minimum=10)
    noise_sigma = check_number(noise_sigma, "noise_sigma", non_negative=True)
    unknown = set(exclude) - set(data.TRAINING_IMAGE_NAMES)
    if unknown:
        raise ValueError(
            f"exclude={tuple(exclude)!r}: {sorted(unknown)} are not training "
            f"images; choose from {data.TRAINING_IMAGE_NAMES}"
        )
    if patch_size > image_size:
        raise ValueError(f"patch_size={patch_size} must be <= image_size={image_size}")
    psf = np.asarray(psf, dtype=np.float64)
    images = [
        image
        for name, image in zip(data.TRAINING_IMAGE_NAMES, data.training_images(image_size))
        if name not in exclude
    ]
    blurred = [restoration.blur(image, psf, boundary="circular") for image in images]

    rng = np.random.default_rng(seed)
    inputs = np.empty((num_patches, 1, patch_size, patch_size), dtype=np.float32)
    targets = np.empty_like(inputs)
    for n in range(num_patches):
        k = rng.integers(len(images))
        top, left = rng.integers(0, image_size - patch_size + 1, size=2)
        window = (slice(top, top + patch_size), slice(left, left + patch_size))
        inputs[n, 0] = blurred[k][window] + noise_sigma * rng.standard_normal((patch_size,) * 2)
        targets[n, 0] = images[k][window]

    split = num_patches - max(1, num_patches // 10)
    torch.manual_seed(seed)
    model = RestorationNet(channels=channels, upsample=upsample)
    history = train(
        model,
        (inputs[:split], targets[:split]),
        (inputs[split:], targets[split:]),
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        loss="mse",
        seed=seed,
        device=device,
        progress=progress,
    )
    return model, history


def restore_with_net(model: nn.Module, image) -> np.ndarray:
    """Run a trained :class:`RestorationNet` on one blurred image.

    Parameters
    ----------
    model : RestorationNet
        Trained network (used on whatever device its weights are).
    image : (H, W) array
        Blurred, noisy image in [0, 1].

    Returns
    -------
    (H, W) float64 ndarray (not clipped).

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image of shape {image.shape} must be 2-D (H, W)")
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        x = to_tensor(np.asarray(image, dtype=np.float32), device=device)[None, None]
        return model(x)[0, 0].double().cpu().numpy()


def _score(truth, estimate, crop):
    window = (slice(crop, truth.shape[0] - crop), slice(crop, truth.shape[1] - crop))
    estimate = np.clip(estimate, 0.0, 1.0)  # every method is scored on a displayable image
    return (
        float(restoration.psnr(truth[window], estimate[window], data_range=1.0)),
        float(restoration.ssim(truth[window], estimate[window], data_range=1.0)),
    )


#: How each row's parameter was chosen; only ``"oracle"`` looks at the true image.
CHOICES = ("none", "oracle", "gcv", "discrepancy", "training")
DEFAULT_BALANCES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
DEFAULT_RL_ITERS = (2, 3, 5, 10, 20, 30, 50, 100)


def classic_estimates(
    degraded,
    psf,
    noise_sigma: float,
    truth=None,
    *,
    balances=DEFAULT_BALANCES,
    rl_iters=DEFAULT_RL_ITERS,
    crop: int | None = None,
) -> list[dict]:
    """The classic restorations of :func:`compare_restoration`, with their parameters chosen two ways.

    Parameters
    ----------
    degraded : (H, W) array
        The blurred, noisy image (circular blur, Gaussian noise), as it is: pixels the noise
        made negative are kept.
    psf : (kH, kW) array
    noise_sigma : float
        The noise's standard deviation, > 0 (the discrepancy rules need it; GCV does not).
    truth : (H, W) array, optional
        The true image. Only the ``"oracle"`` rows use it, and only to pick a grid value;
        without it they are left out. No other row depends on it.
    balances, rl_iters : sequences
        The oracle's grids for Wiener's ``balance`` and Richardson-Lucy's ``num_iter``;
        ``max(rl_iters)`` is also the iteration cap of the discrepancy stop.
    crop : int, optional
        Border left out when the oracle scores a candidate (default: the PSF size).

    Returns
    -------
    list of dict
        In order: blurred input, inverse filter, Wiener (oracle, GCV, discrepancy),
        Richardson-Lucy (oracle, discrepancy); each with keys ``"method"``, ``"choice"``
        (one of :data:`CHOICES`), ``"param"`` (a short string), ``"estimate"`` ((H, W) array).

    Notes
    -----
    Wiener uses the Laplacian regulariser (``restoration.laplacian_kernel()``, as
    scikit-image does). Its truth-free weights are :func:`restoration.gcv_balance` (needs
    neither the truth nor σ) and :func:`restoration.discrepancy_balance` (knows σ).
    Richardson-Lucy runs on the Gaussian data unclipped (``clip=False``), negative pixels
    included: it is the maximum-likelihood method for Poisson data, and these are not
    Poisson data. Its truth-free version is :func:`restoration.richardson_lucy_discrepancy`
    with the Gaussian rule (stop when the squared residual reaches N σ²); the ``param`` says
    when that never happened within the cap. Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    degraded = np.asarray(degraded, dtype=np.float64)
    if degraded.ndim != 2:
        raise ValueError(f"degraded of shape {degraded.shape} must be 2-D (H, W)")
    psf = np.asarray(psf, dtype=np.float64)
    noise_sigma = check_number(noise_sigma, "noise_sigma", positive=True)
    crop = max(psf.shape) if crop is None else check_int(crop, "crop", minimum=0)
    if truth is not None:
        truth = np.asarray(truth, dtype=np.float64)
        if truth.shape != degraded.shape:
            raise ValueError(
                f"truth of shape {truth.shape} must have the shape of degraded, {degraded.shape}"
            )
    rl_cap = check_int(max(rl_iters), "max(rl_iters)", minimum=1)
    reg = restoration.laplacian_kernel()  # scikit-image's default; beats reg=None here

    def row(method, choice, param, estimate):
        return {"method": method, "choice": choice, "param": param, "estimate": estimate}

    rows = [
        row("blurred input", "none", "", degraded),
        row("inverse filter", "none", "", restoration.inverse_filter(degraded, psf)),
    ]
    if truth is not None:
        wiener = {b: restoration.wiener(degraded, psf, b, reg=reg) for b in balances}
        best = max(balances, key=lambda b: _score(truth, wiener[b], crop)[0])
        rows.append(
            row(
                "Wiener",
                "oracle",
                f"balance={best:.3g}, best PSNR on the grid (uses the truth)",
                wiener[best],
            )
        )
    gcv = restoration.gcv_balance(degraded, psf, reg=reg)
    rows.append(
        row(
            "Wiener",
            "gcv",
            f"balance={gcv:.3g}, GCV (no truth, no sigma)",
            restoration.wiener(degraded, psf, gcv, reg=reg),
        )
    )
    morozov = restoration.discrepancy_balance(degraded, psf, noise_sigma, reg=reg)
    rows.append(
        row(
            "Wiener",
            "discrepancy",
            f"balance={morozov:.3g}, discrepancy principle (knows sigma)",
            restoration.wiener(degraded, psf, morozov, reg=reg),
        )
    )
    if truth is not None:
        rl = {n: restoration.richardson_lucy(degraded, psf, num_iter=n, clip=False) for n in rl_iters}
        best_iter = max(rl_iters, key=lambda n: _score(truth, rl[n], crop)[0])
        rows.append(
            row(
                "Richardson-Lucy",
                "oracle",
                f"num_iter={best_iter}, best PSNR on the grid (uses the truth)",
                rl[best_iter],
            )
        )
    estimate, done = restoration.richardson_lucy_discrepancy(
        degraded,
        psf,
        "gaussian",
        noise_sigma=noise_sigma,
        max_iter=rl_cap,
        clip=False,
        return_iterations=True,
    )
    stopped = (
        f"stopped at num_iter={done}"
        if done < rl_cap
        else f"never reached N sigma^2: ran to the cap, {rl_cap}"
    )
    rows.append(row("Richardson-Lucy", "discrepancy", f"discrepancy stop (knows sigma), {stopped}", estimate))
    return rows


def compare_restoration(
    images: dict[str, np.ndarray] | None = None,
    psf=None,
    noise_sigma: float = 0.01,
    seed: int = 0,
    *,
    net: nn.Module | None = None,
    balances=DEFAULT_BALANCES,
    rl_iters=DEFAULT_RL_ITERS,
    crop: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    train_kwargs: dict | None = None,
) -> list[dict]:
    """Classic deconvolution against the learned one, on held-out images.

    Each image is blurred (circularly) by ``psf``, Gaussian noise is added, and the
    result is restored by: nothing (the blurred input), the inverse filter, Wiener,
    Richardson-Lucy and a trained :class:`RestorationNet`. Wiener and Richardson-Lucy
    appear twice or three times: with the parameter picked using the true image (the
    oracle, which no real user has) and with it picked from the data alone (see
    :func:`classic_estimates`).

    Parameters
    ----------
    images : dict name -> (H, W) array, optional
        Default: ``camera`` and ``astronaut`` at 128x128, neither of which the network
        sees in training.
    psf : (kH, kW) array, optional
        Default: the 5x5 box blur ``restoration.box_psf(5)``.
    noise_sigma : float
        Standard deviation of the Gaussian noise, > 0.
    seed : int
        Seeds the noise (image i gets ``seed + i``) and the network's training.
    net : RestorationNet, optional
        A network already trained for this ``psf`` and ``noise_sigma``; by default one is
        trained with :func:`train_restoration_net` (about 20 s on two idle CPU cores with
        the default settings; pass e.g. ``train_kwargs={"epochs": 4}`` for a quicker run).
    balances, rl_iters : sequences
        The oracle's grids for Wiener's ``balance`` (with the Laplacian regulariser,
        ``restoration.laplacian_kernel()``, as in scikit-image) and Richardson-Lucy's
        ``num_iter``; ``max(rl_iters)`` caps the discrepancy stop.
    crop : int, optional
        Border left out of the scores (default: the PSF size).
    device, progress : for the network (see :func:`train`).
    train_kwargs : dict, optional
        Extra arguments for :func:`train_restoration_net`.

    Returns
    -------
    list of dict
        One row per image and method with keys ``"image"``, ``"method"``, ``"choice"``
        (how the parameter was chosen, one of :data:`CHOICES`), ``"uses_truth"`` (True only
        for the oracle rows), ``"param"`` (a short string), ``"psnr"`` (dB) and ``"ssim"``,
        all on [0, 1]-clipped results.

    Notes
    -----
    The oracle rows flatter the classics: Wiener's ``balance`` and Richardson-Lucy's
    iteration count are chosen per image *with the true image* (the best PSNR on the
    grid); the truth-free rows show what a user without it gets. The network is trained
    once, on other images, and never sees the truth of the test images. The forward model
    is circular convolution, the one under which the inverse and Wiener filters are exact
    (the "inverse crime", which flatters them too); Richardson-Lucy assumes a zero
    boundary and is run on Gaussian data with its negative pixels (not clipped).
    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    if images is None:
        images = {"camera": data.camera(size=128), "astronaut": data.astronaut(size=128)}
    if not isinstance(images, dict) or not images:
        raise TypeError("images must be a non-empty dict mapping names to 2-D arrays")
    noise_sigma = check_number(noise_sigma, "noise_sigma", positive=True)
    psf = restoration.box_psf(5) if psf is None else np.asarray(psf, dtype=np.float64)
    crop = max(psf.shape) if crop is None else check_int(crop, "crop", minimum=0)
    if net is None:
        net, _ = train_restoration_net(
            psf, noise_sigma, seed=seed, device=device, progress=progress, **(train_kwargs or {})
        )

    rows = []
    for i, (name, truth) in enumerate(images.items()):
        truth = np.asarray(truth, dtype=np.float64)
        if truth.ndim != 2:
            raise ValueError(f"images[{name!r}] of shape {truth.shape} must be 2-D")
        degraded = _degrade(truth, psf, noise_sigma, seed + i)
        estimates = classic_estimates(
            degraded, psf, noise_sigma, truth, balances=balances, rl_iters=rl_iters, crop=crop
        )
        estimates.append(
            {
                "method": "RestorationNet",
                "choice": "training",
                "param": f"trained on other images, sigma={noise_sigma:g}",
                "estimate": restore_with_net(net, degraded),
            }
        )
        for r in estimates:
            psnr_db, ssim_value = _score(truth, r["estimate"], crop)
            rows.append(
                {
                    "image": name,
                    "method": r["method"],
                    "choice": r["choice"],
                    "uses_truth": r["choice"] == "oracle",
                    "param": r["param"],
                    "psnr": psnr_db,
                    "ssim": ssim_value,
                }
            )
    return rows


# A row's English ``param`` (code and tests read it) -> the same note in the learner's language.
_PARAM_NOTES = (
    (
        r"(?P<value>\S+), best PSNR on the grid \(uses the truth\)",
        lambda value: tr("{value}, best PSNR on the grid (uses the truth)", value=value),
    ),
    (
        r"(?P<value>\S+), GCV \(no truth, no sigma\)",
        lambda value: tr("{value}, GCV (no truth, no sigma)", value=value),
    ),
    (
        r"(?P<value>\S+), discrepancy principle \(knows sigma\)",
        lambda value: tr("{value}, discrepancy principle (knows sigma)", value=value),
    ),
    (
        r"discrepancy stop \(knows sigma\), stopped at num_iter=(?P<n>\d+)",
        lambda n: tr("discrepancy stop (knows sigma), stopped at num_iter={n}", n=n),
    ),
    (
        r"discrepancy stop \(knows sigma\), never reached N sigma\^2: ran to the cap, (?P<cap>\d+)",
        lambda cap: tr(
            "discrepancy stop (knows sigma), never reached N sigma^2: ran to the cap, {cap}", cap=cap
        ),
    ),
    (
        r"trained on other images, sigma=(?P<sigma>\S+)",
        lambda sigma: tr("trained on other images, sigma={sigma}", sigma=sigma),
    ),
)


def _shown_param(param: str) -> str:
    for pattern, note in _PARAM_NOTES:
        match = re.fullmatch(pattern, param)
        if match:
            return note(**match.groupdict())
    return param


def _cell(text: str, width: int, right: bool = False) -> str:
    pad = " " * max(width - display_width(text), 0)
    return pad + text if right else text + pad


def comparison_table(rows: list[dict]) -> str:
    """The rows of :func:`compare_restoration` as a plain-text table, in the learner's language.

    Columns: image, method, choice, PSNR (dB), SSIM and parameter. Method, choice and the
    parameter's note are shown in the language of :func:`deconv_course.i18n.language`; the rows
    themselves keep their English keys and notes, which code looks up. Columns are aligned by
    display width (a Chinese character takes two columns).

    Parameters
    ----------
    rows : list of dict
        With keys ``"image"``, ``"method"``, ``"choice"``, ``"psnr"``, ``"ssim"``, ``"param"``.

    Returns
    -------
    str
        One header line and one line per row.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    methods = {
        "blurred input": tr("blurred input"),
        "inverse filter": tr("inverse filter"),
        "Wiener": tr("Wiener"),
        "Richardson-Lucy": tr("Richardson-Lucy"),
    }
    choices = {
        "none": tr("none"),
        "oracle": tr("oracle"),
        "gcv": tr("gcv"),
        "discrepancy": tr("discrepancy"),
        "training": tr("training"),
    }
    shown = [
        (
            str(r["image"]),
            methods.get(r["method"], str(r["method"])),
            choices.get(r["choice"], str(r["choice"])),
            f"{r['psnr']:.2f}",
            f"{r['ssim']:.3f}",
            _shown_param(str(r["param"])),
        )
        for r in rows
    ]
    head = (tr("image"), tr("method"), tr("choice"), "PSNR (dB)", "SSIM", tr("parameter"))
    # at least the English table's widths; wider where a translated name needs it
    widths = [max([w, *(display_width(line[i]) + 1 for line in shown)]) for i, w in enumerate((10, 17, 13))]
    lines = []
    for line in [head, *shown]:
        left = "".join(_cell(text, width) for text, width in zip(line[:3], widths))
        lines.append(f"{left}{_cell(line[3], 9, right=True)}{_cell(line[4], 7, right=True)}   {line[5]}")
    return "\n".join(lines)
