"""Chapter 8's judge of samples: the Fréchet distance, the fitted Gaussians, and the stored study."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

import convae
from convae import sampling


def reference_frechet(a: torch.Tensor, b: torch.Tensor) -> float:
    """The textbook formula, with scipy's general matrix square root of Σ₁Σ₂."""
    a, b = a.double().numpy(), b.double().numpy()
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def test_frechet_distance_agrees_with_the_textbook_formula():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(400, 6, generator=generator) @ torch.randn(6, 6, generator=generator)
    b = torch.randn(300, 6, generator=generator) * 2 + 1
    assert sampling.frechet_distance(a, b) == pytest.approx(reference_frechet(a, b), rel=1e-6)
    assert sampling.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)


def test_frechet_distance_of_a_shift_is_its_squared_length():
    a = torch.randn(500, 4, generator=torch.Generator().manual_seed(1))
    shift = torch.tensor([3.0, 0.0, -4.0, 0.0])  # length 5
    assert sampling.frechet_distance(a + shift, a) == pytest.approx(25, rel=1e-6)


def test_frechet_distance_refuses_features_that_do_not_match():
    with pytest.raises(ValueError, match=r"\(N, D\).*\(10, 3\).*\(10, 4\)"):
        sampling.frechet_distance(torch.randn(10, 3), torch.randn(10, 4))
    with pytest.raises(ValueError, match="at least 2 rows"):
        sampling.frechet_distance(torch.randn(1, 3), torch.randn(10, 3))


def test_fitted_gaussians_keep_the_correlations_only_when_full():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(20_000, 1, generator=generator)
    codes = torch.cat([x, 0.9 * x + 0.1 * torch.randn(20_000, 1, generator=generator) + 3], dim=1)  # (N, 2)
    full = sampling.fitted_gaussian_codes(codes, 20_000, generator, "full")
    diagonal = sampling.fitted_gaussian_codes(codes, 20_000, generator, "diagonal")
    assert torch.allclose(full.mean(0), codes.mean(0), atol=0.03)
    assert torch.allclose(full.T.cov(), codes.T.cov(), atol=0.03)
    assert torch.allclose(diagonal.std(0), codes.std(0), atol=0.03)
    assert abs(torch.corrcoef(diagonal.T)[0, 1]) < 0.03 < 0.9 < torch.corrcoef(full.T)[0, 1]
    with pytest.raises(ValueError, match="covariance must be one of"):
        sampling.fitted_gaussian_codes(codes, 5, generator, "spherical")


def test_active_dimensions_count_the_codes_that_vary():
    mu = torch.cat([torch.randn(1000, 3), torch.full((1000, 2), 0.5) + 0.01 * torch.randn(1000, 2)], dim=1)
    assert sampling.active_dimensions(mu) == 3


def test_a_judge_trains_and_reads_features_and_probabilities(mnist_root):
    train_set = convae.load_dataset("mnist", "train", mnist_root)
    one_epoch = sampling.JudgeRecipe(epochs=1, lr=3e-3)
    judge = sampling.train_judge(train_set, one_epoch, seed=0)
    assert isinstance(judge, convae.Classifier) and judge.latent_dim == 64 and not judge.training
    features, probabilities = sampling.judge_features(judge, train_set.images[:50])
    assert features.shape == (50, 64) and (features >= 0).all()  # after the ReLU
    assert torch.allclose(probabilities.sum(dim=1), torch.ones(50), atol=1e-5)
    again = sampling.train_judge(train_set, one_epoch, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(judge.state_dict().values(), again.state_dict().values()))
    shifted = sampling.train_judge(train_set, sampling.JudgeRecipe(epochs=1, lr=3e-3, augment=True), seed=0)
    assert not torch.equal(shifted.fc2.weight, judge.fc2.weight)  # augmentation changes what it sees










def two_clusters(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, 2) points around (0, 0) and (n, 2) around (100, 0): two modes far apart."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=generator), torch.randn(n, 2, generator=generator) + torch.tensor([100.0, 0])


def test_precision_and_recall_of_identical_sets_are_one():
    a, b = two_clusters(200, 0)
    real = torch.cat([a, b])
    assert sampling.precision_recall(real, real, k=3) == {"precision": 1.0, "recall": 1.0}


def test_precision_and_recall_of_disjoint_sets_are_zero():
    real = torch.cat(two_clusters(200, 0))
    far = real + torch.tensor([0.0, 1000.0])
    assert sampling.precision_recall(far, real, k=3) == {"precision": 0.0, "recall": 0.0}


def test_a_generator_that_drops_a_mode_keeps_its_precision_and_loses_recall():
    real = torch.cat(two_clusters(200, 0))
    one_mode, _ = two_clusters(400, 1)  # every sample realistic, but only from the first mode
    scores = sampling.precision_recall(one_mode, real, k=3)
    assert scores["precision"] > 0.85 and 0.4 < scores["recall"] < 0.55
    blurred = real * 0 + real.mean(dim=0)  # every sample the same average point, between the modes
    assert sampling.precision_recall(blurred, real, k=3)["precision"] == 0.0


def test_nearest_neighbour_radii_reach_the_kth_other_point():
    points = torch.tensor([[0.0], [1.0], [3.0], [6.0]])
    assert sampling.nearest_neighbour_radii(points, 1).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert sampling.nearest_neighbour_radii(points, 2).tolist() == [3.0, 2.0, 3.0, 5.0]
    with pytest.raises(ValueError, match="k must be from 1 to N - 1 = 3, got 4"):
        sampling.nearest_neighbour_radii(points, 4)
