"""Exercise checks of chapter 6: PCA reconstruction and the variance k components keep."""

from __future__ import annotations

from typing import Any

import torch

from .checking import Mistake, as_number, call, exercise, require_function


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


@exercise("06-explained-variance")
def _check_explained_variance(answer: Any) -> str:
    function = require_function(answer, "explained_variance(images, k)")
    images = _low_rank_images()
    pixels = images.reshape(len(images), -1)  # (300, 784)
    centred = pixels - pixels.mean(dim=0)
    variances = torch.linalg.svdvals(centred).square()  # (300,), descending: each component's share ×N
    for k in (1, 5, 12):
        got = as_number(call(function, "explained_variance", images.clone(), k), "explained_variance")
        expected = (variances[:k].sum() / variances.sum()).item()
        if abs(got - expected) < 1e-4:
            continue
        raw = torch.linalg.svdvals(pixels)
        if abs(got - (raw[:k].square().sum() / raw.square().sum()).item()) < 1e-4:
            raise Mistake(f"with k={k} you give {got:.4f}: the share of the raw pixels' second moment",
                          "subtract the mean image before the SVD: variance is measured around the mean")
        singular = torch.linalg.svdvals(centred)
        if abs(got - (singular[:k].sum() / singular.sum()).item()) < 1e-4:
            raise Mistake(f"with k={k} you give {got:.4f}, a share of the singular values",
                          "a component's variance is its singular value squared")
        if abs(got - (variances[k - 1] / variances.sum()).item()) < 1e-4:
            raise Mistake(f"with k={k} you give the share of component {k} alone",
                          "add up the shares of the first k components")
        raise Mistake(f"with k={k} you give {got:.4f}, expected {expected:.4f}",
                      "centre the pixels, square the singular values, divide the first k by all of them")
    return "the share of the variance the first k components keep, for k = 1, 5 and 12."
