"""Where the data comes from: the IDX files on disk, Debian's copy of Fashion-MNIST, or a download.

Private to `convae.data`, which a reader opens for what a training run needs. Every file is
checked before torchvision reads it, so damage gives an error that says what to do, not a reshape
error from deep inside torchvision.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import urllib.request
from pathlib import Path

from .files import write_atomically

DATA_ENV_VAR = "CONVAE_DATA"
SYSTEM_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_TIMEOUT_S = 20  # seconds without an answer before a mirror counts as unreachable
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


def has_idx_files(raw: Path) -> bool:
    """Whether all four IDX files (training and test, images and labels) are in `raw`."""
    return all((raw / f).is_file() for pair in IDX_FILES.values() for f in pair)


def make_folder(folder: Path) -> None:
    """Create the data folder `folder`, or say in one line how to choose another."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataUnavailableError(f"cannot create the data folder {folder} ({error.strerror or error}). "
                                   f"To fix: set ${DATA_ENV_VAR} (or pass root=) to a folder you can write to"
                                   ) from error


def download(tv_class: type, raw: Path, name: str) -> None:
    """Download the gzipped IDX files from torchvision's mirrors into `raw`, check and extract them.

    Each request carries its own timeout, so no process-wide setting changes; no network fails fast.
    """
    make_folder(raw)
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
        payload = gzip.decompress(compressed)
        target = raw / file_name.removesuffix(".gz")
        write_atomically(target, lambda partial, payload=payload: partial.write_bytes(payload))


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
    make_folder(raw)
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
            write_atomically(raw / file_name, lambda partial, data=data: partial.write_bytes(data))
