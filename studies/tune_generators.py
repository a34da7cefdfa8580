"""`python -m studies tune-generators`: chapters 8 and 9's settings, chosen on a validation split.

6,000 training images are held out (the same split for every candidate); the test set is not read.

* The judge (`convae.sampling.train_judge`): 12 epochs of a one-cycle schedule at three peak
  learning rates, and the middle one with shifts and flips; the highest validation accuracy wins.
* The binarized VAE (latent 12, 4 epochs, one-cycle): three peak learning rates; the lowest
  validation −ELBO, on one fixed black-and-white draw of the held-out images, wins.

`convae.sampling.JUDGE` and `convae.SHIPPED_VAE` hold the winners; a test checks them against
this record.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Any

from convae._internal.runs import train_recipe
from convae.data import split_validation
from convae.evaluate import evaluate_classifier
from convae.recipe import SHIPPED_VAE
from convae.sampling import JudgeRecipe, train_judge

from .study import Study

VALIDATION_IMAGES = 6000
JUDGES = (JudgeRecipe(12, 1e-3), JudgeRecipe(12, 3e-3), JudgeRecipe(12, 1e-2), JudgeRecipe(12, 3e-3, augment=True))
VAE_PEAKS = (3e-3, 1e-2, 2e-2)
VAE_EPOCHS = 4


def tune_generators(study: Study) -> dict[str, Any]:
    """Score every candidate on the held-out images; write `generators_validation.json`."""
    train_set, _ = study.datasets()
    held_out = 100 if study.quick else VALIDATION_IMAGES
    fitting, validation = split_validation(train_set, held_out, seed=0)
    judges = []
    for candidate in JUDGES:
        started = time.perf_counter()
        recipe = replace(candidate, epochs=1) if study.quick else candidate
        judge = train_judge(fitting, recipe, seed=0)
        accuracy = evaluate_classifier(judge, validation)["accuracy"]
        judges.append({**asdict(candidate), "validation_accuracy": accuracy,
                       "seconds": round(time.perf_counter() - started, 1)})
        print(f"judge {candidate}: validation accuracy {accuracy:.4f}")
    vaes = []
    for peak in VAE_PEAKS:
        recipe = replace(SHIPPED_VAE, lr=peak, epochs=1 if study.quick else VAE_EPOCHS,
                         validation_images=held_out)
        trained = train_recipe(recipe, study.root, sizes=study.sizes(), progress=False)
        last = trained.history.last()
        vaes.append({"lr": peak, "validation_elbo_loss": last["validation_loss"],
                     "validation_mse": last["validation_mse"], "seconds": trained.metadata["train_seconds"]})
        print(f"VAE peak {peak:g}: validation -ELBO {last['validation_loss']:.1f}, MSE {last['validation_mse']:.4f}")
    best_judge = max(judges, key=lambda row: row["validation_accuracy"])
    best_vae = min(vaes, key=lambda row: row["validation_elbo_loss"])
    return study.write("generators_validation.json", {
        "validation_images": held_out, "vae_epochs": VAE_EPOCHS, "judges": judges, "vaes": vaes,
        "judge_choice": {key: best_judge[key] for key in ("epochs", "lr", "augment")},
        "vae_choice": best_vae["lr"]})
