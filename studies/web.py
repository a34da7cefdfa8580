"""`python -m studies export-web`: the shipped decoder and a 2-D latent map as static files.

The book's in-browser explorer (book/_explorer/convae-explorer.js) reads them and runs the decoder
in JavaScript, so the published page needs no Python kernel.

* `decoder.bin`: the decoder's float32 weights, little-endian, one tensor after another;
* `vae-decoder.bin`: the same for the decoder of chapter 8's VAE, whose prior N(0, I) the page
  samples;
* `explorer.json`: where each tensor sits in those files, the latent ranges, the PCA basis and mean
  that map the 12-d codes to the plane and back, and a sample of test codes on that plane.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from convae._internal.checkpoints import load_pretrained, pretrained_metadata
from convae.data import load_dataset
from convae.evaluate import encode
from convae.widgets import latent_ranges

FORMAT = "convae-explorer/1"
DEFAULT_OUT = Path("book/_explorer")
VAE_NAME = "fashion-mnist-vae-latent12"  # the VAE whose decoder the page's sample button runs
MODEL_KEYS = ("dataset", "test_metrics", "command")  # what the page's manifest tells of each model


def _rounded(values: torch.Tensor, digits: int) -> list:
    return torch.round(values.double(), decimals=digits).tolist()


def export_web(out: Path = DEFAULT_OUT, name: str = "fashion-mnist", num_points: int = 3000,
               seed: int = 0) -> dict[str, int]:
    """Write `decoder.bin`, `vae-decoder.bin` and `explorer.json` into `out`; return their sizes in bytes."""
    model = load_pretrained(name)
    test_set = load_dataset(name, "test")
    codes = encode(model.encoder, test_set)  # (N, latent_dim)
    mean = codes.mean(dim=0)  # (latent_dim,)
    _, _, directions = torch.linalg.svd(codes - mean, full_matrices=False)
    basis = directions[:2]  # (2, latent_dim): the plane of the two principal components
    # An SVD may return either sign of each direction (it can differ between CPUs): fix it, so that
    # the largest entry of each basis vector is positive and the map is drawn the same way everywhere.
    largest = basis.gather(1, basis.abs().argmax(dim=1, keepdim=True))  # (2, 1)
    basis = basis * largest.sign()
    chosen = torch.randperm(len(codes), generator=torch.Generator().manual_seed(seed))[:num_points]
    plane = (codes[chosen] - mean) @ basis.T  # (num_points, 2)

    vae = load_pretrained(VAE_NAME)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "latent_dim": model.latent_dim,
        "weights": _write_decoder(model.decoder, out / "decoder.bin"),
        "ranges": _rounded(torch.tensor(latent_ranges(codes)), 4),
        "pca": {"mean": mean.tolist(), "basis": basis.tolist()},
        "points": {"xy": _rounded(plane.flatten(), 3), "labels": test_set.labels[chosen].tolist()},
        "classes": test_set.classes,
        "model": _model_entry(name),
        "vae": {"latent_dim": vae.latent_dim, "weights": _write_decoder(vae.decoder, out / "vae-decoder.bin"),
                "model": _model_entry(VAE_NAME)},
    }
    (out / "explorer.json").write_text(json.dumps(manifest, separators=(",", ":")) + "\n")
    written = ("decoder.bin", "vae-decoder.bin", "explorer.json")
    return {file: (out / file).stat().st_size for file in written}


def _write_decoder(decoder: torch.nn.Module, path: Path) -> dict:
    """Write a decoder's weights to `path` (float32, little-endian, one tensor after another in
    state-dict order) and return the manifest's entry for that file: its name, SHA-256 and where
    each tensor sits, counted in floats."""
    tensors, blob = [], bytearray()
    for tensor_name, tensor in decoder.state_dict().items():
        data = tensor.detach().cpu().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        tensors.append({"name": tensor_name, "shape": list(tensor.shape), "offset": len(blob) // 4,
                        "length": tensor.numel()})
        blob += data
    path.write_bytes(bytes(blob))
    return {"file": path.name, "sha256": hashlib.sha256(blob).hexdigest(), "tensors": tensors}


def _model_entry(name: str) -> dict:
    """What the manifest tells of a shipped model: its data set, test metrics and training command."""
    metadata = pretrained_metadata(name)
    return {key: metadata.get(key) for key in MODEL_KEYS}
