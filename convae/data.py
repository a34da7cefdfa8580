"""Datasets as in-memory tensors, seeded batching and label-limited subsets.

Every split is loaded once through torchvision and held as one float tensor, so a training epoch
is a loop over index slices rather than 60,000 calls to a per-image transform.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

DATA_ENV_VAR = "CONVAE_DATA"
DEFAULT_DATA_ROOT = Path.home() / ".cache" / "convae"
SYSTEM_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_TIMEOUT_S = 20  # seconds without an answer before a mirror counts as unreachable

DATASETS = ("fashion-mnist", "mnist")
SPLITS = ("train", "test")
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049
IDX_ITEM_SHAPES = {"images": (IDX_IMAGES_MAGIC, (28, 28)), "labels": (IDX_LABELS_MAGIC, ())}  # magic, item shape
IDX_FILES = {  # (images, labels) file names, as torchvision keeps them in <root>/<Name>/raw/
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataUnavailableError(RuntimeError):
    """The dataset cannot be loaded: not on disk and not downloadable, or its files are damaged."""


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
    if not _has_idx_files(raw) and from_system:
        extract_system_copy(SYSTEM_FASHION_MNIST, raw)
    if not _has_idx_files(raw):
        _download(tv_class, raw, name)
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


def _has_idx_files(raw: Path) -> bool:
    return all((raw / f).is_file() for pair in IDX_FILES.values() for f in pair)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataUnavailableError(f"cannot create the data folder {folder} ({error.strerror or error}). "
                                   f"To fix: set ${DATA_ENV_VAR} (or pass root=) to a folder you can write to"
                                   ) from error


def _download(tv_class: type, raw: Path, name: str) -> None:
    """Download the gzipped IDX files from torchvision's mirrors into `raw`, check and extract them.

    Each request carries its own timeout, so no process-wide setting changes; no network fails fast.
    """
    _make_folder(raw)
    for file_name, md5 in tv_class.resources:  # e.g. ("train-images-idx3-ubyte.gz", "f68b…")
        failures = []
        for mirror in tv_class.mirrors:
            request = urllib.request.Request(mirror + file_name, headers={"User-Agent": "convae"})
            try:
                with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
                    compressed = response.read()
                break
            except OSError as error:  # no network, refused, timed out, HTTP errors
                failures.append(f"{mirror + file_name}: {error}")
        else:
            remedies = f"put the four IDX files in {raw} or connect to the internet"
            if name == "fashion-mnist":
                remedies = ("install Debian's copy (`sudo apt-get install dataset-fashion-mnist`), or "
                            f"connect to the internet so convae can download it into {raw}")
            raise DataUnavailableError(
                f"{name} is not on disk and could not be downloaded ({'; '.join(failures)}). "
                f"To fix: {remedies}. (Set ${DATA_ENV_VAR} to use another data folder.)"
            )
        if hashlib.md5(compressed).hexdigest() != md5:
            raise DataUnavailableError(f"the downloaded {file_name} does not have its published MD5 {md5}: "
                                       "the transfer was damaged. To fix: load the data again")
        _write_whole(raw / file_name.removesuffix(".gz"), gzip.decompress(compressed))


def _write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that the file appears whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


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


def check_idx_file(path: Path, kind: str, count: int | None = None) -> int:
    """The number of items in `path`, an IDX `kind` ("images"/"labels") file; ValueError if it is not one.

    Checks the magic number, the dimensions (and `count`, if given) and, for an uncompressed file,
    that its size is what the header announces: a truncated copy is caught before it is read.
    """
    magic, dims = read_idx_header(path)
    expected_magic, item_shape = IDX_ITEM_SHAPES[kind]
    wanted = (count if count is not None else "N", *item_shape)
    shape_ok = len(dims) == len(wanted) and dims[1:] == item_shape and count in (None, dims[0])
    if magic != expected_magic or not shape_ok:
        of = f" of {count} items" if count is not None else ""
        raise ValueError(f"{path} is not an IDX {kind} file{of}: expected magic {expected_magic} and dimensions "
                         f"{wanted}, found magic {magic} and dimensions {dims}")
    if path.suffix != ".gz":
        expected_size = 4 + 4 * len(dims) + math.prod(dims)  # header, then one byte per number
        size = path.stat().st_size
        if size != expected_size:
            raise ValueError(f"{path} is {size:,} bytes long, but its header announces {dims} (that is "
                             f"{expected_size:,} bytes): the file is truncated or damaged")
    return dims[0]


def extract_system_copy(source: Path, raw: Path, sizes: dict[str, int] = SPLIT_SIZES) -> None:
    """Check and extract Debian's gzipped IDX files into torchvision's `raw/` folder."""
    _make_folder(raw)
    for split, (images_file, labels_file) in IDX_FILES.items():
        for file_name, kind in ((images_file, "images"), (labels_file, "labels")):
            gz = source / f"{file_name}.gz"
            try:
                check_idx_file(gz, kind, sizes[split])
                with gzip.open(gz, "rb") as compressed:
                    data = compressed.read()
            except (OSError, EOFError, ValueError) as error:  # missing, not gzip, cut short, wrong content
                raise DataUnavailableError(
                    f"Debian's copy of Fashion-MNIST is damaged: {error}. To fix: "
                    "`sudo apt-get install --reinstall dataset-fashion-mnist`"
                ) from error
            _write_whole(raw / file_name, data)


def iterate_batches(
    data: ImageSet, batch_size: int, *, shuffle: bool = False, generator: torch.Generator | None = None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (images, labels) batches; shuffled by `generator` when `shuffle` is set."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
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
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"per_class must be a whole number of at least 1, got {per_class!r}")
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
