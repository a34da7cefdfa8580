"""The figures the book shows: image grids, reconstructions, curves, latent maps, confusion matrices."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from .train import History


def show_images(
    images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8, size: float = 1.2,
    suptitle: str | None = None,
) -> Figure:
    """A grid of (N, 1, H, W) or (N, H, W) images, grey on white, with optional titles."""
    images = images.detach().cpu().reshape(len(images), *images.shape[-2:])  # (N, H, W)
    nrows = max(1, -(-len(images) // ncols))
    ncols = min(ncols, len(images))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if titles else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1 if images.max() <= 1 else None)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
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
    return show_images(scaled, titles=[f"channel {c}" for c in range(len(maps))], ncols=ncols, suptitle=title)


def show_reconstructions(
    originals: torch.Tensor, reconstructions: torch.Tensor, label: str = "reconstruction"
) -> Figure:
    """Originals on the top row, their reconstructions beneath."""
    n = len(originals)
    pairs = torch.cat([originals.detach().cpu(), reconstructions.detach().cpu()])  # (2N, 1, 28, 28)
    fig = show_images(pairs, ncols=n)
    fig.axes[0].set_title("original", fontsize=8, loc="left")
    fig.axes[n].set_title(label, fontsize=8, loc="left")
    return fig


def plot_history(history: History, keys: Sequence[str] = ("train_loss", "test_loss"), ylabel: str = "loss") -> Figure:
    """Curves of the history's columns against the epoch."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        ax.plot(history["epoch"], history[key], marker="o", label=key.replace("_", " "))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_latent_map(points: torch.Tensor, labels: torch.Tensor, classes: Sequence[str], title: str) -> Figure:
    """A scatter of (N, 2) points coloured by class, with a legend of class names."""
    fig, ax = plt.subplots(figsize=(7, 6))
    cmap = plt.get_cmap("tab10")
    for label, name in enumerate(classes):
        chosen = labels == label
        ax.scatter(points[chosen, 0], points[chosen, 1], s=3, color=cmap(label), label=name, alpha=0.6)
    ax.set_title(title)
    ax.legend(markerscale=4, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_confusion_matrix(counts: torch.Tensor, classes: Sequence[str], title: str = "confusion matrix") -> Figure:
    """Rows are true classes, columns predicted ones; each row shown as fractions."""
    fractions = counts.float() / counts.sum(dim=1, keepdim=True).clamp_min(1)  # (K, K)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    for (row, col), value in zip(torch.cartesian_prod(torch.arange(len(classes)), torch.arange(len(classes))).tolist(),
                                 fractions.flatten().tolist()):
        if value >= 0.01:
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if value > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig
