"""The stored run of python -m studies vae-study and tune-generators that chapters 8 and 9 print, and its quick run."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest
import torch

import convae
from convae import sampling
from convae._internal.records import spelled_now
from convae.damage import controls
from convae.results import load_result
from studies.cli import main
from studies.vae_study import BETAS, EPOCHS, SEEDS, vae_name


def test_the_stored_study_covers_every_way_beta_and_seed():
    stored = load_result("vae_study")
    assert spelled_now(stored["command"]).startswith("python -m studies vae-study") and not stored["quick"]
    assert [run["seed"] for run in stored["runs"]] == list(SEEDS) and stored["betas"] == list(BETAS)
    for run in stored["runs"]:
        assert set(run["autoencoder"]["samples"]) == {"N(0, I)", "fitted, diagonal", "fitted, full"}
        assert set(run["vae"]) == {f"{beta:g}" for beta in BETAS}
        assert set(run["controls"]) == set(controls(torch.zeros(1, 1, 28, 28), torch.Generator()))
        assert run["floor"]["frechet"] < 3 and run["judge_accuracy"] >= 0.90  # a judge strong enough to referee
        for scores in [run["floor"], *run["controls"].values(), *run["autoencoder"]["samples"].values()]:
            assert set(scores) == {"frechet", "precision", "recall", "confidence"}
        frechet = {name: scores["frechet"] for name, scores in run["controls"].items()}  # known damage, known order
        assert frechet["blur σ 0.5"] < frechet["blur σ 1"] < frechet["blur σ 2"]
        assert frechet["noise σ 0.05"] < frechet["noise σ 0.1"] < frechet["noise σ 0.2"]
        assert frechet["contrast × 0.8"] < frechet["contrast × 0.6"]
    assert stored["judge_recipe"] == asdict(sampling.JUDGE)
    assert stored["vae_recipe"] == replace(convae.SHIPPED_VAE, epochs=EPOCHS).as_dict()


def test_the_judge_and_vae_settings_are_the_ones_validation_chose():
    tuning = load_result("generators_validation")
    assert spelled_now(tuning["command"]).startswith("python -m studies tune-generators") and not tuning["quick"]
    best_judge = max(tuning["judges"], key=lambda row: row["validation_accuracy"])
    assert tuning["judge_choice"] == {key: best_judge[key] for key in ("epochs", "lr", "augment")}
    assert asdict(sampling.JUDGE) == tuning["judge_choice"]
    best_vae = min(tuning["vaes"], key=lambda row: row["validation_elbo_loss"])
    assert convae.SHIPPED_VAE.lr == tuning["vae_choice"] == best_vae["lr"]


def test_the_shipped_judge_and_beta_vaes_are_the_studys_first_seed(fashion_test_set):
    stored = load_result("vae_study")["runs"][0]
    judge = convae.load_pretrained("fashion-mnist-judge")
    assert convae.evaluate_classifier(judge, fashion_test_set)["accuracy"] == pytest.approx(
        stored["judge_accuracy"], abs=2e-3)
    for beta in BETAS:
        vae = convae.load_pretrained(vae_name(beta).removesuffix(".pt"))
        assert convae.pretrained_metadata(vae_name(beta).removesuffix(".pt"))["recipe"]["beta"] == beta
        measured = convae.evaluate_vae(vae, fashion_test_set, binarized=True)
        assert measured["elbo_loss"] == pytest.approx(stored["vae"][f"{beta:g}"]["elbo_loss"], rel=1e-3)


def test_a_quick_study_writes_its_result_and_models_into_the_folder_it_is_given(tmp_path, fashion_test_set):
    assert main(["vae-study", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "vae_study.json").read_text())
    assert written["quick"] and len(written["runs"]) == len(SEEDS)
    assert isinstance(convae.load_checkpoint(tmp_path / "fashion-mnist-judge.pt").model, convae.Classifier)
    assert convae.load_checkpoint(tmp_path / vae_name(4.0)).metadata["recipe"]["beta"] == 4.0


def test_the_stored_likelihood_tightens_as_the_samples_grow():
    stored = load_result("vae_likelihood")
    assert spelled_now(stored["command"]).startswith("python -m studies vae-likelihood") and not stored["quick"]
    assert stored["images"] >= 1000 and max(stored["samples"]) >= 1000  # the sizes
    assert set(stored["models"]) <= set(convae.PRETRAINED)
    for model in stored["models"].values():
        nats = [model["iwae_nats"][str(k)] for k in stored["samples"]]
        assert nats == sorted(nats, reverse=True)  # −log p(x) estimates fall as K grows
        assert nats[0] == pytest.approx(model["elbo_loss"], abs=1.0)  # K = 1 is the ELBO, another draw
        assert nats[-1] < model["elbo_loss"]


def test_a_quick_likelihood_run_writes_its_record(tmp_path, fashion_test_set):
    assert main(["vae-likelihood", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "vae_likelihood.json").read_text())
    assert written["quick"] and written["samples"] == [1, 10, 100, 1000]
    assert all(set(model["iwae_nats"]) == {"1", "10", "100", "1000"} for model in written["models"].values())
