"""The controls of chapter 9: known damage to real images, whose order is known."""

from __future__ import annotations

import pytest
import torch

from convae.damage import CONTRASTS, blur, controls, lower_contrast


def garment_like(seed: int) -> torch.Tensor:
    """(4, 1, 28, 28) images in [0, 1] with a black border, like Fashion-MNIST's."""
    images = torch.zeros(4, 1, 28, 28)
    images[:, :, 8:20, 6:22] = torch.rand(4, 1, 12, 16, generator=torch.Generator().manual_seed(seed))
    return images


def test_blur_keeps_the_ink_and_spreads_it_more_as_sigma_grows():
    images = garment_like(0)
    softened = [blur(images, sigma) for sigma in (0.5, 1.0, 2.0)]
    for blurred in softened:
        assert blurred.shape == images.shape
        assert torch.allclose(blurred.sum(dim=(1, 2, 3)), images.sum(dim=(1, 2, 3)), rtol=1e-4)  # no ink lost
    roughness = [(b[..., 1:] - b[..., :-1]).abs().sum().item() for b in [images, *softened]]
    assert roughness == sorted(roughness, reverse=True)  # each stronger blur is smoother


def test_a_single_bright_pixel_blurs_into_the_gaussian_it_should():
    point = torch.zeros(1, 1, 28, 28)
    point[0, 0, 14, 14] = 1.0
    blurred = blur(point, 1.0)[0, 0]
    assert blurred[14, 15] / blurred[14, 14] == pytest.approx(torch.exp(torch.tensor(-0.5)).item(), rel=1e-5)


def test_lower_contrast_keeps_each_mean_and_shrinks_the_spread_by_its_factor():
    images = garment_like(1)
    for factor in CONTRASTS:
        faded = lower_contrast(images, factor)
        assert torch.allclose(faded.mean(dim=(1, 2, 3)), images.mean(dim=(1, 2, 3)), atol=1e-6)
        assert torch.allclose(faded.std(dim=(1, 2, 3)), factor * images.std(dim=(1, 2, 3)), rtol=1e-5)
        assert 0 <= faded.min() and faded.max() <= 1
    assert torch.allclose(lower_contrast(images, 1.0), images)


def test_the_controls_are_named_seeded_and_keep_the_images_shape():
    images = garment_like(2)
    first = controls(images, torch.Generator().manual_seed(0))
    again = controls(images, torch.Generator().manual_seed(0))
    assert list(first) == ["blur σ 0.5", "blur σ 1", "blur σ 2", "noise σ 0.05", "noise σ 0.1", "noise σ 0.2",
                           "contrast × 0.8", "contrast × 0.6"]
    assert all(torch.equal(first[name], again[name]) and first[name].shape == images.shape for name in first)
    assert all(0 <= damaged.min() and damaged.max() <= 1 for damaged in first.values())
