"""The chapters' exercises as the lab kit and the student edition see them: starter, solution, check."""

from __future__ import annotations

import json
import re
from pathlib import Path

from course.edition import cell_tags, source_text

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r'lab\.check\("([\w-]+)", (\w+)\)')


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def exercises(notebook: dict) -> list[tuple[str, str, str, str]]:
    """(exercise id, answer name, starter source, solution source) for each check cell."""
    cells = notebook["cells"]
    found = []
    for i, cell in enumerate(cells):
        if "check" in cell_tags(cell):
            exercise_id, name = CHECK_CALL.search(source_text(cell)).groups()
            starter, solution = cells[i - 2], cells[i - 1]
            assert "starter" in cell_tags(starter) and "solution" in cell_tags(solution), exercise_id
            found.append((exercise_id, name, source_text(starter), source_text(solution)))
    return found


