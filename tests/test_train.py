"""Training loops on tiny budgets: they learn, they are reproducible, freezing freezes."""

import pytest
import torch

import convae
from convae.augment import shift_and_flip


def make_autoencoder(seed=0, latent_dim=4):
    convae.seed_everything(seed)
    return convae.Autoencoder(latent_dim=latent_dim)


def test_autoencoder_training_lowers_the_loss_and_records_history(tiny_mnist):
    train, test = tiny_mnist
    model = make_autoencoder()
    before = convae.evaluate_autoencoder(model, test)["mse"]
    history = convae.train_autoencoder(model, train, epochs=3, batch_size=32, lr=3e-3, test_set=test, progress=False)
    assert len(history) == 3 and [r["epoch"] for r in history.records] == [1, 2, 3]
    assert history["test_mse"][-1] < 0.6 * before
    assert history.last()["test_mse"] == pytest.approx(convae.evaluate_autoencoder(model, test)["mse"], rel=1e-5)


def test_same_seed_same_history(tiny_mnist):
    train, test = tiny_mnist
    runs = []
    for _ in range(2):
        model = make_autoencoder(seed=7)
        runs.append(convae.train_autoencoder(model, train, epochs=2, batch_size=50, seed=7, test_set=test,
                                             schedule="onecycle", lr=1e-2, loss="bce", progress=False))
    assert runs[0]["train_loss"] == runs[1]["train_loss"]
    assert runs[0]["test_mse"] == runs[1]["test_mse"]
    model = make_autoencoder(seed=7)
    other = convae.train_autoencoder(model, train, epochs=2, batch_size=50, seed=8, test_set=test,
                                     schedule="onecycle", lr=1e-2, loss="bce", progress=False)
    assert other["train_loss"] != runs[0]["train_loss"]


def test_bad_options_are_refused(tiny_mnist):
    train, _ = tiny_mnist
    with pytest.raises(ValueError, match="loss must be one of"):
        convae.train_autoencoder(convae.Autoencoder(), train, epochs=1, loss="l1", progress=False)
    with pytest.raises(ValueError, match="exactly one of epochs or steps"):
        convae.train_classifier(convae.Classifier(), train, progress=False)


def test_classifier_learns_the_tiny_task(tiny_mnist):
    train, test = tiny_mnist
    convae.seed_everything(0)
    model = convae.Classifier(latent_dim=12)
    history = convae.train_classifier(model, train, epochs=8, batch_size=32, lr=3e-3, test_set=test, progress=False)
    assert history.last()["test_accuracy"] > 0.5  # chance is 0.1


def test_frozen_encoder_stays_put_and_head_moves(tiny_mnist):
    train, _ = tiny_mnist
    convae.seed_everything(0)
    model = convae.Classifier(latent_dim=4, tuning_encoder=convae.Encoder(4))
    encoder_before = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    head_before = model.fc1.weight.clone()
    history = convae.train_classifier(model, train, steps=5, batch_size=16, freeze_encoder=True, progress=False)
    assert len(history) == 1
    for name, tensor in model.encoder.state_dict().items():
        assert torch.equal(tensor, encoder_before[name]), name
    assert not torch.equal(model.fc1.weight, head_before)
    assert all(p.requires_grad for p in model.encoder.parameters())


def test_encoder_learning_rate_is_separate(tiny_mnist):
    train, _ = tiny_mnist
    convae.seed_everything(0)
    model = convae.Classifier(latent_dim=4)
    before = model.encoder.conv1.weight.clone()
    convae.train_classifier(model, train, steps=3, encoder_lr=0.0, augment=True, progress=False)
    assert torch.equal(model.encoder.conv1.weight, before)


def test_shift_and_flip_moves_pixels_within_two():
    image = torch.zeros(1, 1, 28, 28)
    image[0, 0, 10, 5] = 1.0
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        out = shift_and_flip(image, generator)
        assert out.shape == (1, 1, 28, 28) and out.sum() == 1
        row, col = torch.nonzero(out[0, 0])[0].tolist()
        assert abs(row - 10) <= 2 and (abs(col - 5) <= 2 or abs(col - 22) <= 2)


def test_reconstruct_returns_cpu_images_and_keeps_the_mode(tiny_mnist):
    _, test = tiny_mnist
    model = make_autoencoder().train()
    images = test.images[:5]
    out = convae.reconstruct(model, images)
    assert out.shape == (5, 1, 28, 28) and out.device.type == "cpu" and not out.requires_grad
    assert model.training
    assert torch.allclose(out, model(images))
