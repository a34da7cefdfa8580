"""Training loops: the autoencoder's, and the classifier's that chapter 5's four ways share.

The loops the book prints are `autoencoder_steps` and `classifier_steps`, one epoch each: batch,
forward, loss, backward, step, nothing else. `train_autoencoder` is a plain `for epoch` loop around
the first; `start_run` sets it up (the VAE's epoch loop shares it). What makes them fast is done
around them, and named where it is: batches are slices of one in-memory tensor (`data.batches`),
the weights use the `channels_last` layout convolutions run fastest in, Adam runs fused
(`make_adam`), and each step's loss stays on the device until the epoch ends.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import LRScheduler
from tqdm.auto import trange

from .augment import add_noise
from .checks import non_empty, whole_number
from .data import ImageSet, batches
from .evaluate import evaluate_autoencoder
from .history import History
from .models import Autoencoder, Decoder
from .runtime import resolve_device
from .schedule import WARMUP_FRACTION, make_schedule

if TYPE_CHECKING:
    from .recipe import Recipe

RECONSTRUCTION_LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}

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
    test_set: ImageSet | None = None, device: str | torch.device | None = None,
    progress: bool = True,
) -> History:
    """Train `model` to rebuild the images of `train_set` as `recipe` says;
    one record per epoch."""
    # the data on the device, Adam, the schedule, a seeded generator:
    run = start_run(model, train_set, recipe, device, progress)
    loss_fn = RECONSTRUCTION_LOSSES[recipe.loss]
    for epoch in trange(recipe.epochs, desc="epochs", disable=not progress):
        losses = autoencoder_steps(model, run.batches(), loss_fn, run.optimizer,
                                   run.scheduler, recipe.noise, run.generator)
        record = {"epoch": epoch + 1, "train_loss": losses.mean().item()}
        if test_set is not None:
            test = evaluate_autoencoder(model, test_set)
            record.update(test_loss=test[recipe.loss], test_mse=test["mse"])
        run.end_epoch(record, losses)  # into run.history, with the time
    return run.history


@dataclass
class Run:
    """What an epoch loop sets up before its first epoch, and the record it keeps."""

    train_set: ImageSet  # on the model's device
    batch_size: int
    optimizer: torch.optim.Optimizer  # Adam at the recipe's learning rate
    scheduler: LRScheduler | None  # the recipe's schedule, stepped once per batch
    generator: torch.Generator  # seeded by the recipe: batch order, noise, draws of z
    history: History = field(default_factory=History)
    started: float = field(default_factory=time.perf_counter)

    def batches(self) -> Batches:
        """One epoch of shuffled (images, labels) batches."""
        return batches(self.train_set.images, self.train_set.labels, self.batch_size, self.generator)

    def end_epoch(self, record: dict[str, float], step_losses: torch.Tensor) -> None:
        """Keep an epoch's `record`, with the seconds since the start, and its (steps,) losses."""
        self.history.append({**record, "seconds": time.perf_counter() - self.started})
        self.history.step_losses += step_losses.tolist()


def start_run(
    model: nn.Module, train_set: ImageSet, recipe: Recipe, device: str | torch.device | None, progress: bool
) -> Run:
    """Move `model` and `train_set` to the device, and make the recipe's optimizer, schedule and
    random generator: everything an epoch loop needs before its first epoch."""
    device = prepare(model, device, progress)
    train_set = non_empty(train_set, "train_set").to(device)
    optimizer = make_adam(model.parameters(), device, lr=recipe.lr)
    scheduler = make_schedule(optimizer, recipe, math.ceil(len(train_set) / recipe.batch_size))
    generator = torch.Generator().manual_seed(recipe.seed)
    return Run(train_set, recipe.batch_size, optimizer, scheduler, generator)


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


def make_adam(params, device: torch.device, **options) -> torch.optim.Adam:
    """Adam, fused (one kernel for all parameters, about 1.2× faster) where PyTorch has it for `device`."""
    return torch.optim.Adam(params, fused=device.type in ("cpu", "cuda"), **options)


def prepare(model: nn.Module, device: str | torch.device | None, progress: bool = False) -> torch.device:
    """Move `model` to the device (the best one if None), in the channels_last layout; the device."""
    device = resolve_device(device, announce=progress)
    model.to(device, memory_format=torch.channels_last)
    return device
