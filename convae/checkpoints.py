"""Saving and loading models with their metadata, and the pretrained weights shipped with convae.

A checkpoint is a plain dictionary of tensors, strings and numbers written by `torch.save`, read
back with `torch.load(..., weights_only=True)`: loading one never runs code. A SHA-256 digest of the
weights, stored beside them, catches a file that was altered after it was written.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import __version__
from .models import Autoencoder, Classifier, Decoder, Encoder

FORMAT = "convae-checkpoint/1"
MODEL_CLASSES: dict[str, type[nn.Module]] = {
    cls.__name__: cls for cls in (Encoder, Decoder, Autoencoder, Classifier)
}
PRETRAINED = {  # name -> (file inside convae/pretrained/, SHA-256 of that file)
    "fashion-mnist": (
        "fashion-mnist-latent12.pt",
        "27f7dfa8741a3344b50b04e23af2557a7515e801875fb89f0cb048852d2f6b16",
    ),
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


def save_checkpoint(model: nn.Module, path: str | os.PathLike, **metadata: Any) -> Path:
    """Write `model`'s weights and `metadata` (numbers, strings, lists, dicts) to `path`."""
    class_name = type(model).__name__
    if class_name not in MODEL_CLASSES:
        raise TypeError(f"save_checkpoint expects one of {tuple(MODEL_CLASSES)}, got {class_name}")
    state_dict = {name: t.detach().cpu().clone() for name, t in model.state_dict().items()}
    metadata = {
        "model_class": class_name,
        "latent_dim": model.latent_dim,
        **({"num_classes": model.num_classes} if isinstance(model, Classifier) else {}),
        "convae_version": __version__,
        "torch_version": str(torch.__version__),
        **metadata,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    payload = {"format": FORMAT, "metadata": metadata, "state_dict": state_dict,
               "weights_sha256": weights_digest(state_dict)}
    torch.save(payload, partial)
    partial.replace(path)  # a crash mid-write never leaves a half-written checkpoint at `path`
    return path


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
    if class_name not in MODEL_CLASSES:
        raise CheckpointError(f"{path}: unknown model class {class_name!r}; expected one of {tuple(MODEL_CLASSES)}")
    if model_class is not None and class_name != model_class.__name__:
        raise CheckpointError(f"{path} holds a {class_name}, not the expected {model_class.__name__}")
    if latent_dim is not None and metadata.get("latent_dim") != latent_dim:
        raise CheckpointError(
            f"{path} was saved with latent_dim {metadata.get('latent_dim')}, but latent_dim {latent_dim} was expected"
        )
    state_dict = payload["state_dict"]
    if weights_digest(state_dict) != payload["weights_sha256"]:
        raise CheckpointError(f"{path}: the weights do not match their stored SHA-256: the file was altered")
    kwargs = {"latent_dim": metadata["latent_dim"]}
    if class_name == "Classifier":
        kwargs["num_classes"] = metadata["num_classes"]
    model = MODEL_CLASSES[class_name](**kwargs)
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"{path}: the weights do not fit a {class_name}({kwargs}): {error}") from error
    return Checkpoint(model.eval(), metadata)


def load_weights(model: nn.Module, path: str | os.PathLike) -> dict[str, Any]:
    """Load a checkpoint's weights into an existing `model` of the same class and latent size."""
    checkpoint = load_checkpoint(path, model_class=type(model), latent_dim=model.latent_dim)
    model.load_state_dict(checkpoint.model.state_dict())
    return checkpoint.metadata


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
    return payload


def pretrained_path(name: str = "fashion-mnist") -> Path:
    """Path of a shipped pretrained checkpoint."""
    if name not in PRETRAINED:
        raise ValueError(f"no pretrained weights named {name!r}; available: {tuple(PRETRAINED)}")
    return Path(str(resources.files("convae") / "pretrained" / PRETRAINED[name][0]))


def load_pretrained(name: str = "fashion-mnist", *, with_metadata: bool = False) -> Autoencoder | Checkpoint:
    """The shipped pretrained Autoencoder, after checking the file's pinned SHA-256.

    With `with_metadata=True`, a Checkpoint holding the model and how it was made.
    """
    path = pretrained_path(name)
    expected = PRETRAINED[name][1]
    if not path.is_file():
        raise CheckpointError(f"the pretrained weights file {path} is missing from the installed package")
    actual = file_sha256(path)
    if actual != expected:
        raise CheckpointError(f"{path} has SHA-256 {actual}, expected {expected}: the file was altered or replaced")
    checkpoint = load_checkpoint(path, model_class=Autoencoder)
    return checkpoint if with_metadata else checkpoint.model
