"""Chapter 6's dense autoencoders: their sizes, their cost, and the stored comparison it prints."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch

import convae
from convae._internal.kinds import trainable_kind
from convae._internal.records import spelled_now
from convae.models import DenseAutoencoder, count_parameters, forward_flops
from convae.results import load_result
from studies.cli import main
from studies.why_convolutions import NETWORKS, SEEDS


@pytest.mark.parametrize(("hidden", "parameters"), [(38, 61_368), (256, 408_860)])
def test_dense_autoencoders_have_the_sizes_the_chapter_gives(hidden, parameters):
    model = DenseAutoencoder(latent_dim=12, hidden=hidden)
    assert count_parameters(model) == parameters
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 1, 28, 28)


def test_a_dense_autoencoder_refuses_what_the_convolutional_one_refuses():
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        DenseAutoencoder()(torch.rand(3, 784))
    with pytest.raises(ValueError, match="whole number"):
        DenseAutoencoder(hidden=0)


def test_flops_count_every_multiply_add_of_a_layer_twice():
    assert forward_flops(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))) == 2 * 784 * 10
    # conv1 alone: 16 maps of 24 × 24, each number a sum of 1 × 5 × 5 products
    assert forward_flops(torch.nn.Sequential(convae.Encoder().conv1)) == 2 * 16 * 24 * 24 * 25
    assert forward_flops(DenseAutoencoder(hidden=38)) == 2 * (784 * 38 + 38 * 12 + 12 * 38 + 38 * 784)


def test_a_dense_checkpoint_round_trips_with_its_width(tmp_path):
    model = DenseAutoencoder(latent_dim=5, hidden=7)
    loaded = convae.load_checkpoint(convae.save_checkpoint(model, tmp_path / "dense.pt")).model
    assert isinstance(loaded, DenseAutoencoder) and loaded.config() == {"latent_dim": 5, "hidden": 7}
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))


def test_the_stored_comparison_covers_every_network_on_every_seed():
    stored = load_result("why_convolutions")
    assert spelled_now(stored["command"]).startswith("python -m studies why-convolutions") and not stored["quick"]
    assert set(stored["networks"]) == set(NETWORKS) and stored["seeds"] == list(SEEDS)
    for name, architecture in NETWORKS.items():
        row = stored["networks"][name]
        assert [run["seed"] for run in row["runs"]] == list(SEEDS)  # paired by seed
        recipe = replace(convae.SHIPPED, **architecture)
        network = trainable_kind(recipe.model).build(recipe)
        assert row["parameters"] == count_parameters(network)
        assert row["forward_flops"] == forward_flops(network)


@pytest.mark.parametrize("name", ["fashion-mnist-dense38-6ep", "fashion-mnist-dense256-6ep"])
def test_the_shipped_dense_weights_reproduce_their_stored_error(name, fashion_test_set):
    model = convae.load_pretrained(name)
    stored = load_result("why_convolutions")["networks"][f"dense, {model.hidden} hidden"]["runs"][0]
    measured = convae.evaluate_autoencoder(model, fashion_test_set)["mse"]
    assert measured == pytest.approx(stored["test_mse"], rel=1e-4)


def test_a_quick_run_writes_its_result_and_checkpoints_into_the_folder_it_is_given(tmp_path):
    assert main(["why-convolutions", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "why_convolutions.json").read_text())
    assert written["quick"] and written["recipe"]["epochs"] == 1
    assert all(len(row["runs"]) == len(SEEDS) for row in written["networks"].values())
    assert convae.load_checkpoint(tmp_path / "fashion-mnist-dense38-6ep.pt").model.hidden == 38
