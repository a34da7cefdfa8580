"""Starting a classifier from a pretrained autoencoder: chapter 5's four ways, and linear baselines.

The four ways differ in what they do with the pretrained weights, nothing else:

* "from scratch": a fresh encoder; everything learns from the labels alone;
* "frozen encoder": the pretrained encoder stays fixed, only the head learns;
* "fine-tuned": the pretrained encoder learns too, at its own (smaller) learning rate;
* "semi-supervised": fine-tuned, and each step also asks encoder and decoder to keep rebuilding a
  batch of unlabelled images (the reconstruction loss, weighted, as a second term).

`WAYS` maps each name to its function; all four take the same arguments (the pretrained
autoencoder, the labelled and the unlabelled images, the way's own `settings`, a `Budget`, and
optionally a validation set), so the chapter and the study commands call them by name.

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

from .augment import shift_and_flip
from .data import ImageSet
from .evaluate import encode, evaluate_classifier
from .history import History
from .models import Autoencoder, Classifier
from .train import Budget, SemiSupervision, fused, prepare, train_classifier

__all__ = [
    "METHODS", "WAYS", "Budget", "LinearProbe", "baseline_features", "fine_tuned", "fit_logistic_regression",
    "from_scratch", "frozen_encoder", "principal_components", "probe_accuracy", "semi_supervised", "train_every_way",
]


def from_scratch(
    pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, settings: dict[str, Any], budget: Budget,
    validation: ImageSet | None = None,
) -> tuple[Classifier, History]:
    """A fresh Classifier trained on the labels alone, at `settings["lr"]`: of the pretrained
    autoencoder only its code size is used (`settings["latent_dim"]` instead, if given), and the
    unlabelled images are not used."""
    torch.manual_seed(budget.seed)
    model = Classifier(settings.get("latent_dim", pretrained.latent_dim), len(labelled.classes))
    groups = [{"params": model.parameters(), "lr": settings["lr"]}]
    return _fit(model, groups, labelled, settings["augment"], budget, validation)


def frozen_encoder(
    pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, settings: dict[str, Any], budget: Budget,
    validation: ImageSet | None = None,
) -> tuple[Classifier, History]:
    """The pretrained encoder kept fixed; only the head learns, at `settings["lr"]`. Without
    augmentation every code is computed once, and only the head runs at each step. The unlabelled
    images are not used."""
    torch.manual_seed(budget.seed)
    encoder = copy.deepcopy(pretrained.encoder)  # the pretrained one stays
    model = Classifier(pretrained.latent_dim, len(labelled.classes), tuning_encoder=encoder)
    model.encoder.requires_grad_(False)
    head = [p for p in model.parameters() if p.requires_grad]  # fc1 and fc2
    return _fit(model, [{"params": head, "lr": settings["lr"]}], labelled, settings["augment"], budget, validation)


def fine_tuned(
    pretrained: Autoencoder,
    labelled: ImageSet,
    unlabelled: ImageSet,
    settings: dict[str, Any],
    budget: Budget,
    validation: ImageSet | None = None,
) -> tuple[Classifier, History]:
    """The pretrained encoder learns too, at its own (smaller) learning
    rate settings["encoder_lr"]; the head at settings["lr"]. The
    unlabelled images are not used."""
    torch.manual_seed(budget.seed)  # the head's initial weights
    encoder = copy.deepcopy(pretrained.encoder)  # the pretrained one stays
    model = Classifier(pretrained.latent_dim, len(labelled.classes),
                       tuning_encoder=encoder)
    head = [*model.fc1.parameters(), *model.fc2.parameters()]
    groups = [{"params": head, "lr": settings["lr"]},  # two learning rates
              {"params": encoder.parameters(), "lr": settings["encoder_lr"]}]
    augment = settings["augment"]  # random shifts and mirror images
    return _fit(model, groups, labelled, augment, budget, validation)


def semi_supervised(
    pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, settings: dict[str, Any], budget: Budget,
    validation: ImageSet | None = None,
) -> tuple[Classifier, History]:
    """Fine-tuned, and each step also asks encoder and decoder to keep rebuilding a batch of
    `unlabelled` images: their MSE, times `settings["reconstruction_weight"]`, joins the loss."""
    torch.manual_seed(budget.seed)
    encoder, decoder = copy.deepcopy(pretrained.encoder), copy.deepcopy(pretrained.decoder)
    model = Classifier(pretrained.latent_dim, len(labelled.classes), tuning_encoder=encoder)
    head = [*model.fc1.parameters(), *model.fc2.parameters()]
    groups = [{"params": head, "lr": settings["lr"]},
              {"params": [*encoder.parameters(), *decoder.parameters()], "lr": settings["encoder_lr"]}]
    semi = SemiSupervision(unlabelled, decoder, settings["reconstruction_weight"])
    return _fit(model, groups, labelled, settings["augment"], budget, validation, semi)


Way = Callable[[Autoencoder, ImageSet, ImageSet, dict[str, Any], Budget, ImageSet | None], tuple[Classifier, History]]

WAYS: dict[str, Way] = {  # the one table of the four ways: the chapter and the study commands use it by name
    "from scratch": from_scratch,
    "frozen encoder": frozen_encoder,
    "fine-tuned": fine_tuned,
    "semi-supervised": semi_supervised,
}
METHODS = tuple(WAYS)


def train_every_way(
    pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, settings: dict[str, dict[str, Any]],
    budget: Budget,
) -> dict[str, Classifier]:
    """Every way of `WAYS` on the same labelled images and budget, each with its own `settings[way]`;
    the classifiers, on the CPU."""
    return {name: way(pretrained, labelled, unlabelled, settings[name], budget)[0] for name, way in WAYS.items()}


def _fit(
    model: Classifier, groups: list[dict[str, Any]], labelled: ImageSet, augment: bool, budget: Budget,
    validation: ImageSet | None = None, semi: SemiSupervision | None = None,
) -> tuple[Classifier, History]:
    """Train `model` (and `semi`'s decoder) on `labelled` with Adam over the parameter `groups`, each
    at its own "lr", the images shifted and flipped if `augment`; the model, on the CPU, and its
    history, with the `validation` accuracy after each epoch if given. A frozen encoder without
    augmentation encodes every image once, and only the head runs at each step."""
    device = prepare(model, None)
    if semi is not None:
        prepare(semi.decoder, device)
    optimizer = torch.optim.Adam(groups, fused=fused(device))
    labelled = labelled.to(device)
    network, inputs = model, labelled.images  # (N, 1, 28, 28)
    if not augment and not any(p.requires_grad for p in model.encoder.parameters()):
        network, inputs = model.head, encode(model.encoder, labelled).to(device)  # (N, latent_dim) codes
    evaluate = None if validation is None else (
        lambda: {"validation_accuracy": evaluate_classifier(model, validation)["accuracy"]})
    history = train_classifier(network, inputs, labelled.labels, optimizer, budget,
                               transform=shift_and_flip if augment else None, semi=semi, evaluate=evaluate)
    return model.cpu(), history


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
