"""Saving and loading models with their metadata, and the pretrained weights shipped with convae.

A checkpoint is a plain dictionary of tensors, strings and numbers written by `torch.save`, read
back with `torch.load(..., weights_only=True)`: loading one never runs code. It names the model's
class and the arguments that rebuild it (`model.config()`), so loading needs no knowledge of each
class. A SHA-256 digest of the weights, stored beside them, catches a file altered after it was written.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..models import VAE, Autoencoder, Classifier, Decoder, DenseAutoencoder, Encoder
from .files import write_atomically
from .version import __version__

FORMAT = "convae-checkpoint/1"
RESERVED_KEYS = ("model_class", "model_config", "convae_version", "torch_version")  # metadata save_checkpoint writes
PLAIN_VALUES = (type(None), bool, int, float, str)  # what metadata may hold, in lists and dicts too
PRETRAINED: dict[str, tuple[str, str]] = {  # name -> (file inside convae/pretrained/, SHA-256 of that file)
    name: (entry["file"], entry["sha256"])
    for name, entry in json.loads((resources.files("convae") / "pretrained" / "manifest.json").read_text())[
        "weights"].items()
}


# The classes a checkpoint may hold, by name. A new kind of model adds its class here when its row
# joins the kinds table (`convae._internal.kinds.register_kind`).
STORABLE: dict[str, type[nn.Module]] = {
    network.__name__: network for network in (Autoencoder, DenseAutoencoder, VAE, Classifier, Encoder, Decoder)
}


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded as asked: unreadable, altered or mismatched."""


@dataclass
class Checkpoint:
    """A loaded model and the metadata that was saved with it."""

    model: nn.Module
    metadata: dict[str, Any]


def weights_digest(state_dict: dict[str, torch.Tensor]) -> str:
    """SHA-256 over every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _article(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _check_plain(value: Any, where: str) -> None:
    """Raise TypeError unless `value` is made of None, bools, numbers, strings, lists and str-keyed dicts."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"metadata {where} has the key {key!r}: keys must be strings")
            _check_plain(item, f"{where}[{key!r}]")
    elif not isinstance(value, PLAIN_VALUES):
        raise TypeError(
            f"metadata {where} is a {type(value).__name__}; a checkpoint stores only None, bools, numbers, "
            "strings, lists and dicts (convert it, e.g. with float() or str())"
        )


def save_checkpoint(model: nn.Module, path: str | os.PathLike, **metadata: Any) -> Path:
    """Write `model`'s weights, its class and constructor arguments, and `metadata` to `path`.

    `metadata` may hold numbers, strings, None, and lists and dicts of them.
    """
    class_name = type(model).__name__
    if STORABLE.get(class_name) is not type(model):
        raise TypeError(f"save_checkpoint expects one of {tuple(STORABLE)}, got {class_name}")
    reserved = sorted(set(metadata) & set(RESERVED_KEYS))
    if reserved:
        raise ValueError(f"metadata may not set {reserved}: save_checkpoint writes them itself")
    for key, value in metadata.items():
        _check_plain(value, key)
    state_dict = {name: t.detach().cpu().clone() for name, t in model.state_dict().items()}
    metadata = {
        "model_class": class_name,
        "model_config": model.config(),
        "convae_version": __version__,
        "torch_version": str(torch.__version__),
        **metadata,
    }
    payload = {"format": FORMAT, "metadata": metadata, "state_dict": state_dict,
               "weights_sha256": weights_digest(state_dict)}
    return write_atomically(path, lambda partial: torch.save(payload, partial))


def load_checkpoint(
    path: str | os.PathLike,
    *,
    model_class: type[nn.Module] | None = None,
    latent_dim: int | None = None,
) -> Checkpoint:
    """Load a checkpoint written by `save_checkpoint`, checking its integrity.

    Pass `model_class` and/or `latent_dim` to insist on them: a mismatch raises CheckpointError.
    """
    path = Path(path)
    payload = _read_payload(path)
    metadata = payload["metadata"]
    class_name = metadata.get("model_class")
    network = STORABLE.get(class_name) if isinstance(class_name, str) else None
    if network is None:
        raise CheckpointError(f"{path}: unknown model class {class_name!r}; expected one of {tuple(STORABLE)}")
    if model_class is not None and class_name != model_class.__name__:
        raise CheckpointError(f"{path} holds {_article(class_name)}, not the expected {model_class.__name__}")
    config = _model_config(metadata)
    if latent_dim is not None and config.get("latent_dim") != latent_dim:
        raise CheckpointError(
            f"{path} was saved with latent_dim {config.get('latent_dim')}, but latent_dim {latent_dim} was expected"
        )
    state_dict = payload["state_dict"]
    if weights_digest(state_dict) != payload["weights_sha256"]:
        raise CheckpointError(f"{path}: the weights do not match their stored SHA-256: the file was altered")
    try:
        model = network(**config)
        model.load_state_dict(state_dict, strict=True)
    except (TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path}: the weights do not fit {_article(class_name)}({config}): {error}") from error
    return Checkpoint(model.eval(), metadata)


def _model_config(metadata: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments a checkpoint stores.

    Checkpoints written before `model_config` existed (the shipped weights among them) kept the
    same arguments, `latent_dim` and a Classifier's `num_classes`, beside `model_class`.
    """
    if "model_config" in metadata:
        return metadata["model_config"]
    return {key: metadata[key] for key in ("latent_dim", "num_classes") if key in metadata}


def _read_payload(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CheckpointError(f"no checkpoint file at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch reports truncation, corruption and code objects alike
        raise CheckpointError(
            f"{path} could not be read as a checkpoint (truncated, corrupted, or holding more than "
            f"tensors and plain values): {error}"
        ) from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(f"{path} is not a convae checkpoint: expected format {FORMAT!r}, found {found!r}")
    parts = {"metadata": dict, "state_dict": dict, "weights_sha256": str}
    missing = [key for key, kind in parts.items() if not isinstance(payload.get(key), kind)]
    if missing or not all(isinstance(t, torch.Tensor) for t in payload["state_dict"].values()):
        raise CheckpointError(f"{path} is an incomplete convae checkpoint: {missing or 'state_dict'} "
                              "missing or malformed; save the model again")
    return payload


def pretrained_path(name: str = "fashion-mnist") -> Path:
    """Path of a shipped pretrained checkpoint."""
    if name not in PRETRAINED:
        raise ValueError(f"no pretrained weights named {name!r}; available: {tuple(PRETRAINED)}")
    return Path(str(resources.files("convae") / "pretrained" / PRETRAINED[name][0]))


def load_pretrained(name: str = "fashion-mnist") -> nn.Module:
    """A shipped pretrained autoencoder (an Autoencoder; the DenseAutoencoders of chapter 6; a VAE),
    after checking the file's pinned SHA-256."""
    return _pretrained_checkpoint(name).model


def pretrained_metadata(name: str = "fashion-mnist") -> dict[str, Any]:
    """How the shipped pretrained weights were made: command, recipe, test metrics, versions."""
    return _pretrained_checkpoint(name).metadata


def _pretrained_checkpoint(name: str) -> Checkpoint:
    path = pretrained_path(name)
    expected = PRETRAINED[name][1]
    if not path.is_file():
        raise CheckpointError(f"the pretrained weights file {path} is missing from the installed package")
    actual = file_sha256(path)
    if actual != expected:
        raise CheckpointError(f"{path} has SHA-256 {actual}, expected {expected}: the file was altered or replaced")
    return load_checkpoint(path)  # the pinned SHA-256 has already vouched for its class
