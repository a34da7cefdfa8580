"""Every chapter as a Colab user runs it, simulated: Colab's Python and published package versions
(colab-runtime.txt: torch, matplotlib, scikit-learn, ipywidgets 7.7.1, …), `google.colab` imported,
an empty working folder, and the chapter's own install cell, pointed at this checkout.

Afterwards the install cell has said what it installed in one line, and it has changed nothing
that Colab already had: the only new package is convae, and ipywidgets is still 7.7.1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import nbformat
import pytest
from helpers.colab_sim import COLAB_IPYWIDGETS, COLAB_PYTHON, PINS, ROOT, colab_env, kernel_environment
from nbclient import NotebookClient

from conftest import skip_unless_ci

WIDGET_TESTS = ROOT / "tests" / "unit" / "test_widgets.py"  # run again under ipywidgets 7.7.1
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
GIT_INSTALL = re.compile(r"convae @ git\+[^\"']+")  # the install cell's requirement
INSTALLED_LINE = re.compile(rf"installed convae \S+; torch {re.escape(PINS['torch'])}, "
                            rf"ipywidgets {re.escape(COLAB_IPYWIDGETS)}\n")
# The widget protocol versions of ipywidgets 7, the ones Colab renders (ipywidgets 8 speaks 2.0.0).
COLAB_WIDGET_MODULES = {("@jupyter-widgets/controls", "1.5.0"), ("@jupyter-widgets/base", "1.2.0"),
                        ("@jupyter-widgets/output", "1.0.0")}
CELL_TIMEOUT = 1200  # seconds, as for the book's build (_config.yml)


@pytest.fixture(scope="module")
def colab():
    try:
        return colab_env()
    except RuntimeError as error:
        skip_unless_ci(f"the Colab-like environment could not be built: {error}")


@pytest.fixture(scope="module")
def package_source(tmp_path_factory) -> Path:
    """This checkout's package, as `pip install git+URL` would fetch it (builds stay out of the checkout)."""
    source = tmp_path_factory.mktemp("convae-source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "convae", source / "convae", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return source


def test_the_simulation_holds_colabs_published_versions(colab):
    installed = colab.distributions()
    assert {name: installed.get(name) for name in PINS} == PINS
    python = subprocess.run([str(colab.python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                            check=True, capture_output=True, text=True).stdout.strip()
    print(f"the Colab simulation runs Python {python} (Colab: {COLAB_PYTHON})")
    if not python.startswith(COLAB_PYTHON + "."):
        warnings.warn(f"this machine has no Python {COLAB_PYTHON}: the Colab simulation ran Python {python}",
                      stacklevel=1)


def pointed_at(notebook: nbformat.NotebookNode, source: Path) -> nbformat.NotebookNode:
    """`notebook` with its install cell installing from `source`, after `import google.colab`."""
    install = next(cell for cell in notebook.cells if cell.cell_type == "code")
    requirements = GIT_INSTALL.findall(install.source)
    assert len(requirements) == 1, f"the first code cell should install 'convae @ git+…' once:\n{install.source}"
    install.source = install.source.replace(requirements[0], f"convae @ {source.as_uri()}")
    notebook.cells.insert(0, nbformat.v4.new_code_cell("import google.colab  # as Colab's kernel does"))
    return notebook


def widget_modules(notebook: nbformat.NotebookNode) -> set[tuple[str, str]]:
    """(module, version) of every widget model the run created."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return {(model["model_module"], model["model_module_version"]) for model in state.get("state", {}).values()}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_runs_in_colab_and_keeps_its_packages(chapter, colab, package_source, tmp_path):
    colab.uninstall("convae")  # a fresh runtime
    before = colab.distributions()
    notebook = pointed_at(nbformat.read(chapter, as_version=4), package_source)
    install = next(cell for cell in notebook.cells[1:] if cell.cell_type == "code")
    content = tmp_path / "content"  # Colab's empty working folder
    content.mkdir()

    # cleanup_kc: shut the kernel down afterwards (with a kernel manager of its own, nbclient would
    # leave it running, holding its memory until the test session ends)
    NotebookClient(notebook, km=colab.kernel_manager(), timeout=CELL_TIMEOUT,
                   resources={"metadata": {"path": str(content)}}).execute(cleanup_kc=True, env=kernel_environment())

    printed = "".join(out.get("text", "") for out in install.outputs if out.output_type == "stream")
    assert INSTALLED_LINE.fullmatch(printed), f"the install cell should print one line, printed:\n{printed}"
    after = colab.distributions()
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert changed == {"convae"}, f"installing convae should add convae and change nothing else: {changed}"
    assert after["ipywidgets"] == COLAB_IPYWIDGETS
    assert widget_modules(notebook) <= COLAB_WIDGET_MODULES, "widgets should be ipywidgets 7's, which Colab renders"


def test_the_widget_tests_pass_under_colabs_ipywidgets(colab):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}", "MPLBACKEND": "Agg"}
    # -o addopts=: not the project's nbval options (Colab has no nbval)
    run = subprocess.run([str(colab.python), "-m", "pytest", str(WIDGET_TESTS), "-q", "-o", "addopts="],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b2 passed\b", run.stdout), run.stdout
