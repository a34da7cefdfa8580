"""Training loops: the autoencoder's, and the classifier's that chapter 5's four ways share.

The loops the book prints are `autoencoder_steps` and `classifier_steps`, one epoch each: batch,
forward, loss, backward, step, nothing else. `train_autoencoder` creates Adam and the learning-rate
schedule in its own lines and runs a plain `for epoch` loop around the first (the VAE's `train_vae`
has the same shape). What makes them fast is done around them, and named where it is: batches are
slices of one in-memory tensor (`data.batches`), the weights use the `channels_last` layout
convolutions run fastest in (`prepare`), Adam runs fused (`fused`), and each step's loss stays on
the device until the epoch ends.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import LRScheduler
from tqdm.auto import trange

from ._internal.checks import non_empty, whole_number
from ._internal.runtime import resolve_device
from .augment import add_noise
from .data import ImageSet, batches
from .evaluate import evaluate_autoencoder
from .history import History
from .models import Autoencoder, Decoder
from .schedule import WARMUP_FRACTION

if TYPE_CHECKING:
    from .recipe import Recipe

LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}  # by the name a Recipe gives

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


def autoencoder_steps(
    model: Autoencoder,
    batches: Batches,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: LRScheduler | None = None,
    noise: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """One optimizer step per batch, teaching `model` to output its own
    input; each step's loss."""
    model.train()
    losses = []
    for images, _ in batches:  # (B, 1, 28, 28); the labels are not used
        inputs = images
        if noise:  # a denoising autoencoder: noisy in, clean out
            inputs = add_noise(images, noise, generator)
        reconstructions = model(inputs)  # (B, 1, 28, 28)
        loss = loss_fn(reconstructions, images)  # the target: the input
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.detach())  # stays on the device: no wait here
    return torch.stack(losses)  # (steps,)


def train_autoencoder(
    model: Autoencoder, train_set: ImageSet, recipe: Recipe, *,
    validation_set: ImageSet | None = None,
    device: str | torch.device | None = None, progress: bool = True,
) -> History:
    """Train `model` on `train_set` as `recipe` says; one record per epoch."""
    device = prepare(model, device, progress)  # channels_last weights
    train_set = non_empty(train_set, "train_set").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr,
                                 fused=fused(device))
    steps = recipe.epochs * math.ceil(len(train_set) / recipe.batch_size)
    scheduler = None  # "constant": the rate stays at recipe.lr
    if recipe.schedule == "onecycle":  # up for 15 % of the steps, then down
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, recipe.lr, total_steps=steps, pct_start=WARMUP_FRACTION)
    generator = torch.Generator().manual_seed(recipe.seed)  # order, noise
    history = History()
    for epoch in trange(recipe.epochs, desc="epochs", disable=not progress):
        shuffled = batches(train_set.images, train_set.labels,
                           recipe.batch_size, generator)
        loss_fn = LOSSES[recipe.loss]  # "mse" or "bce"
        losses = autoencoder_steps(model, shuffled, loss_fn, optimizer,
                                   scheduler, recipe.noise, generator)
        record = {"epoch": epoch + 1, "train_loss": losses.mean().item()}
        if validation_set is not None:
            scores = evaluate_autoencoder(model, validation_set)  # mse, bce
            record["validation_loss"] = scores[recipe.loss]
            record["validation_mse"] = scores["mse"]
        history.append(record, losses)  # with the seconds since the start
    return history


def classifier_steps(
    model: Callable[[torch.Tensor], torch.Tensor],
    batches: Batches,
    optimizer: torch.optim.Optimizer,
    unlabelled: Iterator[tuple[torch.Tensor, torch.Tensor]] | None = None,
    decoder: Decoder | None = None,
    reconstruction_weight: float = 0.0,
    scheduler: LRScheduler | None = None,
) -> torch.Tensor:
    """One optimizer step per labelled batch, with cross-entropy; each
    step's loss. With `unlabelled` batches and a `decoder`, each step also
    asks the encoder to keep rebuilding unlabelled images: the loss gains
    `reconstruction_weight` × their MSE (semi-supervised). A `scheduler`
    steps after each optimizer step."""
    losses = []
    for inputs, labels in batches:  # (B, 1, 28, 28) images or (B, D) codes
        logits = model(inputs)  # (B, num_classes)
        loss = F.cross_entropy(logits, labels)  # labels: (B,)
        if unlabelled is not None:
            other, _ = next(unlabelled)  # (U, 1, 28, 28), labels unknown
            rebuilt = decoder(model.encoder(other))  # (U, 1, 28, 28)
            loss = loss + reconstruction_weight * F.mse_loss(rebuilt, other)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.detach())
    return torch.stack(losses)  # (steps,)


@dataclass(frozen=True)
class Budget:
    """How long a classifier trains, on what batches, under what seed; checked once, here."""

    steps: int  # optimizer steps in all: epoch after epoch, the last one cut short
    batch_size: int  # labelled images per step (and as many unlabelled ones, semi-supervised)
    seed: int  # the batch order and augmentation; chapter 5's ways also draw the initial weights from it
    one_cycle: bool = False  # the learning rate rises to the optimizer's and falls again, per step

    def __post_init__(self) -> None:
        whole_number(self.steps, "steps")
        whole_number(self.batch_size, "batch_size")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a whole number of at least 0, got {self.seed!r}")


@dataclass(frozen=True)
class SemiSupervision:
    """The semi-supervised term: at each step the classifier's encoder and `decoder` also rebuild a
    batch of unlabelled images, and `weight` × their MSE joins the cross-entropy."""

    unlabelled: ImageSet  # images whose labels are never read
    decoder: Decoder  # learns with the encoder (give the optimizer its parameters)
    weight: float  # the reconstruction MSE's weight beside the cross-entropy


def train_classifier(
    model: Callable[[torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    labels: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    budget: Budget,
    *,
    transform: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    semi: SemiSupervision | None = None,
    evaluate: Callable[[], dict[str, float]] | None = None,
) -> History:
    """`budget.steps` steps of `classifier_steps` on shuffled batches of (inputs, labels), epoch after
    epoch (the last one cut short); a record after each, with `evaluate()`'s metrics if given. One
    generator seeded with `budget.seed` draws the batch order, what `transform(batch, generator)`
    draws (e.g. augmentation) and the order of `semi`'s unlabelled batches. With `budget.one_cycle`,
    each group's learning rate follows a one-cycle schedule peaking at the rate it was given."""
    steps_per_epoch = math.ceil(len(non_empty(inputs, "the training set")) / budget.batch_size)
    generator = torch.Generator().manual_seed(budget.seed)
    augment = None if transform is None else (lambda images: transform(images, generator))
    stream = _forever(lambda: batches(inputs, labels, budget.batch_size, generator, augment))
    extra, decoder, weight = None, None, 0.0
    if semi is not None:
        unlabelled = semi.unlabelled.to(inputs.device)  # (U, 1, 28, 28) images
        extra = _forever(lambda: batches(unlabelled.images, unlabelled.labels, budget.batch_size, generator))
        decoder, weight = semi.decoder, semi.weight
    scheduler = None
    if budget.one_cycle:
        peaks = [group["lr"] for group in optimizer.param_groups]
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks, total_steps=budget.steps,
                                                        pct_start=WARMUP_FRACTION)
    history = History()
    for epoch in range(math.ceil(budget.steps / steps_per_epoch)):
        epoch_steps = min(steps_per_epoch, budget.steps - epoch * steps_per_epoch)
        losses = classifier_steps(model, itertools.islice(stream, epoch_steps), optimizer, extra, decoder,
                                  weight, scheduler)  # (epoch_steps,)
        record = {"epoch": epoch + epoch_steps / steps_per_epoch, "train_loss": losses.mean().item()}
        history.append({**record, **(evaluate() if evaluate is not None else {})})
    return history


def _forever(one_pass: Callable[[], Batches]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The batches of `one_pass()`, again and again: a fresh order every pass."""
    while True:
        yield from one_pass()


def fused(device: torch.device) -> bool:
    """Whether Adam can run fused on `device` (one kernel for all parameters, about 1.2× faster)."""
    return device.type in ("cpu", "cuda")


def prepare(model: nn.Module, device: str | torch.device | None, progress: bool = False) -> torch.device:
    """Move `model` to the device (the best one if None), in the channels_last layout; the device."""
    device = resolve_device(device, announce=progress)
    model.to(device, memory_format=torch.channels_last)
    return device
