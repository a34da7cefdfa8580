"""Chapter 5's four ways on tiny budgets: each trains what it says and leaves the rest alone."""

import copy

import pytest
import torch

import convae
from convae import transfer

BUDGET = {"steps": 5, "batch_size": 16, "seed": 0}


@pytest.fixture
def pretrained():
    convae.seed_everything(0)
    return convae.Autoencoder(latent_dim=4)


def test_from_scratch_learns_the_tiny_task(tiny_mnist):
    train, test = tiny_mnist
    model, history = transfer.from_scratch(train, latent_dim=12, lr=3e-3, augment=False, steps=56, batch_size=32,
                                           seed=0, validation=test)
    assert len(history) == 8 and history["epoch"][-1] == 8  # 7 steps an epoch
    assert history.last()["validation_accuracy"] == convae.evaluate_classifier(model, test)["accuracy"]
    assert history.last()["validation_accuracy"] > 0.5  # chance is 0.1


def test_the_frozen_encoder_stays_put_and_the_head_moves(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    torch.manual_seed(BUDGET["seed"])
    start = convae.Classifier(4, tuning_encoder=copy.deepcopy(pretrained.encoder))  # the weights it starts from
    for augment in (False, True):  # codes computed once, or images through the fixed encoder
        model, _ = transfer.frozen_encoder(pretrained, train, lr=1e-2, augment=augment, **BUDGET)
        for name, tensor in model.encoder.state_dict().items():
            assert torch.equal(tensor, pretrained.encoder.state_dict()[name]), name
        assert not torch.equal(model.fc1.weight, start.fc1.weight)
        assert model.encoder is not pretrained.encoder  # a copy: the pretrained model is left as it was


def test_fine_tuning_gives_the_encoder_its_own_learning_rate(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    model, _ = transfer.fine_tuned(pretrained, train, lr=1e-2, encoder_lr=0.0, augment=False, **BUDGET)
    for name, tensor in model.encoder.state_dict().items():
        assert torch.equal(tensor, pretrained.encoder.state_dict()[name]), name  # steps of size 0
    moved, _ = transfer.fine_tuned(pretrained, train, lr=1e-2, encoder_lr=1e-2, augment=False, **BUDGET)
    assert not torch.equal(moved.encoder.conv1.weight, pretrained.encoder.conv1.weight)


def test_semi_supervised_trains_the_decoder_only_on_a_copy(tiny_mnist, pretrained):
    train, test = tiny_mnist
    decoder_before = {k: v.clone() for k, v in pretrained.decoder.state_dict().items()}
    model, _ = transfer.semi_supervised(pretrained, train.subset(torch.arange(20)), train, lr=1e-2, encoder_lr=1e-2,
                                        reconstruction_weight=10.0, augment=False, **BUDGET)
    for name, tensor in pretrained.decoder.state_dict().items():
        assert torch.equal(tensor, decoder_before[name]), name
    assert not torch.equal(model.encoder.conv1.weight, pretrained.encoder.conv1.weight)


def test_every_way_on_the_same_labels(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    settings = {"from scratch": {"lr": 1e-3, "augment": False}, "frozen encoder": {"lr": 1e-3, "augment": False},
                "fine-tuned": {"lr": 1e-3, "encoder_lr": 1e-4, "augment": False},
                "semi-supervised": {"lr": 1e-3, "encoder_lr": 1e-4, "augment": False, "reconstruction_weight": 1.0}}
    models = transfer.train_every_way(pretrained, train, train, settings, **BUDGET)
    assert list(models) == list(transfer.METHODS)
    assert all(isinstance(m, convae.Classifier) and m.fc2.weight.device.type == "cpu" for m in models.values())


def images_seen(train, augment: bool) -> torch.Tensor:
    """Every image batch the classifier receives while it trains, as one (N, 784) tensor."""
    seen = []
    original = convae.Classifier.forward

    def spy(self, x):
        seen.append(x.detach().reshape(-1, 784))
        return original(self, x)

    convae.Classifier.forward = spy
    try:
        transfer.from_scratch(train, latent_dim=4, lr=1e-3, augment=augment, steps=4, batch_size=16, seed=0)
    finally:
        convae.Classifier.forward = original
    return torch.cat(seen)


def test_augment_changes_the_images_the_model_sees(tiny_mnist):
    train, _ = tiny_mnist
    originals = train.images.reshape(-1, 784)  # (200, 784)

    def share_of_originals(seen: torch.Tensor) -> float:
        return (seen[:, None, :] == originals[None]).all(dim=2).any(dim=1).float().mean().item()

    plain, augmented = images_seen(train, augment=False), images_seen(train, augment=True)
    assert plain.shape == augmented.shape == (64, 784)
    assert share_of_originals(plain) == 1.0
    assert share_of_originals(augmented) < 0.25  # only a zero shift without a flip (1 in 50) leaves one as it was
    assert 0 <= augmented.min() and augmented.max() <= 1


def test_shift_and_flip_moves_pixels_within_two():
    image = torch.zeros(1, 1, 28, 28)
    image[0, 0, 10, 5] = 1.0
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        out = convae.shift_and_flip(image, generator)
        assert out.shape == (1, 1, 28, 28) and out.sum() == 1
        row, col = torch.nonzero(out[0, 0])[0].tolist()
        assert abs(row - 10) <= 2 and (abs(col - 5) <= 2 or abs(col - 22) <= 2)


@pytest.mark.parametrize("budget, message", [
    ({"steps": 0, "batch_size": 16}, "steps must be a whole number of at least 1, got 0"),
    ({"steps": 2, "batch_size": 0}, "batch_size must be a whole number of at least 1, got 0"),
])
def test_budgets_are_checked_before_training(tiny_mnist, budget, message):
    train, _ = tiny_mnist
    with pytest.raises(ValueError, match=message):
        transfer.from_scratch(train, latent_dim=4, lr=1e-3, augment=False, seed=0, **budget)


def test_logistic_regression_fits_separable_features():
    torch.manual_seed(0)
    features = torch.randn(200, 5)
    labels = (features[:, 0] > 0).long()
    probe = transfer.fit_logistic_regression(features, labels, weight_decay=1e-4, num_classes=2)
    assert transfer.probe_accuracy(probe, features, labels) > 0.95


def test_principal_components_are_orthonormal_and_ordered(tiny_mnist):
    train, _ = tiny_mnist
    mean, components = transfer.principal_components(train.images, 5)  # (784,), (5, 784)
    assert mean.shape == (784,) and components.shape == (5, 784)
    assert torch.allclose(components @ components.T, torch.eye(5), atol=1e-4)
    centred = train.images.flatten(1) - mean
    variances = (centred @ components.T).var(dim=0)
    assert (variances[:-1] >= variances[1:] - 1e-6).all()
