"""The stored run of `python -m studies label-budgets` that chapter 5 prints: complete and paired."""

from __future__ import annotations

import json
from collections import Counter

from convae._internal.records import spelled_now
from convae.results import load_result
from convae.transfer import METHODS, WAYS
from studies.budgets import FULL_METHODS, FULL_RUNS, STEP_MULTIPLIERS, WIDE_LATENT
from studies.cli import main


def test_every_method_ran_on_every_seed_at_every_budget():
    stored = load_result("label_budgets")
    seeds = stored["protocol"]["seeds"]
    assert len(seeds) >= 3 and spelled_now(stored["command"]).startswith("python -m studies label-budgets")
    budgets = load_result("fine_tuning_validation")["protocol"]["budgets"]
    assert stored["protocol"]["budgets"] == budgets  # the chapter's own budgets, multiplied
    expected = Counter({(int(labels), method, budget["steps"] * k): len(seeds) for labels, budget in budgets.items()
                        for method in METHODS for k in STEP_MULTIPLIERS})
    assert Counter((r["labels"], r["method"], r["steps"]) for r in stored["few_labels"]) == expected
    for labels, method, steps in expected:  # paired: the same seeds, in the same order, on every side
        assert [r["seed"] for r in stored["few_labels"]
                if (r["labels"], r["method"], r["steps"]) == (labels, method, steps)] == seeds


def test_the_all_label_runs_have_a_validation_curve_each():
    stored = load_result("label_budgets")
    epochs = stored["protocol"]["all_labels"]["epochs"]
    names = [*FULL_METHODS, f"from scratch, {WIDE_LATENT}-d bottleneck"]
    assert list(FULL_RUNS) == names and all(way in WAYS for way, _ in FULL_RUNS.values())
    assert sorted((r["method"], r["seed"]) for r in stored["all_labels"]) == sorted(
        (name, seed) for name in names for seed in stored["protocol"]["seeds"])
    for row in stored["all_labels"]:
        assert len(row["validation_curve"]) == epochs and all(0.1 < a < 1 for a in row["validation_curve"])
        assert 0.1 < row["test_accuracy"] < 1


def test_a_quick_run_writes_its_result_into_the_folder_it_is_given(tmp_path):
    assert main(["label-budgets", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "label_budgets.json").read_text())
    assert written["protocol"]["seeds"] == [0] and len(written["all_labels"]) == 4
    assert all(len(row["validation_curve"]) == 1 for row in written["all_labels"])
