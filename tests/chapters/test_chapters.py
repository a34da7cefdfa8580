"""The chapters as stored: every exercise check in the full edition passed when the book was run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CHAPTERS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def check_outputs(path: Path) -> list[str]:
    """The printed text of every `check`-tagged cell of a chapter."""
    cells = json.loads(path.read_text())["cells"]
    return ["".join(output.get("text", "")) for cell in cells if "check" in cell.get("metadata", {}).get("tags", [])
            for output in cell.get("outputs", [])]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_every_stored_check_passed(chapter: Path) -> None:
    outputs = check_outputs(chapter)
    assert outputs, f"{chapter.name} has no stored check output: run the chapter and save it"
    failed = [text for text in outputs if not text.startswith("✅")]
    assert not failed, f"{chapter.name}: {failed}"
