"""Recipes: one object per training run, checked when it is made; the schedule it draws."""

import dataclasses

import pytest

import convae


@pytest.mark.parametrize("change, message", [
    ({"epochs": 0}, "epochs must be a whole number of at least 1, got 0"),
    ({"batch_size": 2.5}, "batch_size must be a whole number of at least 1, got 2.5"),
    ({"latent_dim": True}, "latent_dim must be a whole number of at least 1, got True"),
    ({"lr": -1.0}, "lr must be a positive number, got -1.0"),
    ({"lr": float("nan")}, "lr must be a positive number"),
    ({"noise": -0.1}, "noise must be a number >= 0"),
    ({"seed": -1}, "seed must be a whole number from 0"),
    ({"dataset": "cifar"}, "dataset must be one of"),
    ({"loss": "l1"}, "loss must be one of"),
    ({"schedule": "cosine"}, "schedule must be one of"),
])
def test_a_recipe_that_cannot_work_is_refused_when_made(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(convae.SHIPPED, **change)


def test_the_named_recipes():
    assert (convae.SHIPPED.epochs, convae.SHIPPED.lr, convae.SHIPPED.schedule) == (28, 1e-2, "onecycle")
    assert (convae.QUICK.epochs, convae.QUICK.lr, convae.QUICK.schedule) == (2, 2e-2, "onecycle")
    assert convae.QUICK.validation_images == 6000 and convae.SHIPPED.validation_images == 0  # as it was made
    assert convae.QUICK.as_dict()["batch_size"] == 128


def test_one_cycle_rises_for_fifteen_percent_then_falls():
    rates = convae.learning_rates(convae.QUICK, steps_per_epoch=100)  # 200 steps
    peak = max(range(len(rates)), key=rates.__getitem__)
    assert len(rates) == 200 and 25 <= peak <= 32
    assert rates[peak] == pytest.approx(0.02) and rates[-1] < 1e-5 and rates[0] < 0.002
    constant = convae.learning_rates(dataclasses.replace(convae.QUICK, schedule="constant"), 10)
    assert constant == [0.02] * 20


def test_train_recipe_stores_the_recipe_and_saves(mnist_root, tmp_path):
    recipe = dataclasses.replace(convae.QUICK, dataset="mnist", epochs=1, latent_dim=3, holdout_class="2",
                                 validation_images=40)
    trained = convae.train_recipe(recipe, mnist_root, out=tmp_path / "ae.pt", command="made in a test",
                                  progress=False)
    checkpoint = convae.load_checkpoint(tmp_path / "ae.pt", model_class=convae.Autoencoder, latent_dim=3)
    stored = checkpoint.metadata
    assert stored["recipe"] == {**recipe.as_dict(), "holdout_class": "2 - two"}  # held out by its name
    assert stored["command"] == "made in a test" and stored["epochs"] == 1
    assert stored["test_metrics"] == pytest.approx(trained.metadata["test_metrics"])
    assert "holdout_test_metrics" in stored and len(trained.history) == 1
    # the held-out training images are watched after every epoch; the test set only once, at the end
    assert stored["train_images"] == 200 - 20 - 40  # MNIST's 200 small training images, class 2 out, 40 held out
    assert stored["validation_mse"] == trained.history["validation_mse"] and len(stored["validation_mse"]) == 1
    assert not any(key.startswith("test") for key in trained.history.last())
