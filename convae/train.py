"""Training loops: the autoencoder's, and the classifier's that chapter 5's four ways share.

The loops the book prints are `autoencoder_steps` and `classifier_steps`, one epoch each: batch,
forward, loss, backward, step, nothing else. `train_autoencoder` is a plain `for epoch` loop around
the first. What makes them fast is done around them, and named where it is: batches are slices of
one in-memory tensor (`data.batches`), the weights use the `channels_last` layout convolutions run
fastest in, Adam runs fused (`make_adam`), and each step's loss stays on the device until the epoch
ends.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator

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
from .recipe import SHIPPED, Recipe, make_schedule
from .runtime import resolve_device

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
    model: Autoencoder, train_set: ImageSet, recipe: Recipe = SHIPPED, *,
    test_set: ImageSet | None = None, device: str | torch.device | None = None,
    progress: bool = True,
) -> History:
    """Train `model` to rebuild the images of `train_set` as `recipe` says;
    one record per epoch."""
    device = prepare(model, device, progress)
    train_set = non_empty(train_set, "train_set").to(device)
    optimizer = make_adam(model.parameters(), device, lr=recipe.lr)
    steps_per_epoch = math.ceil(len(train_set) / recipe.batch_size)
    scheduler = make_schedule(optimizer, recipe, steps_per_epoch)
    loss_fn = RECONSTRUCTION_LOSSES[recipe.loss]
    generator = torch.Generator().manual_seed(recipe.seed)  # order, noise
    history, started = History(), time.perf_counter()
    for epoch in trange(recipe.epochs, desc="epochs", disable=not progress):
        epoch_batches = batches(train_set.images, train_set.labels,
                                recipe.batch_size, generator)
        losses = autoencoder_steps(model, epoch_batches, loss_fn, optimizer,
                                   scheduler, recipe.noise, generator)
        record = {"epoch": epoch + 1, "train_loss": losses.mean().item(),
                  "seconds": time.perf_counter() - started}
        if test_set is not None:
            test = evaluate_autoencoder(model, test_set)
            record.update(test_loss=test[recipe.loss], test_mse=test["mse"])
        history.append(record)
        history.step_losses += losses.tolist()
    return history


def classifier_steps(
    model: Callable[[torch.Tensor], torch.Tensor],
    batches: Batches,
    optimizer: torch.optim.Optimizer,
    unlabelled: Iterator[tuple[torch.Tensor, torch.Tensor]] | None = None,
    decoder: Decoder | None = None,
    reconstruction_weight: float = 0.0,
) -> torch.Tensor:
    """One optimizer step per labelled batch, with cross-entropy; each
    step's loss. With `unlabelled` batches and a `decoder`, each step also
    asks the encoder to keep rebuilding unlabelled images: the loss gains
    `reconstruction_weight` × their MSE (semi-supervised)."""
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
        losses.append(loss.detach())
    return torch.stack(losses)  # (steps,)


def train_classifier(
    model: Callable[[torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    labels: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    steps: int,
    batch_size: int,
    generator: torch.Generator,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    unlabelled: ImageSet | None = None,
    decoder: Decoder | None = None,
    reconstruction_weight: float = 0.0,
    evaluate: Callable[[], dict[str, float]] | None = None,
) -> History:
    """`steps` steps of `classifier_steps` on shuffled batches of (inputs, labels), epoch after
    epoch (the last one cut short); a record after each, with `evaluate()`'s metrics if given."""
    steps_per_epoch = math.ceil(len(non_empty(inputs, "the training set")) / whole_number(batch_size, "batch_size"))
    whole_number(steps, "steps")
    stream = _forever(lambda: batches(inputs, labels, batch_size, generator, transform))
    extra = None if unlabelled is None else _forever(
        lambda: batches(unlabelled.images, unlabelled.labels, batch_size, generator))
    history = History()
    for epoch in range(math.ceil(steps / steps_per_epoch)):
        epoch_steps = min(steps_per_epoch, steps - epoch * steps_per_epoch)
        losses = classifier_steps(model, itertools.islice(stream, epoch_steps), optimizer, extra, decoder,
                                  reconstruction_weight)  # (epoch_steps,)
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
