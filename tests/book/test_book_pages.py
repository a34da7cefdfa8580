"""The book's own pages that compute (MyST notebooks: the provenance page's tables, the instructor's
plan, the notes' arithmetic) run top to bottom: the test build renders them with execution off."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from helpers.notebook_run import ROOT, execute

PAGES = sorted(page for page in (ROOT / "book").glob("*.md") if "kernelspec:" in page.read_text())
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n((?::[^\n]*\n)*)(.*?)^```$", re.MULTILINE | re.DOTALL)


def code_cells(page: Path) -> nbformat.NotebookNode:
    """The page's code cells (their `:tags:` lines dropped) as a notebook."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)
                                           for _, code in CODE_CELL.findall(page.read_text())])


def test_the_computing_pages_are_found():
    assert {page.name for page in PAGES} >= {"provenance.md", "instructor.md"}
    assert all(code_cells(page).cells for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.stem)
def test_every_computing_page_runs(page):
    seconds, failure = execute(code_cells(page), ROOT / "book")
    assert failure is None, f"{page.name} stopped after {seconds:.0f} s:\n{failure}"
