"""What is done to images on their way into a network: small shifts and flips (augmentation for
the fine-tuning chapter), Gaussian noise (the denoising autoencoder), and black-and-white draws
(the variational autoencoder's likelihood)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def shift_and_flip(
    images: torch.Tensor, generator: torch.Generator, max_shift: int = 2, hflip: bool = True
) -> torch.Tensor:
    """Shift each image by up to `max_shift` pixels each way and mirror half of them.

    Flips suit Fashion-MNIST (a shoe mirrored is still a shoe), not digits: pass `hflip=False`.
    """
    batch, _, height, width = images.shape  # (B, 1, 28, 28)
    padded = F.pad(images, (max_shift,) * 4)  # (B, 1, 32, 32) for max_shift=2
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, batch), generator=generator)
    rows = dy[:, None] + torch.arange(height)  # (B, 28)
    cols = dx[:, None] + torch.arange(width)  # (B, 28)
    shifted = padded[torch.arange(batch)[:, None, None], 0, rows[:, :, None], cols[:, None, :]]  # (B, 28, 28)
    if hflip:
        flip = (torch.rand(batch, generator=generator) < 0.5).to(images.device)  # (B,)
        shifted = torch.where(flip[:, None, None], shifted.flip(-1), shifted)
    return shifted.unsqueeze(1)  # (B, 1, 28, 28)


def add_noise(images: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """`images` plus Gaussian noise of standard deviation `sigma`, clamped back into [0, 1]."""
    noise = torch.randn(images.shape, generator=generator).to(images.device)  # (B, 1, 28, 28)
    return (images + sigma * noise).clamp(0, 1)


def binarize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Black-and-white images drawn pixel by pixel, x_b ~ Bernoulli(x): on them a Bernoulli pixel
    model is a normalised likelihood. Same shape as `images`, values 0 and 1."""
    if images.min() < 0 or images.max() > 1:
        raise ValueError(f"binarize expects pixels in [0, 1], got {images.min():.3g} to {images.max():.3g}")
    uniform = torch.rand(images.shape, generator=generator).to(images.device)  # (B, 1, 28, 28)
    return (uniform < images).to(images.dtype)
