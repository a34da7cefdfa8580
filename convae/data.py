"""Datasets as in-memory tensors, seeded batching and label-limited subsets.

Every split is loaded once through torchvision and held as one float tensor, so a training epoch
is a loop over index slices rather than 60,000 calls to a per-image transform.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

DATA_ENV_VAR = "CONVAE_DATA"
DEFAULT_DATA_ROOT = Path.home() / ".cache" / "convae"
SYSTEM_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_TIMEOUT_S = 20

DATASETS = ("fashion-mnist", "mnist")
SPLITS = ("train", "test")
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049
IDX_FILES = {  # (images, labels) file names, as torchvision keeps them in <root>/<Name>/raw/
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataUnavailableError(RuntimeError):
    """The dataset is neither on disk nor downloadable."""


@dataclass
class ImageSet:
    """A whole split in memory: `images` (N, 1, 28, 28) float32 in [0, 1], `labels` (N,) int64."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list[str]
    name: str = ""

    def __post_init__(self) -> None:
        if self.images.dim() != 4 or tuple(self.images.shape[1:]) != (1, 28, 28):
            raise ValueError(f"images must have shape (N, 1, 28, 28), got {tuple(self.images.shape)}")
        if self.images.dtype != torch.float32:
            raise ValueError(f"images must be float32 in [0, 1], got dtype {self.images.dtype}")
        if len(self.images) and not (0 <= self.images.min() and self.images.max() <= 1):
            low, high = self.images.min().item(), self.images.max().item()
            raise ValueError(f"images must have values in [0, 1], got values from {low:g} to {high:g}")
        if self.labels.shape != (len(self.images),) or self.labels.dtype != torch.int64:
            raise ValueError(
                f"labels must be int64 of shape ({len(self.images)},), "
                f"got {self.labels.dtype} of shape {tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, indices: torch.Tensor) -> ImageSet:
        """The images and labels at `indices`, as a new ImageSet."""
        return ImageSet(self.images[indices], self.labels[indices], self.classes, self.name)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Where datasets live: `root` if given, else $CONVAE_DATA, else ~/.cache/convae."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get(DATA_ENV_VAR) or DEFAULT_DATA_ROOT)


def load_dataset(name: str, split: str = "train", root: str | os.PathLike | None = None) -> ImageSet:
    """Load a whole split of "fashion-mnist" or "mnist" as in-memory tensors.

    Looks in torchvision's folder under the data root; for Fashion-MNIST it falls back on Debian's
    `dataset-fashion-mnist` package, then on torchvision's download.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: expected one of {DATASETS}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {SPLITS}")
    from torchvision import datasets

    tv_class = datasets.FashionMNIST if name == "fashion-mnist" else datasets.MNIST
    root = data_root(root)
    raw = root / tv_class.__name__ / "raw"
    if not _has_idx_files(raw) and name == "fashion-mnist" and SYSTEM_FASHION_MNIST.is_dir():
        extract_system_copy(SYSTEM_FASHION_MNIST, raw)
    if not _has_idx_files(raw):
        _download(tv_class, root, name)
    tv_set = tv_class(str(root), train=split == "train", download=False)
    images = tv_set.data.unsqueeze(1).float().div_(255)  # (N, 1, 28, 28)
    return ImageSet(images, tv_set.targets.long(), list(tv_set.classes), name)


def _has_idx_files(raw: Path) -> bool:
    return all((raw / f).is_file() for pair in IDX_FILES.values() for f in pair)


def _download(tv_class: type, root: Path, name: str) -> None:
    """Let torchvision download the files, failing fast and clearly when there is no network."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        tv_class(str(root), train=True, download=True)
    except Exception as error:  # torchvision raises several kinds; all mean "not available"
        remedies = f"put the files in {root / tv_class.__name__ / 'raw'} or connect to the internet"
        if name == "fashion-mnist":
            remedies = (
                "install Debian's copy (`sudo apt-get install dataset-fashion-mnist`), or "
                f"connect to the internet so torchvision can download it into {root}"
            )
        raise DataUnavailableError(
            f"{name} is not on disk and could not be downloaded ({error}). "
            f"To fix: {remedies}. (Set ${DATA_ENV_VAR} to use another data folder.)"
        ) from error
    finally:
        socket.setdefaulttimeout(previous)


def read_idx_header(path: Path) -> tuple[int, tuple[int, ...]]:
    """Magic number and dimensions of an IDX file (plain or gzipped)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        head = f.read(4)
        if len(head) < 4:
            raise ValueError(f"{path} is too short to be an IDX file")
        magic = int.from_bytes(head, "big")
        ndim = head[3]
        dims = f.read(4 * ndim)
        if len(dims) < 4 * ndim:
            raise ValueError(f"{path} ends inside its IDX header")
    return magic, tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))


def check_idx_file(path: Path, kind: str, count: int) -> None:
    """Raise ValueError unless `path` is an IDX `kind` ("images"/"labels") file of `count` items."""
    magic, dims = read_idx_header(path)
    if kind == "images":
        expected = (IDX_IMAGES_MAGIC, (count, 28, 28))
    else:
        expected = (IDX_LABELS_MAGIC, (count,))
    if (magic, dims) != expected:
        raise ValueError(
            f"{path} is not an IDX {kind} file of {count} items: expected magic {expected[0]} "
            f"and dimensions {expected[1]}, found magic {magic} and dimensions {dims}"
        )


def extract_system_copy(source: Path, raw: Path, sizes: dict[str, int] = SPLIT_SIZES) -> None:
    """Check and extract Debian's gzipped IDX files into torchvision's `raw/` folder."""
    raw.mkdir(parents=True, exist_ok=True)
    for split, (images_file, labels_file) in IDX_FILES.items():
        for file_name, kind in ((images_file, "images"), (labels_file, "labels")):
            gz = source / f"{file_name}.gz"
            check_idx_file(gz, kind, sizes[split])
            partial = raw / f"{file_name}.partial"
            with gzip.open(gz, "rb") as src, open(partial, "wb") as dst:
                shutil.copyfileobj(src, dst)
            partial.replace(raw / file_name)  # appears whole or not at all


def iterate_batches(
    data: ImageSet, batch_size: int, *, shuffle: bool = False, generator: torch.Generator | None = None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (images, labels) batches; shuffled by `generator` when `shuffle` is set."""
    n = len(data)
    order = torch.randperm(n, generator=generator) if shuffle else None
    for start in range(0, n, batch_size):
        if order is None:
            yield data.images[start : start + batch_size], data.labels[start : start + batch_size]
        else:
            idx = order[start : start + batch_size]
            yield data.images[idx], data.labels[idx]  # (B, 1, 28, 28), (B,)


def labelled_subset(data: ImageSet, per_class: int, seed: int = 0) -> ImageSet:
    """A class-balanced subset with `per_class` examples of each class, drawn reproducibly."""
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for label in range(len(data.classes)):
        members = torch.nonzero(data.labels == label).flatten()
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than {per_class}")
        chosen.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    indices = torch.cat(chosen)
    return data.subset(indices[torch.randperm(len(indices), generator=generator)])


def split_validation(data: ImageSet, num_val: int, seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """Split off `num_val` random examples as a validation set: (train, validation)."""
    if not 0 < num_val < len(data):
        raise ValueError(f"num_val must be between 1 and {len(data) - 1}, got {num_val}")
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    return data.subset(order[num_val:]), data.subset(order[:num_val])
