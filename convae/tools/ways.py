"""Chapter 5's four ways by name, for the commands that search over them (`tune-classifier`,
`label-budgets`): each name calls its own function of `convae.transfer` with its own settings."""

from __future__ import annotations

from typing import Any

from ..data import ImageSet
from ..models import Autoencoder, Classifier
from ..transfer import fine_tuned, from_scratch, frozen_encoder, semi_supervised


def train_way(
    method: str, pretrained: Autoencoder, labelled: ImageSet, unlabelled: ImageSet, options: dict[str, Any], *,
    steps: int, batch_size: int, seed: int,
) -> Classifier:
    """The classifier `method` trains on `labelled` with `options` (its own keywords), on the CPU."""
    budget = {"steps": steps, "batch_size": batch_size, "seed": seed}
    if method == "from scratch":
        return from_scratch(labelled, latent_dim=pretrained.latent_dim, **options, **budget)[0]
    if method == "frozen encoder":
        return frozen_encoder(pretrained, labelled, **options, **budget)[0]
    if method == "fine-tuned":
        return fine_tuned(pretrained, labelled, **options, **budget)[0]
    if method == "semi-supervised":
        return semi_supervised(pretrained, labelled, unlabelled, **options, **budget)[0]
    raise ValueError(f"unknown method {method!r}: expected one of from scratch, frozen encoder, fine-tuned, "
                     "semi-supervised")
