"""The seeded training loop of the course, with a tqdm progress bar over epochs.

:func:`train` trains any ``nn.Module`` with mini-batches (Adam or SGD, cross-entropy,
MSE or L1) and returns its learning curves; two calls with the same seed on identically
initialised models give identical histories on the CPU.
"""

from __future__ import annotations

import torch
from torch import nn

from deconv_course._checks import check_choice, check_int, check_number
from deconv_course.i18n import translate as tr
from deconv_course.torch_ops.devices import pick_device, to_tensor

__all__ = ["train"]

_LOSSES = {"cross_entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss, "l1": nn.L1Loss}


def _as_dataset(pair, name: str, classification: bool):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be an (inputs, targets) pair of arrays or tensors")
    inputs = to_tensor(pair[0], device="cpu", dtype=torch.float32)
    targets = to_tensor(pair[1], device="cpu", dtype=torch.int64 if classification else torch.float32)
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(
            f"{name}: inputs have {inputs.shape[0]} samples but targets have "
            f"{targets.shape[0]}; they must match"
        )
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


def train(
    model: nn.Module,
    train_data,
    val_data=None,
    *,
    epochs: int = 10,
    lr: float = 1e-2,
    weight_decay: float = 0.0,
    batch_size: int = 64,
    loss: str = "cross_entropy",
    optimizer: str = "adam",
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> dict[str, list[float]]:
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
    check_choice(loss, "loss", tuple(_LOSSES))
    check_choice(optimizer, "optimizer", ("adam", "sgd"))
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_number(lr, "lr", positive=True)
    weight_decay = check_number(weight_decay, "weight_decay", non_negative=True)
    classification = loss == "cross_entropy"
    train_set = _as_dataset(train_data, "train_data", classification)
    val_set = None if val_data is None else _as_dataset(val_data, "val_data", classification)
    device = pick_device(device)

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=batch_size, shuffle=True, generator=generator
    )
    val_loader = (
        None if val_set is None else torch.utils.data.DataLoader(val_set, batch_size=max(batch_size, 256))
    )
    model.to(device)
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    loss_fn = _LOSSES[loss]()

    history = {"train_loss": [], "val_loss": []}
    if classification:
        history.update(train_acc=[], val_acc=[])
    bar = tqdm(range(epochs), desc=tr("epochs"), disable=not progress)
    for _ in bar:
        train_loss, train_acc = _run_epoch(model, train_loader, loss_fn, device, classification, opt)
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
