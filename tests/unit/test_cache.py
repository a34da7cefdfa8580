"""load_or_train_autoencoder: the shipped weights, or one autoencoder trained once per data folder and kept."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import torch

import convae
from convae._internal import cache
from convae._internal.checkpoints import CheckpointError, save_checkpoint

TINY_RECIPE = dataclasses.replace(convae.QUICK, epochs=1, validation_images=40)  # seconds on the small IDX files


@pytest.fixture
def tiny_recipe(monkeypatch):
    monkeypatch.setattr(cache, "QUICK", TINY_RECIPE)
    return TINY_RECIPE


def refuse_training(monkeypatch) -> None:
    """Make any training in load_or_train_autoencoder fail the test."""
    def train(*args, **kwargs):
        raise AssertionError("load_or_train_autoencoder trained a model where it should not have")

    monkeypatch.setattr(cache, "train_recipe", train)


def test_fashion_mnist_gets_the_shipped_weights_and_writes_nothing(tmp_path, monkeypatch):
    refuse_training(monkeypatch)
    ready = convae.load_or_train_autoencoder("fashion-mnist", root=tmp_path)
    shipped = convae.load_pretrained("fashion-mnist")
    for name, tensor in shipped.state_dict().items():
        assert torch.equal(ready.model.state_dict()[name], tensor), name
    epochs, mse = ready.metadata["epochs"], ready.metadata["test_metrics"]["mse"]
    assert ready.source == f"the shipped weights ({epochs} epochs on fashion-mnist, test MSE {mse:.4f})"
    assert list(tmp_path.iterdir()) == []


def test_mnist_is_trained_once_kept_in_the_data_folder_then_loaded(mnist_root, tiny_mnist, tiny_recipe, monkeypatch):
    path = mnist_root / "trained" / "mnist-latent12-1ep.pt"
    assert cache.trained_path("mnist", mnist_root) == path
    first = convae.load_or_train_autoencoder("mnist", root=mnist_root, progress=False)
    assert path.is_file()
    assert first.source.startswith("no weights ship for mnist: an autoencoder trained here for 1 epochs (test MSE 0.")
    assert first.source.endswith(f"kept in {path}")
    assert first.metadata["recipe"] == {**tiny_recipe.as_dict(), "dataset": "mnist"}
    assert first.metadata["dataset"] == "mnist"
    _, test_set = tiny_mnist
    recomputed = convae.evaluate_autoencoder(first.model, test_set)["mse"]  # the metadata describes this model
    assert first.metadata["test_metrics"]["mse"] == pytest.approx(recomputed, rel=1e-4)

    refuse_training(monkeypatch)
    again = convae.load_or_train_autoencoder("mnist", root=mnist_root)
    assert again.source == first.source
    for name, tensor in first.model.state_dict().items():
        assert torch.equal(again.model.state_dict()[name], tensor), name  # stored weights, read back
    assert not again.model.training


def test_the_data_root_comes_from_convae_data(mnist_root, tiny_recipe, monkeypatch):
    monkeypatch.setenv("CONVAE_DATA", str(mnist_root))
    convae.load_or_train_autoencoder("mnist", progress=False)
    assert (mnist_root / "trained" / "mnist-latent12-1ep.pt").is_file()


def test_the_training_is_seeded(tmp_path, tiny_recipe):
    from conftest import write_idx_split

    models = []
    for global_seed in (1, 2):  # another global random state before each call
        root = tmp_path / str(global_seed)
        for split, count in (("train", 200), ("test", 100)):
            write_idx_split(root / "MNIST" / "raw", split, count)
        torch.manual_seed(global_seed)
        models.append(convae.load_or_train_autoencoder("mnist", root=root, progress=False).model)
    for name, tensor in models[0].state_dict().items():
        assert torch.allclose(models[1].state_dict()[name], tensor, atol=1e-6), name


def test_a_file_made_with_another_recipe_is_trained_again(mnist_root, tiny_recipe):
    path = cache.trained_path("mnist", mnist_root)
    stale = convae.Autoencoder(latent_dim=12)
    with torch.no_grad():
        for parameter in stale.parameters():
            parameter.zero_()
    other_recipe = {**tiny_recipe.as_dict(), "dataset": "mnist", "lr": 1e-3}
    save_checkpoint(stale, path, dataset="mnist", epochs=1, recipe=other_recipe,
                    test_metrics={"mse": 1.0, "bce": 1.0}, train_seconds=0.0)
    ready = convae.load_or_train_autoencoder("mnist", root=mnist_root, progress=False)
    expected = {**tiny_recipe.as_dict(), "dataset": "mnist"}
    assert ready.metadata["recipe"] == expected
    assert any(parameter.abs().sum() > 0 for parameter in ready.model.parameters())
    assert convae.load_checkpoint(path).metadata["recipe"] == expected  # the stale file was replaced


def test_a_damaged_kept_file_names_itself_and_the_remedy(mnist_root, tiny_recipe):
    path = cache.trained_path("mnist", mnist_root)
    convae.load_or_train_autoencoder("mnist", root=mnist_root, progress=False)
    path.write_bytes(path.read_bytes()[:1000])  # an interrupted copy
    where = re.escape(str(path))
    with pytest.raises(CheckpointError, match=rf"{where}.*Delete {where} and run again to retrain it"):
        convae.load_or_train_autoencoder("mnist", root=mnist_root)


def test_a_data_folder_that_cannot_hold_the_file_fails_before_training(mnist_root, tiny_recipe, monkeypatch):
    refuse_training(monkeypatch)
    (mnist_root / "trained").write_text("a file where the folder should be")
    with pytest.raises(ValueError, match=r"cannot write .*mnist-latent12-1ep.pt.*set \$CONVAE_DATA \(or pass root=\)"):
        convae.load_or_train_autoencoder("mnist", root=mnist_root)


def test_an_unknown_dataset_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match=r"unknown dataset 'cifar10': expected one of \('fashion-mnist', 'mnist'\)"):
        convae.load_or_train_autoencoder("cifar10", root=tmp_path)
