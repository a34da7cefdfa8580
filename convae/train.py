"""Training loops for the autoencoder and the classifier, with a per-epoch history.

Both loops share one function, `fit`: draw a shuffled batch, compute a loss, take an optimizer
step, and at chosen steps write the running train loss and the test metrics down.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .augment import shift_and_flip
from .data import ImageSet, iterate_batches
from .evaluate import evaluate_autoencoder, evaluate_classifier
from .models import Autoencoder, Classifier
from .runtime import resolve_device

RECONSTRUCTION_LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}
SCHEDULES = ("constant", "onecycle")
ONECYCLE_WARMUP_FRACTION = 0.15  # share of the steps spent raising the learning rate


@dataclass
class History:
    """One record (a dict of numbers) per recorded step; `history["train_loss"]` gives a column."""

    records: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        return [record[key] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def last(self) -> dict[str, float]:
        """The final record."""
        return self.records[-1]


def fit(
    model: nn.Module,
    train_set: ImageSet,
    batch_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    batch_size: int,
    total_steps: int,
    record_steps: Collection[int],
    generator: torch.Generator,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    evaluate: Callable[[], dict[str, float]] = dict,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Take `total_steps` optimizer steps on shuffled batches of `train_set`; return the history.

    After each step number in `record_steps` (and after the last step) the history gets a record.
    """
    history = History()
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    record_steps = set(record_steps)
    running_loss, running_count, step = torch.zeros(()), 0, 0
    started = time.perf_counter()
    model.to(memory_format=torch.channels_last)  # the layout convolutions run fastest in (~1.6x on CPU)
    model.train()
    with tqdm(total=total_steps, desc=description, unit="step", disable=not progress) as bar:
        while step < total_steps:
            for images, labels in iterate_batches(train_set, batch_size, shuffle=True, generator=generator):
                loss = batch_loss(images.contiguous(memory_format=torch.channels_last), labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                running_loss = running_loss + loss.detach().cpu() * len(images)
                running_count += len(images)
                step += 1
                bar.update(1)
                if step in record_steps or step == total_steps:
                    record = {
                        "epoch": step / steps_per_epoch,
                        "train_loss": running_loss.item() / running_count,
                        "lr": optimizer.param_groups[0]["lr"],
                        "seconds": time.perf_counter() - started,
                    }
                    record.update(evaluate())
                    history.records.append(record)
                    shown = {k: f"{v:.4f}" for k, v in record.items() if k.endswith(("loss", "mse", "accuracy"))}
                    bar.set_postfix(shown)
                    running_loss, running_count = torch.zeros(()), 0
                if step == total_steps:
                    break
    return history


def make_adam(params, device: torch.device, **options) -> torch.optim.Adam:
    """Adam, in its fused form (one kernel for all parameters) where PyTorch has one for `device`."""
    return torch.optim.Adam(params, fused=device.type in ("cpu", "cuda"), **options)


def train_autoencoder(
    model: Autoencoder,
    train_set: ImageSet,
    *,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    loss: str = "mse",
    schedule: str = "constant",
    seed: int = 0,
    device: str | torch.device | None = None,
    test_set: ImageSet | None = None,
    records_per_epoch: int = 1,
    progress: bool = True,
) -> History:
    """Train `model` to reconstruct its input with Adam; return the history.

    `schedule="onecycle"` raises the learning rate to `lr` over the first 15 % of the steps, then
    anneals it to almost zero (the recipe of the shipped weights, with lr=1e-2). The history has
    `records_per_epoch` records per epoch (train loss so far, test metrics at that moment).
    """
    if loss not in RECONSTRUCTION_LOSSES:
        raise ValueError(f"loss must be one of {tuple(RECONSTRUCTION_LOSSES)}, got {loss!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    device = resolve_device(device, announce=progress)
    model.to(device)
    train_set = _to_device(train_set, device)
    loss_fn = RECONSTRUCTION_LOSSES[loss]
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    optimizer = make_adam(model.parameters(), device, lr=lr)
    scheduler = None
    if schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=ONECYCLE_WARMUP_FRACTION
        )

    def batch_loss(images: torch.Tensor, _labels: torch.Tensor) -> torch.Tensor:
        return loss_fn(model(images), images)  # compare (B, 1, 28, 28) with itself

    def evaluate() -> dict[str, float]:
        if test_set is None:
            return {}
        metrics = evaluate_autoencoder(model, test_set)
        return {"test_loss": metrics[loss], "test_mse": metrics["mse"]}

    return fit(
        model, train_set, batch_loss, optimizer,
        batch_size=batch_size, total_steps=epochs * steps_per_epoch,
        record_steps={round(k * steps_per_epoch / records_per_epoch) for k in range(1, epochs * records_per_epoch)},
        generator=torch.Generator().manual_seed(seed), scheduler=scheduler, evaluate=evaluate,
        progress=progress, description="autoencoder",
    )


def train_classifier(
    model: Classifier,
    train_set: ImageSet,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int = 64,
    lr: float = 1e-3,
    encoder_lr: float | None = None,
    freeze_encoder: bool = False,
    augment: bool = False,
    hflip: bool = True,
    seed: int = 0,
    device: str | torch.device | None = None,
    test_set: ImageSet | None = None,
    progress: bool = True,
) -> History:
    """Train `model` with cross-entropy and Adam; give either `epochs` or `steps`.

    The head learns at `lr`, the encoder at `encoder_lr` (default: `lr`), or not at all with
    `freeze_encoder`. `augment` adds ±2 px shifts and, with `hflip`, mirrored images. With
    `epochs` the history has a record per epoch; with `steps`, one record at the end.
    """
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs or steps")
    device = resolve_device(device, announce=progress)
    model.to(device)
    train_set = _to_device(train_set, device)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    total_steps = steps if steps is not None else epochs * steps_per_epoch
    head = [p for name, p in model.named_parameters() if not name.startswith("encoder.")]
    groups = [{"params": head, "lr": lr}]
    if not freeze_encoder:
        groups.append({"params": list(model.encoder.parameters()), "lr": lr if encoder_lr is None else encoder_lr})
    optimizer = make_adam(groups, device)
    generator = torch.Generator().manual_seed(seed)

    def batch_loss(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if augment:
            images = shift_and_flip(images, generator, hflip=hflip)
        return F.cross_entropy(model(images), labels)  # logits (B, num_classes) vs labels (B,)

    def evaluate() -> dict[str, float]:
        if test_set is None:
            return {}
        metrics = evaluate_classifier(model, test_set)
        return {"test_loss": metrics["loss"], "test_accuracy": metrics["accuracy"]}

    frozen = [p for p in model.encoder.parameters() if p.requires_grad] if freeze_encoder else []
    for p in frozen:
        p.requires_grad_(False)
    try:
        return fit(
            model, train_set, batch_loss, optimizer,
            batch_size=batch_size, total_steps=total_steps,
            record_steps=range(steps_per_epoch, total_steps, steps_per_epoch) if epochs is not None else (),
            generator=generator, evaluate=evaluate, progress=progress, description="classifier",
        )
    finally:
        for p in frozen:
            p.requires_grad_(True)


def _to_device(data: ImageSet, device: torch.device) -> ImageSet:
    """The same ImageSet with its tensors on `device` (no copy when they are there already)."""
    return ImageSet(data.images.to(device), data.labels.to(device), data.classes, data.name)
