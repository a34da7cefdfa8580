"""The package and the repository's tools stay plain as they grow: short functions with few parameters."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 50  # from the `def` line to the function's last line
MAX_PARAMETERS = 8  # self and cls not counted
FOLDERS = ("convae", "studies", "course")  # the package, and the tools that import it


def functions():
    """(where, lines, parameters) of every function and method in convae/, studies/ and course/."""
    for path in sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args
                names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
                names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
                count = len([name for name in names if name not in ("self", "cls")])
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name}", node.end_lineno - node.lineno + 1, count


def test_no_function_is_longer_than_a_screen():
    long = [f"{where} ({lines} lines)" for where, lines, _ in functions() if lines > MAX_LINES]
    assert not long, f"functions over {MAX_LINES} lines: {long}"


def test_no_function_takes_more_than_eight_parameters():
    many = [f"{where} ({count} parameters)" for where, _, count in functions() if count > MAX_PARAMETERS]
    assert not many, f"functions with more than {MAX_PARAMETERS} parameters: {many}"


def test_every_folder_is_looked_at():
    looked_at = {where.split("/")[0] for where, _, _ in functions()}
    assert looked_at == set(FOLDERS)
