"""The variational autoencoder's loss and its training loop.

The loss is the negative evidence lower bound (ELBO) of Kingma and Welling (2014), per image and in
nats: a Bernoulli reconstruction term, the binary cross-entropy summed over an image's 784 pixels,
plus β × the KL divergence of q(z | x) = N(μ, σ²) from the prior N(0, I), in closed form. With
β = 1 it is −ELBO, an upper bound on −log p(x) where the pixels are binary (`binarized`); on grey
pixels the Bernoulli term is a surrogate, not a likelihood (Loaiza-Ganem and Cunningham, 2019).
`importance_sampled_log_likelihood` estimates log p(x) itself, more tightly. `vae_steps` is one
epoch of the loss, the same loop as the autoencoder's `autoencoder_steps`; `train_vae` has the same
shape as `train_autoencoder`: Adam and the schedule created in sight, then a `for epoch` loop.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch.distributions import Normal
from torch.optim.lr_scheduler import LRScheduler
from tqdm.auto import trange

from ._internal.checks import non_empty, whole_number
from .augment import binarize
from .data import ImageSet, batches
from .evaluate import evaluating, images_of, infer
from .history import History
from .models import VAE
from .schedule import WARMUP_FRACTION
from .train import Batches, fused, prepare

if TYPE_CHECKING:
    from .recipe import Recipe

EVALUATION_SEED = 0  # the draws of z that score a VAE: the same on every call
BINARIZE_SEED = 1  # the one black-and-white draw of test images a binarized VAE is scored on


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) of each row, in nats: ½ Σ (μ² + σ² − 1 − log σ²). Shape (B,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1)  # (B,)


def bernoulli_nats(reconstruction: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """−log p(x | z) of a Bernoulli pixel model: the binary cross-entropy summed over each
    image's pixels, in nats. Shape (B,)."""
    per_pixel = F.binary_cross_entropy(reconstruction, images, reduction="none")  # (B, 1, 28, 28)
    return per_pixel.flatten(1).sum(dim=1)  # (B,)


def vae_loss(
    reconstruction: torch.Tensor, images: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
    beta: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction term, KL term), each the mean over the batch of its per-image value in
    nats; loss = reconstruction + β × KL (−ELBO when β = 1)."""
    rebuilt = bernoulli_nats(reconstruction, images).mean()
    kl = kl_to_standard_normal(mu, logvar).mean()
    return rebuilt + beta * kl, rebuilt, kl


def vae_steps(
    model: VAE,
    batches: Batches,
    optimizer: torch.optim.Optimizer,
    scheduler: LRScheduler | None = None,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
    binarized: bool = False,
) -> torch.Tensor:
    """One optimizer step per batch on the VAE's loss; each step's (loss, reconstruction, KL).
    With `binarized`, each batch is drawn black-and-white afresh (`binarize`)."""
    model.train()
    terms = []
    for images, _ in batches:  # (B, 1, 28, 28); the labels are not used
        if binarized:  # a new black-and-white draw each time the image is seen
            images = binarize(images, generator)
        reconstructions, mu, logvar = model(images, generator)  # one draw of z per image
        loss, rebuilt, kl = vae_loss(reconstructions, images, mu, logvar, beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        terms.append(torch.stack([loss, rebuilt, kl]).detach())  # stays on the device
    return torch.stack(terms)  # (steps, 3)


def train_vae(
    model: VAE, train_set: ImageSet, recipe: Recipe, *,
    validation_set: ImageSet | None = None,
    device: str | torch.device | None = None, progress: bool = True,
) -> History:
    """Train `model` on the images of `train_set` as `recipe` says (`beta`
    weighs the KL term); one record per epoch, with the validation loss."""
    device = prepare(model, device, progress)  # channels_last weights
    train_set = non_empty(train_set, "train_set").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr,
                                 fused=fused(device))
    steps = recipe.epochs * math.ceil(len(train_set) / recipe.batch_size)
    scheduler = None  # "constant": the rate stays at recipe.lr
    if recipe.schedule == "onecycle":  # up for 15 % of the steps, then down
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, recipe.lr, total_steps=steps, pct_start=WARMUP_FRACTION)
    generator = torch.Generator().manual_seed(recipe.seed)  # order, z draws
    history = History()
    for epoch in trange(recipe.epochs, desc="epochs", disable=not progress):
        shuffled = batches(train_set.images, train_set.labels,
                           recipe.batch_size, generator)
        terms = vae_steps(model, shuffled, optimizer, scheduler, recipe.beta,
                          generator, recipe.binarized)  # (steps, 3)
        loss, rebuilt, kl = terms.mean(dim=0).tolist()
        record = {"epoch": epoch + 1, "train_loss": loss,
                  "train_reconstruction": rebuilt, "train_kl": kl}
        if validation_set is not None:
            scores = evaluate_vae(model, validation_set, recipe.binarized)
            record["validation_loss"] = scores["elbo_loss"]
            record["validation_mse"] = scores["mse"]
        history.append(record, terms[:, 0])  # with the seconds since the start
    return history


def evaluate_vae(model: VAE, data: ImageSet, binarized: bool = False) -> dict[str, float]:
    """On `data`, per image: −ELBO in nats ("elbo_loss", one seeded draw of z per image) with its
    reconstruction and KL terms, and the per-pixel MSE of the reconstruction decoded from μ.
    With `binarized`, the ELBO terms score one fixed black-and-white draw of the images
    (`binarized_once`), and the MSE compares the decoder's pixel probabilities, from the grey
    image's μ, with the grey image."""
    non_empty(data, "data")
    generator = torch.Generator().manual_seed(EVALUATION_SEED)

    def per_image(both: torch.Tensor) -> torch.Tensor:  # (B, 2, 28, 28) -> (B, 3)
        scored, grey = both[:, :1], both[:, 1:]  # (B, 1, 28, 28) each
        mu, logvar = model.encode(scored)  # (B, latent_dim) each
        z = model.reparameterize(mu, logvar, generator)  # (B, latent_dim)
        rebuilt = bernoulli_nats(model.decoder(z, check=False), scored)  # (B,)
        kl = kl_to_standard_normal(mu, logvar)  # (B,)
        mean_code = model.encode(grey)[0]  # (B, latent_dim)
        squared = (model.decoder(mean_code, check=False) - grey).pow(2).mean(dim=(1, 2, 3))  # (B,)
        return torch.stack([rebuilt, kl, squared], dim=1)

    grey = images_of(data)  # (N, 1, 28, 28)
    scored = binarized_once(data).images if binarized else grey
    both = torch.cat([scored, grey], dim=1)  # (N, 2, 28, 28)
    reconstruction, kl, mse = infer(model, both, per_image).double().mean(dim=0).tolist()
    return {"elbo_loss": reconstruction + kl, "reconstruction": reconstruction, "kl": kl, "mse": mse}


def binarized_once(data: ImageSet) -> ImageSet:
    """`data` drawn black-and-white once, from a fixed seed: the same draw wherever it is made."""
    images = binarize(data.images, torch.Generator().manual_seed(BINARIZE_SEED))  # (N, 1, 28, 28)
    return ImageSet(images, data.labels, data.classes, data.name)


def importance_sampled_log_likelihood(
    model: VAE, images: torch.Tensor, samples: int, generator: torch.Generator, chunk: int = 100
) -> torch.Tensor:
    """An estimate of log p(x) in nats for each of the (B, 1, 28, 28) binary `images`: the
    importance-weighted bound of Burda et al. (2016), log (1/K Σₖ p(x | zₖ) p(zₖ) / q(zₖ | x)) with
    K = `samples` draws zₖ ~ q(z | x). It is at least the ELBO and nears log p(x) as K grows.
    Shape (B,); the draws, `chunk` at a time, come from `generator`."""
    if not ((images == 0) | (images == 1)).all():
        raise ValueError("the importance-sampled log-likelihood needs binary images (a Bernoulli pixel model is a "
                         "likelihood only on 0s and 1s): binarize them first, e.g. convae.binarize(images, generator)")
    whole_number(samples, "samples")
    log_weights = []
    with evaluating(model) as device:
        images = images.to(device)  # (B, 1, 28, 28)
        mu, logvar = model.encode(images)  # (B, k) each
        std = torch.exp(0.5 * logvar)
        for start in range(0, samples, chunk):
            draws = min(chunk, samples - start)
            eps = torch.randn((draws, *mu.shape), generator=generator).to(device)  # (S, B, k)
            z = mu + std * eps  # (S, B, k)
            log_q = Normal(mu, std).log_prob(z).sum(dim=2)  # (S, B)
            log_prior = Normal(0.0, 1.0).log_prob(z).sum(dim=2)  # (S, B)
            rebuilt = model.decoder(z.flatten(0, 1), check=False)  # (S·B, 1, 28, 28)
            log_likelihood = -bernoulli_nats(rebuilt, images.repeat(draws, 1, 1, 1)).view(draws, -1)  # (S, B)
            log_weights.append((log_likelihood + log_prior - log_q).double().cpu())
    log_weights = torch.cat(log_weights)  # (K, B)
    return torch.logsumexp(log_weights, dim=0) - math.log(samples)  # (B,)
