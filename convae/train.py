"""Training the autoencoder and the classifier.

The loops the book prints are `autoencoder_steps` and `classifier_steps`: batch, forward, loss,
backward, step, nothing else. What makes them fast is applied around them, and named where it is:
batches come from one in-memory tensor in the `channels_last` layout (`shuffled_batches`), Adam runs
fused (`make_adam`), and the running loss stays on the device until a record is written.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .augment import add_noise, shift_and_flip
from .data import ImageSet
from .evaluate import encode, evaluate_autoencoder, evaluate_classifier
from .models import Autoencoder, Classifier, Decoder
from .runtime import resolve_device

RECONSTRUCTION_LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}
SCHEDULES = ("constant", "onecycle")
ONECYCLE_WARMUP_FRACTION = 0.15  # share of the steps spent raising the learning rate

Batches = Iterator[tuple[torch.Tensor, torch.Tensor]]


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


def autoencoder_steps(
    model: Autoencoder,
    batches: Batches,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    noise: float = 0.0,
    generator: torch.Generator | None = None,
) -> float:
    """One optimizer step per batch, teaching `model` to output its own input; the mean loss."""
    model.train()
    loss_sum, count = 0.0, 0
    for images, _ in batches:  # (B, 1, 28, 28); the labels are not used
        inputs = add_noise(images, noise, generator) if noise else images  # a denoising autoencoder
        reconstructions = model(inputs)  # (B, 1, 28, 28)
        loss = loss_fn(reconstructions, images)  # the target is the (clean) input itself
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.detach() * len(images)  # a tensor on the device: no wait for it here
        count += len(images)
    return float(loss_sum / count)


def classifier_steps(
    model: nn.Module,
    batches: Batches,
    optimizer: torch.optim.Optimizer,
    unlabelled: Batches | None = None,
    decoder: Decoder | None = None,
    reconstruction_weight: float = 0.0,
) -> float:
    """One optimizer step per labelled batch, with cross-entropy; the mean loss.

    With `unlabelled` batches and a `decoder`, each step also asks the encoder to keep rebuilding
    unlabelled images: the loss gains `reconstruction_weight` × their MSE (semi-supervised).
    """
    model.train()
    loss_sum, count = 0.0, 0
    for images, labels in batches:  # (B, 1, 28, 28), (B,)
        loss = F.cross_entropy(model(images), labels)  # logits (B, num_classes) vs labels (B,)
        if unlabelled is not None:
            other, _ = next(unlabelled)  # (U, 1, 28, 28): images whose labels we do not have
            loss = loss + reconstruction_weight * F.mse_loss(decoder(model.encoder(other)), other)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach() * len(images)
        count += len(images)
    return float(loss_sum / count)


def shuffled_batches(
    inputs: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int,
    generator: torch.Generator,
    device: torch.device,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Batches:
    """Endless shuffled (inputs, labels) batches on `device`, a fresh order every epoch.

    Image batches come in the `channels_last` memory layout, which convolutions run fastest in
    (about 1.6× on a CPU); `transform` (e.g. augmentation) is applied to each batch of inputs.
    """
    inputs, labels = inputs.to(device), labels.to(device)  # (N, 1, 28, 28) or (N, D); (N,)
    while True:
        order = torch.randperm(len(inputs), generator=generator).to(device)
        for start in range(0, len(inputs), batch_size):
            index = order[start : start + batch_size]
            batch = inputs[index]  # (B, 1, 28, 28) or (B, D)
            if transform is not None:
                batch = transform(batch)
            if batch.dim() == 4:
                batch = batch.contiguous(memory_format=torch.channels_last)
            yield batch, labels[index]


def make_adam(params, device: torch.device, **options) -> torch.optim.Adam:
    """Adam, fused (one kernel for all parameters, about 1.2× faster) where PyTorch has it for `device`."""
    return torch.optim.Adam(params, fused=device.type in ("cpu", "cuda"), **options)


def _prepare(model: nn.Module, device: str | torch.device | None, progress: bool) -> torch.device:
    """Move `model` to the device (the best one if None), in the channels_last layout."""
    device = resolve_device(device, announce=progress)
    model.to(device, memory_format=torch.channels_last)
    return device


def _run(
    steps: Callable[[Batches], float],
    batches: Batches,
    record_steps: list[int],
    steps_per_epoch: int,
    evaluate: Callable[[], dict[str, float]],
    optimizer: torch.optim.Optimizer,
    progress: bool,
    description: str,
) -> History:
    """Call `steps` on the batches up to each step in `record_steps`; write a record after each."""
    history, done, started = History(), 0, time.perf_counter()
    with tqdm(total=record_steps[-1], desc=description, unit="step", disable=not progress) as bar:
        counted = _ticking(batches, bar)
        for step in record_steps:
            train_loss = steps(itertools.islice(counted, step - done))
            done = step
            record = {"epoch": step / steps_per_epoch, "train_loss": train_loss,
                      "lr": optimizer.param_groups[0]["lr"], "seconds": time.perf_counter() - started}
            record.update(evaluate())
            history.records.append(record)
            bar.set_postfix({k: f"{v:.4f}" for k, v in record.items() if k.endswith(("loss", "mse", "accuracy"))})
    return history


def _check_options(train_set: ImageSet, counts: dict[str, int | None], rates: dict[str, float | None]) -> None:
    """Refuse an empty training set, counts below 1 and negative (or zero) rates, before any work."""
    if not isinstance(train_set, ImageSet) or len(train_set) == 0:
        raise ValueError(f"train_set must be a non-empty convae.ImageSet, got {type(train_set).__name__}"
                         + (" of 0 images" if isinstance(train_set, ImageSet) else ""))
    for name, value in counts.items():
        if value is not None and not (isinstance(value, int) and value >= 1):
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    for name, value in rates.items():
        if value is not None and not value >= 0:
            raise ValueError(f"{name} must not be negative, got {value!r}")


def _ticking(batches: Batches, bar: tqdm) -> Batches:
    """The same batches, moving the progress bar one step per batch."""
    for batch in batches:
        bar.update(1)
        yield batch


def train_autoencoder(
    model: Autoencoder,
    train_set: ImageSet,
    *,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    loss: str = "mse",
    schedule: str = "constant",
    noise: float = 0.0,
    seed: int = 0,
    device: str | torch.device | None = None,
    test_set: ImageSet | None = None,
    records_per_epoch: int = 1,
    progress: bool = True,
) -> History:
    """Train `model` to reconstruct its input with Adam; return the history.

    `schedule="onecycle"` raises the learning rate to `lr` over the first 15 % of the steps, then
    anneals it to almost zero (the recipe of the shipped weights, with lr=1e-2). `noise=σ` adds
    Gaussian noise of that standard deviation to each input (clamped to [0, 1]) while the target
    stays the clean image. The history has `records_per_epoch` records per epoch: the mean train
    loss since the previous record, and the test metrics at that moment.
    """
    if loss not in RECONSTRUCTION_LOSSES:
        raise ValueError(f"loss must be one of {tuple(RECONSTRUCTION_LOSSES)}, got {loss!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    _check_options(train_set, {"epochs": epochs, "batch_size": batch_size, "records_per_epoch": records_per_epoch},
                   {"lr": lr, "noise": noise})
    device = _prepare(model, device, progress)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    total_steps = epochs * steps_per_epoch
    optimizer = make_adam(model.parameters(), device, lr=lr)
    scheduler = None
    if schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, total_steps=total_steps, pct_start=ONECYCLE_WARMUP_FRACTION
        )
    generator = torch.Generator().manual_seed(seed)

    def steps(batches: Batches) -> float:
        return autoencoder_steps(model, batches, RECONSTRUCTION_LOSSES[loss], optimizer, scheduler, noise, generator)

    def evaluate() -> dict[str, float]:
        if test_set is None:
            return {}
        metrics = evaluate_autoencoder(model, test_set)
        return {"test_loss": metrics[loss], "test_mse": metrics["mse"]}

    record_steps = sorted({round(k * steps_per_epoch / records_per_epoch)
                           for k in range(1, epochs * records_per_epoch + 1)})
    batches = shuffled_batches(train_set.images, train_set.labels, batch_size, generator, device)
    return _run(steps, batches, record_steps, steps_per_epoch, evaluate, optimizer, progress, "autoencoder")


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
    unlabelled: ImageSet | None = None,
    decoder: Decoder | None = None,
    reconstruction_weight: float = 1.0,
    seed: int = 0,
    device: str | torch.device | None = None,
    test_set: ImageSet | None = None,
    progress: bool = True,
) -> History:
    """Train `model` with cross-entropy and Adam; give either `epochs` or `steps`.

    The head learns at `lr`, the encoder at `encoder_lr` (default: `lr`), or not at all with
    `freeze_encoder` (then, without augmentation, every code is computed once and only the head
    runs at each step). `augment` adds ±2 px shifts and, with `hflip`, mirrored images. Given
    `unlabelled` images and the pretrained `decoder`, every step also trains encoder and decoder
    to rebuild a batch (of `batch_size`) of unlabelled images, weighted by `reconstruction_weight`. With `epochs`
    the history has a record per epoch; with `steps`, one record at the end.
    """
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs or steps")
    _check_options(train_set, {"epochs": epochs, "steps": steps, "batch_size": batch_size},
                   {"lr": lr, "encoder_lr": encoder_lr, "reconstruction_weight": reconstruction_weight})
    if (unlabelled is None) != (decoder is None):
        raise ValueError("semi-supervised training needs both `unlabelled` images and the `decoder`")
    if unlabelled is not None and freeze_encoder:
        raise ValueError("a frozen encoder cannot learn from unlabelled images: drop freeze_encoder or unlabelled")
    device = _prepare(model, device, progress)
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    total_steps = steps if steps is not None else epochs * steps_per_epoch
    generator = torch.Generator().manual_seed(seed)
    model.encoder.requires_grad_(not freeze_encoder)
    head = [p for name, p in model.named_parameters() if not name.startswith("encoder.")]
    groups = [{"params": head, "lr": lr}]
    pretrained = [] if freeze_encoder else list(model.encoder.parameters())
    extra_batches = None
    if decoder is not None:
        decoder.to(device, memory_format=torch.channels_last)
        pretrained += list(decoder.parameters())
        extra_batches = shuffled_batches(unlabelled.images, unlabelled.labels, batch_size, generator, device)
    if pretrained:
        groups.append({"params": pretrained, "lr": lr if encoder_lr is None else encoder_lr})
    optimizer = make_adam(groups, device)
    transform = (lambda images: shift_and_flip(images, generator, hflip=hflip)) if augment else None

    inputs, network = train_set.images, model
    if freeze_encoder and not augment:  # the codes never change: compute them once, train the head on them
        inputs = encode(model.encoder, train_set).to(device)  # (N, latent_dim)
        network = nn.Sequential(model.fc1, model.relu, model.fc2)  # the head alone, sharing its weights

    def run_steps(batches: Batches) -> float:
        return classifier_steps(network, batches, optimizer, extra_batches, decoder, reconstruction_weight)

    def evaluate() -> dict[str, float]:
        if test_set is None:
            return {}
        metrics = evaluate_classifier(model, test_set)
        return {"test_loss": metrics["loss"], "test_accuracy": metrics["accuracy"]}

    record_steps = list(range(steps_per_epoch, total_steps, steps_per_epoch)) if epochs is not None else []
    batches = shuffled_batches(inputs, train_set.labels, batch_size, generator, device, transform)
    try:
        return _run(run_steps, batches, [*record_steps, total_steps], steps_per_epoch, evaluate, optimizer,
                    progress, "classifier")
    finally:
        model.encoder.requires_grad_(True)
