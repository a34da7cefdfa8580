"""The table of model kinds: a new kind is one row, and every path reads the table."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from torch import nn

import convae
from convae import kinds
from convae.evaluate import evaluate_autoencoder
from convae.tools.cli import main
from convae.train import train_autoencoder


class LinearAutoencoder(nn.Module):
    """A toy kind: 784 -> latent -> 784, no convolution, no hidden layer."""

    def __init__(self, latent_dim: int = 12) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))  # (B, 1, 28, 28)

    def config(self) -> dict[str, int]:
        return {"latent_dim": self.latent_dim}


@pytest.fixture
def linear_kind(monkeypatch):
    """The toy kind, registered for one test: one row of the table, nothing else."""
    kind = kinds.ModelKind(LinearAutoencoder, train=train_autoencoder, evaluate=evaluate_autoencoder,
                           summary=lambda metrics: f"linear: test MSE {metrics['mse']:.5f}")
    monkeypatch.setitem(kinds.KINDS, "linear", kind)
    return kind


def test_a_new_kind_trains_saves_and_loads_through_train_recipe(linear_kind, mnist_root, tmp_path):
    recipe = replace(convae.QUICK, model="linear", dataset="mnist", latent_dim=3, epochs=2, batch_size=32)
    trained = convae.train_recipe(recipe, mnist_root, out=tmp_path / "linear.pt", progress=False)
    assert isinstance(trained.model, LinearAutoencoder) and trained.model.latent_dim == 3
    assert len(trained.history) == 2 and trained.metadata["recipe"]["model"] == "linear"
    loaded = convae.load_checkpoint(tmp_path / "linear.pt", model_class=LinearAutoencoder)
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[name], tensor), name


def test_a_new_kind_trains_and_evaluates_from_the_command_line(linear_kind, mnist_root, tmp_path, capsys):
    out = tmp_path / "linear.pt"
    assert main(["train", "--model", "linear", "--dataset", "mnist", "--data-root", str(mnist_root), "--dry-run",
                 "--out", str(out)]) == 0
    assert "linear: test MSE" in capsys.readouterr().out
    assert main(["evaluate", str(out), "--data-root", str(mnist_root)]) == 0
    assert "LinearAutoencoder (latent 12)" in capsys.readouterr().out


def test_without_its_row_the_kind_is_unknown_everywhere(mnist_root, tmp_path):
    with pytest.raises(ValueError, match="model must be one of"):
        convae.Recipe(model="linear")
    with pytest.raises(TypeError, match="save_checkpoint expects one of"):
        convae.save_checkpoint(LinearAutoencoder(), tmp_path / "linear.pt")
    with pytest.raises(SystemExit):
        main(["train", "--model", "linear", "--data-root", str(mnist_root), "--dry-run"])


def test_every_stored_class_maps_to_one_kind():
    names = kinds.class_names()
    assert len(names) == len(set(names))  # one kind per class
    for cls in (convae.Autoencoder, convae.DenseAutoencoder, convae.VAE, convae.Classifier, convae.Encoder,
                convae.Decoder):
        assert kinds.kind_of_class(cls.__name__).network is cls
    assert kinds.trainable_kinds() == ("autoencoder", "dense", "vae")


def test_a_recipe_is_checked_by_its_kind():
    with pytest.raises(ValueError, match="hidden"):
        convae.Recipe(model="dense")
    dense = convae.Recipe(model="dense", hidden=20, latent_dim=3)
    network = kinds.trainable_kind("dense").build(dense)
    assert isinstance(network, convae.DenseAutoencoder) and network.config() == {"latent_dim": 3, "hidden": 20}
