"""The one check every counted setting goes through: a whole number of at least 1."""

from __future__ import annotations

from typing import Any


def whole_number(value: Any, name: str) -> int:
    """`value` if it is a whole number >= 1 (not a bool); a ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def non_empty(data: Any, name: str) -> Any:
    """`data` if it holds at least one item; a ValueError naming `name` otherwise."""
    if len(data) == 0:
        raise ValueError(f"{name} must hold at least one image, got an empty {type(data).__name__}")
    return data
