"""Chapters 6 and 7's package parts: the train command's --noise and --holdout-class, the shipped weight
files' pinned hashes, and the chapter's figures."""

import matplotlib
import pytest
import torch

import convae
from convae import plots
from convae._internal.checkpoints import PRETRAINED
from convae._internal.cli import main
from convae._internal.runs import class_index

matplotlib.use("Agg")


def test_holdout_class_leaves_the_class_out_and_scores_it_apart(mnist_root, tmp_path, capsys):
    out = tmp_path / "without-3.pt"
    assert main(["train", "--dataset", "mnist", "--data-root", str(mnist_root), "--dry-run",
                 "--holdout-class", "3", "--out", str(out)]) == 0
    assert "held-out class 3 - three: test MSE" in capsys.readouterr().out
    metadata = convae.load_checkpoint(out).metadata
    train_labels = convae.load_dataset("mnist", "train", mnist_root).labels
    assert metadata["recipe"]["holdout_class"] == "3 - three"
    assert metadata["train_images"] == int((train_labels != 3).sum())
    assert set(metadata["holdout_test_metrics"]) == {"mse", "bce"}


def test_noise_is_passed_on_and_recorded(mnist_root, tmp_path, capsys):
    out = tmp_path / "denoising.pt"
    assert main(["train", "--dataset", "mnist", "--data-root", str(mnist_root), "--dry-run",
                 "--noise", "0.3", "--out", str(out)]) == 0
    assert convae.load_checkpoint(out).metadata["recipe"]["noise"] == 0.3
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "mnist", "--data-root", str(mnist_root), "--dry-run", "--noise", "-1"])
    assert "argument --noise" in capsys.readouterr().err


def test_class_index_takes_names_in_any_case_or_numbers():
    classes = ["T-shirt/top", "Trouser", "Ankle boot"]
    assert class_index(classes, "trouser") == 1 and class_index(classes, "ANKLE BOOT") == 2
    assert class_index(classes, "0") == 0
    for wrong in ("3", "sock"):
        with pytest.raises(ValueError, match="expected a number from 0 to 2 or one of"):
            class_index(classes, wrong)


def test_a_replaced_weights_file_is_refused(tmp_path, monkeypatch):
    name = sorted(PRETRAINED)[0]
    monkeypatch.setitem(PRETRAINED, name, (PRETRAINED[name][0], "0" * 64))
    with pytest.raises(convae.CheckpointError, match="altered or replaced"):
        convae.load_pretrained(name)


def test_plot_curves_draws_one_line_per_curve_on_log_axes():
    fig = plots.plot_curves({"PCA": ([2, 4, 8], [0.04, 0.03, 0.02]), "autoencoder": ([2, 4, 8], [0.03, 0.02, 0.015])},
                            "k", "test MSE", log_x=True, log_y=True)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["PCA", "autoencoder"]


def test_score_histograms_show_each_group_and_the_threshold():
    generator = torch.Generator().manual_seed(0)
    scores = {"normal": torch.rand(500, generator=generator) * 0.02 + 0.001,
              "held out": torch.rand(100, generator=generator) * 0.05 + 0.01}
    fig = plots.plot_score_histograms(scores, threshold=0.02)
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert sorted(labels) == ["held out (100)", "normal (500)", "threshold"]
    heights = [bar.get_height() for bar in ax.patches]  # 60 bars per group, in order
    assert abs(sum(heights[:60]) - 1) < 1e-5 and abs(sum(heights[60:]) - 1) < 1e-5  # shares of each group
    assert ax.get_xscale() == "log" and any(line.get_xdata()[0] == 0.02 for line in ax.lines)


def test_show_maps_centres_signed_maps_and_annotates_small_ones():
    signed = torch.tensor([[-1.0, 0.5], [0.2, 0.0]])
    fig = plots.show_maps([signed, torch.ones(28, 28)], ["signed", "large"], diverging=True, annotate=True)
    small, large = fig.axes[0], fig.axes[2]  # every map has its colour bar beside it
    assert small.images[0].get_clim() == (-1.0, 1.0)
    assert len(small.texts) == 4 and len(large.texts) == 0
