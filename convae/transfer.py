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

import torch
import torch.nn.functional as F
from torch import nn

from .augment import shift_and_flip
from .data import ImageSet
from .evaluate import encode, evaluate_classifier
from .history import History
from .models import Autoencoder, Classifier
from .train import make_adam, prepare, train_classifier

__all__ = [
    "METHODS", "LinearProbe", "baseline_features", "fine_tuned", "fit_logistic_regression", "from_scratch",
    "frozen_encoder", "principal_components", "probe_accuracy", "semi_supervised", "train_every_way",
]

METHODS = ("from scratch", "frozen encoder", "fine-tuned", "semi-supervised")


def from_scratch(
    labelled: ImageSet, *, latent_dim: int, lr: float, augment: bool, steps: int, batch_size: int, seed: int,
    validation: ImageSet | None = None, device: str | torch.device | None = None,
) -> tuple[Classifier, History]:
    """A fresh Classifier trained on the labels alone; the model (on the CPU) and its history."""
    torch.manual_seed(seed)
    model = Classifier(latent_dim=latent_dim, num_classes=10)
    device = prepare(model, device)
    optimizer = make_adam([{"params": model.parameters(), "lr": lr}], device)
    history = _fit(model, model, labelled.to(device), optimizer, augment, steps, batch_size, seed, validation)
    return model.cpu(), history


def frozen_encoder(
    pretrained: Autoencoder, labelled: ImageSet, *, lr: float, augment: bool, steps: int, batch_size: int,
    seed: int, validation: ImageSet | None = None, device: str | torch.device | None = None,
) -> tuple[Classifier, History]:
    """The pretrained encoder kept fixed; only the head learns. Without augmentation every code is
    computed once, and only the head runs at each step."""
    torch.manual_seed(seed)
    model = Classifier(pretrained.latent_dim, num_classes=10, tuning_encoder=copy.deepcopy(pretrained.encoder))
    model.encoder.requires_grad_(False)
    device = prepare(model, device)
    head = [p for p in model.parameters() if p.requires_grad]  # fc1 and fc2
    optimizer = make_adam([{"params": head, "lr": lr}], device)
    labelled = labelled.to(device)
    if augment:  # the images change at every step, so their codes must too
        history = _fit(model, model, labelled, optimizer, augment, steps, batch_size, seed, validation)
    else:
        codes = encode(model.encoder, labelled).to(device)  # (N, latent_dim)
        history = _fit(model, model.head, labelled, optimizer, augment, steps, batch_size, seed, validation,
                       inputs=codes)
    return model.cpu(), history


def fine_tuned(
    pretrained: Autoencoder,
    labelled: ImageSet,
    *,
    lr: float,
    encoder_lr: float,
    augment: bool,
    steps: int,
    batch_size: int,
    seed: int,
    validation: ImageSet | None = None,
    device: str | torch.device | None = None,
) -> tuple[Classifier, History]:
    """The pretrained encoder learns too, at its own (smaller) learning
    rate `encoder_lr`; the head at `lr`."""
    torch.manual_seed(seed)
    encoder = copy.deepcopy(pretrained.encoder)  # the pretrained one stays
    model = Classifier(pretrained.latent_dim, 10, tuning_encoder=encoder)
    device = prepare(model, device)
    head = [*model.fc1.parameters(), *model.fc2.parameters()]
    optimizer = make_adam([{"params": head, "lr": lr},
                           {"params": encoder.parameters(), "lr": encoder_lr}],
                          device)
    history = _fit(model, model, labelled.to(device), optimizer, augment,
                   steps, batch_size, seed, validation)
    return model.cpu(), history


def semi_supervised(
    pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, *, lr: float, encoder_lr: float,
    reconstruction_weight: float, augment: bool, steps: int, batch_size: int, seed: int,
    validation: ImageSet | None = None, device: str | torch.device | None = None,
) -> tuple[Classifier, History]:
    """Fine-tuned, and each step also asks encoder and decoder to keep rebuilding a batch of
    `unlabelled` images: their MSE, times `reconstruction_weight`, joins the loss."""
    torch.manual_seed(seed)
    model = Classifier(pretrained.latent_dim, num_classes=10, tuning_encoder=copy.deepcopy(pretrained.encoder))
    decoder = copy.deepcopy(pretrained.decoder)
    device = prepare(model, device)
    prepare(decoder, device)
    head = [*model.fc1.parameters(), *model.fc2.parameters()]
    optimizer = make_adam([{"params": head, "lr": lr},
                           {"params": [*model.encoder.parameters(), *decoder.parameters()], "lr": encoder_lr}],
                          device)
    history = _fit(model, model, labelled.to(device), optimizer, augment, steps, batch_size, seed, validation,
                   unlabelled=unlabelled.to(device), decoder=decoder, reconstruction_weight=reconstruction_weight)
    return model.cpu(), history


def train_every_way(
    pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, settings: dict[str, dict], *,
    steps: int, batch_size: int, seed: int,
) -> dict[str, Classifier]:
    """The four ways, on the same labelled images and seed, each with its own `settings[way]`."""
    budget = {"steps": steps, "batch_size": batch_size, "seed": seed}
    return {
        "from scratch": from_scratch(labelled, latent_dim=pretrained.latent_dim, **settings["from scratch"],
                                     **budget)[0],
        "frozen encoder": frozen_encoder(pretrained, labelled, **settings["frozen encoder"], **budget)[0],
        "fine-tuned": fine_tuned(pretrained, labelled, **settings["fine-tuned"], **budget)[0],
        "semi-supervised": semi_supervised(pretrained, labelled, unlabelled, **settings["semi-supervised"],
                                           **budget)[0],
    }


def _fit(
    model: Classifier, network: Callable[[torch.Tensor], torch.Tensor], labelled: ImageSet,
    optimizer: torch.optim.Optimizer, augment: bool, steps: int, batch_size: int, seed: int,
    validation: ImageSet | None, inputs: torch.Tensor | None = None, **semi_supervision,
) -> History:
    """Train `network` (the model, or its head alone on precomputed `inputs`) on `labelled`; with
    `validation`, the model's validation accuracy after each epoch."""
    generator = torch.Generator().manual_seed(seed)  # the batch order and the augmentation
    transform = (lambda images: shift_and_flip(images, generator)) if augment else None
    evaluate = None if validation is None else (
        lambda: {"validation_accuracy": evaluate_classifier(model, validation)["accuracy"]})
    return train_classifier(network, labelled.images if inputs is None else inputs, labelled.labels, optimizer,
                            steps=steps, batch_size=batch_size, generator=generator, transform=transform,
                            evaluate=evaluate, **semi_supervision)


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
