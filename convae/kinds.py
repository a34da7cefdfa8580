"""The kinds of model convae builds, trains, evaluates and stores: one table, one row a kind.

A `Recipe` names its kind (`Recipe(model="vae")`); `train_recipe`, the command line and the
checkpoints look the kind up here and nowhere else. Adding a kind of model is adding a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torch import nn

from .data import ImageSet
from .evaluate import evaluate_autoencoder, evaluate_classifier
from .history import History
from .models import VAE, Autoencoder, Classifier, Decoder, DenseAutoencoder, Encoder
from .train import train_autoencoder
from .vae import evaluate_vae, train_vae

if TYPE_CHECKING:
    from .recipe import Recipe

Trainer = Callable[..., History]  # (model, train_set, recipe, *, test_set=None, progress=True) -> History
Metrics = dict[str, float]


def _reconstruction(metrics: Metrics) -> str:
    return f"test MSE {metrics['mse']:.5f}, test BCE {metrics['bce']:.5f}"


def _elbo(metrics: Metrics) -> str:
    return (f"test -ELBO {metrics['elbo_loss']:.1f} nats per image (reconstruction "
            f"{metrics['reconstruction']:.1f}, KL {metrics['kl']:.1f}), test MSE from the mean code "
            f"{metrics['mse']:.5f}")


def _accuracy(metrics: Metrics) -> str:
    return f"test accuracy {metrics['accuracy']:.4f}, test cross-entropy {metrics['loss']:.4f}"


def _grey_pixels(recipe: Recipe) -> None:
    if recipe.binarized:
        raise ValueError("binarized is a VAE's setting (its likelihood); an autoencoder rebuilds the grey images")


def _needs_hidden(recipe: Recipe) -> None:
    _grey_pixels(recipe)
    if recipe.hidden is None:
        raise ValueError("a dense autoencoder needs its hidden width: set hidden, e.g. Recipe(model='dense', "
                         "hidden=256)")


def _likelihood_only(recipe: Recipe) -> None:
    if recipe.loss != "bce" or recipe.noise:
        raise ValueError("a VAE's reconstruction term is the Bernoulli likelihood of the clean image: it needs "
                         f"loss='bce' and noise=0, got loss={recipe.loss!r}, noise={recipe.noise!r}")


@dataclass(frozen=True)
class ModelKind:
    """What convae knows of one kind of model."""

    network: type[nn.Module]  # its class; a checkpoint stores the class's name
    arguments: tuple[str, ...] = ("latent_dim",)  # the Recipe fields its constructor takes
    train: Trainer | None = None  # its training loop; None: not trained from a Recipe
    evaluate: Callable[[nn.Module, ImageSet], Metrics] | None = None  # its test metrics; None: none
    summary: Callable[[Metrics], str] = str  # those metrics in one line, for the command line
    check: Callable[[Recipe], None] = _grey_pixels  # raises ValueError for a recipe it cannot follow

    def build(self, recipe: Recipe) -> nn.Module:
        """A fresh network of this kind, as `recipe` describes it."""
        return self.network(**{name: getattr(recipe, name) for name in self.arguments})


KINDS: dict[str, ModelKind] = {
    "autoencoder": ModelKind(Autoencoder, train=train_autoencoder, evaluate=evaluate_autoencoder,
                             summary=_reconstruction),
    "dense": ModelKind(DenseAutoencoder, ("latent_dim", "hidden"), train=train_autoencoder,  # chapter 6
                       evaluate=evaluate_autoencoder, summary=_reconstruction, check=_needs_hidden),
    "vae": ModelKind(VAE, train=train_vae, evaluate=evaluate_vae, summary=_elbo, check=_likelihood_only),
    "classifier": ModelKind(Classifier, evaluate=evaluate_classifier, summary=_accuracy),  # chapters 5, 8
    "encoder": ModelKind(Encoder),  # the parts, stored alone
    "decoder": ModelKind(Decoder),
}


def trainable_kind(name: str) -> ModelKind:
    """The kind called `name` (a Recipe's `model`), if a recipe can train it."""
    if name not in trainable_kinds():
        raise ValueError(f"model must be one of {trainable_kinds()}, got {name!r}")
    return KINDS[name]


def trainable_kinds() -> tuple[str, ...]:
    """The names of the kinds a Recipe can train."""
    return tuple(name for name, kind in KINDS.items() if kind.train is not None)


def kind_of_class(class_name: str) -> ModelKind | None:
    """The kind whose network class is called `class_name` (as a checkpoint stores it), or None."""
    return next((kind for kind in KINDS.values() if kind.network.__name__ == class_name), None)


def class_names() -> tuple[str, ...]:
    """The class names a checkpoint may hold."""
    return tuple(kind.network.__name__ for kind in KINDS.values())
