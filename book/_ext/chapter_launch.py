"""Launch buttons on the chapters only.

The book's theme gives every page that holds code a launch menu (Colab, Binder, JupyterHub). The
instructor, provenance and notes pages are MyST notebooks too, but nobody runs them in Colab (which
cannot open a .md file): this extension takes the menu off every page outside `notebooks/`.
"""

from __future__ import annotations

from typing import Any


def drop_launch_buttons(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Remove the theme's launch menu from a page that is not a chapter."""
    if not pagename.startswith("notebooks/"):
        context["header_buttons"] = [button for button in context.get("header_buttons", [])
                                     if button.get("label") != "launch-buttons"]


def setup(app: Any) -> dict[str, bool]:
    app.connect("html-page-context", drop_launch_buttons, priority=502)  # after the theme adds the menu (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
