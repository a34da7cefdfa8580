"""The shipped weight files say how they were made: each one's stored command, as it is spelled now
(`python -m convae train …` or `python -m studies …`), parses and agrees with its recipe."""

import shlex

import pytest

import convae
from convae import sampling
from convae._internal import cli as convae_cli
from convae._internal import records
from convae._internal.checkpoints import PRETRAINED, file_sha256, pretrained_path
from convae._internal.records import spelled_now
from studies import cli as studies_cli
from studies import vae_study
from studies import why_convolutions as dense

METADATA_BYTES = 20_000  # what a weights file may hold beyond its float32 tensors
PARSERS = {"convae": convae_cli.parser, "studies": studies_cli.parser}  # by the module after `python -m`


def parsed(command: str):
    """The arguments of a stored `command`, parsed by today's command line of its tool."""
    words = shlex.split(spelled_now(command))
    return PARSERS[words[2]]().parse_args(words[3:])


def test_a_record_made_inside_the_package_is_spelled_as_today():
    assert spelled_now("python -m convae label-budgets --out convae/results") == (
        "python -m studies label-budgets --out convae/results")
    assert spelled_now("python -m convae train --epochs 6") == "python -m convae train --epochs 6"
    assert spelled_now("python -m studies bench --out runs") == "python -m studies bench --out runs"


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_shipped_weights_match_their_pinned_hash_and_say_how_they_were_made(name):
    path = pretrained_path(name)
    assert file_sha256(path) == PRETRAINED[name][1]
    model = convae.load_pretrained(name)
    assert path.stat().st_size < 4 * convae.count_parameters(model) + METADATA_BYTES  # weights, nothing more
    metadata = convae.pretrained_metadata(name)
    for key in ("command", "recipe", "test_metrics", "train_seconds", "torch_version"):
        assert key in metadata, key
    args = parsed(metadata["command"])
    recipe = metadata["recipe"]
    if args.command == "why-convolutions":  # chapter 6's dense networks: that command's first seed
        assert PRETRAINED[name][0] in dense.SAVED.values() and isinstance(model, convae.DenseAutoencoder)
        assert (recipe["epochs"], recipe["seed"]) == (dense.EPOCHS, dense.SEEDS[0])
        return
    if args.command == "vae-study":  # chapter 8's judge and β VAEs: that command's first seed
        assert PRETRAINED[name][0] in {vae_study.JUDGE_NAME, *map(vae_study.vae_name, vae_study.BETAS)}
        assert recipe["seed"] == vae_study.SEEDS[0]
        if isinstance(model, convae.Classifier):
            assert recipe["epochs"] == sampling.JUDGE.epochs and metadata["test_metrics"]["accuracy"] >= 0.90
        else:
            assert isinstance(model, convae.VAE) and recipe["epochs"] == vae_study.EPOCHS
        return
    assert args.command == "train" and args.out.endswith(PRETRAINED[name][0])
    assert model.latent_dim == args.latent_dim and recipe.get("model", "autoencoder") == args.model
    assert (recipe["epochs"], recipe["lr"], recipe["seed"]) == (args.epochs, args.lr, args.seed)
    assert recipe.get("noise", 0.0) == args.noise and recipe.get("binarized", False) == args.binarized
    if isinstance(model, convae.VAE):  # chapter 8's VAEs: black-and-white draws, the peak chosen on validation
        assert recipe["binarized"] and recipe["lr"] == convae.SHIPPED_VAE.lr
    if args.holdout_class is None:
        assert recipe.get("holdout_class") is None
    else:
        assert recipe["holdout_class"].lower() == args.holdout_class.lower()
        assert set(metadata["holdout_test_metrics"]) == {"mse", "bce"}
    assert 0 < metadata["test_metrics"]["mse"] < 0.05


def test_the_package_keeps_the_commands_a_record_may_still_name():
    assert records.PACKAGE_COMMANDS == tuple(command.name for command in convae_cli.COMMANDS)
