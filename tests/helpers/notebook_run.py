"""Running a chapter top to bottom in a fresh kernel of this interpreter, for the tests that change
one line of it first (the dataset switch, the seeds)."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 1200  # seconds, as for the book's build (_config.yml)
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # in the tracebacks the kernel sends


class CurrentEnvironment(KernelSpecManager):
    """Kernel specs that all start this interpreter's ipykernel, so the chapters import the convae under test."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(name=kernel_name, language="python", display_name=f"Python ({sys.executable})",
                          argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"])


def replace_once(notebook: nbformat.NotebookNode, old: str, new: str, chapter: str) -> int:
    """Replace the line `old` by `new` in the one code cell that holds it; how many cells held it (0 or 1)."""
    holders = [cell for cell in notebook.cells if cell.cell_type == "code" and old in cell.source]
    count = sum(cell.source.count(old) for cell in holders)
    assert count <= 1, f"{chapter} should set {old!r} in one place only, found {count}"
    for cell in holders:
        cell.source = cell.source.replace(old, new)
    return count


def execute(notebook: nbformat.NotebookNode, folder: Path, env: dict[str, str] | None = None
            ) -> tuple[float, str | None]:
    """Run every cell in a fresh kernel started in `folder`: (seconds, the error's text or None)."""
    client = NotebookClient(notebook, km=KernelManager(kernel_spec_manager=CurrentEnvironment()),
                            timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(folder)}})
    started, failure = time.perf_counter(), None
    try:
        # cleanup_kc: shut the kernel down afterwards (given a kernel manager, nbclient would leave it
        # running, holding its memory until the test session ends)
        client.execute(cleanup_kc=True, env={**os.environ, **(env or {})})
    except CellExecutionError as error:
        failure = ANSI_COLOURS.sub("", str(error))
    return time.perf_counter() - started, failure
