"""The 2014 meaning of "deconvolution": Zeiler & Fergus's deconvnet, on a small digit CNN.

:class:`SmallDigitCNN` is a two-block classifier (conv 3x3 -> ReLU -> max-pool 2, twice, then
a dense layer) whose forward pass records the max-pooling *switches* (where each maximum came
from). :func:`deconvnet_project` projects one activation of a chosen feature map back to pixel
space the way Zeiler & Fergus (2014) did: going down the network, each block is undone by

1. :func:`unpool` -- ``max_unpool2d`` with the recorded switches,
2. :func:`backward_relu` -- a ReLU, and
3. :func:`transposed_filter` -- ``conv_transpose2d`` with the block's own weights (``C^T``).

:func:`gradient_saliency` is the plain autograd gradient of the same activation with respect
to the input. The two differ only in step 2: the deconvnet rectifies the signal coming down,
the gradient masks it where the forward activation was zero; ``relu_rule="gradient"`` makes the
deconvnet compute the gradient, and ``relu_rule="guided"`` (both rules at once) is guided
backpropagation (Springenberg et al. 2015). None of this inverts the CNN.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from deconv_course._checks import check_choice, check_int, is_int

__all__ = [
    "SmallDigitCNN",
    "BlockRecord",
    "RELU_RULES",
    "strongest_activation",
    "unpool",
    "backward_relu",
    "transposed_filter",
    "deconvnet_project",
    "gradient_saliency",
]

RELU_RULES = ("deconvnet", "gradient", "guided")


class BlockRecord(NamedTuple):
    """What one conv -> ReLU -> max-pool block saw in the forward pass, for one batch.

    Attributes
    ----------
    pre_relu : torch.Tensor, (N, C, H, W)
        The convolution's output before the ReLU (the gradient's ReLU mask is ``pre_relu > 0``).
    switches : torch.Tensor of int64, (N, C, H // 2, W // 2)
        ``max_pool2d(..., return_indices=True)``'s indices: where in each 2x2 window the
        maximum was, as a flat index into the (H, W) map.
    pooled : torch.Tensor, (N, C, H // 2, W // 2)
        The block's output, the feature maps the next block (or the dense layer) reads.
    """

    pre_relu: torch.Tensor
    switches: torch.Tensor
    pooled: torch.Tensor


class SmallDigitCNN(nn.Module):
    """A small classifier with max-pooling switches: (conv 3x3 -> ReLU -> max-pool 2) x 2 -> dense.

    Parameters
    ----------
    in_channels : int
        Channels of the input images (1 for the digits).
    num_classes : int
        Number of classes (10 digits).
    channels : tuple of int
        Filters of each block, one block per entry; ``(8, 16)`` gives two blocks.
    image_size : int
        Height and width of the square input, divisible by ``2 ** len(channels)``
        (16 for the 8x8 digits enlarged twice).

    Shapes
    ------
    input (N, in_channels, S, S) -> block 1 -> (N, channels[0], S/2, S/2)
    -> block 2 -> (N, channels[1], S/4, S/4) -> flatten -> dense -> logits (N, num_classes).
    Every convolution has padding 1, so it keeps the size; each max-pool halves it.

    Notes
    -----
    :meth:`forward_with_switches` returns the logits and one :class:`BlockRecord` per block,
    what :func:`deconvnet_project` and :func:`gradient_saliency` need. Blocks are numbered
    from 1 (``layer=1`` is the block next to the pixels), as in Zeiler & Fergus's figures.
    Taught in notebooks/01b_deconvnet_2014.ipynb.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        channels: tuple[int, ...] = (8, 16),
        image_size: int = 16,
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", minimum=1)
        num_classes = check_int(num_classes, "num_classes", minimum=2)
        if not isinstance(channels, (tuple, list)) or not channels or not all(is_int(c) for c in channels):
            raise TypeError(f"channels={channels!r} must be a non-empty tuple of ints")
        channels = tuple(check_int(c, "channels", minimum=1) for c in channels)
        image_size = check_int(image_size, "image_size", minimum=2)
        shrink = 2 ** len(channels)
        if image_size % shrink:
            raise ValueError(
                f"image_size={image_size} must be divisible by 2 ** len(channels) = {shrink} "
                "(each block halves it)"
            )
        widths = (in_channels, *channels)
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, 3, padding=1) for c_in, c_out in zip(widths, widths[1:])
        )
        self.relus = nn.ModuleList(nn.ReLU() for _ in channels)  # modules, so hooks can reach them
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.fc = nn.Linear(channels[-1] * (image_size // shrink) ** 2, num_classes)
        self.in_channels = in_channels
        self.channels = channels
        self.image_size = image_size

    def forward_with_switches(self, x: torch.Tensor) -> tuple[torch.Tensor, list[BlockRecord]]:
        """Logits (N, num_classes) and one :class:`BlockRecord` per block (block 1 first)."""
        expected = (self.in_channels, self.image_size, self.image_size)
        if not isinstance(x, torch.Tensor) or x.ndim != 4 or tuple(x.shape[1:]) != expected:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"input of shape {shape} must be (N, {', '.join(map(str, expected))})")
        records = []
        for conv, relu in zip(self.convs, self.relus):
            pre_relu = conv(x)
            x, switches = self.pool(relu(pre_relu))
            records.append(BlockRecord(pre_relu, switches, x))
        return self.fc(torch.flatten(x, 1)), records

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_switches(x)[0]


# --------------------------------------------------------------------------- the three steps


def unpool(signal: torch.Tensor, switches: torch.Tensor, output_size) -> torch.Tensor:
    """Step 1 going down: put each value back where the 2x2 maximum came from, zeros elsewhere.

    ``signal`` and ``switches`` are (N, C, h, w); returns (N, C, H, W) with ``output_size = (H, W)``
    the size before pooling. This is ``F.max_unpool2d`` and equals the gradient of
    ``max_pool2d`` with respect to its input (the adjoint of "pick the maximum").
    Taught in notebooks/01b_deconvnet_2014.ipynb.
    """
    return F.max_unpool2d(signal, switches, kernel_size=2, output_size=tuple(output_size)[-2:])


def backward_relu(signal: torch.Tensor, pre_relu: torch.Tensor, rule: str = "deconvnet") -> torch.Tensor:
    """Step 2 going down: how the ReLU treats the signal (same shape as ``signal``).

    ``rule="deconvnet"``: ``relu(signal)`` -- rectify what comes down (Zeiler & Fergus 2014);
    ``rule="gradient"``: ``signal * (pre_relu > 0)`` -- the chain rule, masked by the forward pass;
    ``rule="guided"``: both, ``relu(signal) * (pre_relu > 0)`` (Springenberg et al. 2015).
    ``pre_relu`` is the forward pass's input to the ReLU (:attr:`BlockRecord.pre_relu`).
    Taught in notebooks/01b_deconvnet_2014.ipynb.
    """
    check_choice(rule, "rule", RELU_RULES)
    if rule == "deconvnet":
        return torch.relu(signal)
    mask = (pre_relu > 0).to(signal.dtype)
    if rule == "gradient":
        return signal * mask
    return torch.relu(signal) * mask


def transposed_filter(signal: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """Step 3 going down: filter with the block's own weights transposed, ``C^T signal``.

    ``signal`` is (N, out_channels, H, W); returns (N, in_channels, H, W) for the size-keeping
    convolutions of :class:`SmallDigitCNN`. It is ``F.conv_transpose2d`` with the same weight,
    stride, padding and dilation -- what a ``ConvTranspose2d`` layer computes and what backprop
    computes for the convolution's input; the bias plays no part.
    Taught in notebooks/01b_deconvnet_2014.ipynb.
    """
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"conv must be a torch.nn.Conv2d, not {type(conv).__name__}")
    return F.conv_transpose2d(
        signal,
        conv.weight,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups,
    )


# --------------------------------------------------------------------------- projections


def _prepare(model, x, layer, channel):
    """Check the arguments; return x as (1, C, S, S) in the model's dtype and device, and the ints."""
    if not isinstance(model, SmallDigitCNN):
        raise TypeError(f"model must be a SmallDigitCNN, not {type(model).__name__}")
    layer = check_int(layer, "layer", minimum=1, maximum=len(model.channels))
    channel = check_int(channel, "channel", minimum=0, maximum=model.channels[layer - 1] - 1)
    weight = model.convs[0].weight
    x = torch.as_tensor(x).detach().to(device=weight.device, dtype=weight.dtype)
    given, size = tuple(x.shape), model.image_size
    if x.ndim == 2 and model.in_channels == 1:
        x = x[None, None]
    elif x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or tuple(x.shape) != (1, model.in_channels, size, size):
        raise ValueError(
            f"x of shape {given} must be one image: ({size}, {size}), "
            f"({model.in_channels}, {size}, {size}) or (1, {model.in_channels}, {size}, {size})"
        )
    return x, layer, channel


def _select(pooled: torch.Tensor, channel: int, position) -> tuple[int, int]:
    """The (row, col) of the chosen activation in ``pooled[0, channel]``: ``position`` or the strongest."""
    h, w = pooled.shape[-2:]
    if position is None:
        flat = int(torch.argmax(pooled[0, channel]))
        return flat // w, flat % w
    if not isinstance(position, (tuple, list)) or len(position) != 2:
        raise TypeError(f"position={position!r} must be None or a (row, col) pair")
    return (
        check_int(position[0], "position[0]", minimum=0, maximum=h - 1),
        check_int(position[1], "position[1]", minimum=0, maximum=w - 1),
    )


def _squeeze(image: torch.Tensor, model: SmallDigitCNN) -> torch.Tensor:
    """(1, C, H, W) -> (H, W) for a one-channel model, else (C, H, W)."""
    return image[0, 0] if model.in_channels == 1 else image[0]


def strongest_activation(model: SmallDigitCNN, x, layer: int, channel: int) -> tuple[float, tuple[int, int]]:
    """The largest value of feature map ``channel`` of block ``layer`` for image ``x``, and where it is.

    ``x`` is one image, (S, S), (C, S, S) or (1, C, S, S). Returns ``(value, (row, col))`` in the
    pooled map of that block, of size (S / 2**layer, S / 2**layer).
    Taught in notebooks/01b_deconvnet_2014.ipynb.
    """
    x, layer, channel = _prepare(model, x, layer, channel)
    with torch.no_grad():
        pooled = model.forward_with_switches(x)[1][layer - 1].pooled
    row, col = _select(pooled, channel, None)
    return float(pooled[0, channel, row, col]), (row, col)


def deconvnet_project(
    model: SmallDigitCNN, x, layer: int, channel: int, *, position=None, relu_rule: str = "deconvnet"
) -> torch.Tensor:
    r"""Zeiler & Fergus's deconvnet: project one activation of a feature map back to pixel space.

    Parameters
    ----------
    model : SmallDigitCNN
        A (usually trained) model; its weights are used as they are, transposed.
    x : array_like or torch.Tensor
        One image, (S, S), (C, S, S) or (1, C, S, S).
    layer : int
        Which block's output to start from, 1 .. ``len(model.channels)``.
    channel : int
        Which feature map of that block, 0 .. ``model.channels[layer - 1] - 1``.
    position : (row, col), optional
        Which activation of the map to keep; default the strongest (:func:`strongest_activation`).
    relu_rule : {"deconvnet", "gradient", "guided"}
        How each ReLU treats the signal going down (:func:`backward_relu`).

    Returns
    -------
    torch.Tensor
        (S, S) for a one-channel model (else (C, S, S)), on the model's device.

    Notes
    -----
    Every activation of block ``layer`` is set to zero except the chosen one, which keeps its
    value :math:`a`. Then, for each block from ``layer`` down to 1: :func:`unpool` with the
    switches of the forward pass, :func:`backward_relu`, :func:`transposed_filter`. With
    ``relu_rule="gradient"`` the result is :math:`a \, \partial a / \partial x`, i.e.
    ``a * gradient_saliency(...)``. The result is a picture of what the activation responds
    to, not an inverse of the network: pooling and ReLU have discarded what cannot come back.
    Taught in notebooks/01b_deconvnet_2014.ipynb.

    References
    ----------
    M. D. Zeiler, R. Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014,
    arXiv:1311.2901, section 2.1.
    """
    x, layer, channel = _prepare(model, x, layer, channel)
    check_choice(relu_rule, "relu_rule", RELU_RULES)
    with torch.no_grad():
        records = model.forward_with_switches(x)[1]
        pooled = records[layer - 1].pooled
        row, col = _select(pooled, channel, position)
        signal = torch.zeros_like(pooled)
        signal[0, channel, row, col] = pooled[0, channel, row, col]  # keep only the chosen activation
        for index in range(layer - 1, -1, -1):
            record = records[index]
            signal = unpool(signal, record.switches, record.pre_relu.shape)
            signal = backward_relu(signal, record.pre_relu, relu_rule)
            signal = transposed_filter(signal, model.convs[index])
    return _squeeze(signal, model)


def gradient_saliency(model: SmallDigitCNN, x, layer: int, channel: int, *, position=None) -> torch.Tensor:
    r"""The plain gradient of one activation with respect to the input image (autograd).

    Same arguments as :func:`deconvnet_project` (without ``relu_rule``); returns
    :math:`\partial a / \partial x`, (S, S) for a one-channel model (else (C, S, S)), for the
    activation :math:`a` of feature map ``channel`` of block ``layer`` at ``position``
    (default: the strongest). Simonyan et al. (2014) call its magnitude a saliency map.
    Taught in notebooks/01b_deconvnet_2014.ipynb.
    """
    x, layer, channel = _prepare(model, x, layer, channel)
    x = x.clone().requires_grad_(True)
    with torch.enable_grad():
        pooled = model.forward_with_switches(x)[1][layer - 1].pooled
        row, col = _select(pooled.detach(), channel, position)
        (grad,) = torch.autograd.grad(pooled[0, channel, row, col], x)
    return _squeeze(grad, model)
