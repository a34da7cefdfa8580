"""`python -m studies why-convolutions`: dense autoencoders against the convolutional one.

Chapter 6 asks what convolutions buy. Each architecture is trained with the same recipe (the
shipped one, cut to 6 epochs, like chapter 6's other files) on the same five seeds, one run after
the other in one process, so their test errors are paired by seed and their training times were
measured on one machine under the same load:

* the convolutional `Autoencoder` of the book (61,453 parameters, 2.93 MFLOP a forward pass);
* a `DenseAutoencoder` with as many parameters (784 -> 38 -> 12 -> 38 -> 784, 61,368);
* one as wide as a typical dense tutorial's (784 -> 256 -> 12 -> 256 -> 784);
* one with as much arithmetic per image as the convolutional one (784 -> 930 -> 12 -> 930 -> 784:
  2.96 MFLOP, 1.48 million parameters).

The 38- and 256-wide networks of the first seed are saved beside the result, for the chapter's
reconstructions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from convae._internal.kinds import trainable_kind
from convae._internal.runs import train_recipe
from convae.models import count_parameters, forward_flops
from convae.recipe import SHIPPED

from .study import Study

SEEDS = (0, 1, 2, 3, 4)  # five: a 95 % t-interval over them is ±2.78 standard errors
EPOCHS = 6
NETWORKS: dict[str, dict[str, Any]] = {  # name -> the recipe's architecture fields
    "convolutional": {"model": "autoencoder"},
    "dense, 38 hidden": {"model": "dense", "hidden": 38},
    "dense, 256 hidden": {"model": "dense", "hidden": 256},
    "dense, 930 hidden": {"model": "dense", "hidden": 930},  # the convolutional net's arithmetic
}
SAVED = {"dense, 38 hidden": "fashion-mnist-dense38-6ep.pt", "dense, 256 hidden": "fashion-mnist-dense256-6ep.pt"}


def run_why_convolutions(study: Study) -> dict[str, Any]:
    """Train every network on every seed, write `why_convolutions.json` and the first seed's dense
    checkpoints into the study's folder; return what was written."""
    shared = replace(SHIPPED, epochs=1 if study.quick else EPOCHS)
    networks = {}
    for name, architecture in NETWORKS.items():
        recipe = replace(shared, **architecture)
        model = trainable_kind(recipe.model).build(recipe)
        runs = []
        for seed in SEEDS:
            path = study.out / SAVED[name] if name in SAVED and seed == SEEDS[0] else None
            trained = train_recipe(replace(recipe, seed=seed), study.root, out=path, command=study.command,
                                   sizes=study.sizes(), progress=False)
            runs.append({"seed": seed, "test_mse": trained.metadata["test_metrics"]["mse"],
                         "train_seconds": trained.metadata["train_seconds"]})
            print(f"{name}, seed {seed}: test MSE {runs[-1]['test_mse']:.5f}, {runs[-1]['train_seconds']:.0f} s")
        networks[name] = {"parameters": count_parameters(model), "forward_flops": forward_flops(model),
                          "checkpoint": SAVED.get(name), "runs": runs}
    return study.write("why_convolutions.json", {"recipe": shared.as_dict(), "seeds": list(SEEDS),
                                                 "networks": networks})
