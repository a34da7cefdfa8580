"""Every figure in the chapters has a numbered caption and alt text, and the prose cites figures that exist.

A figure is a code cell's image output; myst-nb renders the cell's `mystnb.figure` metadata as its
caption and `mystnb.image.alt` as the image's alt text. The number sits in the caption itself
("**Figure 8.2.** …"), counted per chapter in order, so the prose can cite it in plain text that
reads the same in the book, in Jupyter and in Colab.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers.notebook_run import CHAPTERS

CITED = re.compile(r"Figures? (\d+)\.(\d+)(?:[–-](?:\d+\.)?(\d+))?")  # "Figure 8.2", "Figures 3.3–3.4"
FILE_NAME = re.compile(r"\.(png|jpe?g|svg)\b|[0-9a-f]{16}", re.IGNORECASE)
ALT_MAX = 250  # characters: a sentence or two, what a screen reader reads out


def chapter_number(chapter) -> int:
    return int(chapter.name[:2])


def figure_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells that show an image, in order."""
    return [cell for cell in notebook.cells if cell.cell_type == "code"
            and any("image/png" in output.get("data", {}) for output in cell.outputs)]


def figure_counts() -> dict[int, int]:
    return {chapter_number(path): len(figure_cells(nbformat.read(path, as_version=4))) for path in CHAPTERS}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_figure_has_a_numbered_caption_and_alt_text(chapter):
    notebook = nbformat.read(chapter, as_version=4)
    cells = figure_cells(notebook)
    assert cells, f"{chapter.name} shows no figure"
    for number, cell in enumerate(cells, start=1):
        label = f"Figure {chapter_number(chapter)}.{number}"
        shown = [output for output in cell.outputs if output.output_type in ("display_data", "execute_result")]
        # myst-nb wraps every displayed output of the cell in the figure: one image, nothing else
        assert len(shown) == 1, f"{label}'s cell shows {len(shown)} outputs, not one image:\n{cell.source}"
        options = cell.metadata.get("mystnb", {})
        caption = options.get("figure", {}).get("caption", "")
        assert caption.startswith(f"**{label}.** ") and len(caption) > len(label) + 40, (label, caption)
        assert options["figure"].get("name") == f"figure-{chapter_number(chapter)}-{number}", label
        alt = options.get("image", {}).get("alt", "")
        assert 30 <= len(alt) <= ALT_MAX, f"{label}: alt text of {len(alt)} characters: {alt!r}"
        assert not FILE_NAME.search(alt) and not alt.lower().startswith(("image", "figure")), (label, alt)
        assert alt not in caption, f"{label}: the alt text repeats the caption instead of describing the image"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_the_prose_cites_only_figures_that_exist(chapter):
    counts = figure_counts()
    notebook = nbformat.read(chapter, as_version=4)
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    cited = CITED.findall(prose)
    for chapter_cited, first, last in cited:
        for number in (first, last or first):
            assert int(number) <= counts.get(int(chapter_cited), 0), \
                f"{chapter.name} cites Figure {chapter_cited}.{number}, which does not exist"
    if counts[chapter_number(chapter)] > 2:
        assert cited, f"{chapter.name} never cites one of its figures by number"


def test_the_citation_pattern_reads_ranges():
    assert CITED.findall("as Figures 3.3–3.4 and Figure 8.2 show") == [("3", "3", "4"), ("8", "2", "")]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_the_install_cell_is_folded_with_a_one_line_caption(chapter):
    notebook = nbformat.read(chapter, as_version=4)
    install = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "convae @ git+" in install.source
    assert "hide-input" in install.metadata.get("tags", [])
    prompt = install.metadata.get("mystnb", {}).get("code_prompt_show", "")
    assert prompt.startswith("Install convae") and "\n" not in prompt, prompt
