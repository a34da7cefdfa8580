"""`python -m studies tune-classifier`: chapter 5's hyperparameters, chosen on a validation split.

A reader with 100 labels also has the other 59,900 training images, but not their labels. The
hyperparameters are therefore chosen once, here, on 5,000 labelled images held out of the
*training* set (never the test set), with labelled subsets drawn from the remaining 55,000 under
seeds the chapter does not use. Every trial, and the choice, is written to a JSON file that ships
with the package; chapter 5 prints it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convae._internal.checkpoints import load_pretrained
from convae.data import ImageSet, labelled_subset, load_dataset, split_validation
from convae.evaluate import evaluate_classifier
from convae.models import Autoencoder
from convae.transfer import WAYS, Budget, baseline_features, fit_logistic_regression, probe_accuracy

from .study import Study

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


def load_split(study: Study) -> tuple[Autoencoder, ImageSet, ImageSet]:
    """(the shipped Fashion-MNIST autoencoder, the 55,000 training images labels are drawn from,
    the 5,000 held out for validation): what tuning and the label budgets share."""
    train_set = load_dataset("fashion-mnist", "train", study.root)
    return (load_pretrained("fashion-mnist"), *split_validation(train_set, VALIDATION_IMAGES, SPLIT_SEED))


def tune(study: Study) -> dict[str, Any]:
    """Run every trial on the validation split, choose, write `fine_tuning_validation.json`; return
    what was written. A quick study runs one seed for 30 steps: it only checks the machinery."""
    pretrained, pool, validation = load_split(study)
    seeds = TUNING_SEEDS[:1] if study.quick else TUNING_SEEDS
    budgets = {k: {**v, "steps": 30} for k, v in BUDGETS.items()} if study.quick else BUDGETS
    features = baseline_features(pretrained, pool)
    search = Search(pretrained, pool, validation, seeds, budgets)
    search.run_grids()
    # One augmentation setting per budget, the same for every way: the one whose ways score higher.
    score = {str(10 * p): {str(a): sum(search.best(p, m, a)["mean"] for m in WAYS) for a in (False, True)}
             for p in budgets}
    augment = {p: score[str(10 * p)]["True"] > score[str(10 * p)]["False"] for p in budgets}
    chosen = {str(10 * p): {m: search.best(p, m, augment[p])["options"] for m in WAYS} for p in budgets}
    ablation = {str(10 * p): {m: search.run(p, m, chosen[str(10 * p)][m], steps_multiplier=3) for m in WAYS}
                for p in budgets}
    probes, probe_trials = tune_probes(features, pool, validation, seeds, budgets)
    result = {
        "protocol": {"validation_images": VALIDATION_IMAGES, "split_seed": SPLIT_SEED, "tuning_seeds": list(seeds),
                     "budgets": {str(10 * p): b for p, b in budgets.items()}},
        "trials": search.trials,
        "probe_trials": probe_trials,
        "augment_score": score,
        "chosen": {"augment": {str(10 * p): a for p, a in augment.items()}, "methods": chosen,
                   "probe_weight_decay": probes},
        "ablation_3x_steps": ablation,
    }
    print(f"augmentation per budget {result['chosen']['augment']}")
    return study.write("fine_tuning_validation.json", result)


@dataclass
class Search:
    """The trials of the four ways: each trains on the same labelled subsets of `pool` (one per
    seed) and is scored on `validation`."""

    pretrained: Autoencoder
    pool: ImageSet  # where the labelled subsets come from; the semi-supervised way's unlabelled images
    validation: ImageSet  # held out of the training set
    seeds: tuple[int, ...]  # one labelled subset and one run per seed
    budgets: dict[int, dict[str, int]]  # labels per class -> {"steps", "batch_size"}
    trials: list[dict[str, Any]] = field(default_factory=list)  # every run so far, in order

    def run_grids(self) -> None:
        """Every way's grid at every budget, without and with augmentation; the semi-supervised
        way's reconstruction weights with fine-tuned's best learning rates."""
        for per_class in self.budgets:
            for augment in (False, True):
                for method, grid in GRIDS.items():
                    for options in grid:
                        self.run(per_class, method, {**options, "augment": augment})
                fine = self.best(per_class, "fine-tuned", augment)["options"]
                for weight in RECONSTRUCTION_WEIGHTS:
                    self.run(per_class, "semi-supervised", {**fine, "reconstruction_weight": weight})

    def run(self, per_class: int, method: str, options: dict[str, Any], steps_multiplier: int = 1) -> float:
        """Train the way `method` with `options` under every seed; record the trial and return its
        mean validation accuracy."""
        budget = self.budgets[per_class]
        steps = budget["steps"] * steps_multiplier
        accuracies = []
        for seed in self.seeds:
            labelled = labelled_subset(self.pool, per_class, seed)
            model, _ = WAYS[method](self.pretrained, labelled, self.pool, options,
                                    Budget(steps, budget["batch_size"], seed))
            accuracies.append(evaluate_classifier(model, self.validation)["accuracy"])
        mean = sum(accuracies) / len(accuracies)
        self.trials.append({"labels": 10 * per_class, "method": method, "options": options, "steps": steps,
                            "validation_accuracy": accuracies, "mean": mean})
        print(f"{10 * per_class:>5} labels | {method:>15} | {json.dumps(options):<70} | {mean:.4f}", flush=True)
        return mean

    def best(self, per_class: int, method: str, augment: bool) -> dict[str, Any]:
        """The best trial of `method` at the budget's own steps, with `augment` as given."""
        candidates = [t for t in self.trials if t["labels"] == 10 * per_class and t["method"] == method
                      and t["options"].get("augment") == augment and t["steps"] == self.budgets[per_class]["steps"]]
        return max(candidates, key=lambda t: t["mean"])


def tune_probes(
    features: dict[str, Callable[[ImageSet], Any]], pool: ImageSet, validation: ImageSet, seeds: tuple[int, ...],
    budgets: dict[int, dict[str, int]],
) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    """Each logistic regression's weight decay, chosen on validation: ({labels: {features: weight
    decay}}, every trial)."""
    validation_features = {name: extract(validation) for name, extract in features.items()}
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
    return probes, probe_trials
