"""Upsampling in practice: ICNR, a checkerboard meter, the grouped bilinear upsampler, and a
small x2 super-resolution experiment that compares upsamplers with one training budget.

* :func:`icnr_` initialises the convolution in front of ``nn.PixelShuffle`` so that the pair
  starts as nearest-neighbour resize followed by a convolution (Aitken et al. 2017);
* :func:`checkerboard_energy` measures a checkerboard: the share of an image's non-constant
  spectral energy at the stride-periodic frequencies;
* :func:`bilinear_upsampler` is FCN's fixed bilinear upsampler as a *grouped* transposed
  convolution (``groups=C``: one 2-D kernel per channel instead of a C x C diagonal);
* :class:`SuperResolutionNet`, :func:`super_resolution_pairs` and
  :func:`train_super_resolution` train one small network per upsampler on the same patches
  with the same number of steps, measuring the artifact and the PSNR along the way.

Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deconv_course import restoration
from deconv_course._checks import as_float_array, check_choice, check_int, check_number
from deconv_course.torch_ops.models import (
    PixelShuffleUpsampler,
    ResizeConvUpsampler,
    TransposedConvUpsampler,
    bilinear_kernel,
)

__all__ = [
    "icnr_",
    "checkerboard_energy",
    "bilinear_upsampler",
    "UPSAMPLER_KINDS",
    "SuperResolutionNet",
    "super_resolution_pairs",
    "train_super_resolution",
]


def icnr_(
    weight: torch.Tensor,
    scale: int,
    init: Callable[[torch.Tensor], object] = nn.init.kaiming_normal_,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """ICNR initialisation (in place) of a convolution that feeds ``nn.PixelShuffle(scale)``.

    Parameters
    ----------
    weight : torch.Tensor, shape (C_out * scale**2, C_in, kH, kW)
        The ``Conv2d`` weight; changed in place.
    scale : int, >= 1
        The upscale factor of the pixel shuffle that follows.
    init : callable
        An in-place initialiser (``torch.nn.init.*_``) for one sub-kernel of shape
        (C_out, C_in, kH, kW).
    bias : torch.Tensor of shape (C_out * scale**2,), optional
        If given, every group of ``scale**2`` entries is set to its first entry, so that the
        bias does not differ between the sub-pixel positions either.

    Returns
    -------
    torch.Tensor
        ``weight``, after ``weight[c * scale**2 + j] = W0[c]`` for every sub-pixel j.

    Notes
    -----
    ``nn.PixelShuffle`` takes output channel c at sub-pixel (i, j) from input channel
    ``c * scale**2 + i * scale + j``. Giving all ``scale**2`` channels of a group the same
    kernel W0 makes every ``scale x scale`` output block constant: conv + pixel shuffle
    then equals ``F.interpolate(conv_W0(x), scale_factor=scale, mode="nearest")``, which has
    no checkerboard at initialisation (training may still introduce one).

    References
    ----------
    A. Aitken, C. Ledig, L. Theis, J. Caballero, Z. Wang, W. Shi, "Checkerboard artifact free
    sub-pixel convolution", arXiv:1707.02937, 2017.

    Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"weight must be a torch.Tensor, not {type(weight).__name__}")
    if weight.ndim != 4:
        raise ValueError(
            f"weight of shape {tuple(weight.shape)} must be 4-D (C_out * scale**2, C_in, kH, kW)"
        )
    scale = check_int(scale, "scale", minimum=1)
    groups = scale * scale
    if weight.shape[0] % groups:
        raise ValueError(
            f"weight has {weight.shape[0]} output channels, which must be divisible by scale**2 = {groups}"
        )
    if not callable(init):
        raise TypeError(f"init must be an in-place initialiser such as nn.init.kaiming_normal_, not {init!r}")
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"bias must be a tensor of shape ({weight.shape[0]},)")
    sub = torch.empty(
        (weight.shape[0] // groups, *weight.shape[1:]), dtype=weight.dtype, device=weight.device
    )
    init(sub)
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(groups, dim=0))
        if bias is not None:
            bias.copy_(bias.view(-1, groups)[:, :1].expand(-1, groups).reshape(-1).clone())
    return weight


def checkerboard_energy(images, stride: int = 2, reduction: str = "mean"):
    """Share of each image's non-constant spectral energy at the stride-periodic frequencies.

    Parameters
    ----------
    images : array_like or torch.Tensor, shape (..., H, W)
        One image or any batch of them; H and W must be divisible by ``stride``.
    stride : int, >= 2
        The period of the checkerboard (the upsampling factor).
    reduction : {"mean", "none"}
        Average over the leading axes (a float), or return one value per image.

    Returns
    -------
    float or ndarray of shape (...)
        Values in [0, 1]; 0 for a constant image.

    Notes
    -----
    With the 2-D DFT X[u, v] of one image, the stride-periodic frequencies are
    (a H / s, b W / s) for a, b in 0..s-1, except (0, 0) (the mean, DC):

        E = sum_{(a, b) != (0, 0)} |X[aH/s, bW/s]|^2 / sum_{(u, v) != (0, 0)} |X[u, v]|^2.

    An image with period s in both directions has all its energy there (E = 1); a
    smooth image almost none (E ~ 0); E does not change when the image is scaled by a
    constant or has a constant added. An image that is constant on every s x s block
    (nearest-neighbour upsampling) has E = 0 exactly.

    Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    x = as_float_array(images, "images").astype(np.float64, copy=False)
    if x.ndim < 2:
        raise ValueError(f"images of shape {x.shape} must have at least 2 dimensions (..., H, W)")
    stride = check_int(stride, "stride", minimum=2)
    check_choice(reduction, "reduction", ("mean", "none"))
    h, w = x.shape[-2:]
    if h % stride or w % stride:
        raise ValueError(f"images of size {(h, w)} must have H and W divisible by stride={stride}")
    power = np.abs(np.fft.fft2(x)) ** 2
    periodic = power[..., :: h // stride, :: w // stride].sum(axis=(-2, -1)) - power[..., 0, 0]
    total = power.sum(axis=(-2, -1)) - power[..., 0, 0]
    flat = total <= 1e-20 * power.sum(axis=(-2, -1))  # constant (or zero) up to rounding
    energy = np.where(flat, 0.0, periodic / np.where(flat, 1.0, total))
    energy = np.clip(energy, 0.0, 1.0)
    return float(energy.mean()) if reduction == "mean" else energy


def bilinear_upsampler(channels: int, scale: int = 2, learnable: bool = False) -> nn.ConvTranspose2d:
    """FCN's bilinear upsampler as a grouped transposed convolution (``groups=channels``).

    Parameters
    ----------
    channels : int
        Channels in and out; each channel is upsampled on its own.
    scale : int
        Upsampling factor.
    learnable : bool
        Whether the weight takes part in training (FCN kept its final upsampling fixed).

    Returns
    -------
    torch.nn.ConvTranspose2d
        ``ConvTranspose2d(channels, channels, k, stride=scale, padding=p, groups=channels,
        bias=False)`` with k = 2 scale - (scale mod 2) and p = (k - scale) / 2, so that
        (N, C, H, W) -> (N, C, scale H, scale W). Its weight has shape (C, 1, k, k): one
        bilinear kernel (:func:`bilinear_kernel`) per channel.

    Notes
    -----
    Away from a border of about ``scale`` pixels it equals ``F.interpolate(x, scale_factor=scale,
    mode="bilinear", align_corners=False)``; at the border it treats the outside as zeros.
    The dense ``bilinear_kernel(C, k)`` in a plain ``ConvTranspose2d`` computes the same with a
    (C, C, k, k) weight that is zero off the diagonal: C times the parameters and the
    multiply-adds. Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    channels = check_int(channels, "channels", minimum=1)
    scale = check_int(scale, "scale", minimum=1)
    if not isinstance(learnable, bool):
        raise TypeError(f"learnable={learnable!r} must be True or False")
    kernel_size = 2 * scale - scale % 2
    layer = nn.ConvTranspose2d(
        channels,
        channels,
        kernel_size,
        stride=scale,
        padding=(kernel_size - scale) // 2,
        groups=channels,
        bias=False,
    )
    with torch.no_grad():
        layer.weight.copy_(bilinear_kernel(1, kernel_size).expand(channels, 1, -1, -1))
    layer.weight.requires_grad_(learnable)
    return layer


#: The upsamplers that :class:`SuperResolutionNet` can be built with.
UPSAMPLER_KINDS = ("transposed_k3", "transposed_k4", "resize_conv", "pixel_shuffle", "pixel_shuffle_icnr")


class SuperResolutionNet(nn.Module):
    """A small x``scale`` super-resolution network whose only difference is its upsampler.

    Parameters
    ----------
    upsampler : {"transposed_k3", "transposed_k4", "resize_conv", "pixel_shuffle", "pixel_shuffle_icnr"}
        ``ConvTranspose2d`` with kernel 3 or 4 (:class:`TransposedConvUpsampler`),
        nearest resize then a 3x3 convolution (:class:`ResizeConvUpsampler`), or a 3x3
        convolution + pixel shuffle (:class:`PixelShuffleUpsampler`) from PyTorch's random
        initialisation or with :func:`icnr_` (weight and bias).
    channels : int
        Feature channels.
    scale : int
        Upsampling factor.

    Shapes
    ------
    (N, 1, H, W) -> subtract 1/2 -> Conv2d 3x3 -> ReLU -> (N, channels, H, W) -> upsampler
    -> (N, channels, scale H, scale W) -> ReLU -> Conv2d 3x3 -> add 1/2 -> (N, 1, scale H, scale W).
    (Pixels in [0, 1] are centred so that training spends no steps on the mean brightness.)

    Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """

    def __init__(self, upsampler: str, channels: int = 16, scale: int = 2) -> None:
        super().__init__()
        self.kind = check_choice(upsampler, "upsampler", UPSAMPLER_KINDS)
        channels = check_int(channels, "channels", minimum=1)
        scale = check_int(scale, "scale", minimum=2)
        self.head = nn.Conv2d(1, channels, 3, padding=1)
        if upsampler.startswith("transposed"):
            self.up = TransposedConvUpsampler(channels, scale, kernel_size=int(upsampler[-1]))
        elif upsampler == "resize_conv":
            self.up = ResizeConvUpsampler(channels, scale, kernel_size=3)
        else:
            self.up = PixelShuffleUpsampler(channels, scale, kernel_size=3)
            if upsampler == "pixel_shuffle_icnr":
                icnr_(self.up.conv.weight, scale, init=_conv_default_init, bias=self.up.conv.bias)
        self.tail = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # work on x - 1/2 and add 1/2 back, so that no steps go into learning the mean brightness
        return self.tail(torch.relu(self.up(torch.relu(self.head(x - 0.5))))) + 0.5


def _conv_default_init(weight: torch.Tensor) -> None:
    """PyTorch's default ``Conv2d`` weight initialisation, so ICNR changes only the structure."""
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5))


def super_resolution_pairs(
    images: Sequence[np.ndarray], num_patches: int = 512, patch_size: int = 64, scale: int = 2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random high-resolution patches and their low-resolution versions (block averages).

    Parameters
    ----------
    images : sequence of 2-D arrays
        Grey images in [0, 1], each at least ``patch_size`` in both directions.
    num_patches, patch_size, scale, seed : int
        ``patch_size`` must be divisible by ``scale``; the crops are drawn with
        ``np.random.default_rng(seed)``, images in turn.

    Returns
    -------
    low : torch.Tensor, shape (num_patches, 1, patch_size / scale, patch_size / scale)
        ``F.avg_pool2d(high, scale)``: each pixel the mean of its scale x scale block.
    high : torch.Tensor, shape (num_patches, 1, patch_size, patch_size), float32

    Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    num_patches = check_int(num_patches, "num_patches", minimum=1)
    patch_size = check_int(patch_size, "patch_size", minimum=2)
    scale = check_int(scale, "scale", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    if patch_size % scale:
        raise ValueError(f"patch_size={patch_size} must be divisible by scale={scale}")
    if isinstance(images, np.ndarray) or not isinstance(images, Sequence) or len(images) == 0:
        raise TypeError("images must be a non-empty list of 2-D arrays")
    arrays = [as_float_array(image, f"images[{i}]", ndim=2, what="(H, W)") for i, image in enumerate(images)]
    for i, image in enumerate(arrays):
        if min(image.shape) < patch_size:
            raise ValueError(f"images[{i}] of shape {image.shape} is smaller than patch_size={patch_size}")
    rng = np.random.default_rng(seed)
    patches = np.empty((num_patches, 1, patch_size, patch_size), dtype=np.float32)
    for n in range(num_patches):
        image = arrays[n % len(arrays)]
        top = rng.integers(0, image.shape[0] - patch_size + 1)
        left = rng.integers(0, image.shape[1] - patch_size + 1)
        patches[n, 0] = image[top : top + patch_size, left : left + patch_size]
    high = torch.from_numpy(patches)
    return F.avg_pool2d(high, scale), high


def _psnr(estimate: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean over the images of :func:`deconv_course.restoration.psnr` (dB), estimates clipped to [0, 1]."""
    pairs = zip(truth[:, 0].double().numpy(), estimate[:, 0].clamp(0, 1).double().numpy())
    return float(np.mean([restoration.psnr(reference, image) for reference, image in pairs]))


def train_super_resolution(
    model: nn.Module,
    train_pair: tuple[torch.Tensor, torch.Tensor],
    probes: dict[str, tuple[torch.Tensor, torch.Tensor]],
    *,
    steps: int = 300,
    batch_size: int = 16,
    lr: float = 2e-3,
    every: int = 50,
    seed: int = 0,
) -> dict:
    """Train ``model`` (low -> high, MSE, Adam) for a fixed number of steps, measuring as it goes.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, h, w) to (N, 1, H, W); trained in place on the CPU.
    train_pair : (low, high) pair of tensors
        From :func:`super_resolution_pairs`.
    probes : dict of name -> (low, high) pair of tensors
        Held-out images that are only measured, never trained on.
    steps, batch_size, every : int
        Optimiser steps, patches per step, and how often (in steps) to measure.
    lr : float
        Adam's learning rate.
    seed : int
        Seeds the order of the mini-batches (the same for every model with the same seed).

    Returns
    -------
    dict
        ``"step"``: 0, every, 2 every, ..., steps; ``"train_loss"``: the mean MSE of the
        mini-batches since the previous measurement (NaN at step 0); ``"energy"`` and
        ``"psnr"``: dicts with one list per probe, :func:`checkerboard_energy` of the model's
        outputs (stride = H / h) and their PSNR in dB (:func:`deconv_course.restoration.psnr`
        of each output clipped to [0, 1], averaged over the probe's images).

    Taught in notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    every = check_int(every, "every", minimum=1)
    lr = check_number(lr, "lr", positive=True)
    seed = check_int(seed, "seed", minimum=0)
    low, high = _pair(train_pair, "train_pair")
    if not isinstance(probes, dict) or not probes:
        raise TypeError("probes must be a non-empty dict of name -> (low, high) pairs")
    probes = {name: _pair(pair, f"probes[{name!r}]") for name, pair in probes.items()}
    stride = high.shape[-1] // low.shape[-1]
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict = {
        "step": [],
        "train_loss": [],
        "energy": {n: [] for n in probes},
        "psnr": {n: [] for n in probes},
    }

    def measure(step: int, loss: float) -> None:
        model.eval()
        with torch.no_grad():
            for name, (probe_low, probe_high) in probes.items():
                out = model(probe_low)
                history["energy"][name].append(checkerboard_energy(out[:, 0], stride=stride))
                history["psnr"][name].append(_psnr(out, probe_high))
        model.train()
        history["step"].append(step)
        history["train_loss"].append(loss)

    measure(0, float("nan"))
    losses = []
    for step in range(1, steps + 1):
        batch = torch.randint(0, low.shape[0], (batch_size,), generator=generator)
        loss = F.mse_loss(model(low[batch]), high[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % every == 0 or step == steps:
            measure(step, float(np.mean(losses)))
            losses = []
    model.eval()
    return history


def _pair(pair, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A (low, high) pair as float32 tensors of shapes (N, 1, h, w) and (N, 1, H, W)."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be a (low, high) pair of tensors")
    low, high = (torch.as_tensor(t, dtype=torch.float32) for t in pair)
    if low.ndim != 4 or high.ndim != 4 or low.shape[0] != high.shape[0] or high.shape[-1] % low.shape[-1]:
        raise ValueError(
            f"{name} must hold (N, 1, h, w) and (N, 1, H, W) tensors with the same N and H, W multiples of h, w"
        )
    return low, high
