"""convae's networks against the specification's own classes, plus shapes and input checks."""

import helpers.spec_models as spec
import pytest
import torch

import convae
from convae import models
from convae.models import count_parameters

PAIRS = [
    (spec.Encoder, lambda: convae.Encoder(12), torch.rand(4, 1, 28, 28)),
    (spec.Decoder, lambda: convae.Decoder(12), torch.randn(4, 12)),
    (spec.Autoencoder, lambda: convae.Autoencoder(latent_dim=12), torch.rand(4, 1, 28, 28)),
    (spec.Classifier, lambda: convae.Classifier(latent_dim=12, num_classes=10), torch.rand(4, 1, 28, 28)),
]


@pytest.mark.parametrize("spec_class, make_ours, x", PAIRS, ids=lambda p: getattr(p, "__name__", ""))
def test_state_dicts_match_and_load_both_ways(spec_class, make_ours, x):
    torch.manual_seed(0)
    theirs, ours = spec_class(), make_ours()
    assert {k: v.shape for k, v in theirs.state_dict().items()} == {k: v.shape for k, v in ours.state_dict().items()}
    ours.load_state_dict(theirs.state_dict(), strict=True)
    torch.testing.assert_close(ours(x), theirs(x))  # the same arithmetic; tolerances only for its order
    torch.manual_seed(1)
    ours_again = make_ours()
    theirs.load_state_dict(ours_again.state_dict(), strict=True)
    torch.testing.assert_close(ours_again(x), theirs(x))


def test_parameter_counts_match_the_design():
    assert count_parameters(convae.Encoder()) == 30_476
    assert count_parameters(convae.Decoder()) == 30_977
    assert count_parameters(convae.Autoencoder()) == 61_453


@pytest.mark.parametrize("latent_dim", [2, 12, 32])
def test_shapes_follow_latent_dim(latent_dim):
    model = convae.Autoencoder(latent_dim=latent_dim)
    x = torch.rand(3, 1, 28, 28)
    assert model.encoder(x).shape == (3, latent_dim)
    assert model(x).shape == (3, 1, 28, 28)
    classifier = convae.Classifier(latent_dim=latent_dim, num_classes=7)
    assert classifier(x).shape == (3, 7)


@pytest.mark.parametrize("shape", [(2, 3, 28, 28), (2, 1, 32, 32), (1, 28, 28)])
def test_encoder_rejects_wrong_shapes(shape):
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\).*" + r"\(" + ", ".join(map(str, shape))):
        convae.Encoder()(torch.rand(*shape))


def test_encoder_rejects_integer_images():
    with pytest.raises(ValueError, match="floating-point.*uint8"):
        convae.Encoder()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))


def test_decoder_rejects_latent_of_wrong_size():
    with pytest.raises(ValueError, match=r"\(B, 12\).*\(5, 16\)"):
        convae.Decoder(12)(torch.randn(5, 16))


def test_classifier_uses_the_given_encoder_and_checks_its_size():
    encoder = convae.Encoder(12)
    assert convae.Classifier(latent_dim=12, tuning_encoder=encoder).encoder is encoder
    with pytest.raises(ValueError, match="latent_dim 12.*latent_dim 8"):
        convae.Classifier(latent_dim=8, tuning_encoder=encoder)


@pytest.mark.parametrize("make", [lambda: convae.Encoder(0), lambda: convae.Decoder(2.5),
                                  lambda: convae.Autoencoder(latent_dim=-3), lambda: convae.Classifier(num_classes=0)])
def test_sizes_must_be_whole_numbers_of_at_least_one(make):
    wrong = r"(latent_dim|num_classes) must be a whole number of at least 1, got (0|2\.5|-3)"
    with pytest.raises(ValueError, match=wrong):
        make()


def test_an_autoencoder_checks_its_input_once(monkeypatch):
    checked = []
    original = models._check_batch

    def counting(x, expected, what):
        checked.append(what)
        original(x, expected, what)

    monkeypatch.setattr(models, "_check_batch", counting)
    convae.Autoencoder()(torch.rand(2, 1, 28, 28))
    assert checked == ["Encoder"]
    convae.Decoder()(torch.rand(2, 12))
    assert checked == ["Encoder", "Decoder"]  # on its own, a Decoder checks its codes
