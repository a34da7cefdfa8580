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
    # The same seed on the same machine repeats the same arithmetic (the tolerance only spares us
    # from asserting bitwise equality); another seed draws other batches, which shows at 1e-3.
    assert runs[0]["train_loss"] == pytest.approx(runs[1]["train_loss"], rel=1e-6)
    assert runs[0]["test_mse"] == pytest.approx(runs[1]["test_mse"], rel=1e-6)
    model = make_autoencoder(seed=7)
    other = convae.train_autoencoder(model, train, epochs=2, batch_size=50, seed=8, test_set=test,
                                     schedule="onecycle", lr=1e-2, loss="bce", progress=False)
    assert other["train_loss"] != pytest.approx(runs[0]["train_loss"], rel=1e-3)


def test_records_per_epoch_sets_the_number_and_epochs_of_records(tiny_mnist):
    train, test = tiny_mnist  # 200 training images, batch 25: 8 steps per epoch
    history = convae.train_autoencoder(make_autoencoder(), train, epochs=2, batch_size=25, records_per_epoch=4,
                                       test_set=test, progress=False)
    assert len(history) == 8
    assert history["epoch"] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0])
    assert all({"train_loss", "test_loss", "test_mse", "lr", "seconds"} <= record.keys() for record in history.records)
    assert history["seconds"] == sorted(history["seconds"])


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
    encoder_before = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    head_before = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("encoder.")}
    convae.train_classifier(model, train, steps=3, lr=1e-2, encoder_lr=0.0, progress=False)
    for name, tensor in model.encoder.state_dict().items():
        assert torch.equal(tensor, encoder_before[name]), name  # a step of size 0 leaves every weight as it was
    for name, tensor in head_before.items():
        assert not torch.equal(model.state_dict()[name], tensor), name


def images_seen(model: torch.nn.Module, train, **options) -> torch.Tensor:
    """Every image batch `model` receives while train_classifier trains it, as one (N, 784) tensor."""
    seen = []
    handle = model.register_forward_pre_hook(lambda _module, inputs: seen.append(inputs[0].detach().reshape(-1, 784)))
    try:
        convae.train_classifier(model, train, steps=4, batch_size=16, seed=0, progress=False, **options)
    finally:
        handle.remove()
    return torch.cat(seen)


def test_augment_changes_the_images_the_model_sees(tiny_mnist):
    train, _ = tiny_mnist
    originals = train.images.reshape(-1, 784)  # (200, 784)

    def share_of_originals(seen: torch.Tensor) -> float:
        return (seen[:, None, :] == originals[None]).all(dim=2).any(dim=1).float().mean().item()

    plain = images_seen(convae.Classifier(latent_dim=4), train)
    augmented = images_seen(convae.Classifier(latent_dim=4), train, augment=True)
    assert plain.shape == augmented.shape == (64, 784)
    assert share_of_originals(plain) == 1.0
    # Only a zero shift without a flip (1 in 50) shows an image unchanged.
    assert share_of_originals(augmented) < 0.25
    assert 0 <= augmented.min() and augmented.max() <= 1


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


def test_pick_device_prints_only_when_asked(capsys):
    device = convae.pick_device()
    assert capsys.readouterr().out == ""
    assert convae.pick_device(announce=True) == device
    assert capsys.readouterr().out == f"convae: using device {device.type}\n"


@pytest.mark.parametrize("options", [{"steps": 0}, {"steps": 2, "batch_size": 0}, {"steps": 2, "lr": -1.0},
                                     {"epochs": 1.5}, {"steps": 2, "encoder_lr": -0.1}])
def test_classifier_options_are_checked_before_training(tiny_mnist, options):
    train, _ = tiny_mnist
    with pytest.raises(ValueError, match="must"):
        convae.train_classifier(convae.Classifier(), train, progress=False, **options)


def test_an_empty_training_set_is_refused(tiny_mnist):
    train, _ = tiny_mnist
    with pytest.raises(ValueError, match="non-empty"):
        convae.train_autoencoder(convae.Autoencoder(), train.subset(torch.arange(0)), epochs=1, progress=False)


def test_evaluation_wants_an_image_set(tiny_mnist):
    _, test = tiny_mnist
    with pytest.raises(TypeError, match="ImageSet"):
        convae.evaluate_autoencoder(convae.Autoencoder(), test.images)
