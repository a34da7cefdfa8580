"""`python -m convae why-convolutions`: dense autoencoders against the convolutional one.

Chapter 6 asks what convolutions buy. Each architecture is trained with the same recipe (the
shipped one, cut to 6 epochs, like chapter 6's other files) on the same seeds, one run after the
other in one process, so their test errors are paired by seed and their training times were
measured on one machine under the same load:

* the convolutional `Autoencoder` of the book (61,453 parameters);
* a `DenseAutoencoder` of about the same size (784 -> 38 -> 12 -> 38 -> 784, 61,368 parameters);
* a `DenseAutoencoder` as wide as a typical dense tutorial's (784 -> 256 -> 12 -> 256 -> 784).

The two dense networks of the first seed are saved beside the result, for their reconstructions.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from torch import nn

from ..models import Autoencoder, DenseAutoencoder, count_parameters, forward_flops
from ..recipe import SHIPPED
from ..results import write_result
from ..runs import train_recipe

SEEDS = (0, 1, 2)
EPOCHS = 6
NETWORKS: dict[str, Callable[[int], nn.Module]] = {
    "convolutional": Autoencoder,
    "dense, 38 hidden": partial(DenseAutoencoder, hidden=38),
    "dense, 256 hidden": partial(DenseAutoencoder, hidden=256),
}
SAVED = {"dense, 38 hidden": "fashion-mnist-dense38-6ep.pt", "dense, 256 hidden": "fashion-mnist-dense256-6ep.pt"}
QUICK_SIZES = (512, 256)  # training and test images in a --quick run


def run_why_convolutions(out: Path, argv: Sequence[str], root: str | None = None,
                         quick: bool = False) -> dict[str, Any]:
    """Train every network on every seed, write `out/why_convolutions.json` and the first seed's
    dense checkpoints into `out`; return what was written."""
    started = time.perf_counter()
    command = "python -m convae " + shlex.join(argv)
    recipe = replace(SHIPPED, epochs=1 if quick else EPOCHS)
    networks = {}
    for name, network in NETWORKS.items():
        model = network(recipe.latent_dim)
        runs = []
        for seed in SEEDS:
            path = out / SAVED[name] if name in SAVED and seed == SEEDS[0] else None
            trained = train_recipe(replace(recipe, seed=seed), root, out=path, command=command,
                                   sizes=QUICK_SIZES if quick else None, progress=False, network=network)
            runs.append({"seed": seed, "test_mse": trained.metadata["test_metrics"]["mse"],
                         "train_seconds": trained.metadata["train_seconds"]})
            print(f"{name}, seed {seed}: test MSE {runs[-1]['test_mse']:.5f}, {runs[-1]['train_seconds']:.0f} s")
        networks[name] = {"parameters": count_parameters(model), "forward_flops": forward_flops(model),
                          "checkpoint": SAVED.get(name), "runs": runs}
    result = {"command": command, "recipe": recipe.as_dict(), "seeds": list(SEEDS), "networks": networks,
              "quick": quick}
    return write_result(out / "why_convolutions.json", result, started)
