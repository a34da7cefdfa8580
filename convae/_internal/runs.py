"""One function that turns a recipe into a trained, evaluated and saved model.

The command line (`python -m convae train`), the MNIST fallback of `load_or_train_autoencoder`, the
study commands and the chapters that train their own models all call `train_recipe`, so a model
made anywhere is made the same way and carries the same metadata. The recipe's `model` names its
kind in `convae._internal.kinds.KINDS`: the network, its training loop and its evaluation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from ..data import ImageSet, load_dataset, split_validation
from ..history import History
from ..recipe import Recipe
from .checkpoints import save_checkpoint
from .kinds import recipe_kind
from .runtime import seed_everything


@dataclass
class TrainedModel:
    """A model trained from a recipe, the metadata a checkpoint of it stores, and its history."""

    model: nn.Module
    metadata: dict[str, Any]
    history: History


def train_recipe(
    recipe: Recipe,
    root: str | os.PathLike | None = None,
    *,
    out: str | os.PathLike | None = None,
    command: str | None = None,
    sizes: tuple[int, int] | None = None,
    progress: bool = True,
) -> TrainedModel:
    """Load the recipe's data, build the network of its kind (`recipe.model`), train it as the
    recipe says, evaluate it on the test set and, with `out`, save it there. `command` is stored as
    the way to make it again; `sizes` keeps only the first (training, test) images, for a
    seconds-long run."""
    kind = recipe_kind(recipe)  # the kind checks that it can follow the recipe
    train_set, test_set = (load_dataset(recipe.dataset, split, root) for split in ("train", "test"))
    if sizes is not None:
        train_set = train_set.subset(torch.arange(min(sizes[0], len(train_set))))
        test_set = test_set.subset(torch.arange(min(sizes[1], len(test_set))))
    held_out = None
    if recipe.holdout_class is not None:
        label = class_index(train_set.classes, recipe.holdout_class)
        recipe = replace(recipe, holdout_class=train_set.classes[label])  # stored by its name
        train_set, _ = _split_class(train_set, label)
        test_set, held_out = _split_class(test_set, label)
    validation_set = None  # watched after every epoch; the test set is scored once, at the end
    if recipe.validation_images:
        train_set, validation_set = split_validation(train_set, recipe.validation_images, seed=recipe.seed)
    seed_everything(recipe.seed)
    model = kind.build(recipe)  # built after seeding: its weights follow the seed
    history = kind.train(model, train_set, recipe, validation_set=validation_set, progress=progress)
    model.cpu().eval()
    metadata = {"dataset": recipe.dataset, "epochs": recipe.epochs, "recipe": recipe.as_dict(),
                "train_images": len(train_set), "test_metrics": kind.metrics(model, test_set, recipe.as_dict()),
                "train_seconds": round(history.last()["seconds"], 1), "command": command or "convae.train_recipe(...)"}
    if validation_set is not None:
        metadata["validation_mse"] = history["validation_mse"]  # after each epoch
    if held_out is not None:  # test_metrics then cover the other classes only
        metadata["holdout_test_metrics"] = kind.metrics(model, held_out, recipe.as_dict())
    if out is not None:
        save_checkpoint(model, out, **metadata)
    return TrainedModel(model, metadata, history)


def class_index(classes: list[str], name_or_number: str) -> int:
    """The label of a class given by its name (any case) or its number."""
    if name_or_number.isdigit() and int(name_or_number) < len(classes):
        return int(name_or_number)
    lowered = [name.lower() for name in classes]
    if name_or_number.lower() in lowered:
        return lowered.index(name_or_number.lower())
    raise ValueError(f"no class {name_or_number!r}: expected a number from 0 to {len(classes) - 1} "
                     f"or one of {list(classes)}")


def _split_class(data: ImageSet, label: int) -> tuple[ImageSet, ImageSet]:
    """(the images of every other class, the images of class `label`)."""
    return data.subset(data.labels != label), data.subset(data.labels == label)

