"""Loading (MNIST from IDX files, Fashion-MNIST's offline copy, the error path), batching, subsets."""

import gzip
import hashlib
import io
import socket
from types import SimpleNamespace

import pytest
import torch

import convae
from conftest import SMALL_SIZES, idx_bytes, write_idx_split
from convae import data
from convae._internal import raw as _raw


def test_mnist_loads_from_idx_files_as_in_memory_tensors(mnist_root):
    train = convae.load_dataset("mnist", "train", mnist_root)
    assert train.images.shape == (SMALL_SIZES["train"], 1, 28, 28)
    assert train.images.dtype == torch.float32 and train.labels.dtype == torch.int64
    assert 0 <= train.images.min() and train.images.max() <= 1
    assert train.labels[:10].tolist() == list(range(10))
    assert train.classes[0].startswith("0")
    assert len(convae.load_dataset("mnist", "test", mnist_root)) == SMALL_SIZES["test"]


def test_root_comes_from_the_environment(mnist_root, monkeypatch):
    monkeypatch.setenv("CONVAE_DATA", str(mnist_root))
    assert data.data_root() == mnist_root
    assert len(convae.load_dataset("mnist", "test")) == SMALL_SIZES["test"]


def test_missing_data_offline_names_both_remedies(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(data, "SYSTEM_FASHION_MNIST", tmp_path / "not-installed")
    timeout = socket.getdefaulttimeout()
    with pytest.raises(convae.DataUnavailableError, match="apt-get install dataset-fashion-mnist.*internet"):
        convae.load_dataset("fashion-mnist", "train", tmp_path)
    assert socket.getdefaulttimeout() == timeout


class FakeMirror:
    """Serves gzipped IDX files like a dataset mirror, and notes each request's timeout."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.timeouts = files, []

    def urlopen(self, request, timeout=None):
        self.timeouts.append(timeout)
        name = request.full_url.rsplit("/", 1)[1]
        if request.full_url.startswith("http://down/") or name not in self.files:
            raise OSError("connection refused")
        return io.BytesIO(self.files[name])


def test_download_tries_each_mirror_checks_and_extracts_without_a_global_timeout(tmp_path, monkeypatch):
    source = tmp_path / "served"
    write_idx_split(source, "train", 30, compress=True)
    write_idx_split(source, "test", 20, compress=True)
    files = {path.name: path.read_bytes() for path in source.iterdir()}
    dataset = SimpleNamespace(mirrors=["http://down/", "http://up/"],
                              resources=[(name, hashlib.md5(blob).hexdigest()) for name, blob in files.items()])
    mirror = FakeMirror(files)
    monkeypatch.setattr(_raw.urllib.request, "urlopen", mirror.urlopen)
    timeout = socket.getdefaulttimeout()
    _raw.download(dataset, tmp_path / "raw", "mnist")
    assert socket.getdefaulttimeout() == timeout
    assert set(mirror.timeouts) == {_raw.DOWNLOAD_TIMEOUT_S} and len(mirror.timeouts) == 8  # 4 files, 2 mirrors
    for name, blob in files.items():
        assert (tmp_path / "raw" / name.removesuffix(".gz")).read_bytes() == gzip.decompress(blob)
    damaged = SimpleNamespace(mirrors=["http://up/"], resources=[(next(iter(files)), "0" * 32)])
    with pytest.raises(convae.DataUnavailableError, match="does not have its published MD5"):
        _raw.download(damaged, tmp_path / "raw", "mnist")


def test_truncated_data_file_is_named_with_the_remedy(mnist_root):
    images = mnist_root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-16])  # an interrupted copy
    with pytest.raises(convae.DataUnavailableError,
                       match=r"train-images-idx3-ubyte is 156,800 bytes long, but its header announces "
                             r"\(200, 28, 28\).*truncated.*delete that file.*downloads it again"):
        convae.load_dataset("mnist", "train", mnist_root)
    assert len(convae.load_dataset("mnist", "test", mnist_root)) == SMALL_SIZES["test"]  # the other split is fine


def test_labels_that_do_not_fit_their_images_are_refused(mnist_root):
    labels = mnist_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    labels.write_bytes(idx_bytes(torch.zeros(99, dtype=torch.uint8), _raw.IDX_LABELS_MAGIC))
    with pytest.raises(convae.DataUnavailableError, match="holds 99 labels for the 100 images"):
        convae.load_dataset("mnist", "test", mnist_root)
    labels.write_bytes(idx_bytes(torch.full((100,), 12, dtype=torch.uint8), _raw.IDX_LABELS_MAGIC))
    with pytest.raises(convae.DataUnavailableError, match="the label 12, but mnist has only 10 classes"):
        convae.load_dataset("mnist", "test", mnist_root)


def test_a_data_root_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="data folder .*file is a file"):
        convae.load_dataset("mnist", "train", tmp_path / "file")


def test_unknown_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        convae.load_dataset("cifar", "train", tmp_path)
    with pytest.raises(ValueError, match="unknown split 'val'"):
        convae.load_dataset("mnist", "val", tmp_path)


def test_system_copy_is_checked_and_extracted(tmp_path):
    source = tmp_path / "debian"
    write_idx_split(source, "train", 30, compress=True)
    write_idx_split(source, "test", 20, compress=True)
    raw = tmp_path / "root" / "FashionMNIST" / "raw"
    _raw.extract_system_copy(source, raw, sizes={"train": 30, "test": 20})
    loaded = convae.load_dataset("fashion-mnist", "test", tmp_path / "root")
    assert loaded.images.shape == (20, 1, 28, 28) and loaded.classes[0] == "T-shirt/top"


def test_system_copy_with_wrong_counts_is_refused(tmp_path):
    source = tmp_path / "debian"
    write_idx_split(source, "train", 30, compress=True)
    write_idx_split(source, "test", 20, compress=True)
    with pytest.raises(convae.DataUnavailableError, match="60000 items.*dimensions \\(30, 28, 28\\).*--reinstall"):
        _raw.extract_system_copy(source, tmp_path / "raw")
    assert not (tmp_path / "raw" / "train-images-idx3-ubyte").exists()


def test_truncated_system_copy_is_refused_and_nothing_half_written(tmp_path):
    source = tmp_path / "debian"
    write_idx_split(source, "train", 30, compress=True)
    write_idx_split(source, "test", 20, compress=True)
    gz = source / "t10k-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:200])
    with pytest.raises(convae.DataUnavailableError, match="damaged.*--reinstall dataset-fashion-mnist"):
        _raw.extract_system_copy(source, tmp_path / "raw", sizes={"train": 30, "test": 20})
    extracted = sorted(path.name for path in (tmp_path / "raw").iterdir())
    assert extracted == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]  # whole files only


def test_idx_header_with_bad_magic_is_refused(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(b"".join(n.to_bytes(4, "big") for n in (2051, 5, 28, 28)))  # an images header
    with pytest.raises(ValueError, match="expected magic 2049.*found magic 2051"):
        _raw.check_idx_file(path, "labels", 5)
    path.write_bytes((2049).to_bytes(4, "big"))
    with pytest.raises(ValueError, match="ends inside its IDX header"):
        _raw.check_idx_file(path, "labels", 5)


@pytest.mark.skipif(not data.SYSTEM_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_full_fashion_mnist_offline(tmp_path):
    train = convae.load_dataset("fashion-mnist", "train", tmp_path)
    test = convae.load_dataset("fashion-mnist", "test", tmp_path)
    assert train.images.shape == (60_000, 1, 28, 28) and len(test) == 10_000
    assert torch.bincount(test.labels).tolist() == [1000] * 10


def test_batches_cover_the_set_once_in_a_seeded_order(tiny_mnist):
    train, _ = tiny_mnist
    def order(seed):
        g = torch.Generator().manual_seed(seed)
        return torch.cat([y for _, y in data.batches(train.images, train.labels, 64, generator=g)])
    first, again, other = order(0), order(0), order(1)
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(first.sort().values, train.labels.sort().values)
    sizes = [len(x) for x, _ in data.batches(train.images, train.labels, 64)]
    assert sizes == [64, 64, 64, 8]


def test_labelled_subset_is_balanced_and_reproducible(tiny_mnist):
    train, _ = tiny_mnist
    subset = convae.labelled_subset(train, per_class=5, seed=3)
    assert torch.bincount(subset.labels, minlength=10).tolist() == [5] * 10
    again = convae.labelled_subset(train, per_class=5, seed=3)
    assert torch.equal(subset.images, again.images)
    other = convae.labelled_subset(train, per_class=5, seed=4)
    assert not torch.equal(subset.images, other.images)
    with pytest.raises(ValueError, match="fewer than 50"):
        convae.labelled_subset(train, per_class=50)


def test_validation_split_is_disjoint(tiny_mnist):
    train, _ = tiny_mnist
    rest, val = convae.split_validation(train, 50, seed=0)
    assert len(rest) == 150 and len(val) == 50
    rows = {tuple(x.flatten()[:40].tolist()) for x in torch.cat([rest.images, val.images])}
    assert len(rows) == 200


def test_imageset_rejects_wrong_dtype_shape_and_range():
    labels = torch.zeros(2, dtype=torch.long)
    with pytest.raises(ValueError, match="float32.*uint8"):
        convae.ImageSet(torch.zeros(2, 1, 28, 28, dtype=torch.uint8), labels, [])
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\), got \(2, 28, 28\)"):
        convae.ImageSet(torch.zeros(2, 28, 28), labels, [])
    with pytest.raises(ValueError, match=r"values in \[0, 1\], got values from 0 to 255"):
        convae.ImageSet(torch.zeros(2, 1, 28, 28).index_fill_(0, torch.tensor([1]), 255.0), labels, [])
    with pytest.raises(ValueError, match=r"values in \[0, 1\], got values from nan"):
        convae.ImageSet(torch.full((2, 1, 28, 28), float("nan")), labels, [])
    with pytest.raises(ValueError, match=r"labels must lie in 0..1 .* from 0 to 5"):
        convae.ImageSet(torch.zeros(2, 1, 28, 28), torch.tensor([0, 5]), ["a", "b"])


def test_subsets_and_moves_are_not_checked_again(tiny_mnist, monkeypatch):
    train, _ = tiny_mnist

    def refuse(_self):
        raise AssertionError("checked again")

    monkeypatch.setattr(convae.ImageSet, "__post_init__", refuse)
    subset = train.subset(train.labels == 3)
    assert len(subset) == 20 and set(subset.labels.tolist()) == {3} and subset.classes == train.classes
    assert train.to("cpu") is train
    moved = subset.to("meta")  # a device without data: any pass over the pixels would fail
    assert moved.images.device.type == moved.labels.device.type == "meta" and len(moved) == 20


def test_batch_and_subset_sizes_are_checked(tiny_mnist):
    train, _ = tiny_mnist
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1, got 0"):
        next(data.batches(train.images, train.labels, 0))
    with pytest.raises(ValueError, match="per_class must be a whole number of at least 1, got 0"):
        convae.labelled_subset(train, per_class=0)
