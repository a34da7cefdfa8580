"""The architecture figure follows the model (its shapes come from a forward pass), and every kind of
figure reads at the book's column width."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from helpers.figure_audit import COLUMN_PX, draw  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import convae  # noqa: E402
from convae import plots  # noqa: E402
from convae.history import History  # noqa: E402


def test_layer_shapes_follow_a_forward_pass_and_fold_activations_in():
    assert plots.layer_shapes(convae.Autoencoder(latent_dim=12)) == [
        ("input", (1, 28, 28)), ("conv1 + ReLU", (16, 24, 24)), ("pool", (16, 12, 12)),
        ("conv2 + ReLU", (32, 12, 12)), ("pool", (32, 6, 6)), ("conv3 + ReLU", (64, 3, 3)),
        ("encoder.fc", (12,)), ("decoder.fc", (576,)), ("deconv1 + ReLU", (32, 6, 6)),
        ("deconv2 + ReLU", (16, 12, 12)), ("deconv3 + Sigmoid", (1, 28, 28)),
    ]
    assert plots.layer_shapes(convae.Encoder(latent_dim=3))[-1] == ("fc", (3,))


def test_the_architecture_figure_has_a_bar_a_name_and_a_shape_per_layer():
    fig = plots.show_architecture(convae.Autoencoder(latent_dim=5))
    ax = fig.axes[0]
    rows: dict[float, list[str]] = {}
    for text in ax.texts:
        rows.setdefault(text.get_position()[1], []).append(text.get_text())
    assert len(ax.patches) == len(rows) - 1 == 11  # one row of headings
    assert rows[-6] == ["encoder.fc", "5"] and rows[-10] == ["deconv3 + Sigmoid", "1 × 28 × 28"]
    colours = [patch.get_facecolor()[:3] for patch in ax.patches]
    assert colours[1] == colours[5] != colours[6] != colours[7] == colours[10]  # encoder, code, decoder


def figures_of_every_kind() -> dict[str, Figure]:
    """One figure from each plotting function, drawn from small made-up data the size the book's is."""
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(20, 1, 28, 28, generator=generator)
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    labels = torch.arange(500) % 10
    history = History()
    for epoch in (1, 2):
        history.append({"epoch": epoch, "validation_loss": 0.02 / epoch})
    history.step_losses.extend(torch.linspace(0.1, 0.01, 40).tolist())
    points = {"PCA": ([1, 2, 4, 8], [0.05, 0.04, 0.03, 0.02]), "autoencoder, 6 epochs": ([1, 2, 4, 8], [0.04] * 4)}
    return {
        "images": plots.show_images(images[:16], titles=[classes[i % 10] for i in range(16)]),
        "feature maps": plots.show_feature_maps(torch.rand(16, 24, 24, generator=generator), "conv1 + ReLU"),
        "reconstructions": plots.show_reconstructions(images[:10], images[10:]),
        "grid": plots.show_image_grid(torch.rand(225, 1, 28, 28, generator=generator),
                                      [f"z2 = {v:.1f}" for v in torch.linspace(1.6, -1.6, 15).tolist()],
                                      [f"{v:.1f}" for v in torch.linspace(-1.6, 1.6, 15).tolist()], size=0.6),
        "history": plots.plot_history(history, learning_rates=torch.linspace(0, 1, 40).tolist()),
        "map": plots.plot_latent_map(torch.randn(500, 2, generator=generator), labels, classes, "codes"),
        "maps": plots.plot_latent_maps({"codes": torch.randn(500, 2, generator=generator),
                                        "pixels": torch.randn(500, 2, generator=generator)}, labels, classes),
        "confusion": plots.plot_confusion_matrix(torch.randint(0, 100, (10, 10), generator=generator), classes),
        "curves": plots.plot_curves(points, "code size", "test MSE", log_x=True),
        "tradeoff": plots.plot_tradeoff(points, "code size", "test MSE"),
        "histograms": plots.plot_score_histograms({"normal": torch.rand(900, generator=generator) + 0.01,
                                                   "anomalous": torch.rand(100, generator=generator) + 0.02}, 0.5),
        "annotated maps": plots.show_maps([torch.ones(6, 6), torch.ones(12, 12), torch.ones(28, 28)],
                                          ["deconv1: stamps per pixel", "deconv2", "deconv3"], annotate=True),
        "architecture": plots.show_architecture(convae.Autoencoder(latent_dim=12)),
    }


def test_every_kind_of_figure_reads_at_the_column_width():
    drawn = {name: draw(fig) for name, fig in figures_of_every_kind().items()}
    plt.close("all")
    illegible = {name: d.describe() for name, d in drawn.items() if not d.legible()}
    assert not illegible, illegible
    too_wide = {name: d.width_px for name, d in drawn.items() if d.width_px > COLUMN_PX}
    assert not too_wide, f"figures wider than the column ({COLUMN_PX} px) are scaled down: {too_wide}"


def test_the_audit_finds_small_text_and_wide_figures():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("fine")
    assert draw(fig).legible()
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    assert not draw(fig).legible()  # 6 pt at 100 dpi: 8.3 px
    wide, ax = plt.subplots(figsize=(12, 3))
    ax.set_title("scaled down")  # 12 pt, but the image is scaled to 688 / ~1200 of its size
    assert not draw(wide).legible()
    plt.close("all")
