"""What the reader of a chapter sees: code that fits the book's column, no proof in view, a lab-sized text.

Cells tagged `remove-cell` (the checks behind the prose), `hide-input` or `solution` are out of the
reader's sight; everything else is shown as it is written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell", "solution"}
COLUMN = 80  # characters of code the book's column shows
MOST_WORDS = 1600  # prose per chapter: a lab's reading


def cells(chapter: Path) -> list[dict]:
    return json.loads(chapter.read_text())["cells"]


def visible_code(chapter: Path) -> list[str]:
    return ["".join(c["source"]) for c in cells(chapter)
            if c["cell_type"] == "code" and not HIDDEN & set(c["metadata"].get("tags", []))]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_visible_code_fits_the_column(chapter):
    long = [line for code in visible_code(chapter) for line in code.splitlines() if len(line) > COLUMN]
    assert not long, f"{chapter.stem}: {len(long)} visible code lines over {COLUMN} characters: {long[:3]}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_dataset_guard_or_provenance_is_in_view(chapter):
    for code in visible_code(chapter):
        assert not re.search(r"^\s*if\s+DATASET\s*==", code, re.MULTILINE), f"{chapter.stem}: a visible guard"
        assert not re.search(r"sha256|train_seconds|torch_version", code, re.IGNORECASE), \
            f"{chapter.stem}: provenance in view:\n{code}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_prose_is_sized_for_a_lab(chapter):
    words = sum(len("".join(c["source"]).split()) for c in cells(chapter) if c["cell_type"] == "markdown")
    assert words <= MOST_WORDS, f"{chapter.stem} has {words} words of prose, more than {MOST_WORDS}"
