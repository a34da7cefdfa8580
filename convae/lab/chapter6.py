"""Exercise checks of chapter 6: PCA reconstruction, input noise and the AUROC."""

from __future__ import annotations

from typing import Any

import torch

from .checking import Mistake, call, exercise, require_function


def _low_rank_images(n: int = 300, rank: int = 30, seed: int = 0) -> torch.Tensor:
    """(n, 1, 28, 28) images with a mean far from zero and a decaying spectrum, in float64."""
    generator = torch.Generator().manual_seed(seed)
    scales = 0.9 ** torch.arange(rank, dtype=torch.float64)  # distinct variances: a unique PCA
    factors = torch.randn(n, rank, generator=generator, dtype=torch.float64) * scales  # (n, rank)
    basis = torch.randn(rank, 784, generator=generator, dtype=torch.float64) / 28  # (rank, 784)
    mean = torch.rand(784, generator=generator, dtype=torch.float64)
    return (mean + factors @ basis).reshape(n, 1, 28, 28)


def _sklearn_pca_reconstruct(images: torch.Tensor, k: int) -> torch.Tensor:
    from sklearn.decomposition import PCA

    pixels = images.reshape(len(images), -1).numpy()  # (N, 784)
    pca = PCA(n_components=k, svd_solver="full").fit(pixels)
    return torch.from_numpy(pca.inverse_transform(pca.transform(pixels))).reshape(images.shape)


@exercise("06-pca-reconstruct")
def _check_pca_reconstruct(answer: Any) -> str:
    function = require_function(answer, "pca_reconstruct(images, k)")
    images = _low_rank_images()
    pixels = images.reshape(len(images), -1)  # (300, 784)
    for k in (5, 12):
        got = torch.as_tensor(call(function, "pca_reconstruct", images.clone(), k)).double()
        if got.numel() != images.numel():
            raise Mistake(f"expected {images.numel()} values (shape {tuple(images.shape)}), got shape "
                          f"{tuple(got.shape)}", "project onto k components and back: one image out per image in")
        got = got.reshape(images.shape)
        expected = _sklearn_pca_reconstruct(images, k)
        if torch.allclose(got, expected, atol=1e-4):
            continue
        error = (got - images).pow(2).mean().item()
        if torch.allclose(got, images, atol=1e-4) or error < (expected - images).pow(2).mean().item() * 0.5:
            raise Mistake(f"with k={k} the images come back (almost) unchanged", "keep only the first k components")
        centred = pixels - pixels.mean(dim=0)
        if torch.allclose(got, expected - pixels.mean(dim=0).reshape(1, 1, 28, 28), atol=1e-4):
            raise Mistake("the reconstructions lack the mean image", "add the mean image back after projecting")
        _, _, vh = torch.linalg.svd(pixels, full_matrices=False)
        uncentred = (pixels @ vh[:k].T @ vh[:k]).reshape(images.shape)
        if torch.allclose(got, uncentred, atol=1e-4):
            raise Mistake("these are projections of the raw pixels, not of the centred ones",
                          "subtract the mean image (over the images) before the SVD, and add it back at the end")
        _, _, vh_centred = torch.linalg.svd(centred, full_matrices=False)
        last = (pixels.mean(dim=0) + centred @ vh_centred[-k:].T @ vh_centred[-k:]).reshape(images.shape)
        if torch.allclose(got, last, atol=1e-4):
            raise Mistake("you kept the k directions of *least* variance",
                          "torch.linalg.svd sorts singular values in descending order (torch.linalg.eigh ascending)")
        raise Mistake(f"with k={k}, the reconstructions differ from scikit-learn's PCA by up to "
                      f"{(got - expected).abs().max().item():.3g}",
                      "centre the pixels, take the first k rows of Vᵀ from the SVD, project onto them and back")
    return "it matches scikit-learn's PCA for k = 5 and 12."


@exercise("06-add-noise")
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


@exercise("06-auroc")
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
