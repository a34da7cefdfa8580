"""Every chapter runs top to bottom with its switch set to `DATASET = "mnist"`, offline.

MNIST is stood in for by Fashion-MNIST's 70,000 images and labels written as MNIST's IDX files in a
temporary data folder ($CONVAE_DATA): the same format, sizes and class count, so each chapter takes
its MNIST path (no shipped weights: an autoencoder trained once, then kept in that folder) without a
network. A chapter set to MNIST must not load the shipped weights, which are Fashion-MNIST's.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import torch
from helpers.notebook_run import CHAPTERS, execute, replace_once

from conftest import idx_bytes, skip_unless_ci
from convae._internal.raw import (
    DATA_ENV_VAR,
    IDX_FILES,
    IDX_IMAGES_MAGIC,
    IDX_LABELS_MAGIC,
    SPLIT_SIZES,
    DataUnavailableError,
    check_idx_file,
)
from convae.data import load_dataset

SWITCH, SWITCHED = 'DATASET = "fashion-mnist"', 'DATASET = "mnist"'
GUARD = '''\
# Prepended by tests/chapters/test_mnist_switch.py: with the switch set to MNIST, a chapter that loads the
# shipped Fashion-MNIST weights has not followed the switch.
import convae._internal.checkpoints

_pretrained_path = convae._internal.checkpoints.pretrained_path


def _refuse_shipped_weights(name="fashion-mnist"):
    if name in convae._internal.checkpoints.PRETRAINED and name.startswith("fashion-mnist"):
        raise AssertionError(f"the chapter loads the shipped {name!r} weights although DATASET is 'mnist'; "
                             "use convae.load_or_train_autoencoder(DATASET)")
    return _pretrained_path(name)  # a name that ships nothing: the usual error


convae._internal.checkpoints.pretrained_path = _refuse_shipped_weights
'''


@pytest.fixture(scope="module")
def stand_in_mnist(tmp_path_factory) -> Path:
    """A data folder whose MNIST/raw/ holds all of Fashion-MNIST as MNIST's four IDX files."""
    root = tmp_path_factory.mktemp("convae-data")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split, (images_name, labels_name) in IDX_FILES.items():
        try:
            fashion = load_dataset("fashion-mnist", split)
        except DataUnavailableError as error:
            skip_unless_ci(f"Fashion-MNIST, the stand-in's source, is not available: {error}")
        images = fashion.images.squeeze(1).mul(255).round().to(torch.uint8)  # (N, 28, 28): the original bytes
        (raw / images_name).write_bytes(idx_bytes(images, IDX_IMAGES_MAGIC))
        (raw / labels_name).write_bytes(idx_bytes(fashion.labels.to(torch.uint8), IDX_LABELS_MAGIC))
        assert check_idx_file(raw / images_name, "images", SPLIT_SIZES[split]) == SPLIT_SIZES[split]
        assert check_idx_file(raw / labels_name, "labels", SPLIT_SIZES[split]) == SPLIT_SIZES[split]
    return root


def switched_to_mnist(chapter: Path) -> nbformat.NotebookNode:
    """The chapter with its one switch line set to MNIST, after a cell that refuses the shipped weights."""
    notebook = nbformat.read(chapter, as_version=4)
    assert replace_once(notebook, SWITCH, SWITCHED, chapter.name) == 1, f"{chapter.name} does not set {SWITCH}"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(GUARD))
    return notebook


def test_the_stand_in_is_read_as_mnist(stand_in_mnist):
    test_set = load_dataset("mnist", "test", stand_in_mnist)
    assert test_set.name == "mnist" and test_set.classes[0] == "0 - zero"
    assert test_set.images.shape == (SPLIT_SIZES["test"], 1, 28, 28)
    assert torch.equal(test_set.images, load_dataset("fashion-mnist", "test").images)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_runs_with_the_switch_set_to_mnist(chapter, stand_in_mnist, tmp_path, record_property):
    notebook = switched_to_mnist(chapter)
    seconds, failure = execute(notebook, tmp_path, {DATA_ENV_VAR: str(stand_in_mnist)})
    record_property("seconds", round(seconds, 1))
    if failure is not None:
        pytest.fail(f"{chapter.name} with {SWITCHED} stopped after {seconds:.0f} s:\n{failure}", pytrace=False)
    print(f"{chapter.name} with {SWITCHED}: {seconds:.0f} s")
