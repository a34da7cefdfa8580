"""Every chapter runs top to bottom, every assert holding, with seeds other than the stored ones.

The stored outputs come from the seeds written in the chapters (`SEED = 0`, `SEEDS = (0, 1, 2)`);
nbval compares those. A claim that holds only for the seeds its author happened to run is not a
claim, so here each chapter's seed lines are replaced and the chapter is run again, once for each of
two seed sets that nobody stored (`SEED = 3`, `SEEDS = (3, 4, 5)`, and `SEED = 11`,
`SEEDS = (11, 12, 13)`; $CONVAE_OTHER_SEEDS, e.g. "3,11", names their first seeds): outputs are not
compared, but every assert must hold for both.
For that to mean anything, a chapter draws every random number from those lines: a literal seed
anywhere else in its code fails the first test.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from helpers.figure_audit import read_log
from helpers.notebook_run import CHAPTERS, execute

OTHER_SEEDS = tuple(int(seed) for seed in os.environ.get("CONVAE_OTHER_SEEDS", "3,11").split(","))
STORED_SEEDS = {0, 1, 2}  # what the chapters' seed lines say: the runs nbval compares
SEED_LINE = re.compile(r"^SEED = \d+\b", re.MULTILINE)
SEEDS_LINE = re.compile(r"^SEEDS = \([\d, ]+\)", re.MULTILINE)
LITERAL_SEED = re.compile(r"(manual_seed|seed_everything)\(\d|(random_state|seed)=\d|for seed in \(\d")


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def with_other_seeds(notebook: nbformat.NotebookNode, first: int = OTHER_SEEDS[0]) -> int:
    """Replace the chapter's seed lines in place (`SEED = first`, `SEEDS = (first, first + 1,
    first + 2)`); how many lines were replaced."""
    replaced = 0
    for cell in code_cells(notebook):
        cell.source, seeds = SEEDS_LINE.subn(f"SEEDS = {(first, first + 1, first + 2)}", cell.source)
        cell.source, seed = SEED_LINE.subn(f"SEED = {first}", cell.source)
        replaced += seeds + seed
    return replaced


def test_the_seed_sets_are_two_that_nobody_stored():
    sets = [{first, first + 1, first + 2} for first in OTHER_SEEDS]
    assert len(sets) >= 2 and not any(seeds & STORED_SEEDS for seeds in sets)
    assert not sets[0] & sets[1]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_seed_comes_from_the_seed_lines(chapter):
    notebook = nbformat.read(chapter, as_version=4)
    literal = [line.strip() for cell in code_cells(notebook) for line in cell.source.splitlines()
               if LITERAL_SEED.search(line)]
    assert not literal, f"{chapter.name} seeds with a literal instead of SEED or SEEDS: {literal}"
    assert with_other_seeds(notebook) >= 1, f"{chapter.name} has no `SEED = …` or `SEEDS = (…)` line"


AUDIT_LOG = "figures.jsonl"  # what the audit cell below logs, in the chapter's folder
FIGURE_AUDIT = f"""import sys
sys.path.insert(0, {str(Path(__file__).parents[1])!r})
import helpers.figure_audit as figure_audit
figure_audit.install(figure_audit.Path({AUDIT_LOG!r}))"""


RUNS = [(chapter, first) for first in OTHER_SEEDS for chapter in CHAPTERS]


@pytest.fixture(scope="module", params=RUNS, ids=lambda run: f"{run[0].stem}-seed{run[1]}")
def other_seed_run(request, tmp_path_factory):
    """(chapter, first seed, seconds, the error or None, the figures it showed) of one run with other
    seeds, with every figure it showed measured as the reader sees it (tests/helpers/figure_audit.py)."""
    chapter, first = request.param
    notebook = nbformat.read(chapter, as_version=4)
    with_other_seeds(notebook, first)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(FIGURE_AUDIT))
    folder = tmp_path_factory.mktemp(f"{chapter.stem}-seed{first}")
    seconds, failure = execute(notebook, folder)
    printed = "".join(output.get("text", "") for cell in code_cells(notebook) for output in cell.get("outputs", []))
    return chapter, first, seconds, failure, read_log(folder / AUDIT_LOG), printed


def test_chapter_holds_with_other_seeds(other_seed_run, record_property):
    chapter, first, seconds, failure, _, printed = other_seed_run
    record_property("seconds", round(seconds, 1))
    if failure is not None:
        pytest.fail(f"{chapter.name} with SEED = {first} stopped after {seconds:.0f} s:\n{failure}",
                    pytrace=False)
    not_a_number = [line for line in printed.splitlines() if re.search(r"\bnan\b", line)]
    assert not not_a_number, f"{chapter.name} with SEED = {first} printed nan: {not_a_number}"
    print(f"{chapter.name} with SEED = {first}: {seconds:.0f} s")


def test_every_figure_reads_at_the_column_width(other_seed_run):
    """Each figure's smallest text, at the size the book's column shows it, is at least 70 % of the
    body text's (figure_audit.LEGIBLE_SHARE)."""
    chapter, _, _, failure, figures, _ = other_seed_run
    if failure is not None:
        pytest.skip(f"{chapter.name} stopped early (test_chapter_holds_with_other_seeds says why)")
    assert figures, f"{chapter.name} showed no figure"
    illegible = [f"{cell}: {drawn.describe()}" for cell, drawn in figures if not drawn.legible()]
    assert not illegible, f"{chapter.name}:\n" + "\n".join(illegible)
