"""Exercise checks of chapter 8: the reparameterisation, the KL term and the ELBO."""

from __future__ import annotations

from typing import Any

import torch
from torch.distributions import Normal, kl_divergence

from ..vae import vae_loss
from .checking import Mistake, as_number, as_tensor, call, exercise, require_function

DRAWS = 20_000  # rows of one (μ, log σ²) pair, for the moments of z


@exercise("08-reparameterize")
def _check_reparameterize(answer: Any) -> str:
    function = require_function(answer, "reparameterize(mu, logvar, generator)")
    mu = torch.tensor([1.0, -2.0, 0.5]).repeat(DRAWS, 1).requires_grad_()  # (DRAWS, 3)
    logvar = torch.tensor([0.0, 1.0, -2.0]).repeat(DRAWS, 1).requires_grad_()  # (DRAWS, 3)
    z = as_tensor(call(function, "reparameterize", mu, logvar, torch.Generator().manual_seed(0)),
                  "reparameterize")
    if z.shape != mu.shape:
        raise Mistake(f"expected shape {tuple(mu.shape)}, like mu, got {tuple(z.shape)}",
                      "one draw of z for each entry of mu")
    again = as_tensor(call(function, "reparameterize", mu, logvar, torch.Generator().manual_seed(0)),
                      "reparameterize")
    if not torch.equal(z.detach(), again.detach()):
        raise Mistake("two calls with generators seeded alike gave different z",
                      "draw ε with torch.randn(mu.shape, generator=generator), not randn_like")
    mean, std = z.detach().mean(dim=0), z.detach().std(dim=0)  # (3,) each
    sigma = logvar[0].detach().mul(0.5).exp()  # (3,): σ = exp(½ log σ²) = (1, 1.65, 0.37)
    if (std < 1e-6).all():
        raise Mistake("z has no spread: every draw equals mu", "add σ times standard normal noise ε")
    if not torch.allclose(mean, mu[0].detach(), atol=0.05):
        raise Mistake(f"the mean of z is {[round(v, 2) for v in mean.tolist()]}, expected mu = [1.0, -2.0, 0.5]",
                      "z = μ + σ ε with ε of mean 0")
    if torch.allclose(std, logvar[0].detach().exp(), rtol=0.05):
        raise Mistake(f"the spread of z is {[round(v, 2) for v in std.tolist()]}: σ², not σ",
                      "σ = exp(½ · log σ²): the standard deviation is the square root of the variance")
    if not torch.allclose(std, sigma, rtol=0.05):
        raise Mistake(f"the spread of z is {[round(v, 2) for v in std.tolist()]}, expected σ = "
                      f"{[round(v, 2) for v in sigma.tolist()]}", "σ = exp(½ · log σ²)")
    if not z.requires_grad:
        raise Mistake("z carries no gradient", "compute z from mu and logvar with tensor operations; do not detach")
    z.sum().backward()
    if mu.grad is None or logvar.grad is None or logvar.grad.abs().sum() == 0:
        raise Mistake("the gradient does not reach both mu and logvar",
                      "z must be computed from mu and from logvar: the randomness sits in ε alone")
    return "mean μ, spread σ, reproducible, and the gradient reaches μ and log σ²."


@exercise("08-kl")
def _check_kl(answer: Any) -> str:
    function = require_function(answer, "kl_to_standard_normal(mu, logvar)")
    generator = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(6, 4, generator=generator), torch.randn(6, 4, generator=generator)  # (6, 4) each
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(dim=1)  # (6,)
    got = as_tensor(call(function, "kl_to_standard_normal", mu, logvar), "kl_to_standard_normal")
    if got.numel() == 1:
        raise Mistake("a single number for a batch of 6", "one KL per row: sum over the latent dimensions only")
    if got.shape != expected.shape:
        raise Mistake(f"expected shape {tuple(expected.shape)}, one KL per row, got {tuple(got.shape)}",
                      "sum over dim=1, the latent dimensions")
    if torch.allclose(got, 2 * expected, atol=1e-4):
        raise Mistake("your values are twice the KL", "the closed form starts with ½")
    if torch.allclose(got, -expected, atol=1e-4):
        raise Mistake("your values are the KL with its sign flipped", "KL ≥ 0: ½ Σ (μ² + σ² − 1 − log σ²)")
    if torch.allclose(got, expected / mu.shape[1], atol=1e-4):
        raise Mistake("your values are the mean over the latent dimensions", "sum over them instead")
    if not torch.allclose(got, expected, atol=1e-4):
        raise Mistake(f"row 0: you give {got[0].item():.4f}, torch.distributions {expected[0].item():.4f}",
                      "½ Σ (μ² + σ² − 1 − log σ²) with σ² = exp(log σ²)")
    zero = as_tensor(call(function, "kl_to_standard_normal", torch.zeros(2, 4), torch.zeros(2, 4)),
                     "kl_to_standard_normal")
    if not torch.allclose(zero, torch.zeros(2), atol=1e-6):
        raise Mistake("N(0, I) from itself should be 0", "check the −1 in the formula")
    return "it matches torch.distributions.kl_divergence, row by row."


@exercise("08-elbo")
def _check_elbo(answer: Any) -> str:
    function = require_function(answer, "elbo(reconstruction, images, mu, logvar)")
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(8, 1, 28, 28, generator=generator)  # (8, 1, 28, 28)
    reconstruction = torch.rand(8, 1, 28, 28, generator=generator).clamp(0.05, 0.95)
    mu, logvar = torch.randn(8, 12, generator=generator), torch.randn(8, 12, generator=generator)
    loss, rebuilt, kl = (value.item() for value in vae_loss(reconstruction, images, mu, logvar))
    got = as_number(call(function, "elbo", reconstruction, images, mu, logvar), "elbo")
    expected = -loss
    if abs(got - expected) < 1e-3 * abs(expected):
        return f"{got:.1f} nats per image on the check's batch: −(reconstruction + KL), a mean over the images."
    if abs(got - loss) < 1e-3 * loss:
        raise Mistake(f"you give {got:.1f}, the loss −ELBO; the ELBO is {expected:.1f}",
                      "the ELBO is a log-likelihood bound: minus the reconstruction term, minus the KL")
    if abs(got + rebuilt) < 1e-3 * rebuilt or abs(got - rebuilt) < 1e-3 * rebuilt:
        raise Mistake(f"you give {got:.1f}: the reconstruction term alone", "subtract the KL term too")
    if abs(abs(got) - loss * 8) < 1e-3 * loss * 8:
        raise Mistake(f"you give {got:.1f}: a sum over the batch", "take the mean over the images")
    per_pixel = rebuilt / images[0].numel()
    if min(abs(got + per_pixel + kl), abs(got + per_pixel), abs(got - per_pixel - kl)) < 1e-3 * kl:
        raise Mistake(f"you give {got:.1f}: the binary cross-entropy averaged over the pixels",
                      "sum it over each image's 784 pixels: the likelihood of an image is the product of its pixels'")
    raise Mistake(f"you give {got:.1f}, expected {expected:.1f} nats per image",
                  "ELBO = −(BCE summed over the pixels) − KL, averaged over the images")
