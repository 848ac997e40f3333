"""PyTorch side of the course: devices, small models, a seeded training loop, and
the classic deconvolution algorithms on tensors.

Four groups, in the order the notebooks use them:

* devices and tensors: :func:`pick_device` (CUDA -> Apple MPS -> CPU, overridable
  with the ``DECONV_DEVICE`` environment variable) and :func:`to_tensor`;
* the small models the notebooks train: :class:`SourceDocCNN` (the source document's
  pad -> conv -> pool -> dense recipe), three upsamplers that give the same shapes
  (:class:`TransposedConvUpsampler`, :class:`ResizeConvUpsampler`,
  :class:`PixelShuffleUpsampler`), :class:`ConvAutoencoder` and
  :func:`bilinear_kernel` (FCN's initialisation), trained by :func:`train`;
* image restoration on tensors with the same names and results as
  :mod:`deconv_course.restoration`: :func:`psf2otf`, :func:`inverse_filter`,
  :func:`wiener`, :func:`tikhonov`, :func:`richardson_lucy`;
* the learned counterpart: :class:`RestorationNet`, :func:`train_restoration_net`,
  :func:`restore_with_net` and :func:`compare_restoration` (classic vs learned on
  held-out images).

Every function runs unchanged on CPU, CUDA or MPS.
"""

from __future__ import annotations

import math
import os
import re
import time
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deconv_course import data, restoration

__all__ = [
    "pick_device",
    "to_tensor",
    "SourceDocCNN",
    "TransposedConvUpsampler",
    "ResizeConvUpsampler",
    "PixelShuffleUpsampler",
    "ConvAutoencoder",
    "bilinear_kernel",
    "train",
    "psf2otf",
    "inverse_filter",
    "wiener",
    "tikhonov",
    "richardson_lucy",
    "RestorationNet",
    "train_restoration_net",
    "restore_with_net",
    "compare_restoration",
    "one_thread",
    "best_time",
]

DEVICE_ENV = "DECONV_DEVICE"


@contextmanager
def one_thread():
    """Limit PyTorch and NumPy's BLAS to one thread inside a ``with`` block, then restore.

    Timings then compare algorithms, not core counts, and stay steady on a busy
    machine. Nothing changes outside the block.
    Taught in notebooks/05_trends_and_challenges.ipynb and notebooks/06_faq.ipynb.
    """
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


def best_time(fn, repeat=3) -> float:
    """Best of ``repeat`` wall-clock runs of ``fn()``, in seconds, after one warm-up call.

    The first call pays one-off set-up costs, so it is not timed; the minimum is
    the run least disturbed by other work on the machine.
    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise ValueError(f"repeat={repeat!r} must be an int >= 1")
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


DEVICE_ENV = "DECONV_DEVICE"
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
_ALLOWED_DEVICES = '"auto", "cpu", "cuda", "cuda:N" (N a GPU index) or "mps"'


# --------------------------------------------------------------------------- devices


def _check_device_available(device: torch.device, source: str) -> torch.device:
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{source} asks for {str(device)!r} but CUDA is not available "
                f"(torch {torch.__version__}, torch.cuda.is_available() is False); "
                "install a CUDA build of torch or choose 'cpu'"
            )
        index = 0 if device.index is None else device.index
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"{source} asks for {str(device)!r} but only "
                f"{torch.cuda.device_count()} CUDA device(s) exist"
            )
    elif device.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(f"{source} asks for 'mps' but Apple MPS is not available here")
    elif device.type != "cpu":
        raise ValueError(f"{source}={str(device)!r} must be one of {_ALLOWED_DEVICES}")
    return device


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """Choose the device to compute on: CUDA, then Apple MPS, then CPU.

    Parameters
    ----------
    prefer : str or torch.device, optional
        Explicit choice; it wins over everything. One of "auto", "cpu", "cuda",
        "cuda:N" or "mps".

    Returns
    -------
    torch.device

    Notes
    -----
    Order of precedence: ``prefer``, then the environment variable
    ``DECONV_DEVICE`` (same values), then the first available of CUDA, MPS, CPU.
    Asking for a device that is not available raises ``ValueError`` instead of
    silently falling back, so a GPU run never turns into a CPU run unnoticed.
    Taught in notebooks/00_start_here.ipynb.

    Examples
    --------
    >>> pick_device("cpu")
    device(type='cpu')
    """
    if prefer is not None:
        return _parse_device(prefer, "prefer")
    choice = os.environ.get(DEVICE_ENV, "")
    return _parse_device(choice if choice.strip() else "auto", DEVICE_ENV)


def _parse_device(choice, source: str) -> torch.device:
    """``choice`` (str or torch.device) as an available device; errors name ``source``."""
    if isinstance(choice, torch.device):
        return _check_device_available(choice, source)
    if not isinstance(choice, str):
        raise TypeError(
            f"{source}={choice!r} must be a str or torch.device, not {type(choice).__name__}"
        )
    name = choice.strip().lower()
    if not _DEVICE_PATTERN.match(name):
        raise ValueError(f"{source}={choice!r} is not a device; allowed values: {_ALLOWED_DEVICES}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return _check_device_available(torch.device(name), source)


def to_tensor(array, device=None, dtype=None) -> torch.Tensor:
    """Turn an array (or tensor, list, number) into a tensor on ``device``.

    Parameters
    ----------
    array : array_like or torch.Tensor
        Numeric data of any shape.
    device : str or torch.device, optional
        Where to put it. ``None`` keeps a tensor where it is and puts anything else
        on the CPU (``torch.as_tensor``'s rule); pass ``pick_device()`` for the GPU.
    dtype : torch.dtype, optional
        ``None`` keeps the array's dtype (NumPy float64 stays float64), except that
        float64 becomes float32 on MPS, which has no float64.

    Returns
    -------
    torch.Tensor
        Shares memory with a NumPy input when no copy is needed.
    """
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype={dtype!r} must be a torch.dtype such as torch.float32")
    if device is not None:
        device = _parse_device(device, "device")
    if isinstance(array, np.ndarray) and array.dtype.kind not in "biufc":
        raise TypeError(
            f"array has dtype {array.dtype}; to_tensor needs numbers (bool, int, float or complex)"
        )
    if not isinstance(array, torch.Tensor):
        try:
            array = torch.as_tensor(np.asarray(array))
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(f"array of type {type(array).__name__} cannot become a tensor: {error}")
    target = device if device is not None else array.device
    if dtype is None and target.type == "mps" and array.dtype == torch.float64:
        dtype = torch.float32
    return array.to(device=target, dtype=dtype)


# --------------------------------------------------------------------------- models


def _check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return int(value)


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

    def __init__(self, in_channels=1, num_classes=10, kernel_size=3, hidden=8, image_size=8,
                 dropout=0.0):
        super().__init__()
        in_channels = _check_positive_int(in_channels, "in_channels")
        num_classes = _check_positive_int(num_classes, "num_classes", 2)
        kernel_size = _check_positive_int(kernel_size, "kernel_size")
        hidden = _check_positive_int(hidden, "hidden")
        image_size = _check_positive_int(image_size, "image_size", 2)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size={kernel_size} must be odd so that padding "
                             "kernel_size // 2 keeps the image size")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout={dropout} must be in [0, 1)")
        pooled = image_size // 2
        self.pad = nn.ZeroPad2d(kernel_size // 2)                  # step 1
        self.conv = nn.Conv2d(in_channels, hidden, kernel_size)    # step 2 (cross-correlation)
        self.pool = nn.AvgPool2d(2)                                # step 3
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden * pooled * pooled, num_classes)  # step 4
        self.image_size = image_size

    def forward(self, x):
        if x.ndim != 4 or x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"input of shape {tuple(x.shape)} must be (N, C, "
                             f"{self.image_size}, {self.image_size})")
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

    def __init__(self, channels, scale=2, kernel_size=4):
        super().__init__()
        channels = _check_positive_int(channels, "channels")
        scale = _check_positive_int(scale, "scale")
        kernel_size = _check_positive_int(kernel_size, "kernel_size")
        self.padding, self.output_padding = _transposed_padding(kernel_size, scale)
        self.conv = nn.ConvTranspose2d(channels, channels, kernel_size, stride=scale,
                                       padding=self.padding, output_padding=self.output_padding)

    def forward(self, x):
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

    def __init__(self, channels, scale=2, kernel_size=3, mode="nearest"):
        super().__init__()
        channels = _check_positive_int(channels, "channels")
        self.scale = _check_positive_int(scale, "scale")
        kernel_size = _check_positive_int(kernel_size, "kernel_size")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size={kernel_size} must be odd so that the convolution "
                             "keeps the resized size")
        if mode not in ("nearest", "bilinear"):
            raise ValueError(f"mode={mode!r} must be 'nearest' or 'bilinear'")
        self.mode = mode
        self.conv = nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x):
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
    channels : int
        Input and output channels.
    scale : int
        Upsampling factor.
    kernel_size : int
        Odd kernel size of the low-resolution convolution.

    Shapes
    ------
    (N, channels, H, W) -> conv -> (N, channels * scale**2, H, W)
    -> pixel shuffle -> (N, channels, scale * H, scale * W).

    Taught in notebooks/05_trends_and_challenges.ipynb.
    """

    def __init__(self, channels, scale=2, kernel_size=3):
        super().__init__()
        channels = _check_positive_int(channels, "channels")
        scale = _check_positive_int(scale, "scale")
        kernel_size = _check_positive_int(kernel_size, "kernel_size")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size={kernel_size} must be odd so that the convolution "
                             "keeps the input size")
        self.conv = nn.Conv2d(channels, channels * scale * scale, kernel_size,
                              padding=kernel_size // 2)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
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

    def __init__(self, in_channels=1, hidden=(16, 32), latent_dim=10):
        super().__init__()
        in_channels = _check_positive_int(in_channels, "in_channels")
        latent_dim = _check_positive_int(latent_dim, "latent_dim")
        if len(hidden) != 2:
            raise ValueError(f"hidden={hidden!r} must be a pair of channel counts")
        h0, h1 = (_check_positive_int(h, "hidden") for h in hidden)
        self.hidden = (h0, h1)
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, h0, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(h0, h1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(h1 * 2 * 2, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, h1 * 2 * 2), nn.ReLU(), nn.Unflatten(1, (h1, 2, 2)),
            nn.ConvTranspose2d(h1, h0, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(h0, in_channels, 4, stride=2, padding=1), nn.Sigmoid(),
        )

    def encode(self, x):
        """(N, C, 8, 8) -> (N, latent_dim)."""
        if x.ndim != 4 or x.shape[-2:] != (8, 8):
            raise ValueError(f"input of shape {tuple(x.shape)} must be (N, C, 8, 8)")
        return self.encoder(x)

    def decode(self, code):
        """(N, latent_dim) -> (N, C, 8, 8)."""
        return self.decoder(code)

    def forward(self, x):
        return self.decode(self.encode(x))


def bilinear_kernel(channels, kernel_size) -> torch.Tensor:
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
    channels = _check_positive_int(channels, "channels")
    kernel_size = _check_positive_int(kernel_size, "kernel_size", 2)
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    ramp = 1 - torch.abs(torch.arange(kernel_size, dtype=torch.float64) - center) / factor
    kernel2d = torch.outer(ramp, ramp).to(torch.float32)
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    weight[range(channels), range(channels)] = kernel2d
    return weight


# --------------------------------------------------------------------------- training


_LOSSES = {"cross_entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss, "l1": nn.L1Loss}


def _as_dataset(pair, name: str, classification: bool):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be an (inputs, targets) pair of arrays or tensors")
    inputs = to_tensor(pair[0], device="cpu", dtype=torch.float32)
    targets = to_tensor(pair[1], device="cpu",
                        dtype=torch.int64 if classification else torch.float32)
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(f"{name}: inputs have {inputs.shape[0]} samples but targets have "
                         f"{targets.shape[0]}; they must match")
    if inputs.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    return torch.utils.data.TensorDataset(inputs, targets)


def _run_epoch(model, loader, loss_fn, device, classification, optimizer=None):
    """One pass over ``loader``; trains when an optimizer is given. Returns (loss, acc)."""
    model.train(optimizer is not None)
    total_loss, correct, count = 0.0, 0, 0
    with torch.set_grad_enabled(optimizer is not None):
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total_loss += loss.item() * len(inputs)
            count += len(inputs)
            if classification:
                correct += (outputs.argmax(dim=1) == targets).sum().item()
    return total_loss / count, (correct / count if classification else None)


def train(model, train_data, val_data=None, *, epochs=10, lr=1e-2, weight_decay=0.0,
          batch_size=64, loss="cross_entropy", optimizer="adam", seed=0, device=None,
          progress=True) -> dict:
    """Train ``model`` with mini-batches and return its learning curves.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place (and moved to ``device``).
    train_data, val_data : (inputs, targets) pair of arrays or tensors
        ``inputs`` of shape (N, ...) as the model expects; ``targets`` class indices
        (N,) for ``loss="cross_entropy"``, or arrays shaped like the output for
        ``"mse"`` / ``"l1"``. ``val_data`` is optional.
    epochs, lr, weight_decay, batch_size : training settings (``weight_decay`` is
        the L2 penalty of the optimizer).
    loss : {"cross_entropy", "mse", "l1"}
    optimizer : {"adam", "sgd"}
        Adam, or SGD with momentum 0.9.
    seed : int
        Seeds ``torch.manual_seed`` (dropout) and the shuffling generator, so two calls
        on identically initialised models give identical histories on the CPU.
    device : str or torch.device, optional
        Defaults to :func:`pick_device`.
    progress : bool
        Show a tqdm progress bar over epochs.

    Returns
    -------
    dict
        Per-epoch lists ``"train_loss"`` and ``"val_loss"`` (empty without
        ``val_data``); with ``loss="cross_entropy"`` also ``"train_acc"`` and
        ``"val_acc"``.

    Notes
    -----
    The training loss and accuracy of an epoch are averaged over its mini-batches while
    the weights change (the usual convention); the validation numbers are computed after
    the epoch in evaluation mode. Taught in notebooks/04_code_examples.ipynb and
    notebooks/05_trends_and_challenges.ipynb.
    """
    from tqdm.auto import tqdm

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
    if loss not in _LOSSES:
        raise ValueError(f"loss={loss!r} must be one of {sorted(_LOSSES)}")
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer={optimizer!r} must be 'adam' or 'sgd'")
    epochs = _check_positive_int(epochs, "epochs")
    batch_size = _check_positive_int(batch_size, "batch_size")
    if not lr > 0:
        raise ValueError(f"lr={lr} must be > 0")
    if weight_decay < 0:
        raise ValueError(f"weight_decay={weight_decay} must be >= 0")
    classification = loss == "cross_entropy"
    train_set = _as_dataset(train_data, "train_data", classification)
    val_set = None if val_data is None else _as_dataset(val_data, "val_data", classification)
    device = pick_device(device)

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True,
                                               generator=generator)
    val_loader = (None if val_set is None else
                  torch.utils.data.DataLoader(val_set, batch_size=max(batch_size, 256)))
    model.to(device)
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    loss_fn = _LOSSES[loss]()

    history = {"train_loss": [], "val_loss": []}
    if classification:
        history.update(train_acc=[], val_acc=[])
    bar = tqdm(range(epochs), desc="epochs", disable=not progress)
    for _ in bar:
        train_loss, train_acc = _run_epoch(model, train_loader, loss_fn, device,
                                           classification, opt)
        history["train_loss"].append(train_loss)
        if classification:
            history["train_acc"].append(train_acc)
        postfix = {"train_loss": f"{train_loss:.4f}"}
        if val_loader is not None:
            val_loss, val_acc = _run_epoch(model, val_loader, loss_fn, device, classification)
            history["val_loss"].append(val_loss)
            postfix["val_loss"] = f"{val_loss:.4f}"
            if classification:
                history["val_acc"].append(val_acc)
                postfix["val_acc"] = f"{val_acc:.3f}"
        bar.set_postfix(postfix)
    model.eval()
    return history


# --------------------------------------------------------------------------- restoration on tensors
#
# Same names, arguments and results as deconv_course.restoration (NumPy/SciPy): on
# the CPU in float64 the two agree to rounding error. NumPy in -> NumPy out, tensor
# in -> tensor out (on the tensor's device unless ``device`` says otherwise).
# Images are (H, W) or (H, W, C); internally a stack (C, H, W), one PSF for all.


def _real_tensor(array, name: str, device) -> torch.Tensor:
    """Any real numeric array or tensor as a floating tensor, with restoration's dtype rule:
    unsigned integers are scaled to [0, 1] (uint8 / 255), other integers become float64,
    float16 becomes float32, float32 and float64 stay."""
    if not isinstance(array, torch.Tensor):
        try:
            array = np.asarray(array)
        except Exception as error:  # ragged lists and the like
            raise TypeError(f"{name} must be a numeric array or tensor: {error}") from None
        if array.dtype.kind == "c":
            raise TypeError(f"{name} must be real-valued, got complex dtype {array.dtype}")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
        if array.dtype.kind == "u":
            array = array / np.float64(np.iinfo(array.dtype).max)
        array = torch.from_numpy(np.ascontiguousarray(array))
    if array.is_complex():
        raise TypeError(f"{name} must be real-valued, got complex dtype {array.dtype}")
    if array.dtype == torch.uint8:
        array = array.to(torch.float64) / 255.0
    elif not array.is_floating_point():
        array = array.to(torch.float64)
    elif array.dtype in (torch.float16, torch.bfloat16):
        array = array.to(torch.float32)
    array = to_tensor(array, device=device)
    if not bool(torch.isfinite(array).all()):
        raise ValueError(f"{name} contains NaN or infinity; every entry must be finite")
    return array


def _kernel_tensor(kernel, name: str, like: torch.Tensor, is_psf: bool = True) -> torch.Tensor:
    """A 2-D kernel no larger than the image ``like`` (C, H, W); a PSF is also >= 0, sum > 0."""
    kernel = _real_tensor(kernel, name, like.device).to(like.dtype)
    if kernel.ndim != 2 or min(kernel.shape) < 1:
        raise ValueError(f"{name} of shape {tuple(kernel.shape)} must be a non-empty 2-D array "
                         "(kH, kW); the same PSF is used for every channel")
    if kernel.shape[0] > like.shape[-2] or kernel.shape[1] > like.shape[-1]:
        raise ValueError(f"{name} of shape {tuple(kernel.shape)} must not be larger than the "
                         f"image's {tuple(like.shape[-2:])}")
    if is_psf:
        if bool((kernel < 0).any()):
            raise ValueError(f"{name} has negative entries (min {kernel.min().item():g}); "
                             "a PSF must be non-negative")
        if not kernel.sum().item() > 0:
            raise ValueError(f"{name} sums to {kernel.sum().item():g}; a PSF must have a "
                             "positive sum (usually 1)")
    return kernel


def _image_stack(image, device):
    """(H, W) or (H, W, C) image -> (C, H, W) tensor, and how to give the result back."""
    return_numpy = not isinstance(image, torch.Tensor)
    img = _real_tensor(image, "image", device)
    if img.ndim not in (2, 3) or (img.ndim == 3 and not 1 <= img.shape[2] <= 4):
        raise ValueError(f"image of shape {tuple(img.shape)} must be (H, W) or (H, W, C) with "
                         "channels last and 1 <= C <= 4")
    if min(img.shape[:2]) < 1:
        raise ValueError(f"image of shape {tuple(img.shape)} must not be empty")
    stack = img.permute(2, 0, 1) if img.ndim == 3 else img.unsqueeze(0)
    return stack, (return_numpy, img.ndim == 3)


def _unstack(stack: torch.Tensor, how):
    return_numpy, channels_last = how
    result = stack.permute(1, 2, 0).contiguous() if channels_last else stack[0]
    return result.cpu().numpy() if return_numpy else result


def _check_scalar(value, name: str, positive: bool) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise TypeError(f"{name}={value!r} must be a real number")
    value = float(value)
    if not math.isfinite(value) or (value <= 0 if positive else value < 0):
        raise ValueError(f"{name}={value:g} must be {'> 0' if positive else '>= 0'} and finite")
    return value


def _check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def _otf_rfft(kernel: torch.Tensor, shape, centre) -> torch.Tensor:
    """rfft2 of ``kernel`` zero-padded to ``shape``, with pixel ``centre`` rolled to (0, 0)."""
    padded = kernel.new_zeros(tuple(shape))
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = torch.roll(padded, shifts=(-centre[0], -centre[1]), dims=(0, 1))
    return torch.fft.rfft2(padded)


def _centre(kernel: torch.Tensor) -> tuple[int, int]:
    return kernel.shape[0] // 2, kernel.shape[1] // 2


def _apply_transfer(stack: torch.Tensor, transfer: torch.Tensor) -> torch.Tensor:
    """Filter every channel in the Fourier domain (circular boundary model)."""
    return torch.fft.irfft2(torch.fft.rfft2(stack) * transfer, s=stack.shape[-2:])


def psf2otf(psf, shape, device=None):
    """Optical transfer function: the DFT of ``psf`` zero-padded to ``shape`` and shifted
    circularly so that its centre pixel (kH // 2, kW // 2) sits at (0, 0) (MATLAB's psf2otf).

    Parameters
    ----------
    psf : (kH, kW) array or tensor
        Any real 2-D kernel (a PSF or a regulariser).
    shape : int or (int, int)
        The image's (H, W), at least the kernel's size.
    device : optional
        Default: where ``psf`` is (the CPU for NumPy input).

    Returns
    -------
    (H, W) complex array or tensor (NumPy in -> NumPy out); equals
    ``deconv_course.restoration.psf2otf``.

    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    return_numpy = not isinstance(psf, torch.Tensor)
    kernel = _real_tensor(psf, "psf", device)
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (int(shape), int(shape))
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"shape={shape!r} must be an int or a pair of ints") from None
    if len(shape) != 2:
        raise TypeError(f"shape={shape!r} must be an int or a pair of ints")
    kernel = _kernel_tensor(kernel, "psf", kernel.new_empty((0,) + shape), is_psf=False)
    padded = kernel.new_zeros(shape)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = torch.roll(padded, shifts=(-(kernel.shape[0] // 2), -(kernel.shape[1] // 2)),
                        dims=(0, 1))
    otf = torch.fft.fft2(padded)
    return otf.cpu().numpy() if return_numpy else otf


def _regularised_inverse(image, psf, penalty, clip, device):
    """``G = conj(H) / (|H|^2 + penalty)`` applied to every channel of ``image``."""
    stack, how = _image_stack(image, device)
    kernel = _kernel_tensor(psf, "psf", stack)
    shape = stack.shape[-2:]
    otf = _otf_rfft(kernel, shape, _centre(kernel))
    if callable(penalty):
        penalty = penalty(stack)
    denominator = otf.abs() ** 2 + penalty
    # where H and the penalty both vanish nothing can be recovered: leave that frequency at 0
    transfer = torch.where(denominator > 0, otf.conj() / denominator, torch.zeros_like(otf))
    out = _apply_transfer(stack, transfer)
    return _unstack(out.clamp(-1, 1) if clip else out, how)


def _penalty_from(operator, name: str, weight: float):
    def penalty(stack):
        kernel = _kernel_tensor(operator, name, stack, is_psf=False)
        return weight * _otf_rfft(kernel, stack.shape[-2:], _centre(kernel)).abs() ** 2
    return penalty


def inverse_filter(image, psf, eps=0.0, device=None):
    """Naive (truncated) inverse filter on tensors: X = Y / H where |H| > eps, 0 elsewhere.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
        Blurred image (circular blur model).
    psf : (kH, kW) array or tensor
    eps : float
        Frequencies with ``|H| <= eps`` are set to 0; ``eps=0`` drops only exact zeros.
    device : optional
        Where to compute; default: where ``image`` is (the CPU for NumPy input).

    Returns
    -------
    Same shape and kind as ``image``; equals ``deconv_course.restoration.inverse_filter``.

    Notes
    -----
    With noise, X_hat = X + N / H, and 1 / |H| is huge where |H| is small: the noise
    swamps the image. (With ``eps=0`` a transfer function that is zero only up to
    rounding can be treated differently by NumPy and PyTorch; use ``eps > 0`` then.)
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    eps = _check_scalar(eps, "eps", positive=False)
    stack, how = _image_stack(image, device)
    kernel = _kernel_tensor(psf, "psf", stack)
    otf = _otf_rfft(kernel, stack.shape[-2:], _centre(kernel))
    safe = torch.where(otf.abs() > eps, otf, torch.ones_like(otf))
    transfer = torch.where(otf.abs() > eps, 1 / safe, torch.zeros_like(otf))
    return _unstack(_apply_transfer(stack, transfer), how)


def wiener(image, psf, balance, reg=None, clip=False, device=None):
    """Wiener (Wiener-Hunt) deconvolution on tensors.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
        Blurred, noisy image (circular blur model).
    psf : (kH, kW) array or tensor
    balance : float
        Regularisation weight (> 0), the noise-to-signal power ratio.
    reg : (rH, rW) array or tensor, optional
        Regularisation operator; ``None`` is the identity (constant penalty ``balance``).
        ``restoration.laplacian_kernel()`` with ``clip=True`` gives
        ``skimage.restoration.wiener``.
    clip : bool
        Clip the result to [-1, 1].
    device : optional
        Where to compute; default: where ``image`` is.

    Returns
    -------
    Same shape and kind as ``image``; equals ``deconv_course.restoration.wiener``.

    Notes
    -----
    X_hat = conj(H) / (|H|^2 + balance |R|^2) * Y.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    balance = _check_scalar(balance, "balance", positive=True)
    clip = _check_flag(clip, "clip")
    penalty = balance if reg is None else _penalty_from(reg, "reg", balance)
    return _regularised_inverse(image, psf, penalty, clip, device)


def tikhonov(image, psf, lam, operator="identity", device=None):
    """Tikhonov-regularised deconvolution on tensors: minimise ||h * x - y||^2 + lam ||L x||^2.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
    psf : (kH, kW) array or tensor
    lam : float
        Regularisation weight (> 0).
    operator : {"identity", "laplacian"} or 2-D array or tensor
        The operator L whose output is penalised.
    device : optional
        Where to compute; default: where ``image`` is.

    Returns
    -------
    Same shape and kind as ``image``; equals ``deconv_course.restoration.tikhonov``.

    Notes
    -----
    With circular boundaries, X_hat = conj(H) Y / (|H|^2 + lam |L|^2).
    Taught in notebooks/03_algorithms_and_formulas.ipynb.
    """
    lam = _check_scalar(lam, "lam", positive=True)
    if isinstance(operator, str):
        if operator not in ("identity", "laplacian"):
            raise ValueError(f"operator={operator!r} must be 'identity', 'laplacian' or a 2-D array")
        if operator == "identity":
            return _regularised_inverse(image, psf, lam, False, device)
        operator = restoration.laplacian_kernel()
    return _regularised_inverse(image, psf, _penalty_from(operator, "operator", lam), False, device)


def richardson_lucy(image, psf, num_iter=50, clip=True, filter_epsilon=None, device=None):
    """Richardson-Lucy deconvolution on tensors, with scikit-image's semantics.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array or tensor
        Blurred, non-negative image in [0, 1]; channels are restored independently.
    psf : (kH, kW) array or tensor
        Non-negative PSF with positive sum.
    num_iter : int
        Number of multiplicative updates (>= 1).
    clip : bool
        Clip the result to [-1, 1] like scikit-image.
    filter_epsilon : float, optional
        Where the re-blurred estimate is below this value the ratio is set to 0.
    device : optional
        Where to compute; default: where ``image`` is (the CPU for NumPy input).

    Returns
    -------
    Same shape and kind as ``image``; equals ``skimage.restoration.richardson_lucy``
    and ``deconv_course.restoration.richardson_lucy``.

    Notes
    -----
    Start from x = 0.5 and iterate x <- x * ((y / (x * P + 1e-12)) * P_flipped), where
    ``* P`` is ``scipy.signal.convolve(..., mode="same")`` (zero boundary). Each
    convolution is a product of spectra on a grid padded by kH // 2, kW // 2 zeros, so
    the circular FFT convolution never wraps image pixels around.
    Taught in notebooks/03_algorithms_and_formulas.ipynb.

    References
    ----------
    W. H. Richardson, JOSA 62:55 (1972); L. B. Lucy, AJ 79:745 (1974).
    """
    if isinstance(num_iter, (bool, np.bool_)) or not isinstance(num_iter, (int, np.integer)):
        raise TypeError(f"num_iter={num_iter!r} must be an int")
    if num_iter < 1:
        raise ValueError(f"num_iter={num_iter} must be >= 1")
    clip = _check_flag(clip, "clip")
    if filter_epsilon is not None:
        filter_epsilon = _check_scalar(filter_epsilon, "filter_epsilon", positive=False)
    stack, how = _image_stack(image, device)
    kernel = _kernel_tensor(psf, "psf", stack)
    h, w = stack.shape[-2:]
    kh, kw = kernel.shape
    grid = (h + kh // 2, w + kw // 2)
    centre = ((kh - 1) // 2, (kw - 1) // 2)  # where scipy.signal's 'same' crops
    otf = _otf_rfft(kernel, grid, centre)
    otf_mirror = _otf_rfft(kernel.flip(0, 1), grid, centre)

    def convolve_same(x, transfer):
        return torch.fft.irfft2(torch.fft.rfft2(x, s=grid) * transfer, s=grid)[..., :h, :w]

    estimate = torch.full_like(stack, 0.5)
    for _ in range(num_iter):
        reblurred = convolve_same(estimate, otf) + 1e-12  # scikit-image's guard against 0 / 0
        ratio = stack / reblurred
        if filter_epsilon:
            ratio = torch.where(reblurred < filter_epsilon, torch.zeros_like(ratio), ratio)
        estimate = estimate * convolve_same(ratio, otf_mirror)
    return _unstack(estimate.clamp(-1, 1) if clip else estimate, how)


# --------------------------------------------------------------------------- learned restoration


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

    def __init__(self, channels=16, upsample="transposed"):
        super().__init__()
        c = _check_positive_int(channels, "channels")
        if upsample not in ("transposed", "resize"):
            raise ValueError(f"upsample={upsample!r} must be 'transposed' or 'resize'")
        self.upsample = upsample
        self.head = nn.Conv2d(1, c, 3, padding=1)
        self.down = nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)
        self.body = nn.Sequential(
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU(),
        )
        if upsample == "transposed":
            self.up = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        else:
            self.up = nn.Conv2d(2 * c, c, 3, padding=1)
        self.tail = nn.Sequential(
            nn.Conv2d(2 * c, c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c, 1, 3, padding=1),
        )

    def forward(self, x):
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


def train_restoration_net(psf, noise_sigma=0.01, *, patch_size=32, num_patches=2048, epochs=8,
                          batch_size=32, lr=2e-3, channels=16, upsample="transposed",
                          exclude=("astronaut",), image_size=128, seed=0, device=None,
                          progress=True):
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
    patch_size = _check_positive_int(patch_size, "patch_size", 8)
    num_patches = _check_positive_int(num_patches, "num_patches", 10)
    if noise_sigma < 0:
        raise ValueError(f"noise_sigma={noise_sigma} must be >= 0")
    unknown = set(exclude) - set(data.TRAINING_IMAGE_NAMES)
    if unknown:
        raise ValueError(f"exclude={tuple(exclude)!r}: {sorted(unknown)} are not training "
                         f"images; choose from {data.TRAINING_IMAGE_NAMES}")
    if patch_size > image_size:
        raise ValueError(f"patch_size={patch_size} must be <= image_size={image_size}")
    psf = np.asarray(psf, dtype=np.float64)
    images = [image for name, image in zip(data.TRAINING_IMAGE_NAMES,
                                           data.training_images(image_size))
              if name not in exclude]
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
    history = train(model, (inputs[:split], targets[:split]), (inputs[split:], targets[split:]),
                    epochs=epochs, lr=lr, batch_size=batch_size, loss="mse", seed=seed,
                    device=device, progress=progress)
    return model, history


def restore_with_net(model, image):
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
    return (float(restoration.psnr(truth[window], estimate[window], data_range=1.0)),
            float(restoration.ssim(truth[window], estimate[window], data_range=1.0)))


def compare_restoration(images=None, psf=None, noise_sigma=0.01, seed=0, *, net=None,
                        balances=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0),
                        rl_iters=(2, 3, 5, 10, 20, 30, 50, 100), crop=None, device=None,
                        progress=True, train_kwargs=None) -> list[dict]:
    """Classic deconvolution against the learned one, on held-out images.

    Each image is blurred (circularly) by ``psf``, Gaussian noise is added, and the
    result is restored by: nothing (the blurred input), the inverse filter, Wiener,
    Richardson-Lucy and a trained :class:`RestorationNet`.

    Parameters
    ----------
    images : dict name -> (H, W) array, optional
        Default: ``camera`` and ``astronaut`` at 128x128, neither of which the network
        sees in training.
    psf : (kH, kW) array, optional
        Default: the 5x5 box blur ``restoration.box_psf(5)``.
    noise_sigma : float
        Standard deviation of the Gaussian noise.
    seed : int
        Seeds the noise (image i gets ``seed + i``) and the network's training.
    net : RestorationNet, optional
        A network already trained for this ``psf`` and ``noise_sigma``; by default one is
        trained with :func:`train_restoration_net` (about 20 s on two idle CPU cores with
        the default settings; pass e.g. ``train_kwargs={"epochs": 4}`` for a quicker run).
    balances, rl_iters : sequences
        Grids for Wiener's ``balance`` (with the Laplacian regulariser,
        ``restoration.laplacian_kernel()``, as in scikit-image) and Richardson-Lucy's
        ``num_iter``.
    crop : int, optional
        Border left out of the scores (default: the PSF size).
    device, progress : for the network (see :func:`train`).
    train_kwargs : dict, optional
        Extra arguments for :func:`train_restoration_net`.

    Returns
    -------
    list of dict
        One row per image and method with keys ``"image"``, ``"method"``, ``"param"``
        (a short string), ``"psnr"`` (dB) and ``"ssim"``, all on [0, 1]-clipped results.

    Notes
    -----
    The comparison flatters the classics: Wiener's ``balance`` and Richardson-Lucy's
    iteration count are chosen per image *with the true image* (the best PSNR on the
    grid), which a real user cannot do; the network is trained once, on other images,
    and never sees the truth of the test images. The forward model is circular
    convolution, the one under which the inverse and Wiener filters are exact.
    Taught in notebooks/05_trends_and_challenges.ipynb.
    """
    if images is None:
        images = {"camera": data.camera(size=128), "astronaut": data.astronaut(size=128)}
    if not isinstance(images, dict) or not images:
        raise TypeError("images must be a non-empty dict mapping names to 2-D arrays")
    psf = restoration.box_psf(5) if psf is None else np.asarray(psf, dtype=np.float64)
    crop = max(psf.shape) if crop is None else _check_positive_int(crop, "crop", 0)
    if net is None:
        net, _ = train_restoration_net(psf, noise_sigma, seed=seed, device=device,
                                       progress=progress, **(train_kwargs or {}))

    rows = []
    for i, (name, truth) in enumerate(images.items()):
        truth = np.asarray(truth, dtype=np.float64)
        if truth.ndim != 2:
            raise ValueError(f"images[{name!r}] of shape {truth.shape} must be 2-D")
        degraded = _degrade(truth, psf, noise_sigma, seed + i)

        def row(method, param, estimate):
            psnr_db, ssim_value = _score(truth, estimate, crop)
            rows.append({"image": name, "method": method, "param": param,
                         "psnr": psnr_db, "ssim": ssim_value})

        row("blurred input", "", degraded)
        row("inverse filter", "", restoration.inverse_filter(degraded, psf))
        reg = restoration.laplacian_kernel()  # scikit-image's default; beats reg=None here

        def wiener_result(balance):
            return restoration.wiener(degraded, psf, balance, reg=reg)

        best = max(balances, key=lambda b: _score(truth, wiener_result(b), crop)[0])
        row("Wiener", f"balance={best:g}, Laplacian reg (best on grid, tuned on the truth)",
            wiener_result(best))
        best_iter = max(rl_iters, key=lambda n: _score(
            truth, restoration.richardson_lucy(degraded, psf, num_iter=n), crop)[0])
        row("Richardson-Lucy", f"num_iter={best_iter} (best on grid, tuned on the truth)",
            restoration.richardson_lucy(degraded, psf, num_iter=best_iter))
        row("RestorationNet", f"trained on other images, sigma={noise_sigma:g}",
            restore_with_net(net, degraded))
    return rows
