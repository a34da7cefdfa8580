"""`python -m studies vae-likelihood`: how loose is the shipped VAEs' ELBO?

On the first 1,000 images of the test set's fixed black-and-white draw (`convae.vae.binarized_once`),
each shipped VAE's −ELBO (one draw of z per image) beside the importance-weighted estimate of
−log p(x) (Burda et al., 2016) with K = 1, 10, 100 and 1,000 samples per image, all drawn from one
seeded generator. Chapter 8 prints this record beside a smaller live run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from convae._internal.checkpoints import load_pretrained
from convae._internal.runs import train_recipe
from convae.models import VAE
from convae.recipe import SHIPPED_VAE
from convae.vae import binarized_once, evaluate_vae, importance_sampled_log_likelihood

from .study import Study

MODELS = {"fashion-mnist-vae-latent12": 12, "fashion-mnist-vae-latent2": 2}  # shipped name -> latent size
IMAGES = 1000
SAMPLES = (1, 10, 100, 1000)  # K, importance samples per image
SEED = 0


def measure_likelihood(study: Study) -> dict[str, Any]:
    """Score every shipped VAE at every K; write `vae_likelihood.json`."""
    _, test_set = study.datasets()
    count = 50 if study.quick else IMAGES
    scored = binarized_once(test_set).subset(torch.arange(count))  # the first images of the fixed draw
    models = {}
    for name, latent_dim in MODELS.items():
        model = _quick_vae(study, latent_dim) if study.quick else load_pretrained(name)
        elbo = evaluate_vae(model, scored)["elbo_loss"]  # the images are binary already
        estimates = {}
        for samples in SAMPLES:
            generator = torch.Generator().manual_seed(SEED)
            estimates[str(samples)] = -importance_sampled_log_likelihood(model, scored.images, samples,
                                                                        generator).mean().item()
        models[name] = {"latent_dim": latent_dim, "elbo_loss": elbo, "iwae_nats": estimates}
        print(f"{name}: -ELBO {elbo:.1f}; -log p(x) by K: "
              + ", ".join(f"{k} {v:.1f}" for k, v in estimates.items()))
    return study.write("vae_likelihood.json", {"images": count, "samples": list(SAMPLES), "seed": SEED,
                                               "models": models})


def _quick_vae(study: Study, latent_dim: int) -> VAE:
    """A one-epoch VAE on the quick sizes: only the machinery is checked."""
    recipe = replace(SHIPPED_VAE, latent_dim=latent_dim, epochs=1)
    return train_recipe(recipe, study.root, sizes=study.sizes(), progress=False).model
