"""The table of model kinds: a new kind, even one with its own loss, is one module and one row.

The toy kind below is such a module: a sparse autoencoder (the specification's networks, with an L1
penalty on the codes) with its own step function and loop. Registered as one row, it trains through
`train_recipe` and the command line, is saved and loaded, and no other file knows of it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

import convae
from convae._internal import kinds
from convae._internal.checkpoints import STORABLE
from convae._internal.cli import main
from convae.data import batches
from convae.evaluate import evaluate_autoencoder
from convae.history import History

SPARSITY = 0.01  # the toy kind's weight of the mean absolute code beside the MSE


class SparseAutoencoder(convae.Autoencoder):
    """The specification's autoencoder, trained with an L1 penalty on its codes."""


def sparse_steps(model, shuffled, optimizer) -> torch.Tensor:
    """One step per batch on MSE + SPARSITY × mean |code|; each step's loss."""
    losses = []
    for images, _ in shuffled:  # (B, 1, 28, 28)
        codes = model.encoder(images)  # (B, latent_dim)
        loss = F.mse_loss(model.decoder(codes), images) + SPARSITY * codes.abs().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)  # (steps,)


def train_sparse(model, train_set, recipe, *, validation_set=None, device=None, progress=True) -> History:
    """The toy kind's own loop: Adam at the recipe's constant rate, one record per epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    generator = torch.Generator().manual_seed(recipe.seed)
    history = History()
    for epoch in range(recipe.epochs):
        losses = sparse_steps(model, batches(train_set.images, train_set.labels, recipe.batch_size, generator),
                              optimizer)
        record = {"epoch": epoch + 1, "train_loss": losses.mean().item()}
        if validation_set is not None:  # what every kind's loop records: its loss and the MSE
            mse = evaluate_autoencoder(model, validation_set)["mse"]
            record.update(validation_loss=mse, validation_mse=mse)
        history.append(record, losses)
    return history


SPARSE = kinds.ModelKind(SparseAutoencoder, train=train_sparse, evaluate=evaluate_autoencoder,
                         summary=lambda metrics: f"sparse: test MSE {metrics['mse']:.5f}")


@pytest.fixture
def sparse_kind():
    """The toy kind, registered for one test: one row of the table, nothing else."""
    kinds.register_kind("sparse", SPARSE)
    yield SPARSE
    kinds.unregister_kind("sparse")


def test_a_kind_with_its_own_loss_trains_saves_and_loads_through_train_recipe(sparse_kind, mnist_root, tmp_path):
    recipe = replace(convae.QUICK, model="sparse", dataset="mnist", latent_dim=3, epochs=2, batch_size=32,
                     validation_images=40)
    trained = convae.train_recipe(recipe, mnist_root, out=tmp_path / "sparse.pt", progress=False)
    assert isinstance(trained.model, SparseAutoencoder) and trained.model.latent_dim == 3
    assert len(trained.history) == 2 and trained.metadata["recipe"]["model"] == "sparse"
    assert len(trained.history.step_losses) == 2 * math.ceil(160 / 32)  # its own steps, on 200 - 40 images
    assert trained.metadata["train_images"] == 160 and len(trained.metadata["validation_mse"]) == 2
    loaded = convae.load_checkpoint(tmp_path / "sparse.pt", model_class=SparseAutoencoder)
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[name], tensor), name


def test_a_kind_with_its_own_loss_trains_and_evaluates_from_the_command_line(sparse_kind, mnist_root, tmp_path,
                                                                               capsys):
    out = tmp_path / "sparse.pt"
    assert main(["train", "--model", "sparse", "--dataset", "mnist", "--data-root", str(mnist_root), "--dry-run",
                 "--out", str(out)]) == 0
    assert "sparse: test MSE" in capsys.readouterr().out
    assert main(["evaluate", str(out), "--data-root", str(mnist_root)]) == 0
    assert "SparseAutoencoder (latent 12)" in capsys.readouterr().out


def test_without_its_row_the_kind_is_unknown_everywhere(mnist_root, tmp_path):
    with pytest.raises(ValueError, match="model must be one of"):
        convae.train_recipe(convae.Recipe(model="sparse"), mnist_root)
    with pytest.raises(TypeError, match="save_checkpoint expects one of"):
        convae.save_checkpoint(SparseAutoencoder(), tmp_path / "sparse.pt")
    with pytest.raises(SystemExit):
        main(["train", "--model", "sparse", "--data-root", str(mnist_root), "--dry-run"])


def test_a_kind_is_registered_once():
    with pytest.raises(ValueError, match="already known"):
        kinds.register_kind("autoencoder", SPARSE)
    with pytest.raises(ValueError, match="already known"):
        kinds.register_kind("another", kinds.KINDS["vae"])


def test_every_stored_class_maps_to_one_kind():
    names = [kind.network.__name__ for kind in kinds.KINDS.values()]
    assert len(names) == len(set(names)) and set(names) == set(STORABLE)
    for cls in (convae.Autoencoder, convae.DenseAutoencoder, convae.VAE, convae.Classifier, convae.Encoder,
                convae.Decoder):
        assert kinds.kind_of_class(cls.__name__).network is cls
    assert kinds.trainable_kinds() == ("autoencoder", "dense", "vae")


def test_a_recipe_is_checked_by_its_kind_where_the_kind_is_looked_up():
    recipe = convae.Recipe(model="dense")  # a recipe checks its own fields only
    with pytest.raises(ValueError, match="hidden"):
        kinds.recipe_kind(recipe)
    dense = convae.Recipe(model="dense", hidden=20, latent_dim=3)
    network = kinds.recipe_kind(dense).build(dense)
    assert isinstance(network, convae.DenseAutoencoder) and network.config() == {"latent_dim": 3, "hidden": 20}
