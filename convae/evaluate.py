"""Evaluation and inference over whole datasets, in batches, without gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from .data import ImageSet, batches
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


def map_batches(
    model: nn.Module, data: ImageSet, step: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Run `step` on every batch of `data` with `model` in eval mode; concatenate the results."""
    if not isinstance(data, ImageSet):
        raise TypeError(f"expected a convae.ImageSet (from load_dataset), got {type(data).__name__}; "
                        "for a batch of images use convae.reconstruct or call the model")
    with evaluating(model) as device:
        pieces = batches(data.images, data.labels, EVAL_BATCH_SIZE)
        return torch.cat([step(images.to(device)).cpu() for images, _ in pieces])


def reconstruct(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The model's output for an (N, 1, 28, 28) batch, on the CPU, wherever the model lives."""
    with evaluating(model) as device:
        return model(images.to(device)).cpu()  # (N, 1, 28, 28)


def _per_image_losses(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    x_hat = model(images)  # (B, 1, 28, 28)
    mse = F.mse_loss(x_hat, images, reduction="none").mean(dim=(1, 2, 3))  # (B,)
    bce = F.binary_cross_entropy(x_hat, images, reduction="none").mean(dim=(1, 2, 3))  # (B,)
    return torch.stack([mse, bce], dim=1)  # (B, 2)


def reconstruction_errors(model: nn.Module, data: ImageSet) -> torch.Tensor:
    """Mean squared error of each image's reconstruction: shape (N,)."""
    return map_batches(model, data, lambda images: _per_image_losses(model, images))[:, 0]


def evaluate_autoencoder(model: nn.Module, data: ImageSet) -> dict[str, float]:
    """Mean per-pixel MSE and binary cross-entropy of the reconstructions of `data`."""
    losses = map_batches(model, data, lambda images: _per_image_losses(model, images))  # (N, 2)
    mse, bce = losses.double().mean(dim=0).tolist()
    return {"mse": mse, "bce": bce}


def predict_logits(model: nn.Module, data: ImageSet) -> torch.Tensor:
    """The classifier's logits for every image: shape (N, num_classes)."""
    return map_batches(model, data, model)


def evaluate_classifier(model: nn.Module, data: ImageSet) -> dict[str, float]:
    """Accuracy and mean cross-entropy of the classifier on `data`."""
    logits = predict_logits(model, data)  # (N, num_classes)
    accuracy = (logits.argmax(dim=1) == data.labels).float().mean().item()
    return {"accuracy": accuracy, "loss": F.cross_entropy(logits, data.labels).item()}


def encode(encoder: Encoder, data: ImageSet) -> torch.Tensor:
    """The latent code of every image: shape (N, latent_dim)."""
    return map_batches(encoder, data, encoder)


def confusion_matrix(model: nn.Module, data: ImageSet) -> torch.Tensor:
    """Counts[true, predicted] over `data`: shape (num_classes, num_classes)."""
    predicted = predict_logits(model, data).argmax(dim=1)  # (N,)
    num_classes = len(data.classes)
    flat = data.labels * num_classes + predicted
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)
