"""The small models the notebooks train, and FCN's bilinear initialisation.

:class:`SourceDocCNN` (the source document's pad -> conv -> pool -> dense recipe), three
upsamplers that give the same shapes (:class:`TransposedConvUpsampler`,
:class:`ResizeConvUpsampler`, :class:`PixelShuffleUpsampler`), :class:`ConvAutoencoder`
and :func:`bilinear_kernel`. Every model runs unchanged on CPU, CUDA or MPS.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from deconv_course._checks import check_choice, check_int

__all__ = [
    "SourceDocCNN",
    "TransposedConvUpsampler",
    "ResizeConvUpsampler",
    "PixelShuffleUpsampler",
    "ConvAutoencoder",
    "bilinear_kernel",
]


def _odd_kernel(kernel_size, why: str) -> int:
    """``kernel_size`` as an odd int >= 1; ``why`` says what needs it odd."""
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size={kernel_size} must be odd so that {why}")
    return kernel_size


def _upsampler_args(channels, scale) -> tuple[int, int]:
    """The channels and the scale every upsampler takes, as ints >= 1."""
    return check_int(channels, "channels", minimum=1), check_int(scale, "scale", minimum=1)


class SourceDocCNN(nn.Module):
    """The source document's four-step recipe made real: pad -> conv -> average-pool -> dense.

    This is an ordinary CNN forward pass (a classifier), **not** a deconvolution,
    although the document calls it one: nothing in it runs "in reverse" or upsamples.
    Two things the document leaves out are added so that it can learn: a ReLU after the
    convolution and learned weights in the fully connected layer.

    Parameters
    ----------
    in_channels : int
        Channels of the input images (1 for the 8x8 digits).
    num_classes : int
        Number of classes (10 digits).
    kernel_size : int
        Odd kernel size; the input is zero-padded by ``kernel_size // 2`` (step 1) so
        the convolution (step 2) keeps the image size.
    hidden : int
        Number of convolution filters.
    image_size : int
        Height and width of the (square) input, used to size the dense layer.
    dropout : float
        Dropout probability before the dense layer (0 disables; used in notebook 05).

    Shapes
    ------
    input (N, in_channels, image_size, image_size) -> pad -> (N, in, S + 2p, S + 2p)
    -> conv -> (N, hidden, S, S) -> avg-pool 2 -> (N, hidden, S//2, S//2)
    -> flatten -> (N, hidden * (S//2)**2) -> dense -> logits (N, num_classes).

    Taught in notebooks/02_core_concepts.ipynb.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        kernel_size: int = 3,
        hidden: int = 8,
        image_size: int = 8,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", minimum=1)
        num_classes = check_int(num_classes, "num_classes", minimum=2)
        kernel_size = _odd_kernel(kernel_size, "padding kernel_size // 2 keeps the image size")
        hidden = check_int(hidden, "hidden", minimum=1)
        image_size = check_int(image_size, "image_size", minimum=2)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout={dropout} must be in [0, 1)")
        pooled = image_size // 2
        self.pad = nn.ZeroPad2d(kernel_size // 2)  # step 1
        self.conv = nn.Conv2d(in_channels, hidden, kernel_size)  # step 2 (cross-correlation)
        self.pool = nn.AvgPool2d(2)  # step 3
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden * pooled * pooled, num_classes)  # step 4
        self.image_size = image_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(
                f"input of shape {tuple(x.shape)} must be (N, C, {self.image_size}, {self.image_size})"
            )
        x = torch.relu(self.conv(self.pad(x)))
        x = self.pool(x)
        return self.fc(self.dropout(torch.flatten(x, 1)))


def _transposed_padding(kernel_size: int, scale: int) -> tuple[int, int]:
    """padding and output_padding so that ConvTranspose2d(k, stride=scale) outputs scale * H.

    From H_out = (H - 1) * s - 2p + k + op = s * H  =>  2p - op = k - s, with 0 <= op < s.
    """
    excess = kernel_size - scale
    if excess >= 0:
        padding = (excess + 1) // 2
        output_padding = 2 * padding - excess
    else:
        padding, output_padding = 0, -excess
    if output_padding >= scale:
        raise ValueError(
            f"kernel_size={kernel_size} with scale={scale}: no padding gives exactly "
            f"{scale}x the input size (needs output_padding={output_padding} < stride={scale}); "
            "use kernel_size - scale even"
        )
    return padding, output_padding


class TransposedConvUpsampler(nn.Module):
    """Upsample by ``scale`` with one learned transposed convolution (a "deconvolution layer").

    Parameters
    ----------
    channels : int
        Input and output channels.
    scale : int
        Upsampling factor, used as the stride.
    kernel_size : int
        Kernel size. When it is not divisible by ``scale`` the kernel footprints overlap
        unevenly and the output shows checkerboard artifacts (Odena et al. 2016).

    Shapes
    ------
    (N, channels, H, W) -> (N, channels, scale * H, scale * W). ``padding`` and
    ``output_padding`` are chosen from H_out = (H - 1)s - 2p + k + op so that the
    size is exactly ``scale`` times; they are stored as attributes.

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """

    def __init__(self, channels: int, scale: int = 2, kernel_size: int = 4) -> None:
        super().__init__()
        channels, scale = _upsampler_args(channels, scale)
        kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
        self.padding, self.output_padding = _transposed_padding(kernel_size, scale)
        self.conv = nn.ConvTranspose2d(
            channels,
            channels,
            kernel_size,
            stride=scale,
            padding=self.padding,
            output_padding=self.output_padding,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class ResizeConvUpsampler(nn.Module):
    """Upsample by resizing (nearest or bilinear), then a stride-1 convolution.

    The fix Odena, Dumoulin & Olah (Distill 2016) recommend against checkerboard
    artifacts: every output pixel sees the same number of input pixels.

    Parameters
    ----------
    channels : int
        Input and output channels.
    scale : int
        Upsampling factor.
    kernel_size : int
        Odd kernel size of the convolution (padding ``kernel_size // 2`` keeps the size).
    mode : {"nearest", "bilinear"}
        Resize mode of ``F.interpolate`` (bilinear with ``align_corners=False``).

    Shapes
    ------
    (N, channels, H, W) -> (N, channels, scale * H, scale * W).

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """

    def __init__(self, channels: int, scale: int = 2, kernel_size: int = 3, mode: str = "nearest") -> None:
        super().__init__()
        channels, self.scale = _upsampler_args(channels, scale)
        kernel_size = _odd_kernel(kernel_size, "the convolution keeps the resized size")
        self.mode = check_choice(mode, "mode", ("nearest", "bilinear"))
        self.conv = nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "nearest":
            x = F.interpolate(x, scale_factor=self.scale, mode="nearest")
        else:
            x = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        return self.conv(x)


class PixelShuffleUpsampler(nn.Module):
    """Sub-pixel convolution (Shi et al. 2016, ESPCN): convolve to ``scale**2`` times the
    channels at low resolution, then rearrange them into space with ``nn.PixelShuffle``.

    A stride-``scale`` transposed convolution can be written exactly this way
    (Shi et al., "Is the deconvolution layer the same as a convolutional layer?", 2016).

    Parameters
    ----------
    channels, scale : int
        Input and output channels, and the upsampling factor.
    kernel_size : int
        Odd kernel size of the low-resolution convolution.

    Shapes
    ------
    (N, channels, H, W) -> conv -> (N, channels * scale**2, H, W)
    -> pixel shuffle -> (N, channels, scale * H, scale * W).

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """

    def __init__(self, channels: int, scale: int = 2, kernel_size: int = 3) -> None:
        super().__init__()
        channels, scale = _upsampler_args(channels, scale)
        kernel_size = _odd_kernel(kernel_size, "the convolution keeps the input size")
        self.conv = nn.Conv2d(channels, channels * scale * scale, kernel_size, padding=kernel_size // 2)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(self.conv(x))


class ConvAutoencoder(nn.Module):
    """A small convolutional autoencoder for 8x8 digits with a ConvTranspose2d decoder.

    Parameters
    ----------
    in_channels : int
        Image channels (1).
    hidden : tuple of two ints
        Channels after the first and second strided convolution.
    latent_dim : int
        Size of the code between encoder and decoder (a real bottleneck: 8x8 = 64 pixels
        are squeezed through ``latent_dim`` numbers).

    Shapes
    ------
    encoder: (N, 1, 8, 8) -> Conv2d(k3, s2, p1) -> (N, h0, 4, 4) -> Conv2d(k3, s2, p1)
    -> (N, h1, 2, 2) -> flatten + Linear -> code (N, latent_dim).
    decoder: code -> Linear -> (N, h1, 2, 2) -> ConvTranspose2d(k4, s2, p1) -> (N, h0, 4, 4)
    -> ConvTranspose2d(k4, s2, p1) -> (N, 1, 8, 8) -> sigmoid (pixels in [0, 1]).
    Each transposed convolution exactly undoes the halving in *shape*
    ((H - 1)*2 - 2 + 4 = 2H), not in value: the decoder's weights are learned.

    Taught in notebooks/04_code_examples.ipynb.
    """

    def __init__(
        self, in_channels: int = 1, hidden: tuple[int, int] = (16, 32), latent_dim: int = 10
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", minimum=1)
        latent_dim = check_int(latent_dim, "latent_dim", minimum=1)
        if len(hidden) != 2:
            raise ValueError(f"hidden={hidden!r} must be a pair of channel counts")
        h0, h1 = (check_int(h, "hidden", minimum=1) for h in hidden)
        self.hidden = (h0, h1)
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, h0, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(h0, h1, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(h1 * 2 * 2, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, h1 * 2 * 2),
            nn.ReLU(),
            nn.Unflatten(1, (h1, 2, 2)),
            nn.ConvTranspose2d(h1, h0, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(h0, in_channels, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, 8, 8) -> (N, latent_dim)."""
        if x.ndim != 4 or x.shape[-2:] != (8, 8):
            raise ValueError(f"input of shape {tuple(x.shape)} must be (N, C, 8, 8)")
        return self.encoder(x)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """(N, latent_dim) -> (N, C, 8, 8)."""
        return self.decoder(code)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def bilinear_kernel(channels: int, kernel_size: int) -> torch.Tensor:
    """Bilinear-interpolation weights for ``ConvTranspose2d(channels, channels, kernel_size)``.

    FCN (Long, Shelhamer & Darrell 2015, section 3.3) initialises its upsampling
    ("backwards strided convolution") layers this way. With ``kernel_size=4, stride=2,
    padding=1`` the layer equals ``F.interpolate(scale_factor=2, mode="bilinear",
    align_corners=False)`` away from the border.

    Parameters
    ----------
    channels : int
        Channels in and out; each channel is upsampled on its own (off-diagonal weights 0).
    kernel_size : int
        Use ``2 * factor`` for upsampling by ``factor`` (4 for x2).

    Returns
    -------
    torch.Tensor of shape (channels, channels, kernel_size, kernel_size), float32,
    in ConvTranspose2d's (in, out, kH, kW) layout.

    Notes
    -----
    With f = ceil(k / 2) and centre c = f - 1 (k odd) or f - 1/2 (k even), the 1-D
    weights are 1 - |i - c| / f, and the 2-D kernel is their outer product.
    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    channels = check_int(channels, "channels", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=2)
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    ramp = 1 - torch.abs(torch.arange(kernel_size, dtype=torch.float64) - center) / factor
    kernel2d = torch.outer(ramp, ramp).to(torch.float32)
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    weight[range(channels), range(channels)] = kernel2d
    return weight
