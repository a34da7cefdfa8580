"""Folded code cells whose toggle is named by what it says.

myst-nb folds a cell tagged `hide-input` into a `<details>` whose `<summary>` carries the fixed
label "Toggle hidden content", which a screen reader reads instead of the visible prompt ("Install
convae where it is missing …"): WCAG's label-in-name rule fails. This extension writes the same
summary without that label, so its name is the prompt the reader sees.
"""

from __future__ import annotations

from html import escape
from typing import Any

from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput


def visit_folded_cell(self: Any, node: HideCodeCellNode) -> None:
    """myst-nb's opening of a folded cell, its summary named by the visible prompt."""
    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app: Any) -> dict[str, bool]:
    app.setup_extension("myst_nb")
    app.add_node(HideCodeCellNode, override=True, html=(visit_folded_cell, depart_HideCellInput))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
