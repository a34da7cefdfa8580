"""A recipe: every setting of an autoencoder's training run, in one object.

`SHIPPED` made the autoencoder that ships with convae, `SHIPPED_VAE` its variational
autoencoders; `QUICK` is chapter 3's two-epoch run, and what an MNIST reader gets trained on their
own machine. A checkpoint stores its recipe, so a model
always says how it was made.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from .checks import whole_number
from .kinds import trainable_kind

LOSSES = ("mse", "bce")
SCHEDULES = ("constant", "onecycle")


@dataclass(frozen=True)
class Recipe:
    """How an autoencoder is trained; the defaults are the shipped model's."""

    model: str = "autoencoder"  # its kind in convae.kinds.KINDS, which checks the rest: "dense", "vae", …
    dataset: str = "fashion-mnist"  # "fashion-mnist" or "mnist"
    latent_dim: int = 12  # numbers in each code
    hidden: int | None = None  # a dense autoencoder's hidden units (model="dense" only)
    epochs: int = 28  # passes over the training images
    batch_size: int = 128  # images per optimizer step
    lr: float = 1e-2  # Adam's learning rate; with "onecycle", its peak
    schedule: str = "onecycle"  # "onecycle": up over the first 15 % of the steps, then down; or "constant"
    loss: str = "mse"  # what is minimised: "mse" or "bce" between the output and the input
    noise: float = 0.0  # σ of the Gaussian noise added to each input: a denoising autoencoder if > 0
    holdout_class: str | None = None  # a class left out of training (for anomaly detection)
    validation_images: int = 0  # training images held out to watch instead of the test set
    seed: int = 0  # seeds the weights, the batch order and the noise
    beta: float = 1.0  # a VAE's weight of the KL term (1: the loss is −ELBO)
    binarized: bool = False  # a VAE's images drawn black-and-white, x_b ~ Bernoulli(x): a true likelihood

    def __post_init__(self) -> None:
        """Refuse a setting that cannot work, before any training starts."""
        for name in ("latent_dim", "epochs", "batch_size"):
            whole_number(getattr(self, name), name)
        if self.hidden is not None:
            whole_number(self.hidden, "hidden")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if not self.noise >= 0:
            raise ValueError(f"noise must not be negative, got {self.noise!r}")
        if not (math.isfinite(self.beta) and self.beta >= 0):
            raise ValueError(f"beta must be a number >= 0, got {self.beta!r}")
        trainable_kind(self.model).check(self)  # e.g. a VAE needs the Bernoulli loss

    def as_dict(self) -> dict[str, Any]:
        """The recipe as plain values, as a checkpoint stores it."""
        return asdict(self)


SHIPPED = Recipe()
QUICK = Recipe(epochs=2, lr=2e-2)  # chapter 3's live run: two epochs, well under a minute
# chapter 8's VAEs: the Bernoulli likelihood of black-and-white draws, the peak chosen on validation
SHIPPED_VAE = Recipe(model="vae", loss="bce", lr=1e-2, epochs=20, binarized=True)
