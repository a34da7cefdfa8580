"""Results the book prints but does not recompute, each written by a study command named inside it
(`python -m studies …`, from the repository)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_result(name: str) -> dict[str, Any]:
    """The stored result `name` (a JSON file in convae/results/), e.g. "fine_tuning_validation"."""
    path = resources.files("convae") / "results" / f"{name}.json"
    if not path.is_file():
        folder = resources.files("convae") / "results"
        available = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
        raise ValueError(f"no stored result named {name!r}; available: {available}")
    return json.loads(path.read_text())
