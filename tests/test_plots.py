"""The architecture figure follows the model: its shapes come from a forward pass."""

import matplotlib

matplotlib.use("Agg")

import convae  # noqa: E402
from convae import plots  # noqa: E402


def test_layer_shapes_follow_a_forward_pass_and_fold_activations_in():
    assert plots.layer_shapes(convae.Autoencoder(latent_dim=12)) == [
        ("input", (1, 28, 28)), ("conv1 + ReLU", (16, 24, 24)), ("pool", (16, 12, 12)),
        ("conv2 + ReLU", (32, 12, 12)), ("pool", (32, 6, 6)), ("conv3 + ReLU", (64, 3, 3)),
        ("encoder.fc", (12,)), ("decoder.fc", (576,)), ("deconv1 + ReLU", (32, 6, 6)),
        ("deconv2 + ReLU", (16, 12, 12)), ("deconv3 + Sigmoid", (1, 28, 28)),
    ]
    assert plots.layer_shapes(convae.Encoder(latent_dim=3))[-1] == ("fc", (3,))


def test_the_architecture_figure_has_a_box_and_a_label_per_layer():
    fig = plots.show_architecture(convae.Autoencoder(latent_dim=5))
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.texts]
    assert len(ax.patches) == len(labels) == 11
    assert "encoder.fc\n5" in labels and "deconv3 + Sigmoid\n1×28×28" in labels
    colours = [patch.get_facecolor()[:3] for patch in ax.patches]
    assert colours[1] == colours[5] != colours[6] != colours[7] == colours[10]  # encoder, code, decoder
