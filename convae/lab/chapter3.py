"""Exercise checks of chapter 3: the loss and a two-number bottleneck."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..models import Autoencoder
from .checking import NOT_DONE_HINT, Mistake, as_tensor, call, exercise, require_function


@exercise("03-bce")
def _check_bce(answer: Any) -> str:
    function = require_function(answer, "binary_cross_entropy(x_hat, x)")
    generator = torch.Generator().manual_seed(0)
    x_hat = torch.rand(8, 1, 28, 28, generator=generator) * 0.98 + 0.01
    x = torch.rand(8, 1, 28, 28, generator=generator)
    got = as_tensor(call(function, "binary_cross_entropy", x_hat, x), "binary_cross_entropy").detach().cpu()
    expected = F.binary_cross_entropy(x_hat, x)
    if got.shape != ():
        raise Mistake(f"expected a single number (the mean), got shape {tuple(got.shape)}",
                      "average over every pixel of every image")
    if torch.isclose(got, -expected, rtol=1e-4):
        raise Mistake("the sign is flipped", "the loss is minus the log-likelihood, so it is positive")
    if not torch.isclose(got, expected, rtol=1e-4):
        raise Mistake(f"your loss is {got.item():.5f}, PyTorch's binary_cross_entropy gives {expected.item():.5f}",
                      "one term for the target's 'ink' share x, one for its 'paper' share 1 - x")
    return f"it matches F.binary_cross_entropy ({expected.item():.5f})."


LATENT2_MSE_THRESHOLD = 0.045  # untrained autoencoders score about 0.17; the solution (one epoch) about 0.035


@exercise("03-latent-2")
def _check_latent_2(answer: Any) -> str:
    from ..data import load_dataset
    from ..evaluate import evaluate_autoencoder

    if not isinstance(answer, Autoencoder):
        raise Mistake(f"expected a trained convae.Autoencoder, got {type(answer).__name__}", NOT_DONE_HINT)
    if answer.latent_dim != 2:
        raise Mistake(f"this autoencoder has latent_dim {answer.latent_dim}", "build it with Autoencoder(latent_dim=2)")
    test_set = load_dataset("fashion-mnist", "test")
    mse = evaluate_autoencoder(answer, test_set.subset(torch.arange(2000)))["mse"]  # on the model's own device
    if mse > LATENT2_MSE_THRESHOLD:
        raise Mistake(f"test MSE {mse:.4f} is above {LATENT2_MSE_THRESHOLD}",
                      "train on the whole training set for at least one epoch, with the one-cycle schedule")
    return f"test MSE {mse:.4f} with only 2 numbers per image."
