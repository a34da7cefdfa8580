"""`python -m convae label-budgets`: chapter 5's methods over paired seeds, at longer budgets.

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

import copy
import json
import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ..checkpoints import load_pretrained
from ..data import labelled_subset, load_dataset, split_validation
from ..evaluate import evaluate_classifier
from ..results import load_result, write_result
from ..transfer import METHODS, fine_tuned, from_scratch, frozen_encoder
from .tune import SPLIT_SEED, VALIDATION_IMAGES
from .ways import train_way

SEEDS = (0, 1, 2)  # the chapter's seeds: its live runs are the 1x rows here
STEP_MULTIPLIERS = (1, 2, 4)
FULL_EPOCHS = 8
FULL_BATCH_SIZE = 128
FULL_METHODS = ("from scratch", "frozen encoder", "fine-tuned")  # with all labels, none is left unlabelled
WIDE_LATENT = 64


def train_full(name: str, pretrained, pool, validation, options: dict[str, Any], epochs: int, seed: int):
    """One classifier on every labelled image of `pool`, validated after each epoch: (model, curve)."""
    budget = {"steps": epochs * -(-len(pool) // FULL_BATCH_SIZE), "batch_size": FULL_BATCH_SIZE, "seed": seed,
              "validation": validation}
    if name == f"from scratch, {WIDE_LATENT}-d bottleneck":
        model, history = from_scratch(pool, latent_dim=WIDE_LATENT, **options, **budget)
    elif name == "from scratch":
        model, history = from_scratch(pool, latent_dim=pretrained.latent_dim, **options, **budget)
    elif name == "frozen encoder":
        model, history = frozen_encoder(pretrained, pool, **options, **budget)
    else:
        model, history = fine_tuned(pretrained, pool, **options, **budget)
    return model, history["validation_accuracy"]


def run_budgets(out: Path, argv: Sequence[str], root: str | None = None, quick: bool = False) -> dict[str, Any]:
    """Train every method at every budget over the seeds, write `out`, return what was written.

    `quick` runs a seconds-long version (one seed, 20 steps, one epoch on 2,000 images) that only
    checks the machinery.
    """
    started = time.perf_counter()
    tuning = load_result("fine_tuning_validation")
    chosen, budgets = tuning["chosen"], tuning["protocol"]["budgets"]  # budgets: {"100": {"steps", "batch_size"}}
    pretrained = load_pretrained("fashion-mnist")
    pool, validation = split_validation(load_dataset("fashion-mnist", "train", root), VALIDATION_IMAGES, SPLIT_SEED)
    test_set = load_dataset("fashion-mnist", "test", root)
    seeds, epochs, full_pool = SEEDS, FULL_EPOCHS, pool
    if quick:
        budgets = {labels: {**budget, "steps": 20} for labels, budget in budgets.items()}
        seeds, epochs, full_pool = SEEDS[:1], 1, pool.subset(torch.arange(2000))

    few_labels = []
    for labels, budget in budgets.items():
        for seed in seeds:
            labelled = labelled_subset(pool, int(labels) // 10, seed)
            for method in METHODS:
                for multiplier in STEP_MULTIPLIERS:
                    steps = budget["steps"] * multiplier
                    model = train_way(method, pretrained, labelled, pool, chosen["methods"][labels][method],
                                      steps=steps, batch_size=budget["batch_size"], seed=seed)
                    row = {"labels": int(labels), "method": method, "steps": steps, "seed": seed,
                           "validation_accuracy": evaluate_classifier(model, validation)["accuracy"],
                           "test_accuracy": evaluate_classifier(model, test_set)["accuracy"]}
                    few_labels.append(row)
                    print(json.dumps(row), flush=True)

    all_labels = []
    names = [*FULL_METHODS, f"from scratch, {WIDE_LATENT}-d bottleneck"]
    for seed in seeds:
        for name in names:
            options = copy.deepcopy(chosen["methods"]["1000"][name.split(",")[0]])
            options.pop("reconstruction_weight", None)
            model, curve = train_full(name, pretrained, full_pool, validation, options, epochs, seed)
            row = {"method": name, "seed": seed, "validation_curve": curve,
                   "test_accuracy": evaluate_classifier(model, test_set)["accuracy"]}
            all_labels.append(row)
            print(json.dumps(row), flush=True)

    result = {
        "command": "python -m convae " + shlex.join(argv),
        "protocol": {"seeds": list(seeds), "validation_images": VALIDATION_IMAGES, "split_seed": SPLIT_SEED,
                     "budgets": budgets, "step_multipliers": list(STEP_MULTIPLIERS),
                     "all_labels": {"images": len(full_pool), "epochs": epochs, "batch_size": FULL_BATCH_SIZE,
                                    "settings": "those chosen for 1,000 labels"}},
        "few_labels": few_labels,
        "all_labels": all_labels,
    }
    result = write_result(out, result, started)
    print(f"wrote {out} in {result['seconds']} s")
    return result
