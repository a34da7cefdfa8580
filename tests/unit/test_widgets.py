"""The latent explorer and the notebook progress bars, under ipywidgets 8 and Colab's 7.7.1.

The same tests run twice: here, with the main environment's ipywidgets 8, and in the Colab-like
environment (ipywidgets 7.7.1), where tests/chapters/test_colab.py runs this module again.
"""

from __future__ import annotations

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from convae.models import Decoder
from convae.widgets import latent_explorer

LATENT_DIM = 4


@pytest.fixture(autouse=True)
def offscreen_figures():
    """Figures drawn off-screen (plt.show() returns at once), none left behind."""
    plt.switch_backend("Agg")
    plt.close("all")
    yield
    plt.close("all")


def shown_image() -> np.ndarray:
    """The (28, 28) image of the figure drawn last."""
    return np.asarray(plt.gcf().axes[0].images[0].get_array())


def test_latent_explorer_redraws_the_decoded_image_when_a_slider_moves():
    torch.manual_seed(0)
    decoder = Decoder(latent_dim=LATENT_DIM).eval()
    codes = torch.randn(64, LATENT_DIM)  # (N, latent_dim)
    explorer = latent_explorer(decoder, codes)
    sliders = explorer.children[0].children
    assert [s.description for s in sliders] == [f"z[{i}]" for i in range(LATENT_DIM)]
    assert isinstance(explorer.children[1], ipywidgets.Output)
    first = shown_image()

    sliders[1].value = sliders[1].max
    second = shown_image()
    assert len(plt.get_fignums()) == 2, "one figure at start, one more after the slider moved"
    with torch.no_grad():
        expected = decoder(torch.tensor([[s.value for s in sliders]]))[0, 0]  # (28, 28)
    np.testing.assert_allclose(second, expected.numpy(), atol=1e-6)
    assert np.abs(second - first).max() > 1e-3, "moving a slider to its end should change the image"


def test_notebook_progress_bar_counts():
    from tqdm.notebook import tqdm  # the bar tqdm.auto picks in Jupyter and Colab

    with tqdm(total=5, desc="steps") as bar:
        bar.update(3)
        bar.refresh()
        progress = bar.container.children[1]
        assert isinstance(progress, ipywidgets.FloatProgress)
        assert (progress.value, progress.max) == (3, 5)
