"""One honest API: every `convae` name a chapter uses is declared, and nothing declared is for tests only."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
from pathlib import Path

import pytest

import convae

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def chapter_code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def declared(module_name: str) -> set[str]:
    """The names `module_name` declares in its `__all__` (a module without one declares nothing)."""
    return set(getattr(importlib.import_module(module_name), "__all__", ()))


def uses(code: str) -> set[tuple[str, str]]:
    """(module, name) for every name a chapter takes from convae: `convae.x`, `convae.m.x`,
    `from convae import x`, `from convae.m import x`, and `m.x` for a module `m` imported from convae."""
    tree = ast.parse(code)
    modules = {"convae": "convae"}  # local name -> module
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "convae":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if importlib.util.find_spec(full) if node.module == "convae" else False:
                    modules[alias.asname or alias.name] = full
                found.add((node.module, alias.name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            module = modules[node.value.id]
            if importlib.util.find_spec(f"{module}.{node.attr}") if module == "convae" else False:
                continue  # convae.<submodule>: its own names are checked where they are used
            found.add((module, node.attr))
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                and isinstance(node.value.value, ast.Name) and node.value.value.id == "convae"):
            found.add((f"convae.{node.value.attr}", node.attr))
    return found


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_name_a_chapter_uses_is_declared(chapter):
    for module, name in uses(chapter_code(chapter)):
        submodule = module == "convae" and importlib.util.find_spec(f"convae.{name}") is not None
        if submodule:
            assert declared(f"convae.{name}"), f"{chapter.stem} imports convae.{name}, which declares no __all__"
        else:
            assert name in declared(module), f"{chapter.stem} uses {module}.{name}, not in {module}.__all__"


def test_nothing_is_exported_for_the_tests_alone():
    readers = "\n".join([*(chapter_code(p) for p in CHAPTERS), (ROOT / "README.md").read_text(),
                         *(p.read_text() for p in (ROOT / "book").glob("*.md"))])
    package = "\n".join(p.read_text() for p in (ROOT / "convae").rglob("*.py") if p.name != "__init__.py")
    for name in convae.__all__:
        pattern = rf"\b{re.escape(name)}\b"
        definition = rf"^\s*(def|class) {re.escape(name)}\b|^{re.escape(name)}\b.*="
        used = [line for line in package.splitlines() if re.search(pattern, line) and not re.search(definition, line)]
        assert re.search(pattern, readers) or used, f"convae.{name} is used by no chapter, page or module"


def test_no_module_imports_the_package_above_it():
    for path in (ROOT / "convae").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 1 and node.module is None:
                package = path.parents[node.level - 1]  # `from . import` is this folder, `from .. import` its parent
                names = {alias.name for alias in node.names}
                is_submodule = all((package / f"{n}.py").exists() or (package / n).is_dir() for n in names)
                assert is_submodule, f"{path.relative_to(ROOT)} imports {names} from its package's __init__"
