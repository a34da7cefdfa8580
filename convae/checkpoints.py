"""Saving and loading models with their metadata, and the pretrained weights shipped with convae.

A checkpoint is a plain dictionary of tensors, strings and numbers written by `torch.save`, read
back with `torch.load(..., weights_only=True)`: loading one never runs code. It names the model's
class and the arguments that rebuild it (`model.config()`), so loading needs no knowledge of each
class. A SHA-256 digest of the weights, stored beside them, catches a file altered after it was written.
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

from .files import write_atomically
from .models import VAE, Autoencoder, Classifier, Decoder, DenseAutoencoder, Encoder
from .version import __version__

FORMAT = "convae-checkpoint/1"
RESERVED_KEYS = ("model_class", "model_config", "convae_version", "torch_version")  # metadata save_checkpoint writes
PLAIN_VALUES = (type(None), bool, int, float, str)  # what metadata may hold, in lists and dicts too
MODEL_CLASSES: dict[str, type[nn.Module]] = {
    cls.__name__: cls for cls in (Encoder, Decoder, Autoencoder, Classifier, DenseAutoencoder, VAE)
}
PRETRAINED = {  # name -> (file inside convae/pretrained/, SHA-256 of that file)
    "fashion-mnist": (
        "fashion-mnist-latent12.pt",
        "27f7dfa8741a3344b50b04e23af2557a7515e801875fb89f0cb048852d2f6b16",
    ),
    # chapters 6 and 7: by latent size, other seeds, denoising (σ = 0.3), one class held out; 6 epochs each
    "fashion-mnist-latent2-6ep": (
        "fashion-mnist-latent2-6ep.pt",
        "e3e15654188ea8892850f9aac2ec47c3d591e04301afd5a36894088d770c9ff7",
    ),
    "fashion-mnist-latent4-6ep": (
        "fashion-mnist-latent4-6ep.pt",
        "a70225ff12c4feddd11b24a381ff9a544f9fba32512e6670d89d166b536980dd",
    ),
    "fashion-mnist-latent8-6ep": (
        "fashion-mnist-latent8-6ep.pt",
        "6c1276d92bc802e15ecbeaa42bd8145e97daff4a21e3a8dca3934ecbec757dc7",
    ),
    "fashion-mnist-latent12-6ep": (
        "fashion-mnist-latent12-6ep.pt",
        "8818a812ce9aea10ad27e9d8915db7f0ece7305183a4592b949a763083448f03",
    ),
    "fashion-mnist-latent16-6ep": (
        "fashion-mnist-latent16-6ep.pt",
        "c18c013576192a09e2140013873633f86d4f7e7982089fd43a6a5b1bb3fbb19c",
    ),
    "fashion-mnist-latent32-6ep": (
        "fashion-mnist-latent32-6ep.pt",
        "9c5088305621711814b9f3cada080d4531202bec5d50fe75e23c808f8611bc92",
    ),
    "fashion-mnist-latent12-6ep-seed1": (
        "fashion-mnist-latent12-6ep-seed1.pt",
        "5706fbb7b1d4fd436d4991f378ab2cd4425e40cff108be4d10b1673401512ee9",
    ),
    "fashion-mnist-latent12-6ep-seed2": (
        "fashion-mnist-latent12-6ep-seed2.pt",
        "fe968a774793f47d85d839d040683b77af5f09718f9462b72128550bef038259",
    ),
    # chapter 6: dense autoencoders, the same recipe (python -m convae why-convolutions), seed 0
    "fashion-mnist-dense38-6ep": (
        "fashion-mnist-dense38-6ep.pt",
        "b168cdedef1a6e6cd311f8d7c0e67387238a04128f4bde46eeefd614e16fd9e7",
    ),
    "fashion-mnist-dense256-6ep": (
        "fashion-mnist-dense256-6ep.pt",
        "777438aaaa751746b90310ab93f8b4be2cb7694737496f487262872db40fcbf0",
    ),
    # chapter 8: variational autoencoders (python -m convae train --model vae), latent 12 and 2
    "fashion-mnist-vae-latent12": (
        "fashion-mnist-vae-latent12.pt",
        "53e99a2e4983d0a7e9b83035989716eb27c4b1c242d7f5df51083fbeada5e930",
    ),
    "fashion-mnist-vae-latent2": (
        "fashion-mnist-vae-latent2.pt",
        "1ad5d2ad1adb997443d5b41faafdb79d071a6ddfe6692622bbfd74b8e7d89904",
    ),
    # chapter 8: the judge of samples and VAEs at three β (python -m convae vae-study), seed 0
    "fashion-mnist-judge": (
        "fashion-mnist-judge.pt",
        "8dba9c99e3e252db799dc50923d312895408d148fc84300c841496df9dbf6f2c",
    ),
    "fashion-mnist-vae-beta0.1-6ep": (
        "fashion-mnist-vae-beta0.1-6ep.pt",
        "d7a6326aed4aef5ce8c59ac808eb9acf92a89b63a991d8dba388af2971971c83",
    ),
    "fashion-mnist-vae-beta1-6ep": (
        "fashion-mnist-vae-beta1-6ep.pt",
        "a66b1ccb33e5f4fd15ce2ec429f26394cb1ab520dd699c35f0309b98357086e5",
    ),
    "fashion-mnist-vae-beta4-6ep": (
        "fashion-mnist-vae-beta4-6ep.pt",
        "19b8c36ff398f97d77252a72b55ce6fe222cedcb1415df36f0d7268cbea755d3",
    ),
    "fashion-mnist-denoising-6ep": (
        "fashion-mnist-denoising-6ep.pt",
        "2232c58c6a2fa4fce6f0b8a514b33fd1454224f32c6e66a23ff9aa338645a819",
    ),
    "fashion-mnist-without-trouser-6ep": (
        "fashion-mnist-without-trouser-6ep.pt",
        "19ead99bcbbdf633e37de9c656af130d6c9b86e4ef8802e734cf92aa999f049f",
    ),
    "fashion-mnist-without-bag-6ep": (
        "fashion-mnist-without-bag-6ep.pt",
        "aad20d9205344887950a82540e49e81e0801428581e12316b8c3a6267f3fcd28",
    ),
    "fashion-mnist-without-ankle-boot-6ep": (
        "fashion-mnist-without-ankle-boot-6ep.pt",
        "2c48a9d1be8c170f59da546fb9e0e20d884510c2e1f8dfd05f8913b844ae3d00",
    ),
    "fashion-mnist-without-shirt-6ep": (
        "fashion-mnist-without-shirt-6ep.pt",
        "7828ba18614db87db88e0e3f0e0a23e6081fb780cfc8f70663edd33b793440cb",
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
    if class_name not in MODEL_CLASSES:
        raise TypeError(f"save_checkpoint expects one of {tuple(MODEL_CLASSES)}, got {class_name}")
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
    if class_name not in MODEL_CLASSES:
        raise CheckpointError(f"{path}: unknown model class {class_name!r}; expected one of {tuple(MODEL_CLASSES)}")
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
        model = MODEL_CLASSES[class_name](**config)
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
