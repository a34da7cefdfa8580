"""Evaluation and inference over whole datasets, in batches, without gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from .data import ImageSet
from .models import Encoder

EVAL_BATCH_SIZE = 1000


@contextmanager
def evaluating(model: nn.Module) -> Iterator[torch.device]:
    """Eval mode and no gradients inside the block; yields the device the model's weights are on."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield next(model.parameters()).device
    finally:
        model.train(was_training)


def infer(
    model: nn.Module, inputs: torch.Tensor, step: Callable[[torch.Tensor], torch.Tensor] | None = None
) -> torch.Tensor:
    """`step(batch)` (by default `model(batch)`) on every 1,000 rows of `inputs`, on the model's
    device, in eval mode and without gradients (the model's mode is restored after); the results,
    concatenated on the CPU. Every batched inference in convae goes through here."""
    step = model if step is None else step
    with evaluating(model) as device:
        return torch.cat([step(batch.to(device)).cpu() for batch in inputs.split(EVAL_BATCH_SIZE)])


def images_of(data: ImageSet) -> torch.Tensor:
    """The (N, 1, 28, 28) images of `data`, which must be an ImageSet."""
    if not isinstance(data, ImageSet):
        raise TypeError(f"expected a convae.ImageSet (from load_dataset), got {type(data).__name__}; "
                        "for a batch of images use convae.reconstruct or call the model")
    return data.images


def reconstruct(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The model's output for an (N, 1, 28, 28) batch, on the CPU, wherever the model lives."""
    return infer(model, images)  # (N, 1, 28, 28)


def _per_image_losses(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    x_hat = model(images)  # (B, 1, 28, 28)
    mse = F.mse_loss(x_hat, images, reduction="none").mean(dim=(1, 2, 3))  # (B,)
    bce = F.binary_cross_entropy(x_hat, images, reduction="none").mean(dim=(1, 2, 3))  # (B,)
    return torch.stack([mse, bce], dim=1)  # (B, 2)


def reconstruction_errors(model: nn.Module, data: ImageSet) -> torch.Tensor:
    """Mean squared error of each image's reconstruction: shape (N,)."""
    return infer(model, images_of(data), lambda images: _per_image_losses(model, images))[:, 0]


def evaluate_autoencoder(model: nn.Module, data: ImageSet) -> dict[str, float]:
    """Mean per-pixel MSE and binary cross-entropy of the reconstructions of `data`."""
    losses = infer(model, images_of(data), lambda images: _per_image_losses(model, images))  # (N, 2)
    mse, bce = losses.double().mean(dim=0).tolist()
    return {"mse": mse, "bce": bce}


def predict_logits(model: nn.Module, data: ImageSet) -> torch.Tensor:
    """The classifier's logits for every image: shape (N, num_classes)."""
    return infer(model, images_of(data))


def evaluate_classifier(model: nn.Module, data: ImageSet) -> dict[str, float]:
    """Accuracy and mean cross-entropy of the classifier on `data`."""
    logits = predict_logits(model, data)  # (N, num_classes)
    accuracy = (logits.argmax(dim=1) == data.labels).float().mean().item()
    return {"accuracy": accuracy, "loss": F.cross_entropy(logits, data.labels).item()}


def encode(encoder: Encoder, data: ImageSet) -> torch.Tensor:
    """The latent code of every image: shape (N, latent_dim)."""
    return infer(encoder, images_of(data))


def confusion_matrix(model: nn.Module, data: ImageSet) -> torch.Tensor:
    """Counts[true, predicted] over `data`: shape (num_classes, num_classes)."""
    predicted = predict_logits(model, data).argmax(dim=1)  # (N,)
    num_classes = len(data.classes)
    flat = data.labels * num_classes + predicted
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)
