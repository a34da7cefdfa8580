"""The kinds of model convae builds, trains, evaluates and stores: one table, one row a kind.

A `Recipe` names its kind (`Recipe(model="vae")`); `train_recipe` and the command line look the
kind up here, and the kind checks the recipe then. A new kind of model, even one with its own loss,
is one module (its network and its training loop) and one `register_kind` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from ..data import ImageSet
from ..evaluate import evaluate_autoencoder, evaluate_classifier
from ..history import History
from ..models import VAE, Autoencoder, Classifier, Decoder, DenseAutoencoder, Encoder
from ..recipe import Recipe
from ..train import train_autoencoder
from ..vae import evaluate_vae, train_vae
from .checkpoints import STORABLE

# (model, train_set, recipe, *, validation_set=None, device=None, progress=True) -> History
Trainer = Callable[..., History]  # its History records validation_loss and validation_mse when validating
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
    evaluate: Callable[..., Metrics] | None = None  # (model, data, **settings): its test metrics; None: none
    settings: tuple[str, ...] = ()  # the Recipe fields its evaluation takes (a VAE's binarized)
    summary: Callable[[Metrics], str] = str  # those metrics in one line, for the command line
    check: Callable[[Recipe], None] = _grey_pixels  # raises ValueError for a recipe it cannot follow

    def build(self, recipe: Recipe) -> nn.Module:
        """A fresh network of this kind, as `recipe` describes it."""
        return self.network(**{name: getattr(recipe, name) for name in self.arguments})

    def metrics(self, model: nn.Module, data: ImageSet, recipe: dict[str, Any]) -> Metrics:
        """`model`'s metrics on `data`, scored as the recipe it was trained with (its stored dict) says."""
        return self.evaluate(model, data, **{name: recipe[name] for name in self.settings if name in recipe})


KINDS: dict[str, ModelKind] = {
    "autoencoder": ModelKind(Autoencoder, train=train_autoencoder, evaluate=evaluate_autoencoder,
                             summary=_reconstruction),
    "dense": ModelKind(DenseAutoencoder, ("latent_dim", "hidden"), train=train_autoencoder,  # chapter 6
                       evaluate=evaluate_autoencoder, summary=_reconstruction, check=_needs_hidden),
    # a binarized VAE's ELBO is scored on one fixed black-and-white draw of the images
    "vae": ModelKind(VAE, train=train_vae, evaluate=evaluate_vae, settings=("binarized",), summary=_elbo,
                     check=_likelihood_only),
    "classifier": ModelKind(Classifier, evaluate=evaluate_classifier, summary=_accuracy),  # chapters 5, 8
    "encoder": ModelKind(Encoder),  # the parts, stored alone
    "decoder": ModelKind(Decoder),
}


def register_kind(name: str, kind: ModelKind) -> None:
    """Add `kind` to the table as `name`, and its network to the classes a checkpoint may hold."""
    if name in KINDS or kind.network.__name__ in STORABLE:
        raise ValueError(f"a kind named {name!r} or a class named {kind.network.__name__} is already known")
    KINDS[name] = kind
    STORABLE[kind.network.__name__] = kind.network


def unregister_kind(name: str) -> None:
    """Take the kind `name` (and its network) out of the table again."""
    kind = KINDS.pop(name)
    STORABLE.pop(kind.network.__name__)


def trainable_kind(name: str) -> ModelKind:
    """The kind called `name` (a Recipe's `model`), if a recipe can train it."""
    if name not in trainable_kinds():
        raise ValueError(f"model must be one of {trainable_kinds()}, got {name!r}")
    return KINDS[name]


def recipe_kind(recipe: Recipe) -> ModelKind:
    """The kind `recipe` names, once it has checked that it can follow the recipe."""
    kind = trainable_kind(recipe.model)
    kind.check(recipe)  # e.g. a VAE needs the Bernoulli loss
    return kind


def trainable_kinds() -> tuple[str, ...]:
    """The names of the kinds a Recipe can train."""
    return tuple(name for name, kind in KINDS.items() if kind.train is not None)


def kind_of_class(class_name: str) -> ModelKind | None:
    """The kind whose network class is called `class_name` (as a checkpoint stores it), or None."""
    return next((kind for kind in KINDS.values() if kind.network.__name__ == class_name), None)
