"""`python -m studies tune-autoencoder`: the shipped autoencoder's peak learning rate, chosen on a
validation split.

6,000 training images are held out (the same split for every candidate); the test set is not read.
The shipped recipe (`convae.SHIPPED`: one-cycle, batch 128, MSE) is trained for 4 epochs at each
candidate peak. Short runs favour higher peaks, so every peak within 10 % of the best 4-epoch score
then trains the recipe's full 28 epochs, and the lowest validation MSE there wins.
A test checks `convae.SHIPPED.lr` against this record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from convae._internal.runs import train_recipe
from convae.recipe import SHIPPED

from .study import Study

VALIDATION_IMAGES = 6000
PEAKS = (0.005, 0.01, 0.02, 0.04)
PROBE_EPOCHS = 4
FINALIST_MARGIN = 1.1  # a peak whose 4-epoch validation MSE is within 10 % of the best trains fully


def tune_autoencoder(study: Study) -> dict[str, Any]:
    """Train every candidate peak briefly, those near the best fully; write `autoencoder_validation.json`."""
    held_out = 100 if study.quick else VALIDATION_IMAGES

    def validation_mse(peak: float, epochs: int) -> dict[str, Any]:
        recipe = replace(SHIPPED, lr=peak, epochs=1 if study.quick else epochs, validation_images=held_out)
        trained = train_recipe(recipe, study.root, sizes=study.sizes(), progress=False)
        row = {"lr": peak, "epochs": recipe.epochs, "validation_mse": trained.history.last()["validation_loss"],
               "seconds": trained.metadata["train_seconds"]}
        print(f"peak {peak:g}, {recipe.epochs} epochs: validation MSE {row['validation_mse']:.5f}", flush=True)
        return row

    probes = [validation_mse(peak, PROBE_EPOCHS) for peak in PEAKS]
    best = min(row["validation_mse"] for row in probes)
    full = [validation_mse(row["lr"], SHIPPED.epochs) for row in probes
            if row["validation_mse"] <= FINALIST_MARGIN * best]
    return study.write("autoencoder_validation.json", {
        "validation_images": held_out, "probe_epochs": PROBE_EPOCHS, "finalist_margin": FINALIST_MARGIN,
        "probes": probes, "full": full,
        "choice": min(full, key=lambda row: row["validation_mse"])["lr"]})
