"""Checkpoints: round trip, metadata, and clear errors for altered or mismatched files."""

import pickle

import pytest
import torch

import convae
from convae import checkpoints


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = convae.Autoencoder(latent_dim=6)
    path = convae.save_checkpoint(model, tmp_path / "ae.pt", dataset="mnist", test_metrics={"mse": 0.5})
    return model, path


def test_round_trip_keeps_weights_and_metadata(saved):
    model, path = saved
    loaded = convae.load_checkpoint(path)
    assert isinstance(loaded.model, convae.Autoencoder) and loaded.model.latent_dim == 6
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(loaded.model(x), model(x))
    meta = loaded.metadata
    assert meta["model_class"] == "Autoencoder" and meta["dataset"] == "mnist"
    assert meta["test_metrics"] == {"mse": 0.5} and meta["torch_version"] == torch.__version__


def test_classifier_round_trip(tmp_path):
    model = convae.Classifier(latent_dim=3, num_classes=4)
    path = convae.save_checkpoint(model, tmp_path / "clf.pt")
    loaded = convae.load_checkpoint(path, model_class=convae.Classifier)
    assert loaded.model.fc2.out_features == 4


def test_wrong_latent_size_is_named(saved):
    _, path = saved
    with pytest.raises(convae.CheckpointError, match="latent_dim 6, but latent_dim 12 was expected"):
        convae.load_weights(convae.Autoencoder(latent_dim=12), path)


def test_wrong_class_is_named(saved):
    _, path = saved
    with pytest.raises(convae.CheckpointError, match="holds a Autoencoder, not the expected Classifier"):
        convae.load_checkpoint(path, model_class=convae.Classifier)


def test_truncated_file_is_refused(saved):
    _, path = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(convae.CheckpointError, match="could not be read"):
        convae.load_checkpoint(path)


def test_tampered_weights_are_detected(saved, tmp_path):
    _, path = saved
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["decoder.fc.bias"][0] += 1e-3
    torch.save(payload, path)
    with pytest.raises(convae.CheckpointError, match="do not match their stored SHA-256"):
        convae.load_checkpoint(path)


class Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_file_that_would_run_code_is_refused(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"format": checkpoints.FORMAT, "metadata": Exploit()}, path, pickle_module=pickle)
    with pytest.raises(convae.CheckpointError, match="could not be read"):
        convae.load_checkpoint(path)
    assert "this must never run" not in capsys.readouterr().out


def test_other_files_are_not_checkpoints(tmp_path):
    path = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(convae.CheckpointError, match="not a convae checkpoint"):
        convae.load_checkpoint(path)
    with pytest.raises(convae.CheckpointError, match="no checkpoint file"):
        convae.load_checkpoint(tmp_path / "missing.pt")


def test_pretrained_weights_are_hash_checked(monkeypatch, tmp_path):
    model = convae.load_pretrained("fashion-mnist")
    assert isinstance(model, convae.Autoencoder) and model.latent_dim == 12
    meta = convae.load_pretrained("fashion-mnist", with_metadata=True).metadata
    assert meta["test_metrics"]["mse"] <= 0.0130 and meta["command"].startswith("python -m convae train")
    copy = tmp_path / "copy.pt"
    copy.write_bytes(checkpoints.pretrained_path().read_bytes() + b"\0")
    monkeypatch.setattr(checkpoints, "pretrained_path", lambda name="fashion-mnist": copy)
    with pytest.raises(convae.CheckpointError, match="altered or replaced"):
        convae.load_pretrained("fashion-mnist")


@pytest.mark.skipif(not convae.data.SYSTEM_FASHION_MNIST.is_dir(), reason="Fashion-MNIST is not installed offline")
def test_pretrained_weights_meet_the_quality_bar():
    model = convae.load_pretrained("fashion-mnist")
    mse = convae.evaluate_autoencoder(model, convae.load_dataset("fashion-mnist", "test"))["mse"]
    assert mse <= 0.0130
