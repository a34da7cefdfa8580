"""`python -m convae tune-classifier`: chapter 5's hyperparameters, chosen on a validation split.

A reader with 100 labels also has the other 59,900 training images, but not their labels. The
hyperparameters are therefore chosen once, here, on 5,000 labelled images held out of the
*training* set (never the test set), with labelled subsets drawn from the remaining 55,000 under
seeds the chapter does not use. Every trial, and the choice, is written to a JSON file that ships
with the package; chapter 5 prints it.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..checkpoints import load_pretrained
from ..data import labelled_subset, load_dataset, split_validation
from ..evaluate import evaluate_classifier
from ..results import write_result
from ..transfer import METHODS, baseline_features, fit_logistic_regression, probe_accuracy
from .ways import train_way

VALIDATION_IMAGES = 5000
SPLIT_SEED = 0
TUNING_SEEDS = (100, 101)  # the chapter's own runs use seeds 0, 1, 2
BUDGETS = {10: {"steps": 300, "batch_size": 32}, 100: {"steps": 600, "batch_size": 64}}  # per class
GRIDS: dict[str, list[dict[str, float]]] = {
    "from scratch": [{"lr": 1e-3}, {"lr": 3e-3}, {"lr": 1e-2}],
    "frozen encoder": [{"lr": 1e-3}, {"lr": 3e-3}, {"lr": 1e-2}],
    "fine-tuned": [{"lr": lr, "encoder_lr": encoder_lr} for lr in (1e-3, 3e-3, 1e-2) for encoder_lr in (1e-4, 3e-4)],
}
RECONSTRUCTION_WEIGHTS = (1.0, 10.0, 100.0, 1000.0)  # semi-supervised: tried with fine-tuned's best learning rates
WEIGHT_DECAYS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # logistic regression's L2 penalty


def tune(out: Path, argv: Sequence[str], root: str | None = None, quick: bool = False) -> dict[str, Any]:
    """Run every trial on the validation split, choose, write `out`; return what was written.

    `quick` runs a seconds-long version (one seed, 30 steps) that only checks the machinery.
    """
    started = time.perf_counter()
    pretrained = load_pretrained("fashion-mnist")
    pool, validation = split_validation(load_dataset("fashion-mnist", "train", root), VALIDATION_IMAGES, SPLIT_SEED)
    seeds = TUNING_SEEDS[:1] if quick else TUNING_SEEDS
    budgets = {k: {**v, "steps": 30} for k, v in BUDGETS.items()} if quick else BUDGETS
    features = baseline_features(pretrained, pool)
    validation_features = {name: extract(validation) for name, extract in features.items()}
    trials: list[dict[str, Any]] = []

    def run(per_class: int, method: str, options: dict[str, Any], steps_multiplier: int = 1) -> float:
        accuracies = []
        for seed in seeds:
            labelled = labelled_subset(pool, per_class, seed)
            steps = budgets[per_class]["steps"] * steps_multiplier
            model = train_way(method, pretrained, labelled, pool, options, steps=steps,
                              batch_size=budgets[per_class]["batch_size"], seed=seed)
            accuracies.append(evaluate_classifier(model, validation)["accuracy"])
        mean = sum(accuracies) / len(accuracies)
        trials.append({"labels": 10 * per_class, "method": method, "options": options,
                       "steps": budgets[per_class]["steps"] * steps_multiplier, "validation_accuracy": accuracies,
                       "mean": mean})
        print(f"{10 * per_class:>5} labels | {method:>15} | {json.dumps(options):<70} | {mean:.4f}", flush=True)
        return mean

    def best(per_class: int, method: str, augment: bool) -> dict[str, Any]:
        candidates = [t for t in trials if t["labels"] == 10 * per_class and t["method"] == method
                      and t["options"].get("augment") == augment and t["steps"] == budgets[per_class]["steps"]]
        return max(candidates, key=lambda t: t["mean"])

    for per_class in budgets:
        for augment in (False, True):
            for method, grid in GRIDS.items():
                for options in grid:
                    run(per_class, method, {**options, "augment": augment})
            fine = best(per_class, "fine-tuned", augment)["options"]
            for weight in RECONSTRUCTION_WEIGHTS:
                run(per_class, "semi-supervised", {**fine, "reconstruction_weight": weight})
    # One augmentation setting per budget, the same for every method: the one whose methods score higher.
    score = {str(10 * p): {str(a): sum(best(p, m, a)["mean"] for m in METHODS) for a in (False, True)} for p in budgets}
    augment = {p: score[str(10 * p)]["True"] > score[str(10 * p)]["False"] for p in budgets}
    chosen = {str(10 * p): {m: best(p, m, augment[p])["options"] for m in METHODS} for p in budgets}
    ablation = {str(10 * p): {m: run(p, m, chosen[str(10 * p)][m], steps_multiplier=3) for m in METHODS}
                for p in budgets}

    probes: dict[str, dict[str, float]] = {}
    probe_trials = []
    for per_class in budgets:
        for name, extract in features.items():
            scores = {}
            for weight_decay in WEIGHT_DECAYS:
                accuracies = []
                for seed in seeds:
                    labelled = labelled_subset(pool, per_class, seed)
                    probe = fit_logistic_regression(extract(labelled), labelled.labels, weight_decay)
                    accuracies.append(probe_accuracy(probe, validation_features[name], validation.labels))
                scores[weight_decay] = sum(accuracies) / len(accuracies)
                probe_trials.append({"labels": 10 * per_class, "features": name, "weight_decay": weight_decay,
                                     "validation_accuracy": accuracies, "mean": scores[weight_decay]})
                print(f"{10 * per_class:>5} labels | probe on {name:>17} | weight decay {weight_decay:g} | "
                      f"{scores[weight_decay]:.4f}", flush=True)
            probes.setdefault(str(10 * per_class), {})[name] = max(scores, key=scores.get)

    result = {
        "command": "python -m convae " + shlex.join(argv),
        "protocol": {"validation_images": VALIDATION_IMAGES, "split_seed": SPLIT_SEED, "tuning_seeds": list(seeds),
                     "budgets": {str(10 * p): b for p, b in budgets.items()}},
        "trials": trials,
        "probe_trials": probe_trials,
        "augment_score": score,
        "chosen": {"augment": {str(10 * p): a for p, a in augment.items()}, "methods": chosen,
                   "probe_weight_decay": probes},
        "ablation_3x_steps": ablation,
    }
    result = write_result(out, result, started)
    print(f"augmentation per budget {result['chosen']['augment']}; wrote {out} in {result['seconds']} s")
    return result
