"""Writing files so that they appear whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def check_writable(path: str | os.PathLike) -> Path:
    """Make sure a file can be written at `path` (creating its folder), before any work is done."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name, e.g. {path / 'model.pt'}")
    partial = _partial(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.touch()
        partial.unlink()
    except OSError as error:
        raise ValueError(f"cannot write to {path}: {error.strerror or error}") from error
    return path


def write_atomically(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call `write(partial)` to write a file beside `path`, then move it onto `path` in one step:
    a crash mid-write never leaves a half-written file at `path`."""
    path = check_writable(path)
    partial = _partial(path)
    write(partial)
    partial.replace(path)
    return path


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")
