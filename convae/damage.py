"""Known damage to real images: the controls a sample score must rank the right way before it
ranks any generator.

Blur, noise and lowered contrast, each at a few strengths, make sets of images whose order is
known (σ 2 is worse than σ 0.5). Chapter 9 scores them beside the generators' samples, to show
what the judge's Fréchet distance, precision and recall are sensitive to.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .augment import add_noise

BLUR_SIGMAS = (0.5, 1.0, 2.0)  # Gaussian blur, in pixels
NOISE_SIGMAS = (0.05, 0.1, 0.2)  # Gaussian noise, clamped to [0, 1]
CONTRASTS = (0.8, 0.6)  # each pixel pulled towards its image's mean grey


def blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, 1, 28, 28) images blurred by a Gaussian kernel of standard deviation `sigma` pixels
    (reaching 3σ each way; the black border is taken as black)."""
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype)  # (2r + 1,)
    weights = torch.exp(-offsets.pow(2) / (2 * sigma**2))
    weights = weights / weights.sum()
    kernel = (weights[:, None] * weights[None, :])[None, None]  # (1, 1, 2r + 1, 2r + 1)
    return F.conv2d(images, kernel.to(images.device), padding=radius)  # (B, 1, 28, 28)


def lower_contrast(images: torch.Tensor, factor: float) -> torch.Tensor:
    """Each image's pixels pulled towards its mean grey: m + `factor` × (x − m); 1 leaves it as is."""
    mean = images.mean(dim=(1, 2, 3), keepdim=True)  # (B, 1, 1, 1)
    return mean + factor * (images - mean)  # (B, 1, 28, 28), still in [0, 1]


def controls(images: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """`images` damaged every known way, by name ("blur σ 0.5", …, "contrast × 0.6"); the noise is
    drawn from `generator`."""
    damaged = {f"blur σ {s:g}": blur(images, s) for s in BLUR_SIGMAS}
    damaged |= {f"noise σ {s:g}": add_noise(images, s, generator) for s in NOISE_SIGMAS}
    damaged |= {f"contrast × {c:g}": lower_contrast(images, c) for c in CONTRASTS}
    return damaged


__all__ = ["blur", "controls", "lower_contrast"]
