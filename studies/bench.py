"""`python -m studies bench`: images per second of one autoencoder training epoch, three ways.

(a) the common tutorial recipe: torchvision dataset + ToTensor + DataLoader, batch 128;
(b) convae's training path: the split held as one tensor, batched by index, channels_last;
(c) the compute-only bound: one pre-made batch repeated, nothing else;
against the float32 matrix-multiply rate this machine reaches.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from convae._internal.records import rate_table
from convae.data import data_root, load_dataset
from convae.models import Autoencoder
from convae.recipe import Recipe
from convae.train import train_autoencoder

from .study import write_result

TRAIN_FLOP_PER_IMAGE = 8.3e6  # forward + backward of the autoencoder, per 28x28 image
BATCH_SIZE = 128


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Measured float32 matrix-multiply rate in GFLOP/s (best of `repeats`)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def _adam_step(model: Autoencoder, optimizer: torch.optim.Optimizer, images: torch.Tensor) -> None:
    loss = F.mse_loss(model(images), images)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def common_recipe_seconds(num_images: int, root: str | None) -> float:
    """(a) One epoch through torchvision's dataset, ToTensor and a DataLoader."""
    from torch.utils.data import DataLoader, Subset
    from torchvision import datasets, transforms

    load_dataset("fashion-mnist", "train", root)  # makes sure torchvision's files are in place
    dataset = datasets.FashionMNIST(str(data_root(root)), train=True, transform=transforms.ToTensor())
    loader = DataLoader(Subset(dataset, range(num_images)), batch_size=BATCH_SIZE, shuffle=True)
    torch.manual_seed(0)
    model = Autoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for images, _ in loader:
        _adam_step(model, optimizer, images)
    return time.perf_counter() - start


def convae_path_seconds(num_images: int, root: str | None) -> float:
    """(b) One epoch of `train_autoencoder` on the in-memory split."""
    train_set = load_dataset("fashion-mnist", "train", root)
    train_set = train_set.subset(torch.arange(num_images))
    torch.manual_seed(0)
    recipe = Recipe(epochs=1, batch_size=BATCH_SIZE, lr=1e-3, schedule="constant")
    history = train_autoencoder(Autoencoder(), train_set, recipe, device="cpu", progress=False)
    return history.last()["seconds"]


def compute_only_seconds(num_images: int) -> float:
    """(c) The same number of steps on one pre-made batch: no data handling at all."""
    torch.manual_seed(0)
    model = Autoencoder().to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(BATCH_SIZE, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    steps = math.ceil(num_images / BATCH_SIZE)
    start = time.perf_counter()
    for _ in range(steps):
        _adam_step(model, optimizer, images)
    return (time.perf_counter() - start) * num_images / (steps * BATCH_SIZE)


def run_benchmark(num_images: int = 60_000, root: str | None = None) -> dict[str, float]:
    """Measure and print the table; return images per second of each way and the matmul rate."""
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {num_images} images, batch {BATCH_SIZE}")
    peak = matmul_gflops()
    rates = {
        "(a) torchvision + ToTensor + DataLoader": num_images / common_recipe_seconds(num_images, root),
        "(b) convae.train_autoencoder": num_images / convae_path_seconds(num_images, root),
        "(c) compute only (one batch repeated)": num_images / compute_only_seconds(num_images),
    }
    print("\n" + "\n".join(rate_table(rates, peak, TRAIN_FLOP_PER_IMAGE)))
    a, b, c = rates.values()
    share = 100 * b * TRAIN_FLOP_PER_IMAGE / 1e9 / peak
    print(f"\n(b)/(a) = {b / a:.2f}x   (b)/(c) = {b / c:.2f}   "
          f"(b) reaches {share:.1f} % of the measured float32 matmul rate")
    return {**rates, "matmul_gflops": peak}


def record_benchmark(num_images: int, root: str | None, out: Path, command: str) -> dict[str, Any]:
    """Measure and print as `run_benchmark`, then write the figures and `command` (how to make them
    again) as `out/bench.json`, the record the book's provenance page reads; return what was written."""
    started = time.perf_counter()
    rates = run_benchmark(num_images, root)
    matmul = rates.pop("matmul_gflops")
    record = write_result(out / "bench.json", {
        "command": command, "images": num_images, "threads": torch.get_num_threads(), "batch_size": BATCH_SIZE,
        "train_flop_per_image": TRAIN_FLOP_PER_IMAGE, "matmul_gflops": matmul, "images_per_second": rates}, started)
    print(f"wrote {out / 'bench.json'}")
    return record
