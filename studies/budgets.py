"""`python -m studies label-budgets`: chapter 5's methods over paired seeds, at longer budgets.

Chapter 5 trains every method live at one budget per label count. Whether a ranking survives more
training is a question of budgets the chapter has no time for, so it is answered here and stored:

* with 100 and 1,000 labels, every method at 1×, 2× and 4× the chapter's steps;
* with all 55,000 labelled images, every method for several epochs, with its validation accuracy
  after each epoch (to see where the curves flatten), plus a classifier with a 64-d bottleneck.

Every run uses the settings chosen by `tune-classifier`, and the chapter's seeds: for a given seed,
every method sees the same labelled images, so differences between methods are paired by seed.
Both the validation accuracy (on the held-out 5,000 training images) and the test accuracy are
recorded; budgets are read off the validation curves, the test accuracies are the results.
"""

from __future__ import annotations

import json
from typing import Any

import torch

from convae.data import ImageSet, labelled_subset, load_dataset
from convae.evaluate import evaluate_classifier
from convae.models import Autoencoder, Classifier
from convae.results import load_result
from convae.transfer import WAYS, Budget

from .study import Study
from .tune import SPLIT_SEED, VALIDATION_IMAGES, load_split

SEEDS = (0, 1, 2, 3, 4)  # the chapter's live runs use the first three: they are the 1x rows here
STEP_MULTIPLIERS = (1, 2, 4)
FULL_EPOCHS = 8
FULL_BATCH_SIZE = 128
FULL_METHODS = ("from scratch", "frozen encoder", "fine-tuned")  # with all labels, none is left unlabelled
WIDE_LATENT = 64
FULL_RUNS = {  # name -> (way, settings beside those chosen for 1,000 labels)
    **{way: (way, {}) for way in FULL_METHODS},
    f"from scratch, {WIDE_LATENT}-d bottleneck": ("from scratch", {"latent_dim": WIDE_LATENT}),
}


def run_budgets(study: Study) -> dict[str, Any]:
    """Train every method at every budget over the seeds, write `label_budgets.json`, return what
    was written. A quick study (one seed, 20 steps, one epoch on 2,000 images) only checks the
    machinery."""
    tuning = load_result("fine_tuning_validation")
    chosen, budgets = tuning["chosen"], tuning["protocol"]["budgets"]  # budgets: {"100": {"steps", "batch_size"}}
    pretrained, pool, validation = load_split(study)
    test_set = load_dataset("fashion-mnist", "test", study.root)
    seeds, epochs, full_pool = SEEDS, FULL_EPOCHS, pool
    if study.quick:
        budgets = {labels: {**budget, "steps": 20} for labels, budget in budgets.items()}
        seeds, epochs, full_pool = SEEDS[:1], 1, pool.subset(torch.arange(2000))
    few_labels = few_label_runs(pretrained, pool, validation, test_set, chosen["methods"], budgets, seeds)
    all_labels = all_label_runs(pretrained, full_pool, validation, test_set, chosen["methods"]["1000"], epochs, seeds)
    result = {
        "protocol": {"seeds": list(seeds), "validation_images": VALIDATION_IMAGES, "split_seed": SPLIT_SEED,
                     "budgets": budgets, "step_multipliers": list(STEP_MULTIPLIERS),
                     "all_labels": {"images": len(full_pool), "epochs": epochs, "batch_size": FULL_BATCH_SIZE,
                                    "settings": "those chosen for 1,000 labels"}},
        "few_labels": few_labels,
        "all_labels": all_labels,
    }
    return study.write("label_budgets.json", result)


def few_label_runs(
    pretrained: Autoencoder, pool: ImageSet, validation: ImageSet, test_set: ImageSet,
    settings: dict[str, dict[str, dict[str, Any]]], budgets: dict[str, dict[str, int]], seeds: tuple[int, ...],
) -> list[dict[str, Any]]:
    """Every way at every label budget and step multiplier, under every seed, with the `settings`
    chosen for its budget ({labels: {way: settings}}); one row each, with its validation and test
    accuracy."""
    rows: list[dict[str, Any]] = []
    for labels, budget in budgets.items():
        for seed in seeds:
            labelled = labelled_subset(pool, int(labels) // 10, seed)
            for method, way in WAYS.items():
                for multiplier in STEP_MULTIPLIERS:
                    steps = budget["steps"] * multiplier
                    model, _ = way(pretrained, labelled, pool, settings[labels][method],
                                   Budget(steps, budget["batch_size"], seed))
                    row = {"labels": int(labels), "method": method, "steps": steps, "seed": seed}
                    _keep(rows, row, model, {"validation": validation, "test": test_set})
    return rows


def all_label_runs(
    pretrained: Autoencoder, pool: ImageSet, validation: ImageSet, test_set: ImageSet,
    settings: dict[str, dict[str, Any]], epochs: int, seeds: tuple[int, ...],
) -> list[dict[str, Any]]:
    """Every run of `FULL_RUNS` on every labelled image of `pool` for `epochs` epochs, under every
    seed, with the `settings` chosen for 1,000 labels ({way: settings}); one row each, with its
    validation accuracy after each epoch and its test accuracy."""
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        for name, (way, extra) in FULL_RUNS.items():
            budget = Budget(epochs * -(-len(pool) // FULL_BATCH_SIZE), FULL_BATCH_SIZE, seed)
            model, history = WAYS[way](pretrained, pool, pool, {**settings[way], **extra}, budget, validation)
            row = {"method": name, "seed": seed, "validation_curve": history["validation_accuracy"]}
            _keep(rows, row, model, {"test": test_set})
    return rows


def _keep(rows: list[dict[str, Any]], row: dict[str, Any], model: Classifier, splits: dict[str, ImageSet]) -> None:
    """Add `model`'s accuracy on each of `splits` to `row` ("test" -> "test_accuracy"); keep and print it."""
    for split, data in splits.items():
        row[f"{split}_accuracy"] = evaluate_classifier(model, data)["accuracy"]
    rows.append(row)
    print(json.dumps(row), flush=True)
