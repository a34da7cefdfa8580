"""Shared fixtures: small IDX files written on the spot, so no test needs the network."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
import torch

from convae._internal.raw import IDX_FILES, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC

SMALL_SIZES = {"train": 200, "test": 100}
IN_CI = bool(os.environ.get("CI"))  # in CI every test must run: a missing tool fails instead of skipping


def skip_unless_ci(reason: str) -> None:
    """Skip the current test with `reason`, except in CI, where the same reason fails it."""
    if IN_CI:
        pytest.fail(f"{reason} (the CI environment variable is set, so this test must run)")
    pytest.skip(reason)


def idx_bytes(tensor: torch.Tensor, magic: int) -> bytes:
    """An IDX file's bytes: magic, dimensions (big-endian), then the uint8 data."""
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in tensor.shape)
    return header + tensor.numpy().tobytes()


def write_idx_split(folder: Path, split: str, count: int, seed: int = 0, compress: bool = False) -> None:
    """Write random-but-learnable images (class = brightness band) and their labels."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(count) % 10
    images = (torch.rand(count, 28, 28, generator=generator) * 25 + labels[:, None, None] * 23).to(torch.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    images_name, labels_name = IDX_FILES[split]
    for name, data in ((images_name, idx_bytes(images, IDX_IMAGES_MAGIC)),
                       (labels_name, idx_bytes(labels.to(torch.uint8), IDX_LABELS_MAGIC))):
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)


@pytest.fixture
def mnist_root(tmp_path: Path) -> Path:
    """A data root holding a small MNIST in torchvision's layout."""
    for split, count in SMALL_SIZES.items():
        write_idx_split(tmp_path / "MNIST" / "raw", split, count)
    return tmp_path


@pytest.fixture
def tiny_mnist(mnist_root: Path):
    """(train, test) ImageSets of the small MNIST."""
    from convae import load_dataset

    return load_dataset("mnist", "train", mnist_root), load_dataset("mnist", "test", mnist_root)


@pytest.fixture(scope="session")
def fashion_test_set():
    """The full Fashion-MNIST test split; skipped (outside CI) where it is neither on disk nor downloadable."""
    from convae import DataUnavailableError, load_dataset

    try:
        return load_dataset("fashion-mnist", "test")
    except DataUnavailableError as error:
        skip_unless_ci(f"Fashion-MNIST is not available: {error}")


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The whole book built once from the stored notebook outputs (no execution), for the browser tests."""
    from helpers.book_build import build_book, require_browser

    require_browser()
    return build_book(tmp_path_factory.mktemp("book"))
