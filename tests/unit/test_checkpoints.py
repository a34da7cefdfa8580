"""Checkpoints: round trip, metadata, and clear errors for altered or mismatched files."""

import pickle

import pytest
import torch

import convae
from convae._internal import checkpoints, files


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = convae.Autoencoder(latent_dim=6)
    path = convae.save_checkpoint(model, tmp_path / "ae.pt", dataset="mnist", test_metrics={"mse": 0.5})
    return model, path


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    """Stored weights come back bit for bit."""
    assert a.state_dict().keys() == b.state_dict().keys()
    for name, tensor in a.state_dict().items():
        assert torch.equal(tensor, b.state_dict()[name]), name


def test_round_trip_keeps_weights_and_metadata(saved):
    model, path = saved
    loaded = convae.load_checkpoint(path)
    assert isinstance(loaded.model, convae.Autoencoder) and loaded.model.latent_dim == 6
    assert_same_weights(loaded.model, model)
    meta = loaded.metadata
    assert meta["model_class"] == "Autoencoder" and meta["model_config"] == {"latent_dim": 6}
    assert meta["dataset"] == "mnist"
    assert meta["test_metrics"] == {"mse": 0.5} and meta["torch_version"] == torch.__version__


NETWORKS = [convae.Encoder(3), convae.Decoder(5), convae.Classifier(latent_dim=3, num_classes=4)]


@pytest.mark.parametrize("model", NETWORKS, ids=lambda m: type(m).__name__)
def test_every_network_is_rebuilt_from_its_stored_config(model, tmp_path):
    path = convae.save_checkpoint(model, tmp_path / "model.pt")
    loaded = convae.load_checkpoint(path, model_class=type(model)).model
    assert type(loaded) is type(model) and loaded.config() == model.config()
    assert_same_weights(loaded, model)


def test_checkpoints_without_a_stored_config_still_load(tmp_path):
    """The layout of the shipped weights: latent_dim (and num_classes) beside model_class."""
    model = convae.Classifier(latent_dim=3, num_classes=4)
    state_dict = model.state_dict()
    payload = {"format": checkpoints.FORMAT, "state_dict": state_dict,
               "weights_sha256": checkpoints.weights_digest(state_dict),
               "metadata": {"model_class": "Classifier", "latent_dim": 3, "num_classes": 4}}
    torch.save(payload, tmp_path / "old.pt")
    loaded = convae.load_checkpoint(tmp_path / "old.pt").model
    assert loaded.config() == {"latent_dim": 3, "num_classes": 4}
    assert_same_weights(loaded, model)


def test_metadata_that_could_not_be_read_back_is_refused_before_writing(tmp_path):
    path = tmp_path / "ae.pt"
    with pytest.raises(TypeError, match=r"metadata recipe\['root'\] is a PosixPath"):
        convae.save_checkpoint(convae.Autoencoder(), path, recipe={"root": tmp_path})
    with pytest.raises(ValueError, match="may not set \\['model_class'\\]"):
        convae.save_checkpoint(convae.Autoencoder(), path, model_class="Classifier")
    assert not path.exists()


def test_unwritable_paths_are_named_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        files.check_writable(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="cannot write to .*file/ae.pt"):
        files.check_writable(blocker / "ae.pt")
    assert files.check_writable(tmp_path / "new" / "ae.pt").parent.is_dir()
    assert not list((tmp_path / "new").iterdir())


def test_wrong_latent_size_is_named(saved):
    _, path = saved
    with pytest.raises(convae.CheckpointError, match="latent_dim 6, but latent_dim 12 was expected"):
        convae.load_checkpoint(path, model_class=convae.Autoencoder, latent_dim=12)


def test_wrong_class_is_named(saved):
    _, path = saved
    with pytest.raises(convae.CheckpointError, match="holds an Autoencoder, not the expected Classifier"):
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
    torch.save({"format": checkpoints.FORMAT, "metadata": {"model_class": "Autoencoder"}}, path)
    with pytest.raises(convae.CheckpointError, match=r"incomplete .*: \['state_dict', 'weights_sha256'\] missing"):
        convae.load_checkpoint(path)
    with pytest.raises(convae.CheckpointError, match="no checkpoint file"):
        convae.load_checkpoint(tmp_path / "missing.pt")


def test_pretrained_weights_are_hash_checked(monkeypatch, tmp_path):
    model = convae.load_pretrained("fashion-mnist")
    assert isinstance(model, convae.Autoencoder) and model.latent_dim == 12
    copy = tmp_path / "copy.pt"
    copy.write_bytes(checkpoints.pretrained_path().read_bytes() + b"\0")
    monkeypatch.setattr(checkpoints, "pretrained_path", lambda name="fashion-mnist": copy)
    with pytest.raises(convae.CheckpointError, match="altered or replaced"):
        convae.load_pretrained("fashion-mnist")


def test_pretrained_weights_do_what_their_metadata_and_the_readme_say(fashion_test_set):
    """The test MSE, recomputed now: it must match the file's record and stay under the README's bar."""
    metrics = convae.evaluate_autoencoder(convae.load_pretrained("fashion-mnist"), fashion_test_set)
    recorded = convae.pretrained_metadata("fashion-mnist")["test_metrics"]
    # The same weights on the same images: only float summation order differs between machines.
    assert metrics["mse"] == pytest.approx(recorded["mse"], rel=1e-4)
    assert metrics["bce"] == pytest.approx(recorded["bce"], rel=1e-4)
    assert metrics["mse"] <= 0.0130
