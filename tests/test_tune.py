"""`python -m convae tune-classifier`: the stored choice is the best trial, and it fits the four ways."""

from __future__ import annotations

import inspect
import json

import pytest

from convae import transfer
from convae.results import load_result
from convae.tools.cli import main
from convae.tools.tune import BUDGETS, GRIDS

OWN_SETTINGS = {  # each way's keywords, beside the data and the budget every way takes
    name: set(inspect.signature(function).parameters) - {"pretrained", "labelled", "unlabelled", "steps",
                                                         "batch_size", "seed", "validation", "device", "latent_dim"}
    for name, function in zip(transfer.METHODS, (transfer.from_scratch, transfer.frozen_encoder,
                                                 transfer.fine_tuned, transfer.semi_supervised))
}


def test_every_chosen_setting_is_the_best_trial_of_its_kind():
    stored = load_result("fine_tuning_validation")
    assert stored["command"].startswith("python -m convae tune-classifier")
    assert stored["protocol"]["budgets"] == {str(10 * p): b for p, b in BUDGETS.items()}
    for labels, methods in stored["chosen"]["methods"].items():
        augment = stored["chosen"]["augment"][labels]
        for method, chosen in methods.items():
            assert set(chosen) == OWN_SETTINGS[method], method  # the chapter passes them as they are
            assert chosen["augment"] == augment
            steps = stored["protocol"]["budgets"][labels]["steps"]
            rivals = [t for t in stored["trials"] if str(t["labels"]) == labels and t["method"] == method
                      and t["options"]["augment"] == augment and t["steps"] == steps]
            if method != "semi-supervised":  # its weights were tried with fine-tuned's best rates only
                assert len(rivals) == len(GRIDS[method])
            best = max(rivals, key=lambda t: t["mean"])
            assert best["options"] == chosen, (labels, method)


@pytest.mark.slow
def test_a_quick_run_writes_its_result_into_the_folder_it_is_given(tmp_path, capsys):
    assert main(["tune-classifier", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "fine_tuning_validation.json").read_text())
    assert written["command"] == f"python -m convae tune-classifier --quick --out {tmp_path}"
    assert written["protocol"]["tuning_seeds"] == [100]
    assert set(written["chosen"]["methods"]["100"]) == set(transfer.METHODS)
    assert "wrote" in capsys.readouterr().out
