"""A recipe: every setting of an autoencoder's training run, in one object.

`SHIPPED` made the autoencoder that ships with convae, `SHIPPED_VAE` its variational
autoencoders; `QUICK` is chapter 3's two-epoch run, and what an MNIST reader gets trained on their
own machine. A checkpoint stores its recipe, so a model always says how it was made. Each field's
help is the command line's (`python -m convae train --help`): one place for both.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ._internal.checks import whole_number
from .data import DATASETS

LOSSES = ("mse", "bce")
SCHEDULES = ("constant", "onecycle")
MAX_SEED = 2**63 - 1  # what torch.Generator.manual_seed takes


def setting(default: Any, help: str, choices: tuple[str, ...] | None = None) -> Any:
    """A recipe field with its default, the line that explains it and, for text, its choices."""
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass(frozen=True)
class Recipe:
    """How an autoencoder is trained; the defaults are the shipped model's."""

    model: str = setting("autoencoder", "the kind of model: a row of the kinds table")
    dataset: str = setting("fashion-mnist", "the data set", DATASETS)
    latent_dim: int = setting(12, "numbers in each code")
    hidden: int | None = setting(None, "a dense autoencoder's hidden units (model dense only)")
    epochs: int = setting(28, "passes over the training images")
    batch_size: int = setting(128, "images per optimizer step")
    lr: float = setting(1e-2, "Adam's learning rate; with onecycle, its peak")
    schedule: str = setting("onecycle", "onecycle: up over the first 15 percent of the steps, then down", SCHEDULES)
    loss: str = setting("mse", "what is minimised between the output and the input", LOSSES)
    noise: float = setting(0.0, "σ of the Gaussian noise added to each input: a denoising autoencoder if > 0")
    holdout_class: str | None = setting(None, "a class (a name like Shirt, or its number) left out of training")
    validation_images: int = setting(0, "training images held out and scored after every epoch")
    seed: int = setting(0, "seeds the weights, the batch order and the noise")
    beta: float = setting(1.0, "a VAE's weight of the KL term (1: the loss is -ELBO)")
    binarized: bool = setting(False, "a VAE's images drawn black-and-white, x_b ~ Bernoulli(x): a true likelihood")

    def __post_init__(self) -> None:
        """Refuse a setting that cannot work, before any training starts. Whether the kind of
        model can follow the recipe is the kind's to say, where it is looked up (`train_recipe`)."""
        for name in ("latent_dim", "epochs", "batch_size"):
            whole_number(getattr(self, name), name)
        if self.hidden is not None:
            whole_number(self.hidden, "hidden")
        for name, most in (("validation_images", None), ("seed", MAX_SEED)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (most and value > most):
                allowed = "of at least 0" if most is None else f"from 0 to {most}"
                raise ValueError(f"{name} must be a whole number {allowed}, got {value!r}")
        for name, allowed in (("dataset", DATASETS), ("loss", LOSSES), ("schedule", SCHEDULES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not (isinstance(self.model, str) and self.model):
            raise ValueError(f"model must name a kind of model, got {self.model!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be a number >= 0, got {self.noise!r}")
        if not (math.isfinite(self.beta) and self.beta >= 0):
            raise ValueError(f"beta must be a number >= 0, got {self.beta!r}")

    def as_dict(self) -> dict[str, Any]:
        """The recipe as plain values, as a checkpoint stores it."""
        return asdict(self)


SHIPPED = Recipe()
QUICK = Recipe(epochs=2, lr=2e-2, validation_images=6000)  # chapter 3's live run: two epochs, under a minute;
# 6,000 training images held out to watch, so that the test set is scored once, after training
# chapter 8's VAEs: the Bernoulli likelihood of black-and-white draws, the peak chosen on validation
SHIPPED_VAE = Recipe(model="vae", loss="bce", lr=1e-2, epochs=20, binarized=True)
