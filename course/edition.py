"""Editions of the book's notebooks: the student edition and the repository links.

Exercise cells carry tags: `starter` (the cell a student fills in), `solution` (the worked answer,
folded away in the built book) and `check` (the `convae.lab.check` call).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

COLAB_LINK = re.compile(r"^\[Open this chapter in Colab\]\(.*\)\n*", re.MULTILINE)
CONFIG_URL = re.compile(r"^(repository:\n(?:  .*\n)*?  url: )(\S+)", re.MULTILINE)


def cell_tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def source_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def chapter_id(path: Path) -> str:
    """A chapter's id: the leading digits of its file name ("01" for 01_encoder.ipynb), else the name."""
    match = re.match(r"\d+", Path(path).stem)
    return match.group(0) if match else Path(path).stem


def student_notebook(notebook: dict, colab_base: str | None = None) -> dict:
    """A copy of `notebook` without solution cells and without outputs of exercise cells.

    The Colab link of the first cell points at `colab_base` + the file name when given; it is
    removed otherwise, so that it does not lead students to the edition with solutions.
    """
    notebook = json.loads(json.dumps(notebook))  # a deep copy
    cells = []
    for cell in notebook["cells"]:
        tags = cell_tags(cell)
        if "solution" in tags:
            continue
        if cell["cell_type"] == "code" and ({"starter", "check"} & set(tags)):
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    notebook["cells"] = cells
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def read_notebook(path: Path) -> dict:
    """A notebook file's JSON; a ValueError naming the file if it is not a notebook."""
    try:
        notebook = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} could not be read as a notebook: {error}") from error
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list) or not notebook["cells"]:
        raise ValueError(f"{path} is not a Jupyter notebook with cells")
    return notebook


def write_student_edition(
    source: Path, out: Path, colab_base: str | None = None, *, force: bool = False
) -> list[Path]:
    """Write the student edition of every chapter in `source` into `out`; return the paths.

    Refuses, unless `force`, to write into `source` itself or over notebooks already in `out`:
    the student edition has no solutions, so writing it over the chapters would lose them.
    """
    source, out = Path(source), Path(out)
    chapters = sorted(source.glob("*.ipynb"))
    if not chapters:
        raise ValueError(f"no notebooks in {source}")
    if colab_base is not None and not re.match(r"https?://\S+$", colab_base):
        raise ValueError(f"the Colab base must be a URL starting with https://, got {colab_base!r}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder for the student notebooks")
    if not force and out.resolve() == source.resolve():
        raise ValueError(f"{out} is the folder of the chapters themselves: the student edition would replace them "
                         "and their solutions. Choose another folder (or pass --force to overwrite them anyway)")
    existing = [chapter.name for chapter in chapters if (out / chapter.name).exists()]
    if existing and not force:
        raise ValueError(f"{out} already holds {', '.join(existing)}; choose an empty folder "
                         "(or pass --force to overwrite them)")
    notebooks = {chapter: read_notebook(chapter) for chapter in chapters}  # all read before anything is written
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in chapters:
        notebook = student_notebook(notebooks[chapter])
        first = notebook["cells"][0]
        link = f"[Open this chapter in Colab]({colab_base.rstrip('/')}/{chapter.name})\n\n" if colab_base else ""
        first["source"] = COLAB_LINK.sub(link, source_text(first))
        notebook["metadata"]["convae"] = {"chapter": chapter_id(chapter), "edition": "student"}  # for the grader
        path = out / chapter.name
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def github_path(url: str) -> str:
    """'owner/name' of a GitHub repository URL."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(f"expected a GitHub repository URL like https://github.com/owner/name, got {url!r}")
    return match.group(1)


def configured_repository(root: Path) -> str:
    """The repository URL that `_config.yml` names."""
    match = CONFIG_URL.search((Path(root) / "_config.yml").read_text())
    if not match:
        raise ValueError(f"{root / '_config.yml'} has no repository url")
    return match.group(2)


def set_repository(root: Path, url: str) -> list[Path]:
    """Point `_config.yml` and every notebook's Colab and install links at `url`."""
    root = Path(root)
    new = github_path(url)
    config = root / "_config.yml"
    if not config.is_file():
        raise ValueError(f"{root} is not the book's root folder: it has no _config.yml")
    old = github_path(configured_repository(root))
    config.write_text(CONFIG_URL.sub(lambda m: m.group(1) + f"https://github.com/{new}", config.read_text()))
    changed = [config]
    for chapter in sorted((root / "notebooks").glob("*.ipynb")):
        text = chapter.read_text()
        updated = text.replace(f"github.com/{old}", f"github.com/{new}").replace(f"/github/{old}/", f"/github/{new}/")
        if updated != text:
            chapter.write_text(updated)
            changed.append(chapter)
    return changed
