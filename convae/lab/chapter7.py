"""Exercise checks of chapter 7: noise on the input and the AUROC."""

from __future__ import annotations

from typing import Any

import torch

from .checking import Mistake, call, exercise, require_function


@exercise("07-add-noise")
def _check_add_noise(answer: Any) -> str:
    function = require_function(answer, "add_noise(images, sigma, generator)")
    grey = torch.full((200, 1, 28, 28), 0.5)  # far from 0 and 1 for small sigma: clamping rarely bites
    original = grey.clone()
    noisy = call(function, "add_noise", grey, 0.1, torch.Generator().manual_seed(0))
    if not torch.equal(grey, original):
        raise Mistake("add_noise changed the images it was given", "build a new tensor; do not add in place (+=)")
    noisy = torch.as_tensor(noisy)
    if noisy.shape != grey.shape:
        raise Mistake(f"expected shape {tuple(grey.shape)}, got {tuple(noisy.shape)}", "one noise value per pixel")
    again = call(function, "add_noise", grey, 0.1, torch.Generator().manual_seed(0))
    if not torch.equal(noisy, torch.as_tensor(again)):
        raise Mistake("two calls with generators seeded alike gave different noise",
                      "draw the noise with torch.randn(..., generator=generator)")
    difference = noisy - grey  # (200, 1, 28, 28)
    std = difference.std().item()
    if abs(std - 0.01) < 0.002:
        raise Mistake(f"the noise has standard deviation {std:.4f}, about sigma² for sigma = 0.1",
                      "sigma is the standard deviation: multiply the standard normal noise by sigma, not sigma²")
    if not 0.09 < std < 0.11:
        raise Mistake(f"for sigma = 0.1 the noise has standard deviation {std:.4f}",
                      "multiply standard normal noise (torch.randn) by sigma")
    if difference.flatten(1).std(dim=1).max() < 1e-6:
        raise Mistake("every pixel of an image got the same noise value", "draw one value per pixel: the images' shape")
    if abs(difference.mean().item()) > 0.005:
        raise Mistake(f"the noise has mean {difference.mean().item():.4f}", "the noise should be centred on zero")
    strong = torch.as_tensor(call(function, "add_noise", grey, 1.0, torch.Generator().manual_seed(1)))
    if strong.min() < 0 or strong.max() > 1:
        raise Mistake(f"with sigma = 1 the values range from {strong.min():.2f} to {strong.max():.2f}",
                      "clamp the result back into [0, 1], the range of a pixel")
    return "Gaussian, per pixel, reproducible, clamped to [0, 1], and the input is left untouched."


@exercise("07-auroc")
def _check_auroc(answer: Any) -> str:
    from sklearn.metrics import roc_auc_score

    function = require_function(answer, "auroc(normal_scores, anomaly_scores)")
    generator = torch.Generator().manual_seed(0)
    cases = {
        "overlapping scores": (torch.randn(300, generator=generator), torch.randn(100, generator=generator) + 1),
        "scores with ties": (torch.randint(0, 5, (300,), generator=generator).float(),
                             torch.randint(1, 6, (100,), generator=generator).float()),
    }
    for name, (normal, anomaly) in cases.items():
        got = float(call(function, "auroc", normal.clone(), anomaly.clone()))
        labels = torch.cat([torch.zeros(len(normal)), torch.ones(len(anomaly))])
        expected = roc_auc_score(labels.numpy(), torch.cat([normal, anomaly]).numpy())
        if abs(got - expected) < 1e-6:
            continue
        if abs(got - (1 - expected)) < 1e-6:
            raise Mistake(f"on {name} you give {got:.4f}, one minus scikit-learn's {expected:.4f}",
                          "the AUROC is the chance that an anomaly scores *higher* than a normal image")
        if name == "scores with ties":
            strict = (anomaly[:, None] > normal[None, :]).double().mean().item()
            if abs(got - strict) < 1e-6:
                raise Mistake(f"with tied scores you give {got:.4f}, scikit-learn {expected:.4f}",
                              "a tie between an anomaly and a normal image counts one half")
        raise Mistake(f"on {name} you give {got:.4f}, scikit-learn's roc_auc_score {expected:.4f}",
                      "compare every anomaly score with every normal score: the share of pairs the anomaly wins")
    return "it matches sklearn.metrics.roc_auc_score, ties included."
