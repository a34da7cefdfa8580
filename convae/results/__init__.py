"""Results the book prints but does not recompute, each written by a command named inside it."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path
from typing import Any

from ..files import write_atomically


def load_result(name: str) -> dict[str, Any]:
    """The stored result `name` (a JSON file in convae/results/), e.g. "fine_tuning_validation"."""
    path = resources.files("convae") / "results" / f"{name}.json"
    if not path.is_file():
        folder = resources.files("convae") / "results"
        available = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
        raise ValueError(f"no stored result named {name!r}; available: {available}")
    return json.loads(path.read_text())


def write_result(path: Path, result: dict[str, Any], started: float) -> dict[str, Any]:
    """Write `result`, with the seconds since `started` (a `time.perf_counter()`) and the torch
    version, as the JSON file `path` (its folder made if needed); return what was written."""
    import torch

    result = {**result, "seconds": round(time.perf_counter() - started), "torch_version": str(torch.__version__)}
    text = json.dumps(result, indent=1) + "\n"
    write_atomically(path, lambda partial: partial.write_text(text))  # hours of work: never half a file
    return result
