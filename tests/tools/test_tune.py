"""`python -m studies tune-classifier`: the stored choice is the best trial, and it fits the four ways."""

from __future__ import annotations

import json

import torch

import convae
from convae import transfer
from convae._internal.records import spelled_now
from convae.results import load_result
from studies import tune_autoencoder
from studies.cli import main
from studies.tune import BUDGETS, GRIDS


class Reading(dict):
    """A way's settings that note every key the way reads."""

    def __init__(self, settings: dict) -> None:
        super().__init__(settings)
        self.read: set[str] = set()

    def __getitem__(self, key: str):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default=None):
        self.read.add(key)
        return super().get(key, default)


def settings_read(way: str, settings: dict) -> set[str]:
    """The keys of `settings` that `way` reads in a one-step run (a KeyError if it needs one more)."""
    torch.manual_seed(0)
    images = convae.ImageSet(torch.rand(20, 1, 28, 28), torch.arange(20) % 10, [str(c) for c in range(10)])
    reading = Reading(settings)
    transfer.WAYS[way](convae.Autoencoder(latent_dim=4), images, images, reading, transfer.Budget(1, 10, 0))
    return reading.read


def test_every_chosen_setting_is_the_best_trial_of_its_kind():
    stored = load_result("fine_tuning_validation")
    assert spelled_now(stored["command"]).startswith("python -m studies tune-classifier")
    assert stored["protocol"]["budgets"] == {str(10 * p): b for p, b in BUDGETS.items()}
    assert set(GRIDS) <= set(transfer.WAYS)
    for labels, methods in stored["chosen"]["methods"].items():
        assert list(methods) == list(transfer.WAYS)  # what `train_every_way` takes
        augment = stored["chosen"]["augment"][labels]
        for method, chosen in methods.items():
            assert set(chosen) <= settings_read(method, chosen), method  # the chapter passes them as they are
            assert chosen["augment"] == augment
            steps = stored["protocol"]["budgets"][labels]["steps"]
            rivals = [t for t in stored["trials"] if str(t["labels"]) == labels and t["method"] == method
                      and t["options"]["augment"] == augment and t["steps"] == steps]
            if method != "semi-supervised":  # its weights were tried with fine-tuned's best rates only
                assert len(rivals) == len(GRIDS[method])
            best = max(rivals, key=lambda t: t["mean"])
            assert best["options"] == chosen, (labels, method)


def test_a_quick_run_writes_its_result_into_the_folder_it_is_given(tmp_path, capsys):
    assert main(["tune-classifier", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "fine_tuning_validation.json").read_text())
    assert written["command"] == f"python -m studies tune-classifier --quick --out {tmp_path}"
    assert written["protocol"]["tuning_seeds"] == [100]
    assert set(written["chosen"]["methods"]["100"]) == set(transfer.METHODS)
    assert "wrote" in capsys.readouterr().out


def test_the_autoencoder_tuning_study_runs_quickly_and_names_its_choice(tmp_path):
    assert main(["tune-autoencoder", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "autoencoder_validation.json").read_text())
    assert [row["lr"] for row in written["probes"]] == list(tune_autoencoder.PEAKS)
    best = min(row["validation_mse"] for row in written["probes"])
    assert [row["lr"] for row in written["full"]] == [
        row["lr"] for row in written["probes"] if row["validation_mse"] <= tune_autoencoder.FINALIST_MARGIN * best]
    assert written["choice"] == min(written["full"], key=lambda row: row["validation_mse"])["lr"]


def test_the_shipped_autoencoders_peak_is_the_one_validation_chose():
    tuning = load_result("autoencoder_validation")
    assert spelled_now(tuning["command"]).startswith("python -m studies tune-autoencoder") and not tuning["quick"]
    assert convae.SHIPPED.lr == tuning["choice"]
    assert {row["epochs"] for row in tuning["full"]} == {convae.SHIPPED.epochs}
    best = min(row["validation_mse"] for row in tuning["probes"])
    assert [row["lr"] for row in tuning["full"]] == [
        row["lr"] for row in tuning["probes"] if row["validation_mse"] <= tune_autoencoder.FINALIST_MARGIN * best]
