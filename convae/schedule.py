"""The learning-rate schedule of a recipe, one-cycle (up, then down) or constant, as a curve to draw."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .recipe import Recipe

WARMUP_FRACTION = 0.15  # one-cycle: the share of the steps spent raising the learning rate


def learning_rates(recipe: Recipe, steps_per_epoch: int) -> list[float]:
    """The learning rate at every step of a run of `recipe`: the curve its schedule draws."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=recipe.lr)
    scheduler = None
    if recipe.schedule == "onecycle":  # as train_autoencoder and train_vae make it
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe.lr, pct_start=WARMUP_FRACTION,
                                                        total_steps=recipe.epochs * steps_per_epoch)
    rates = []
    for _ in range(recipe.epochs * steps_per_epoch):
        rates.append(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            optimizer.step()
            scheduler.step()
    return rates
