"""An autoencoder ready for any chapter: the shipped weights, or one trained here once and kept.

`convae` ships weights for Fashion-MNIST only. For another dataset (MNIST), the first chapter that
asks trains the same network with a short recipe, saves it in the data folder, and every later
chapter loads that file instead of training again. A kept file made with another recipe is trained
again, so a change of `FALLBACK_RECIPE` never hands out stale weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checkpoints import (
    PRETRAINED,
    CheckpointError,
    check_writable,
    load_checkpoint,
    load_pretrained,
    pretrained_metadata,
    save_checkpoint,
)
from .data import DATA_ENV_VAR, DATASETS, data_root, load_dataset
from .evaluate import evaluate_autoencoder
from .models import Autoencoder
from .runtime import seed_everything
from .train import train_autoencoder

FALLBACK_RECIPE = {"epochs": 2, "lr": 2e-2, "schedule": "onecycle", "seed": 0}  # chapter 3's live run


@dataclass
class ReadyAutoencoder:
    """An Autoencoder and a sentence saying where it came from."""

    model: Autoencoder
    source: str
    metadata: dict[str, Any]


def load_or_train_autoencoder(
    dataset: str, root: str | os.PathLike | None = None, progress: bool = True
) -> ReadyAutoencoder:
    """The shipped autoencoder for `dataset` if there is one; else one trained here with chapter 3's
    two-epoch recipe, saved under the data folder and loaded from there the next time (trained again
    if that file was made with another recipe). `.source` says which, in one sentence."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: expected one of {DATASETS}")
    if dataset in PRETRAINED:
        metadata = pretrained_metadata(dataset)
        source = (f"the shipped weights ({metadata['epochs']} epochs on {dataset}, "
                  f"test MSE {metadata['test_metrics']['mse']:.4f})")
        return ReadyAutoencoder(load_pretrained(dataset), source, metadata)
    path = trained_path(dataset, root)
    if path.is_file():
        try:
            checkpoint = load_checkpoint(path, model_class=Autoencoder, latent_dim=12)
        except CheckpointError as error:
            raise CheckpointError(f"{error}. Delete {path} and run again to retrain it.") from error
        metadata = checkpoint.metadata
        if metadata.get("dataset") == dataset and metadata.get("recipe") == FALLBACK_RECIPE:
            return ReadyAutoencoder(checkpoint.model, _trained_source(dataset, metadata, path), metadata)
    try:  # before training: a data folder that cannot be written would lose the run
        check_writable(path)
    except ValueError as error:
        raise ValueError(f"{error}. No weights ship for {dataset}, so an autoencoder is trained and kept in the data "
                         f"folder: set ${DATA_ENV_VAR} (or pass root=) to a folder you can write to") from error
    train_set, test_set = load_dataset(dataset, "train", root), load_dataset(dataset, "test", root)
    seed_everything(FALLBACK_RECIPE["seed"])
    model = Autoencoder(latent_dim=12)
    history = train_autoencoder(model, train_set, epochs=FALLBACK_RECIPE["epochs"], lr=FALLBACK_RECIPE["lr"],
                                schedule=FALLBACK_RECIPE["schedule"], seed=FALLBACK_RECIPE["seed"], progress=progress)
    model.cpu().eval()
    metadata = {"dataset": dataset, "epochs": FALLBACK_RECIPE["epochs"], "recipe": FALLBACK_RECIPE,
                "test_metrics": evaluate_autoencoder(model, test_set),
                "train_seconds": round(history.last()["seconds"], 1)}
    save_checkpoint(model, path, **metadata)
    return ReadyAutoencoder(model, _trained_source(dataset, metadata, path), metadata)


def trained_path(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """Where the autoencoder trained here for `dataset` is kept: <data root>/trained/<dataset>-latent12-<N>ep.pt."""
    return Path(data_root(root)) / "trained" / f"{dataset}-latent12-{FALLBACK_RECIPE['epochs']}ep.pt"


def _trained_source(dataset: str, metadata: dict[str, Any], path: Path) -> str:
    return (f"no weights ship for {dataset}: an autoencoder trained here for {metadata['epochs']} epochs "
            f"(test MSE {metadata['test_metrics']['mse']:.4f}), kept in {path}")
