"""The figures the book shows: image grids, reconstructions, curves, latent maps, confusion matrices.

Every figure is drawn to be read at the book's column width: at most `COLUMN_INCHES` wide at `DPI`
(672 CSS pixels, the room a figure has inside its padding in a 1280-pixel-wide window), so the page
never scales it down, and no text in it is smaller than `SMALL_FONT` points (11.8 pixels, 74 % of
the 16-pixel body text).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

from .history import History
from .models import IMAGE_SHAPE

__all__ = [
    "COLUMN_INCHES", "DPI", "SMALL_FONT", "layer_shapes", "plot_confusion_matrix", "plot_curves", "plot_history",
    "plot_latent_map", "plot_latent_maps", "plot_score_histograms", "plot_tradeoff", "show_architecture",
    "show_feature_maps", "show_image_grid", "show_images", "show_maps", "show_reconstructions",
]

DPI = 100  # pixels per inch of the figures, matplotlib's default
COLUMN_INCHES = 6.72  # the book's figure width, 672 px at DPI
SMALL_FONT = 8.5  # points: the smallest text any figure draws
ROW_LABEL_INCHES = 1.6  # the margin an image grid keeps for its row names


def show_images(
    images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8, size: float = 1.2,
    suptitle: str | None = None,
) -> Figure:
    """A grid of (N, 1, H, W) or (N, H, W) images, grey on white, with optional titles."""
    images = images.detach().cpu().reshape(len(images), *images.shape[-2:])  # (N, H, W)
    nrows = max(1, -(-len(images) // ncols))
    ncols = min(ncols, len(images))
    size = min(size, COLUMN_INCHES / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if titles else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1 if images.max() <= 1 else None)
            if titles is not None:
                ax.set_title(titles[i], fontsize=SMALL_FONT)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_feature_maps(maps: torch.Tensor, title: str, ncols: int = 8) -> Figure:
    """The channels of one image's (C, H, W) feature maps, each scaled to its own range."""
    maps = maps.detach().cpu()  # (C, H, W)
    low = maps.amin(dim=(1, 2), keepdim=True)
    high = maps.amax(dim=(1, 2), keepdim=True)
    scaled = (maps - low) / (high - low).clamp_min(1e-8)  # (C, H, W) in [0, 1]
    return show_images(scaled, titles=[f"channel {c}" for c in range(len(maps))], ncols=ncols,
                       suptitle=f"{title}\n(each map scaled to its own range: white = its lowest, black = its highest)")


def show_reconstructions(
    originals: torch.Tensor, reconstructions: torch.Tensor, label: str = "reconstruction"
) -> Figure:
    """Originals on the top row, their reconstructions beneath, each row named on its left."""
    pairs = torch.cat([originals.detach().cpu(), reconstructions.detach().cpu()])  # (2N, 1, 28, 28)
    return show_image_grid(pairs, row_labels=["original", label])


def show_image_grid(
    images: torch.Tensor,
    row_labels: Sequence[str],
    column_labels: Sequence[str] | None = None,
    size: float = 1.0,
    title: str | None = None,
) -> Figure:
    """(R·C, 1, H, W) images in R rows, each row named on its left, each column named on top."""
    images = images.detach().cpu().reshape(-1, *images.shape[-2:])  # (R·C, H, W)
    nrows = len(row_labels)
    ncols = len(images) // nrows
    size = min(size, (COLUMN_INCHES - ROW_LABEL_INCHES) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols + ROW_LABEL_INCHES, size * nrows + 0.4),
                             squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    for row, label in enumerate(row_labels):
        axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    for col, label in enumerate(column_labels or []):
        axes[0, col].set_title(label, fontsize=SMALL_FONT)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(
    history: History, ylabel: str = "loss", learning_rates: Sequence[float] | None = None
) -> Figure:
    """The training loss of every step and the validation loss after each epoch, against the epoch; with
    `learning_rates` (one per step), the schedule on a second axis."""
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    steps_per_epoch = len(history.step_losses) / len(history)
    epochs = [(step + 1) / steps_per_epoch for step in range(len(history.step_losses))]
    ax.plot(epochs, history.step_losses, linewidth=0.6, alpha=0.6, label="training loss, each step")
    if "validation_loss" in history.last():
        ax.plot(history["epoch"], history["validation_loss"], marker="o", label="validation loss, after each epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if learning_rates is not None:
        lr_axis = ax.twinx()
        lr_axis.plot(epochs, learning_rates, color="grey", linestyle="--", label="learning rate")
        lr_axis.set_ylabel("learning rate")
        more_handles, more_labels = lr_axis.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels)
    fig.tight_layout()
    return fig


def plot_latent_map(
    points: torch.Tensor,
    labels: torch.Tensor,
    classes: Sequence[str],
    title: str,
    axis_labels: tuple[str, str] = ("component 1", "component 2"),
) -> Figure:
    """A scatter of (N, 2) points coloured by class, with a legend of class names on its right."""
    fig, ax = plt.subplots(figsize=(COLUMN_INCHES, 5.2))
    _scatter_classes(ax, points, labels, classes, title, axis_labels)
    ax.legend(markerscale=4, fontsize=SMALL_FONT, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    return fig


def plot_latent_maps(
    maps: dict[str, torch.Tensor],
    labels: torch.Tensor,
    classes: Sequence[str],
    axis_labels: Sequence[tuple[str, str]] | None = None,
    title: str | None = None,
) -> Figure:
    """Maps of the same images side by side, {title: (N, 2) points}, coloured by class, with one
    legend of class names beneath them; `axis_labels` gives each map's pair (default: components)."""
    fig, axes = plt.subplots(1, len(maps), figsize=(COLUMN_INCHES, 4.4), squeeze=False)
    pairs = axis_labels or [("component 1", "component 2")] * len(maps)
    for ax, (name, points), pair in zip(axes[0], maps.items(), pairs):
        _scatter_classes(ax, points, labels, classes, name, pair)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, markerscale=4, fontsize=SMALL_FONT, loc="lower center", ncol=5, frameon=False,
               columnspacing=1.0, handletextpad=0.2)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.13, 1, 1))
    return fig


def _scatter_classes(
    ax: plt.Axes, points: torch.Tensor, labels: torch.Tensor, classes: Sequence[str], title: str,
    axis_labels: tuple[str, str],
) -> None:
    """Draw (N, 2) `points` into `ax`, one colour per class of `labels`."""
    cmap = plt.get_cmap("tab10")
    for label, name in enumerate(classes):
        chosen = labels == label
        ax.scatter(points[chosen, 0], points[chosen, 1], s=3, color=cmap(label), label=name, alpha=0.6)
    ax.set_title(title)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])


def plot_confusion_matrix(counts: torch.Tensor, classes: Sequence[str], title: str = "confusion matrix") -> Figure:
    """Rows are true classes, columns predicted ones; each row shown as fractions."""
    fractions = counts.float() / counts.sum(dim=1, keepdim=True).clamp_min(1)  # (K, K)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=SMALL_FONT)
    ax.set_yticks(range(len(classes)), classes, fontsize=SMALL_FONT)
    for (row, col), value in zip(torch.cartesian_prod(torch.arange(len(classes)), torch.arange(len(classes))).tolist(),
                                 fractions.flatten().tolist()):
        if value >= 0.01:
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=SMALL_FONT,
                    color="white" if value > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def plot_curves(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str,
    log_x: bool = False, log_y: bool = False, title: str | None = None, markers: bool = True,
) -> Figure:
    """One line per name, with a marker at each point unless `markers` is False:
    {name: (x values, y values)}."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, (xs, ys) in curves.items():
        ax.plot(xs, ys, marker="o" if markers else None, label=name)
    if log_x:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(plt.ScalarFormatter())
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_tradeoff(
    points: dict[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str,
    title: str | None = None,
) -> Figure:
    """One group of points per name, {name: (x values, y values)}, each group its own colour and
    marker: e.g. one point per seed of each model."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for index, (name, (xs, ys)) in enumerate(points.items()):
        ax.scatter(xs, ys, s=40, marker="osD^vP*"[index % 7], label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=SMALL_FONT, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    return fig


def plot_score_histograms(
    scores: dict[str, torch.Tensor], threshold: float | None = None, title: str | None = None, bins: int = 60,
) -> Figure:
    """Overlaid histograms of scores, one per group, on a log x axis, with a threshold line.

    Each bar is the share of its group in that bin, so groups of different sizes compare directly.
    """
    fig, ax = plt.subplots(figsize=(6, 3.2))
    values = torch.cat([s.flatten() for s in scores.values()])
    edges = torch.logspace(values.min().log10().item(), values.max().log10().item(), bins + 1)
    edges[0], edges[-1] = values.min(), values.max()  # exactly: rounding must not drop the extremes
    for name, group in scores.items():
        group = group.flatten()
        ax.hist(group.numpy(), bins=edges.numpy(), weights=torch.full_like(group, 1 / len(group)).numpy(),
                alpha=0.5, label=f"{name} ({len(group):,})")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label="threshold")
    ax.set_xscale("log")
    ax.set_xlabel("reconstruction error (MSE)")
    ax.set_ylabel("share of the group")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=SMALL_FONT)
    fig.tight_layout()
    return fig


ANNOTATE_MAX_SIDE = 12


def show_maps(
    maps: Sequence[torch.Tensor], titles: Sequence[str], diverging: bool = False, annotate: bool = False,
    size: float = 2.6,
) -> Figure:
    """2-D maps of numbers side by side, each with its colour bar.

    `diverging` centres a red-blue scale on zero (for signed values); `annotate` writes each value in
    its cell, on maps of at most ANNOTATE_MAX_SIDE pixels a side (larger ones would be unreadable).
    """
    size = min(size, (COLUMN_INCHES - 0.9) / len(maps))  # room for the colour bars' labels
    fig, axes = plt.subplots(1, len(maps), figsize=(size * len(maps) + 0.6, size), squeeze=False)
    for values, title, ax in zip(maps, titles, axes[0]):
        values = values.detach().cpu().reshape(values.shape[-2:])  # (H, W)
        if diverging:
            limit = values.abs().max().item()
            image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            image = ax.imshow(values, cmap="viridis")
        if annotate and max(values.shape) <= ANNOTATE_MAX_SIDE:
            for (row, col), value in zip(torch.cartesian_prod(torch.arange(values.shape[0]),
                                                              torch.arange(values.shape[1])).tolist(),
                                         values.flatten().tolist()):
                bright = value > (values.min() + values.max()).item() / 2  # light cells get dark text
                ax.text(col, row, f"{value:g}", ha="center", va="center", fontsize=SMALL_FONT,
                        color="black" if bright else "white")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def layer_shapes(model: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    """(name, output shape without the batch) of each layer of `model`, in the order a (1, 1, 28, 28)
    image passes through them; an activation is named with the layer before it ("conv1 + ReLU")."""
    shapes = [("input", IMAGE_SHAPE)]

    def record(name: str, module: nn.Module, output: torch.Tensor) -> None:
        if isinstance(module, (nn.ReLU, nn.Sigmoid)):  # same shape: fold it into the layer before
            shapes[-1] = (f"{shapes[-1][0]} + {type(module).__name__}", shapes[-1][1])
        else:
            short = name.split(".")[-1]  # "conv1"; both halves have an "fc": keep "encoder.fc"
            shapes.append((name if short == "fc" else short, tuple(output.shape[1:])))

    hooks = [module.register_forward_hook(lambda m, _, out, name=name: record(name, m, out))
             for name, module in model.named_modules() if not list(module.children())]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *IMAGE_SHAPE))
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def show_architecture(model: nn.Module, title: str = "") -> Figure:
    """Each layer of `model` as a bar, top to bottom in the order an image passes through them, drawn
    as wide as its output is (a code as a thin bar), with its name and output shape beside it: the
    encoder in blue, the code in green, the decoder in orange."""
    shapes = layer_shapes(model)
    parts = {"encoder": "tab:blue", "code": "tab:green", "decoder": "tab:orange"}
    fig, ax = plt.subplots(figsize=(5.6, 0.42 * len(shapes) + 0.5))
    in_decoder = False
    for row, (name, shape) in enumerate(shapes):
        in_decoder = in_decoder or (row > 0 and len(shapes[row - 1][1]) == 1 and len(shape) == 1)
        width = 2.4 * shape[-1] / IMAGE_SHAPE[-1] if len(shape) == 3 else 0.1  # spatial side, or a thin bar
        part = "decoder" if in_decoder else "code" if len(shape) == 1 else "encoder"
        ax.add_patch(Rectangle((-width / 2, -row - 0.32), width, 0.64, color=parts[part], alpha=0.6))
        ax.text(1.45, -row, name, ha="left", va="center", fontsize=10)
        ax.text(3.9, -row, " × ".join(map(str, shape)), ha="left", va="center", fontsize=10)
    ax.plot([0, 0], [0, 1 - len(shapes)], color="grey", linewidth=0.8, zorder=0)  # the image's path
    ax.text(1.45, 0.9, "layer", ha="left", va="center", fontsize=10, weight="bold")
    ax.text(3.9, 0.9, "output shape", ha="left", va="center", fontsize=10, weight="bold")
    ax.legend(handles=[Rectangle((0, 0), 1, 1, color=colour, alpha=0.6) for colour in parts.values()],
              labels=list(parts), loc="upper left", bbox_to_anchor=(0, 0), ncol=3, frameon=False, fontsize=10)
    ax.set_xlim(-1.3, 5.6)
    ax.set_ylim(0.5 - len(shapes), 1.3)
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
