"""`python -m studies vae-study`: chapters 8 and 9's measurements over five seeds.

For each seed, one process, one run after the other:

* a judge (`convae.sampling.train_judge`, the recipe chosen on validation) and a split of the test
  set into 5,000 reference images and 5,000 others, whose scores against the reference are the floor;
* the controls: those other images blurred, noised and with lowered contrast (`convae.damage`);
* the plain 6-epoch autoencoder of that seed (the shipped files chapters 6 and 7 use for seeds 0
  to 2, trained here for the others): 5,000 codes drawn from N(0, I), from a diagonal and from a
  full-covariance Gaussian fitted to its training codes, each decoded and scored;
* VAEs of latent 12 at β = 0.1, 1 and 4 (`convae.SHIPPED_VAE` cut to 6 epochs, on black-and-white
  draws): their test −ELBO terms, MSE from μ, active dimensions, and 5,000 prior samples scored;
* midpoints of 1,000 pairs of test images, halfway between their codes, through the plain
  autoencoder and the β = 1 VAE (its mean codes), scored the same way.

Every set is scored by the Fréchet distance, precision and recall in the judge's features, and the
judge's confidence (`convae.sampling.sample_quality`). The first seed's judge and VAEs are saved
beside the result, for the chapters' figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from convae._internal.checkpoints import load_pretrained, save_checkpoint
from convae._internal.runs import train_recipe
from convae.damage import controls
from convae.data import ImageSet
from convae.evaluate import encode, evaluate_autoencoder, evaluate_classifier, infer
from convae.models import Classifier, Decoder
from convae.recipe import SHIPPED, SHIPPED_VAE
from convae.sampling import (
    JUDGE,
    JUDGE_BATCH_SIZE,
    JUDGE_LATENT_DIM,
    JudgeRecipe,
    active_dimensions,
    decode,
    fitted_gaussian_codes,
    judge_features,
    sample_quality,
    train_judge,
)
from convae.vae import binarized_once, evaluate_vae

from .study import Study

SEEDS = (0, 1, 2, 3, 4)  # five: a 95 % t-interval over them is ±2.78 standard errors
BETAS = (0.1, 1.0, 4.0)
EPOCHS = 6
SAMPLES = 5000  # images per scored set, and reference images
PAIRS = 1000  # interpolation midpoints
VAE_RECIPE = replace(SHIPPED_VAE, epochs=EPOCHS)
AUTOENCODERS = {0: "fashion-mnist-latent12-6ep", 1: "fashion-mnist-latent12-6ep-seed1",
                2: "fashion-mnist-latent12-6ep-seed2"}  # shipped; other seeds' are trained here
JUDGE_NAME = "fashion-mnist-judge.pt"


def vae_name(beta: float) -> str:
    """The file of the first seed's VAE trained with `beta`, e.g. fashion-mnist-vae-beta0.1-6ep.pt."""
    return f"fashion-mnist-vae-beta{beta:g}-6ep.pt"


@dataclass
class Referee:
    """One seed's judge and what it compares against: real test images' features, and the pairs
    whose midpoints are scored."""

    judge: Classifier
    reference_features: torch.Tensor  # (samples, 64): the judge's features of real test images
    first: torch.Tensor  # (pairs,) indices of test images
    second: torch.Tensor  # (pairs,) their partners
    generator: torch.Generator  # every draw of the seed's samples
    samples: int  # images per scored set

    def score(self, images: torch.Tensor) -> dict[str, float]:
        """How the judge sees (N, 1, 28, 28) images against the real ones."""
        return sample_quality(self.judge, images, self.reference_features)

    def midpoints(self, encoder: torch.nn.Module, decoder: Decoder, images: torch.Tensor) -> dict[str, float]:
        """Score the images decoded halfway between the codes of images[first] and images[second]."""
        halfway = (infer(encoder, images[self.first]) + infer(encoder, images[self.second])) / 2  # (P, k)
        return self.score(decode(decoder, halfway))


def run_vae_study(study: Study) -> dict[str, Any]:
    """Measure every seed, write `vae_study.json` and the first seed's judge and VAEs into the
    study's folder; return what was written."""
    train_set, test_set = study.datasets()
    samples, pairs = (100, 20) if study.quick else (SAMPLES, PAIRS)
    judge_recipe = replace(JUDGE, epochs=1) if study.quick else JUDGE
    runs = []
    for seed in SEEDS:
        generator = torch.Generator().manual_seed(seed)
        judge, accuracy = make_judge(train_set, test_set, judge_recipe, seed,
                                     study.out / JUDGE_NAME if seed == SEEDS[0] else None, study.command)
        order = torch.randperm(len(test_set), generator=generator)
        reference, others = test_set.images[order[:samples]], test_set.images[order[samples:2 * samples]]
        referee = Referee(judge, judge_features(judge, reference)[0], order[:pairs], order[pairs:2 * pairs],
                          generator, samples)
        run = {"seed": seed, "judge_accuracy": accuracy, "floor": referee.score(others),
               "controls": {name: referee.score(images) for name, images in controls(others, generator).items()},
               "autoencoder": score_autoencoder(study, referee, train_set, test_set, seed),
               "vae": {f"{beta:g}": score_vae(study, referee, test_set, seed, beta) for beta in BETAS}}
        print(f"seed {seed}: floor {run['floor']['frechet']:.2f}; autoencoder "
              + ", ".join(f"{way} {q['frechet']:.1f}" for way, q in run["autoencoder"]["samples"].items()))
        runs.append(run)
    result = {"seeds": list(SEEDS), "betas": list(BETAS), "epochs": EPOCHS,
              "judge_recipe": {"epochs": judge_recipe.epochs, "lr": judge_recipe.lr, "augment": judge_recipe.augment},
              "samples": samples, "pairs": pairs,
              "vae_recipe": replace(VAE_RECIPE, epochs=1 if study.quick else EPOCHS).as_dict(),
              "judge": JUDGE_NAME, "vaes": {f"{b:g}": vae_name(b) for b in BETAS}, "runs": runs}
    return study.write("vae_study.json", result)


def score_autoencoder(study: Study, referee: Referee, train_set: ImageSet, test_set: ImageSet,
                      seed: int) -> dict[str, Any]:
    """The seed's plain 6-epoch autoencoder: codes from N(0, I) and from Gaussians fitted to its
    training codes, decoded and scored, and its midpoints."""
    if study.quick or seed not in AUTOENCODERS:
        recipe = replace(SHIPPED, epochs=1 if study.quick else EPOCHS, seed=seed)
        autoencoder = train_recipe(recipe, study.root, sizes=study.sizes(), progress=False).model
    else:
        autoencoder = load_pretrained(AUTOENCODERS[seed])
    codes = encode(autoencoder.encoder, train_set)  # (N, 12)
    n, generator = referee.samples, referee.generator
    ways = {"N(0, I)": torch.randn(n, codes.shape[1], generator=generator),
            "fitted, diagonal": fitted_gaussian_codes(codes, n, generator, "diagonal"),
            "fitted, full": fitted_gaussian_codes(codes, n, generator, "full")}
    return {"checkpoint": None if study.quick else AUTOENCODERS.get(seed),
            "test_mse": evaluate_autoencoder(autoencoder, test_set)["mse"],
            "samples": {way: referee.score(decode(autoencoder.decoder, z)) for way, z in ways.items()},
            "midpoints": referee.midpoints(autoencoder.encoder, autoencoder.decoder, test_set.images)}


def score_vae(study: Study, referee: Referee, test_set: ImageSet, seed: int, beta: float) -> dict[str, Any]:
    """A VAE trained with `beta` on the seed: its test −ELBO terms, active dimensions, prior
    samples scored (and, at β = 1, its midpoints)."""
    recipe = replace(VAE_RECIPE, beta=beta, seed=seed, epochs=1 if study.quick else EPOCHS)
    path = study.out / vae_name(beta) if seed == SEEDS[0] else None
    trained = train_recipe(recipe, study.root, out=path, command=study.command, progress=False,
                           sizes=study.sizes())
    vae = trained.model
    mu = encode(_MeanEncoder(vae), binarized_once(test_set))  # (N, 12)
    entry = {**evaluate_vae(vae, test_set, binarized=True), "active_dimensions": active_dimensions(mu),
             "samples": referee.score(vae.sample(referee.samples, referee.generator)),
             "train_seconds": trained.metadata["train_seconds"]}
    if beta == 1.0:
        entry["midpoints"] = referee.midpoints(_MeanEncoder(vae), vae.decoder, test_set.images)
    print(f"seed {seed}, β {beta:g}: −ELBO {entry['elbo_loss']:.1f}, MSE {entry['mse']:.4f}, "
          f"samples {entry['samples']['frechet']:.1f}")
    return entry


def make_judge(train_set: ImageSet, test_set: ImageSet, recipe: JudgeRecipe, seed: int, path: Path | None,
               command: str) -> tuple[Classifier, float]:
    """`train_judge`, timed, and its test accuracy; the judge is saved at `path` if given."""
    started = time.perf_counter()
    judge = train_judge(train_set, recipe, seed=seed)
    seconds = round(time.perf_counter() - started, 1)
    test_metrics = evaluate_classifier(judge, test_set)
    print(f"seed {seed}: judge test accuracy {test_metrics['accuracy']:.4f} ({seconds} s)")
    if path is not None:
        stored = {"model": "classifier", "latent_dim": JUDGE_LATENT_DIM, "epochs": recipe.epochs, "lr": recipe.lr,
                  "schedule": "onecycle", "augment": recipe.augment, "batch_size": JUDGE_BATCH_SIZE, "seed": seed,
                  "train_images": len(train_set)}
        save_checkpoint(judge, path, dataset=train_set.name, epochs=recipe.epochs, recipe=stored,
                        test_metrics=test_metrics, train_seconds=seconds, command=command)
    return judge, test_metrics["accuracy"]


class _MeanEncoder(torch.nn.Module):
    """A VAE's encoder seen as a plain one: an image's code is its mean μ."""

    def __init__(self, vae: torch.nn.Module) -> None:
        super().__init__()
        self.vae = vae

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.vae.encode(images)[0]  # (B, k)
