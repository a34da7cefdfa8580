"""What a figure's reader sees: the smallest text drawn in it, at the size the book's column shows it.

A figure wider than the column is scaled down to fit it, and its text with it. A figure is legible
when its smallest text, so scaled, is at least `LEGIBLE_SHARE` of the body text's size. The column
and body sizes are the book's, measured in the browser (tests/book/test_accessibility.py).
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib.backend_bases
import matplotlib.text
from matplotlib.figure import Figure

from convae.plots import COLUMN_INCHES, DPI

BODY_TEXT_PX = 16  # the book's body text, in CSS pixels
COLUMN_PX = round(COLUMN_INCHES * DPI)  # a figure's room in the book's column, in a 1280-pixel-wide window
LEGIBLE_SHARE = 0.7

_drawn: list[tuple[float, str]] = []  # (font size in points, text) of each text drawn since the last clear


@dataclass(frozen=True)
class Drawn:
    """One figure as shown: its image's width, the dots per inch it was drawn at, its smallest text."""

    width_px: int
    dpi: float
    smallest_pt: float
    smallest_text: str

    def shown_px(self) -> float:
        """The smallest text's height in CSS pixels once the column has scaled the image to fit."""
        return self.smallest_pt / 72 * self.dpi * min(1.0, COLUMN_PX / self.width_px)

    def legible(self) -> bool:
        return self.shown_px() >= LEGIBLE_SHARE * BODY_TEXT_PX

    def describe(self) -> str:
        return (f"{self.width_px} px wide at {self.dpi:g} dpi, smallest text {self.smallest_text!r} at "
                f"{self.smallest_pt:g} pt: {self.shown_px():.1f} px in the column, needs "
                f"{LEGIBLE_SHARE * BODY_TEXT_PX:.1f}")


def _record_drawn_texts() -> None:
    """Make every drawn text note its size (once per process)."""
    original = matplotlib.text.Text.draw
    if getattr(original, "audited", False):
        return

    def draw(self, renderer):
        if self.get_visible() and self.get_text().strip():
            _drawn.append((self.get_fontsize(), self.get_text()))
        return original(self, renderer)

    draw.audited = True
    matplotlib.text.Text.draw = draw


def _measure(png: bytes, dpi: float) -> Drawn:
    """The `Drawn` of the PNG just printed, from the texts drawn while printing it."""
    width = int.from_bytes(png[16:20], "big")  # the IHDR chunk's width
    size, text = min(_drawn, default=(float("inf"), ""))
    return Drawn(width, dpi, size, text)


def draw(fig: Figure) -> Drawn:
    """Print `fig` as a notebook shows it (PNG, tight bounding box, the figure's dpi) and measure it."""
    _record_drawn_texts()
    _drawn.clear()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    return _measure(buffer.getvalue(), fig.dpi)


def install(log: Path) -> None:
    """In a kernel: append a JSON line to `log` for every PNG figure the notebook shows."""
    _record_drawn_texts()
    original = matplotlib.backend_bases.FigureCanvasBase.print_figure

    def print_figure(self, filename, *args, **kwargs):
        _drawn.clear()
        result = original(self, filename, *args, **kwargs)
        if hasattr(filename, "getvalue") and kwargs.get("format", "png") == "png":
            drawn = _measure(filename.getvalue(), kwargs.get("dpi") or self.figure.dpi)
            from IPython import get_ipython

            shell = get_ipython()
            cell = f"In [{shell.execution_count}]: {shell.user_ns['In'][-1].strip().splitlines()[0]}"
            with open(log, "a") as out:
                out.write(json.dumps({"cell": cell, **asdict(drawn)}) + "\n")
        return result

    matplotlib.backend_bases.FigureCanvasBase.print_figure = print_figure


def read_log(log: Path) -> list[tuple[str, Drawn]]:
    """(the cell's prompt and first line, `Drawn`) of every figure `install` logged."""
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    return [(row.pop("cell"), Drawn(**row)) for row in rows]
