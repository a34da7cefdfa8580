"""Starting a classifier from a pretrained autoencoder: chapter 5's four ways, and linear baselines.

The four ways differ in what they do with the pretrained weights, nothing else:

* "from scratch": a fresh encoder; everything learns from the labels alone;
* "frozen encoder": the pretrained encoder stays fixed, only the head learns;
* "fine-tuned": the pretrained encoder learns too, at its own (smaller) learning rate;
* "semi-supervised": fine-tuned, and each step also asks encoder and decoder to keep rebuilding a
  batch of unlabelled images (the reconstruction loss, weighted, as a second term).

The baselines are logistic regressions on fixed features: raw pixels, their first principal
components, or the autoencoder's codes (a "linear probe").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .data import ImageSet
from .evaluate import encode
from .models import Autoencoder, Classifier
from .train import train_classifier

METHODS = ("from scratch", "frozen encoder", "fine-tuned", "semi-supervised")


def new_classifier(method: str, pretrained: Autoencoder) -> Classifier:
    """A fresh Classifier for `method`, holding a copy of the pretrained encoder where it uses one."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: expected one of {METHODS}")
    latent_dim = pretrained.latent_dim
    if method == "from scratch":
        return Classifier(latent_dim=latent_dim, num_classes=10)
    return Classifier(latent_dim=latent_dim, num_classes=10, tuning_encoder=copy.deepcopy(pretrained.encoder))


def train_method(
    method: str,
    pretrained: Autoencoder,
    labelled: ImageSet,
    unlabelled: ImageSet,
    *,
    steps: int,
    batch_size: int,
    options: dict[str, Any],
    seed: int,
) -> Classifier:
    """Train a classifier the way `method` says, on `labelled`; `options` are train_classifier's
    keywords (lr, encoder_lr, augment, reconstruction_weight). Seeded by `seed`; returns it on the CPU."""
    torch.manual_seed(seed)
    model = new_classifier(method, pretrained)
    extra: dict[str, Any] = {}
    if method == "frozen encoder":
        extra["freeze_encoder"] = True
    if method == "semi-supervised":
        extra.update(unlabelled=unlabelled, decoder=copy.deepcopy(pretrained.decoder))
    options = {k: v for k, v in options.items() if method == "semi-supervised" or k != "reconstruction_weight"}
    train_classifier(model, labelled, steps=steps, batch_size=batch_size, seed=seed, progress=False,
                     **options, **extra)
    return model.cpu()


class LinearProbe(nn.Module):
    """Logistic regression on fixed features, standardized with the training features' statistics."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, num_classes: int) -> None:
        super().__init__()
        self.register_buffer("mean", mean)  # (D,)
        self.register_buffer("std", std)  # (D,)
        self.linear = nn.Linear(len(mean), num_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear((features - self.mean) / self.std)  # (N, num_classes) logits


def fit_logistic_regression(
    features: torch.Tensor, labels: torch.Tensor, weight_decay: float, num_classes: int = 10, iterations: int = 100
) -> LinearProbe:
    """Multinomial logistic regression with an L2 penalty, fitted by L-BFGS on the whole (N, D) set."""
    features = features.double()
    probe = LinearProbe(features.mean(dim=0), features.std(dim=0).clamp_min(1e-6), num_classes).double()
    optimizer = torch.optim.LBFGS(probe.parameters(), max_iter=iterations, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(probe(features), labels) + weight_decay / 2 * probe.linear.weight.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return probe.eval()


def probe_accuracy(probe: LinearProbe, features: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of (N, D) `features` the probe classifies as `labels`."""
    with torch.no_grad():
        return (probe(features.double()).argmax(dim=1) == labels).double().mean().item()


def principal_components(images: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean (D,), components (k, D)): the top-k principal directions of the flattened images."""
    pixels = images.flatten(1).double()  # (N, 784)
    mean = pixels.mean(dim=0)  # (784,)
    covariance = (pixels - mean).T @ (pixels - mean) / len(pixels)  # (784, 784)
    _, vectors = torch.linalg.eigh(covariance)  # eigenvalues ascending, vectors in columns
    return mean.float(), vectors[:, -k:].flip(1).T.float()  # (784,), (k, 784)


def baseline_features(pretrained: Autoencoder, unlabelled: ImageSet) -> dict[str, Callable[[ImageSet], torch.Tensor]]:
    """The baselines' feature extractors: raw pixels, their 12 principal components (fitted on the
    `unlabelled` images, no labels needed), and the pretrained encoder's codes."""
    mean, components = principal_components(unlabelled.images, pretrained.latent_dim)  # (784,), (12, 784)
    return {
        "pixels": lambda data: data.images.flatten(1),  # (N, 784)
        f"{pretrained.latent_dim} PCA components": lambda data: (data.images.flatten(1) - mean) @ components.T,
        f"{pretrained.latent_dim}-d codes": lambda data: encode(pretrained.encoder, data),  # (N, 12)
    }
