"""`python -m studies time-chapters`: what each chapter asks of a lab, measured.

For every chapter: the words of prose a student reads, the lines of code the book shows, the
exercises the lab checks, and the seconds the chapter takes to execute from a fresh kernel, one
chapter after the other (two at a time on a 2-core CPU slow each other many times over). The
instructor page's table is read from the record this writes, so its figures are never typed.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

import torch

from .study import Study

CHAPTERS = Path("notebooks")  # run from the book's root folder
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell", "solution"}  # out of the reader's sight
EXERCISE_CALL = "lab.check("


def chapter_paths(folder: Path = CHAPTERS) -> list[Path]:
    """The chapters, in order: 01_encoder.ipynb, 02_decoder.ipynb, …"""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def measure_text(chapter: Path) -> dict[str, Any]:
    """A chapter's title, words of prose, visible lines of code and checked exercises."""
    cells = json.loads(chapter.read_text())["cells"]
    sources = [("".join(cell["source"]), cell) for cell in cells]
    prose = [text for text, cell in sources if cell["cell_type"] == "markdown"]
    code = [text for text, cell in sources if cell["cell_type"] == "code"]
    shown = [text for text, cell in sources if cell["cell_type"] == "code"
             and not HIDDEN & set(cell["metadata"].get("tags", []))]
    return {"title": prose[0].splitlines()[0].lstrip("# ").strip(),
            "words": sum(len(text.split()) for text in prose),
            "code_lines": sum(1 for text in shown for line in text.splitlines() if line.strip()),
            "exercises": sum(text.count(EXERCISE_CALL) for text in code)}


def execution_seconds(chapter: Path) -> float:
    """Seconds to run every cell of `chapter` in a fresh kernel started in its folder."""
    import nbformat  # the book's build tools: installed with convae[book], not needed by the chapters
    from nbclient import NotebookClient

    notebook = nbformat.read(chapter, as_version=4)
    client = NotebookClient(notebook, timeout=1200, resources={"metadata": {"path": str(chapter.parent)}})
    started = time.perf_counter()
    client.execute()
    return round(time.perf_counter() - started, 1)


def cpu_name() -> str:
    """The CPU's model name, as Linux reports it (else what Python knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def time_chapters(study: Study) -> dict[str, Any]:
    """Measure every chapter (a quick study counts without executing), write `chapter_times.json`."""
    chapters = {}
    for chapter in chapter_paths():
        measured = measure_text(chapter)
        measured["seconds"] = None if study.quick else execution_seconds(chapter)
        chapters[chapter.stem] = measured
        print(f"{chapter.stem}: {measured}", flush=True)
    machine = {"cpu": cpu_name(), "threads": torch.get_num_threads()}
    return study.write("chapter_times.json", {"machine": machine, "chapters": chapters})
