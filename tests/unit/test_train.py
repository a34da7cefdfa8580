"""The training loops on tiny budgets: they learn, they are reproducible, they check their input."""

import dataclasses
import re

import pytest
import torch

import convae
from convae.train import Budget, SemiSupervision, train_classifier

TINY = convae.Recipe(epochs=3, batch_size=32, lr=3e-3, schedule="constant", latent_dim=4)


def make_autoencoder(seed=0, latent_dim=4):
    convae.seed_everything(seed)
    return convae.Autoencoder(latent_dim=latent_dim)


def test_autoencoder_training_lowers_the_loss_and_records_each_epoch(tiny_mnist):
    train, test = tiny_mnist  # 200 training images, batch 32: 7 steps per epoch
    model = make_autoencoder()
    before = convae.evaluate_autoencoder(model, test)["mse"]
    history = convae.train_autoencoder(model, train, TINY, validation_set=test, progress=False)
    assert len(history) == 3 and history["epoch"] == [1, 2, 3]
    assert len(history.step_losses) == 3 * 7
    assert history["validation_mse"][-1] < 0.6 * before
    assert history.last()["validation_mse"] == pytest.approx(convae.evaluate_autoencoder(model, test)["mse"], rel=1e-5)
    assert history.last()["train_loss"] == pytest.approx(sum(history.step_losses[-7:]) / 7, rel=1e-5)
    assert history["seconds"] == sorted(history["seconds"])


@pytest.mark.parametrize("schedule", ["onecycle", "constant"])
def test_the_loop_follows_the_schedule_the_book_draws(schedule, tiny_mnist, monkeypatch):
    train, _ = tiny_mnist  # 7 steps per epoch
    recipe = dataclasses.replace(TINY, schedule=schedule, lr=1e-2)
    applied = []  # the learning rate of each Adam step the loop takes
    adam_step = torch.optim.Adam.step

    def recording_step(self, *args, **kwargs):
        applied.append(self.param_groups[0]["lr"])
        return adam_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording_step)
    convae.train_autoencoder(make_autoencoder(), train, recipe, progress=False)
    assert applied == pytest.approx(convae.learning_rates(recipe, steps_per_epoch=7), rel=1e-9)


def test_same_seed_same_history(tiny_mnist):
    train, test = tiny_mnist
    recipe = dataclasses.replace(TINY, epochs=2, batch_size=50, seed=7, schedule="onecycle", lr=1e-2, loss="bce")
    runs = []
    for _ in range(2):
        runs.append(convae.train_autoencoder(make_autoencoder(seed=7), train, recipe, validation_set=test,
                                             progress=False))
    # The same seed on the same machine repeats the same arithmetic (the tolerance only spares us
    # from asserting bitwise equality); another seed draws other batches, which shows at 1e-3.
    assert runs[0].step_losses == pytest.approx(runs[1].step_losses, rel=1e-6)
    assert runs[0]["validation_mse"] == pytest.approx(runs[1]["validation_mse"], rel=1e-6)
    other = convae.train_autoencoder(make_autoencoder(seed=7), train, dataclasses.replace(recipe, seed=8),
                                     validation_set=test, progress=False)
    assert other.step_losses != pytest.approx(runs[0].step_losses, rel=1e-3)


def test_the_loop_the_book_prints_is_one_screen_with_an_epoch_loop():
    import inspect

    source = inspect.getsource(convae.train_autoencoder)
    assert len(source.splitlines()) <= 30 and "for epoch in" in source


def test_noise_trains_a_denoising_autoencoder_on_clean_targets(tiny_mnist):
    train, _ = tiny_mnist
    model = make_autoencoder()
    seen = []
    model.register_forward_pre_hook(lambda _module, inputs: seen.append(inputs[0].detach()))
    convae.train_autoencoder(model, train, dataclasses.replace(TINY, epochs=1, noise=0.3), progress=False)
    inputs = torch.cat(seen)  # (200, 1, 28, 28), in a shuffled order
    assert inputs.shape == train.images.shape and 0 <= inputs.min() and inputs.max() <= 1
    assert not any(torch.equal(inputs[0], image) for image in train.images)  # noisy, not the originals


def test_an_empty_training_set_is_refused(tiny_mnist):
    train, _ = tiny_mnist
    with pytest.raises(ValueError, match="train_set must hold at least one image"):
        convae.train_autoencoder(convae.Autoencoder(), train.subset(torch.arange(0)), TINY, progress=False)


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


def test_evaluation_wants_an_image_set(tiny_mnist):
    _, test = tiny_mnist
    with pytest.raises(TypeError, match="ImageSet"):
        convae.evaluate_autoencoder(convae.Autoencoder(), test.images)


@pytest.mark.parametrize("values, message", [
    ((0, 16, 0), "steps must be a whole number of at least 1, got 0"),
    ((2.5, 16, 0), "steps must be a whole number of at least 1, got 2.5"),
    ((2, 0, 0), "batch_size must be a whole number of at least 1, got 0"),
    ((2, True, 0), "batch_size must be a whole number of at least 1, got True"),
    ((2, 16, -1), "seed must be a whole number of at least 0, got -1"),
    ((2, 16, "0"), "seed must be a whole number of at least 0, got '0'"),
])
def test_a_classifier_budget_refuses_what_is_not_a_whole_number(values, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Budget(*values)


def test_the_classifier_loop_counts_its_steps_in_epochs(tiny_mnist):
    train, _ = tiny_mnist  # 200 training images, batch 32: 7 steps per epoch
    torch.manual_seed(0)
    model = convae.Classifier(latent_dim=4)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = train_classifier(model, train.images, train.labels, optimizer, Budget(10, 32, 0),
                               evaluate=lambda: {"evaluated": 1.0})
    assert history["epoch"] == pytest.approx([1, 1 + 3 / 7]) and history["evaluated"] == [1.0, 1.0]


def test_semi_supervision_adds_the_weighted_reconstruction_loss(tiny_mnist):
    train, _ = tiny_mnist

    def mean_loss(weight: float | None) -> float:
        """The first epoch's mean loss, with a learning rate of 0: the same network at every step."""
        autoencoder = make_autoencoder()
        model = convae.Classifier(4, tuning_encoder=autoencoder.encoder)
        optimizer = torch.optim.SGD([*model.parameters(), *autoencoder.decoder.parameters()], lr=0.0)
        semi = None if weight is None else SemiSupervision(train, autoencoder.decoder, weight)
        history = train_classifier(model, train.images, train.labels, optimizer, Budget(3, 32, 0), semi=semi)
        return history["train_loss"][0]

    plain, zero, one, ten = (mean_loss(weight) for weight in (None, 0.0, 1.0, 10.0))
    assert zero == pytest.approx(plain) and one > zero  # the same labelled batches, plus the MSE
    assert ten - zero == pytest.approx(10 * (one - zero), rel=1e-4)

