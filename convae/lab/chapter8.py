"""Exercise checks of chapter 8: the reparameterisation, the KL term, the ELBO and the
importance-weighted estimate of log p(x)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.distributions import Normal, kl_divergence

from ..augment import binarize
from ..models import VAE
from ..vae import importance_sampled_log_likelihood, vae_loss
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


IMPORTANCE_SAMPLES = 2000  # K of the log-likelihood check: the estimates then vary by a few tenths of a nat
TOLERANCE = 1.5  # nats per image between the student's estimate and the package's


@exercise("08-log-likelihood")
def _check_log_likelihood(answer: Any) -> str:
    function = require_function(answer, "log_likelihood(vae, images, k, generator)")
    vae, images = _sensitive_vae(), _black_and_white_batch()  # a decoder whose output depends on z
    with torch.no_grad():
        expected = importance_sampled_log_likelihood(vae, images, IMPORTANCE_SAMPLES,
                                                     torch.Generator().manual_seed(1)).float()  # (4,)
        got = as_tensor(call(function, "log_likelihood", vae, images, IMPORTANCE_SAMPLES,
                             torch.Generator().manual_seed(0)), "log_likelihood").detach().float()
        mean_log_weight = importance_sampled_log_likelihood(vae, images.repeat(200, 1, 1, 1), 1,
                                                            torch.Generator().manual_seed(2)).view(200, -1).mean(0)
    if got.shape != expected.shape:
        raise Mistake(f"expected shape {tuple(expected.shape)}, one estimate per image, got {tuple(got.shape)}",
                      "average the k weights of each image (in log space), not over the images")
    if not torch.isfinite(got).all():
        raise Mistake(f"some estimates are {got[~torch.isfinite(got)][0].item()}: exp of a log-weight near −600 "
                      "is 0 in floating point", "average in log space: torch.logsumexp(log_weights, dim=0) − log k")
    difference = (got - expected).mean().item()
    if abs(difference - math.log(IMPORTANCE_SAMPLES)) < TOLERANCE:
        raise Mistake(f"your estimates lie log k = {math.log(IMPORTANCE_SAMPLES):.1f} nats above the package's",
                      "the average of k weights divides their sum by k: subtract log k after the logsumexp")
    if (got - expected).abs().max() < TOLERANCE:
        return (f"{got.mean().item():.1f} nats per image on the check's 4 images, within {TOLERANCE} of "
                f"convae.importance_sampled_log_likelihood ({expected.mean().item():.1f}).")
    if (got - mean_log_weight.float()).abs().mean() < TOLERANCE:
        raise Mistake(f"your estimates ({got.mean().item():.1f}) are the mean of the log-weights, the ELBO; "
                      f"the bound is {expected.mean().item():.1f}",
                      "take the log of the mean weight: logsumexp − log k")
    raise Mistake(f"your estimates average {got.mean().item():.1f} nats, the package's {expected.mean().item():.1f}",
                  "log weight = log p(x | z) + log p(z) − log q(z | x), each summed over pixels or latent numbers, "
                  "with z = μ + σ ε drawn from q(z | x)")


def _sensitive_vae() -> VAE:
    """An untrained latent-2 VAE whose decoder's first layer is scaled up, so that its pixels depend on
    z and the ELBO lies several nats below the importance-weighted bound; its q(z | x) sits away
    from the prior (μ shifted by ±0.8, σ near 0.8)."""
    torch.manual_seed(0)
    vae = VAE(latent_dim=2).eval()
    with torch.no_grad():
        vae.decoder.fc.weight.mul_(8)
        vae.encoder.fc.bias.add_(torch.tensor([0.8, -0.8, -0.5, -0.5]))  # (μ₁, μ₂, log σ₁², log σ₂²)
    return vae


def _black_and_white_batch() -> torch.Tensor:
    """(4, 1, 28, 28) images of 0s and 1s: blobs of ink on a black ground."""
    generator = torch.Generator().manual_seed(0)
    grey = torch.zeros(4, 1, 28, 28)
    grey[:, :, 6:22, 8:20] = torch.rand(4, 1, 16, 12, generator=generator)
    return binarize(grey, generator)


STEP_LR = 1e-4  # plain SGD in the step check: its update is the gradient itself, so two steps compare exactly
STEP_LATENT = 4


@exercise("08-vae-step")
def _check_vae_step(answer: Any) -> str:
    function = require_function(answer, "vae_step(vae, images, optimizer, generator)")
    images = _black_and_white_batch().repeat(8, 1, 1, 1)  # (32, 1, 28, 28)
    student, reference, forgetful = _fresh_vae(), _fresh_vae(), _fresh_vae()
    optimizer = torch.optim.SGD(student.parameters(), lr=STEP_LR)
    losses = []
    for seed in (0, 1):
        before = [p.detach().clone() for p in student.parameters()]
        losses.append(as_number(call(function, "vae_step", student, images, optimizer,
                                     torch.Generator().manual_seed(seed)), "vae_step"))
        if all(torch.equal(a, p) for a, p in zip(before, student.parameters())):
            raise Mistake("the weights did not change", "after loss.backward(), call optimizer.step()")
        _reference_step(reference, images, seed, zero_grad=True)
        _reference_step(forgetful, images, seed, zero_grad=False)
    _require_both_halves_moved(student)
    if not _same_weights(student, reference):
        if _same_weights(student, forgetful):
            raise Mistake("your second step used the first step's gradient as well",
                          "gradients add up in .grad: call optimizer.zero_grad() before loss.backward()")
        raise Mistake("after two steps your weights differ from two steps on the batch's mean −ELBO",
                      "draw z with vae(images, generator); loss: the Bernoulli term summed over each image's "
                      "pixels plus the KL, averaged over the batch")
    for seed in range(2, 30):  # the loss should fall on this one batch
        losses.append(as_number(call(function, "vae_step", student, images, optimizer,
                                     torch.Generator().manual_seed(seed)), "vae_step"))
    if not sum(losses[-5:]) / 5 < losses[0]:
        raise Mistake(f"the loss went from {losses[0]:.1f} to {sum(losses[-5:]) / 5:.1f} over 30 steps",
                      "return the loss you minimise: −ELBO, not the ELBO")
    return (f"the step matches the reference, μ's and log σ²'s weights both move, and over 30 steps on one batch "
            f"the loss fell from {losses[0]:.1f} to {sum(losses[-5:]) / 5:.1f} nats.")


def _fresh_vae() -> VAE:
    torch.manual_seed(1)
    return VAE(latent_dim=STEP_LATENT)


def _reference_step(vae: VAE, images: torch.Tensor, seed: int, zero_grad: bool) -> None:
    """One SGD step on the mean −ELBO (optionally without clearing the old gradients first)."""
    if zero_grad:
        vae.zero_grad(set_to_none=True)
    reconstruction, mu, logvar = vae(images, torch.Generator().manual_seed(seed))
    vae_loss(reconstruction, images, mu, logvar)[0].backward()
    with torch.no_grad():
        for p in vae.parameters():
            p -= STEP_LR * p.grad


def _require_both_halves_moved(vae: VAE) -> None:
    """The encoder's last layer gives μ (its first rows) and log σ² (the rest): both must have learned."""
    start = _fresh_vae().encoder.fc.weight  # (2 · latent, 576)
    moved = (vae.encoder.fc.weight.detach() - start).abs().sum(dim=1)  # (2 · latent,)
    for name, rows in (("μ", moved[:STEP_LATENT]), ("log σ²", moved[STEP_LATENT:])):
        if rows.max() == 0:
            raise Mistake(f"the encoder's {name} half did not change", "the loss must depend on both μ and log σ²: "
                          "draw z = μ + σ ε and add the KL term")


def _same_weights(a: VAE, b: VAE) -> bool:
    return all(torch.allclose(p, q, rtol=1e-4, atol=1e-7) for p, q in zip(a.parameters(), b.parameters()))
