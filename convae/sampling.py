"""How good are a generator's samples? A judge classifier, and three scores in its features.

Chapter 9 compares four ways of drawing garments: random codes through the plain autoencoder's
decoder, codes from a Gaussian fitted to the autoencoder's training codes (diagonal or full
covariance), and the VAE's prior. A set of images is scored the way FID scores photographs
(Heusel et al., 2017), with an in-domain network in place of Inception: a `Classifier` trained on
the labelled training images (the *judge*, its recipe chosen on validation) maps each image to the
64 numbers of its last hidden layer. A Gaussian fitted to the samples' features is compared with
one fitted to real test images' by the Fréchet distance; precision and recall (Kynkäänniemi et al.,
2019) ask separately whether the samples look real and whether they cover the real variety. Real
images against other real images give the floor; `convae.damage` gives the controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._internal.checks import non_empty
from .augment import shift_and_flip
from .data import ImageSet
from .evaluate import infer
from .models import Classifier, Decoder
from .train import Budget, fused, prepare, train_classifier

JUDGE_LATENT_DIM = 64  # the judge's features: 64 numbers per image
JUDGE_BATCH_SIZE = 128
COVARIANCES = ("full", "diagonal")
EVAL_ROWS = 1000  # rows of a distance matrix computed at a time
NEIGHBOURS = 3  # k of precision and recall: each point's ball reaches its 3rd nearest neighbour
MANIFOLD_POINTS = 2000  # images of each set that precision and recall compare


@dataclass(frozen=True)
class JudgeRecipe:
    """How a judge trains: `epochs` passes of Adam with a one-cycle schedule peaking at `lr`,
    batch 128, with or without ±2-pixel shifts and flips (`augment`)."""

    epochs: int
    lr: float
    augment: bool = False


JUDGE = JudgeRecipe(epochs=12, lr=3e-3)  # chosen on validation: `python -m convae tune-generators`


def train_judge(
    train_set: ImageSet, recipe: JudgeRecipe = JUDGE, *, seed: int, progress: bool = False
) -> Classifier:
    """A `Classifier(latent_dim=64)` trained from scratch on every labelled image of `train_set`
    as `recipe` says, returned in eval mode on the CPU."""
    torch.manual_seed(seed)  # the judge's initial weights
    judge = Classifier(JUDGE_LATENT_DIM, num_classes=len(train_set.classes))
    device = prepare(judge, None, progress)
    train_set = non_empty(train_set, "train_set").to(device)
    steps = recipe.epochs * math.ceil(len(train_set) / JUDGE_BATCH_SIZE)
    train_classifier(judge, train_set.images, train_set.labels,
                     torch.optim.Adam(judge.parameters(), lr=recipe.lr, fused=fused(device)),
                     Budget(steps, JUDGE_BATCH_SIZE, seed, one_cycle=True),
                     transform=shift_and_flip if recipe.augment else None)
    return judge.cpu().eval()


def judge_features(judge: Classifier, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(features, probabilities) of (N, 1, 28, 28) images: the judge's last hidden layer,
    (N, 64), and its class probabilities, (N, classes)."""

    def both(batch: torch.Tensor) -> torch.Tensor:
        hidden = judge.relu(judge.fc1(judge.encoder(batch)))  # (B, 64)
        probabilities = F.softmax(judge.fc2(hidden), dim=1)  # (B, classes)
        return torch.cat([hidden, probabilities], dim=1)  # (B, 64 + classes)

    joined = infer(judge, images, both)  # (N, 64 + classes)
    return joined[:, :judge.fc1.out_features], joined[:, judge.fc1.out_features:]


def frechet_distance(features: torch.Tensor, reference: torch.Tensor) -> float:
    """The Fréchet distance between Gaussians fitted to two (N, D) sets of features:
    ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½), computed in float64."""
    if features.ndim != 2 or reference.ndim != 2 or features.shape[1] != reference.shape[1]:
        raise ValueError(f"expected two (N, D) feature sets of one D, got {tuple(features.shape)} "
                         f"and {tuple(reference.shape)}")
    if min(len(features), len(reference)) < 2:
        raise ValueError("each feature set needs at least 2 rows for a covariance")
    a, b = features.double(), reference.double()
    mean_gap = (a.mean(dim=0) - b.mean(dim=0)).pow(2).sum()
    cov_a, cov_b = a.T.cov(), b.T.cov()  # (D, D) each
    root_a = _psd_sqrt(cov_a)  # (D, D)
    cross = _psd_sqrt(root_a @ cov_b @ root_a).trace()  # tr((Σ₁^½ Σ₂ Σ₁^½)^½) = tr((Σ₁Σ₂)^½)
    return (mean_gap + cov_a.trace() + cov_b.trace() - 2 * cross).item()


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    return vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T


def nearest_neighbour_radii(features: torch.Tensor, k: int) -> torch.Tensor:
    """Each row's distance to its `k`-th nearest other row of (N, D) `features`: shape (N,)."""
    if not 1 <= k < len(features):
        raise ValueError(f"k must be from 1 to N - 1 = {len(features) - 1}, got {k}")
    distances = torch.cdist(features.double(), features.double())  # (N, N); the diagonal is 0
    return distances.kthvalue(k + 1, dim=1).values  # (N,): the 0 to itself is the first value


def share_inside(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """The share of (M, D) `points` that lie inside at least one ball around (N, D) `centres`."""
    inside = torch.zeros(len(points), dtype=torch.bool)
    for start in range(0, len(points), EVAL_ROWS):  # (EVAL_ROWS, N) distances at a time
        distances = torch.cdist(points[start:start + EVAL_ROWS].double(), centres.double())
        inside[start:start + EVAL_ROWS] = (distances <= radii).any(dim=1)
    return inside.double().mean().item()


def precision_recall(features: torch.Tensor, reference: torch.Tensor, k: int = 3) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) of generated (M, D) `features`
    against real (N, D) `reference` features. Each set's manifold is the union of balls around its
    points reaching their `k`-th nearest neighbour. Precision: the share of generated points inside
    the real manifold (are the samples realistic?). Recall: the share of real points inside the
    generated one (do the samples cover the real variety?)."""
    if features.ndim != 2 or reference.ndim != 2 or features.shape[1] != reference.shape[1]:
        raise ValueError(f"expected two (N, D) feature sets of one D, got {tuple(features.shape)} "
                         f"and {tuple(reference.shape)}")
    return {"precision": share_inside(features, reference, nearest_neighbour_radii(reference, k)),
            "recall": share_inside(reference, features, nearest_neighbour_radii(features, k))}


def sample_quality(judge: Classifier, images: torch.Tensor, reference_features: torch.Tensor) -> dict[str, float]:
    """How a set of (N, 1, 28, 28) images looks to the judge, against `reference_features` (real
    images'): the Fréchet distance of its features, precision and recall (`precision_recall` on
    the first `MANIFOLD_POINTS` of each set), and the judge's mean top-class probability."""
    features, probabilities = judge_features(judge, images)
    return {"frechet": frechet_distance(features, reference_features),
            **precision_recall(features[:MANIFOLD_POINTS], reference_features[:MANIFOLD_POINTS], NEIGHBOURS),
            "confidence": probabilities.max(dim=1).values.mean().item()}


def fitted_gaussian_codes(
    codes: torch.Tensor, n: int, generator: torch.Generator, covariance: str = "full"
) -> torch.Tensor:
    """`n` codes drawn from a Gaussian fitted to (N, k) `codes`: their mean and their full
    covariance (μ + L ε with L L^T = Σ) or only each dimension's variance (μ + σ ⊙ ε)."""
    if covariance not in COVARIANCES:
        raise ValueError(f"covariance must be one of {COVARIANCES}, got {covariance!r}")
    codes = codes.double()  # (N, k)
    mean = codes.mean(dim=0)  # (k,)
    noise = torch.randn(n, codes.shape[1], generator=generator, dtype=torch.float64)  # (n, k)
    if covariance == "diagonal":
        return (mean + noise * codes.std(dim=0)).float()  # (n, k)
    cholesky = torch.linalg.cholesky(codes.T.cov())  # (k, k), lower triangular
    return (mean + noise @ cholesky.T).float()  # (n, k)


def decode(decoder: Decoder, codes: torch.Tensor) -> torch.Tensor:
    """(N, k) codes decoded in batches: (N, 1, 28, 28) images."""
    return infer(decoder, codes)  # (N, 1, 28, 28)


def active_dimensions(mu: torch.Tensor, threshold: float = 0.01) -> int:
    """How many latent dimensions a VAE uses: those whose mean code varies across images,
    Var_x(μ) > `threshold` (Burda et al., 2016). `mu` is (N, k)."""
    return int((mu.var(dim=0) > threshold).sum())


__all__ = ["JUDGE", "MANIFOLD_POINTS", "JudgeRecipe", "active_dimensions", "decode", "fitted_gaussian_codes",
           "frechet_distance", "judge_features", "nearest_neighbour_radii", "precision_recall", "sample_quality",
           "train_judge"]
