"""Datasets as in-memory tensors, seeded batching and label-limited subsets.

Every split is loaded once through torchvision and held as one float tensor, so a training epoch
is a loop over index slices rather than 60,000 calls to a per-image transform.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from ._internal.checks import whole_number
from ._internal.raw import (
    DATA_ENV_VAR,
    IDX_FILES,
    SPLIT_SIZES,
    SYSTEM_FASHION_MNIST,
    DataUnavailableError,
    check_idx_file,
    download,
    extract_system_copy,
    has_idx_files,
)

__all__ = [
    "DATASETS", "DATA_ENV_VAR", "SPLITS", "SPLIT_SIZES", "DataUnavailableError", "ImageSet", "batches", "data_root",
    "labelled_subset", "load_dataset", "split_validation",
]

DEFAULT_DATA_ROOT = Path.home() / ".cache" / "convae"

DATASETS = ("fashion-mnist", "mnist")
SPLITS = ("train", "test")


@dataclass
class ImageSet:
    """A whole split in memory: `images` (N, 1, 28, 28) float32 in [0, 1], `labels` (N,) int64."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list[str]
    name: str = ""

    def __post_init__(self) -> None:
        """Check everything once, here; what is made from a checked ImageSet needs no new check."""
        if not isinstance(self.images, torch.Tensor) or not isinstance(self.labels, torch.Tensor):
            raise TypeError(f"images and labels must be tensors, got {type(self.images).__name__} "
                            f"and {type(self.labels).__name__}")
        if self.images.dim() != 4 or tuple(self.images.shape[1:]) != (1, 28, 28):
            raise ValueError(f"images must have shape (N, 1, 28, 28), got {tuple(self.images.shape)}")
        if self.images.dtype != torch.float32:
            raise ValueError(f"images must be float32 in [0, 1], got dtype {self.images.dtype}")
        if len(self.images):
            low, high = (v.item() for v in torch.aminmax(self.images))  # one pass over every pixel
            if not 0 <= low <= high <= 1:  # also False for NaN
                raise ValueError(f"images must have values in [0, 1], got values from {low:g} to {high:g}")
        if self.labels.shape != (len(self.images),) or self.labels.dtype != torch.int64:
            raise ValueError(
                f"labels must be int64 of shape ({len(self.images)},), "
                f"got {self.labels.dtype} of shape {tuple(self.labels.shape)}"
            )
        if self.classes and len(self.labels) and not 0 <= self.labels.min() <= self.labels.max() < len(self.classes):
            raise ValueError(f"labels must lie in 0..{len(self.classes) - 1} (one per class), got values from "
                             f"{self.labels.min().item()} to {self.labels.max().item()}")

    @classmethod
    def _trusted(cls, images: torch.Tensor, labels: torch.Tensor, classes: list[str], name: str) -> ImageSet:
        """An ImageSet of tensors taken from a checked one (selected or moved): no second check."""
        data = cls.__new__(cls)
        data.images, data.labels, data.classes, data.name = images, labels, classes, name
        return data

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, indices: torch.Tensor) -> ImageSet:
        """The images and labels at `indices` (positions or a boolean mask), as a new ImageSet."""
        return ImageSet._trusted(self.images[indices], self.labels[indices], self.classes, self.name)

    def to(self, device: str | torch.device) -> ImageSet:
        """The same images and labels on `device` (this ImageSet itself if they are there already)."""
        device = torch.device(device)
        if self.images.device == device and self.labels.device == device:
            return self
        return ImageSet._trusted(self.images.to(device), self.labels.to(device), self.classes, self.name)


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
    if root.exists() and not root.is_dir():
        raise ValueError(f"the data folder {root} is a file; pass root= (or set ${DATA_ENV_VAR}) to a folder")
    raw = root / tv_class.__name__ / "raw"
    from_system = name == "fashion-mnist" and SYSTEM_FASHION_MNIST.is_dir()
    if not has_idx_files(raw) and from_system:
        extract_system_copy(SYSTEM_FASHION_MNIST, raw)
    if not has_idx_files(raw):
        download(tv_class, raw, name)
    images_path, labels_path = (raw / file_name for file_name in IDX_FILES[split])
    try:  # before torchvision reads them: a truncated file would only give a cryptic reshape error
        count = check_idx_file(images_path, "images")
        labels = check_idx_file(labels_path, "labels")
        if labels != count:
            raise ValueError(f"{labels_path} holds {labels} labels for the {count} images of {images_path}")
    except ValueError as error:
        again = f"re-extracts it from {SYSTEM_FASHION_MNIST}" if from_system else "downloads it again"
        raise DataUnavailableError(f"{error}. To fix: delete that file and load the data again; convae then {again}"
                                   ) from error
    tv_set = tv_class(str(root), train=split == "train", download=False)
    images = tv_set.data.unsqueeze(1).float().div_(255)  # (N, 1, 28, 28)
    labels = tv_set.targets.long()  # (N,)
    if len(labels) and labels.max() >= len(tv_set.classes):
        raise DataUnavailableError(f"{labels_path} holds the label {labels.max().item()}, but {name} has only "
                                   f"{len(tv_set.classes)} classes. To fix: delete that file and load the data again")
    return ImageSet(images, labels, list(tv_set.classes), name)


def batches(
    inputs: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int,
    generator: torch.Generator | None = None,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One pass over (N, ...) `inputs` and their (N,) `labels`, `batch_size` at a time: in order, or
    in a fresh random order drawn from `generator`; `transform` (e.g. augmentation) is applied to
    each batch of inputs. Batches are slices of the tensors, on their device: no copy per image."""
    whole_number(batch_size, "batch_size")
    order = None if generator is None else torch.randperm(len(inputs), generator=generator).to(inputs.device)
    for start in range(0, len(inputs), batch_size):
        index = slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        batch = inputs[index]  # (B, 1, 28, 28), or (B, D) for codes
        yield (batch if transform is None else transform(batch)), labels[index]


def labelled_subset(data: ImageSet, per_class: int, seed: int = 0) -> ImageSet:
    """A class-balanced subset with `per_class` examples of each class, drawn reproducibly."""
    whole_number(per_class, "per_class")
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
