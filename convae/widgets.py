"""Interactive widgets for Jupyter and Colab (they need a running kernel)."""

from __future__ import annotations

import torch

from .models import Decoder

__all__ = [
    "latent_explorer", "latent_ranges",
]


def latent_ranges(codes: torch.Tensor, quantile: float = 0.01) -> list[tuple[float, float]]:
    """Per-dimension (low, high) covering the central 98 % of the (N, latent_dim) codes."""
    low = torch.quantile(codes, quantile, dim=0)
    high = torch.quantile(codes, 1 - quantile, dim=0)
    return list(zip(low.tolist(), high.tolist()))


def latent_explorer(decoder: Decoder, codes: torch.Tensor, start: torch.Tensor | None = None):
    """One slider per latent dimension and the decoded image, updated as the sliders move.

    `codes` (N, latent_dim) sets each slider's range; `start` (latent_dim,) its initial position
    (default: the mean code).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    start = codes.mean(dim=0) if start is None else start
    sliders = [
        widgets.FloatSlider(value=float(start[i]), min=low, max=high, step=(high - low) / 100,
                            description=f"z[{i}]", continuous_update=True, readout_format=".2f")
        for i, (low, high) in enumerate(latent_ranges(codes))
    ]
    output = widgets.Output()

    def redraw(_change=None) -> None:
        z = torch.tensor([[s.value for s in sliders]])  # (1, latent_dim)
        with torch.no_grad():
            image = decoder(z)[0, 0].numpy()  # (28, 28)
        with output:
            output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(3, 3))
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
            plt.show()

    for slider in sliders:
        slider.observe(redraw, names="value")
    redraw()
    return widgets.HBox([widgets.VBox(sliders), output])
