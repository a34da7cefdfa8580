"""No import circle in convae/: the configuration does not know its trainers, checkpoints do not know
the training loops. Every import counts, those inside functions and under TYPE_CHECKING included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "convae"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    """Whether `name` (dotted) is a module or package of the repository."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(path: Path) -> set[str]:
    """The convae modules that the file at `path` imports, wherever the import statement stands."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}") else base)
    return {module for module in found if module.split(".")[0] == "convae" and module != name}


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imported(path) for path in sorted(PACKAGE.rglob("*.py"))}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each once: a path that leads back to where it began."""
    found, finished = [], set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            found.append(trail[trail.index(module):] + [module])
            return
        if module in finished:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, [*trail, module])
        finished.add(module)

    for module in sorted(graph):
        visit(module, [])
    return found


def test_the_graph_sees_imports_inside_functions_and_under_type_checking():
    graph = import_graph()
    assert "convae.recipe" in graph["convae.train"]  # under TYPE_CHECKING
    assert "convae.data" in graph["convae.recipe"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_there_is_no_import_circle_in_convae():
    found = circles(import_graph())
    assert not found, "import circles: " + "; ".join(" -> ".join(circle) for circle in found)


def test_the_configuration_and_the_checkpoints_do_not_import_the_training_stack():
    graph = import_graph()
    training = {"convae.train", "convae.vae", "convae._internal.kinds", "convae._internal.runs", "convae.transfer"}

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in graph.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    assert not reachable("convae.recipe") & training
    assert not reachable("convae._internal.checkpoints") & training


def test_convae_never_imports_the_repositorys_tools():
    for path in PACKAGE.rglob("*.py"):
        tops = {module.split(".")[0] for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0)
                for module in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])}
        assert not tops & {"studies", "course", "tests"}, path
