"""An autoencoder ready for any chapter: the shipped weights, or one trained here once and kept.

`convae` ships weights for Fashion-MNIST only. For another dataset (MNIST), the first chapter that
asks trains the same network with the `QUICK` recipe, saves it in the data folder, and every later
chapter loads that file instead of training again. A kept file made with another recipe is trained
again, so a change of recipe never hands out stale weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..data import DATA_ENV_VAR, DATASETS, data_root
from ..models import Autoencoder
from ..recipe import QUICK
from .checkpoints import PRETRAINED, CheckpointError, load_checkpoint, load_pretrained, pretrained_metadata
from .files import check_writable
from .runs import train_recipe


@dataclass
class ReadyAutoencoder:
    """An Autoencoder and a sentence saying where it came from."""

    model: Autoencoder
    source: str
    metadata: dict[str, Any]


def load_or_train_autoencoder(
    dataset: str, root: str | os.PathLike | None = None, progress: bool = True
) -> ReadyAutoencoder:
    """The shipped autoencoder for `dataset` if there is one; else one trained here with the `QUICK`
    recipe, saved under the data folder and loaded from there the next time (trained again if that
    file was made with another recipe). `.source` says which, in one sentence."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: expected one of {DATASETS}")
    if dataset in PRETRAINED:
        metadata = pretrained_metadata(dataset)
        source = (f"the shipped weights ({metadata['epochs']} epochs on {dataset}, "
                  f"test MSE {metadata['test_metrics']['mse']:.4f})")
        return ReadyAutoencoder(load_pretrained(dataset), source, metadata)
    recipe = replace(QUICK, dataset=dataset)
    path = trained_path(dataset, root)
    if path.is_file():
        try:
            checkpoint = load_checkpoint(path, model_class=Autoencoder, latent_dim=recipe.latent_dim)
        except CheckpointError as error:
            raise CheckpointError(f"{error}. Delete {path} and run again to retrain it.") from error
        if checkpoint.metadata.get("recipe") == recipe.as_dict():
            return ReadyAutoencoder(checkpoint.model, _trained_source(checkpoint.metadata, path), checkpoint.metadata)
    try:  # before training: a data folder that cannot be written would lose the run
        check_writable(path)
    except ValueError as error:
        raise ValueError(f"{error}. No weights ship for {dataset}, so an autoencoder is trained and kept in the data "
                         f"folder: set ${DATA_ENV_VAR} (or pass root=) to a folder you can write to") from error
    trained = train_recipe(recipe, root, out=path, command="convae.load_or_train_autoencoder", progress=progress)
    return ReadyAutoencoder(trained.model, _trained_source(trained.metadata, path), trained.metadata)


def trained_path(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """Where the autoencoder trained here for `dataset` is kept: <data root>/trained/<dataset>-latent12-<N>ep.pt."""
    return Path(data_root(root)) / "trained" / f"{dataset}-latent{QUICK.latent_dim}-{QUICK.epochs}ep.pt"


def _trained_source(metadata: dict[str, Any], path: Path) -> str:
    return (f"no weights ship for {metadata['dataset']}: an autoencoder trained here for {metadata['epochs']} "
            f"epochs (test MSE {metadata['test_metrics']['mse']:.4f}), kept in {path}")
