"""The test tiers, marked by folder: what a test needs decides where it lives and when it runs.

- `unit`: tests/unit, the package and the lab checks on tiny data (seconds each; `make quick`)
- `tools`: tests/tools, the maintainers' commands (studies' quick runs and stored records, the grader
  and its box)
- `chapters`: tests/chapters and notebooks/ (nbval), every chapter run: other seeds, the MNIST switch,
  the Colab simulation
- `book`: tests/book, the built book (Jupyter Book, Chromium, axe-core), its pages, the student
  book, publishing and the installed wheel

`make test` runs every tier; `pytest -m unit` (or any other tier's name) runs one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
TIERS = {**{ROOT / "tests" / name: name for name in ("unit", "tools", "chapters", "book")},
         ROOT / "notebooks": "chapters"}  # nbval runs the chapters themselves


def tier_of(path: Path) -> str:
    """The tier of the test file at `path`: the tier folder that holds it."""
    for folder, tier in TIERS.items():
        if folder in path.resolve().parents:
            return tier
    raise pytest.UsageError(f"{path} lies in no tier folder: put it in one of {sorted(map(str, TIERS))}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier_of(Path(item.path)))
