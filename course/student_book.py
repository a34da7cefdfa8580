"""The student book: the student edition of the chapters built as a static book of its own.

`python -m course student-book` (or `make student-book`) writes a Jupyter Book project into a
folder of the repository (`student/` by default): the chapters without solution cells and without
the outputs of exercise cells (`edition.student_notebook`), the reader's pages, the same theme,
explorer and configuration. The teacher's pages (the instructor page and its notes on the *Going
further* questions) stay out, and links to them become plain text. The chapters are not executed:
their stored outputs are shown as they are. The Colab links come from the one `repository.url`
setting of `_config.yml`, pointed at the student edition's own notebooks in that folder, so a
student who opens a chapter in Colab gets the edition without solutions once the folder is pushed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .edition import configured_repository, github_path, write_student_edition

READER_PAGES = ("intro.md", "setup.md", "explorer.md", "next.md", "provenance.md", "references.md")
TEACHER_PAGES = ("instructor.md", "going_further.md")
ASSETS = ("_explorer", "_vendor", "_ext", "_css")  # explorer files, vendored scripts, extensions, style
TEACHER_LINK = re.compile(r"\[([^\]]+)\]\((?:" + "|".join(map(re.escape, TEACHER_PAGES)) + r")[^)]*\)")
BRANCH = re.compile(r"^  branch: (\S+)", re.MULTILINE)


def write_student_book(root: Path, out: Path, folder: str | None = None) -> Path:
    """Write the student book's project into `out` from the book at `root`; return `out`. `folder`
    is where it lies in the repository (its Colab links point there): `out`'s place in `root` by
    default. Build it with `jupyter-book build OUT`."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root.is_relative_to(out):
        raise ValueError(f"the student book needs a folder of its own, not {out}, which holds the book itself")
    if folder is None:
        if not out.is_relative_to(root):
            raise ValueError(f"{out} is outside the repository {root}: say where it will be published in the "
                             "repository (--folder), so that its Colab links can point there")
        folder = out.relative_to(root).as_posix()
    if (out / "_config.yml").is_file() or (out / "notebooks").is_dir():
        shutil.rmtree(out)  # an earlier student book: written again in full each time
    elif out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} holds files that are not a student book; choose an empty or new folder")
    config = (root / "_config.yml").read_text()
    branch = BRANCH.search(config).group(1)
    colab = (f"https://colab.research.google.com/github/{github_path(configured_repository(root))}/blob/"
             f"{branch}/{folder}/notebooks")
    write_student_edition(root / "notebooks", out / "notebooks", colab)
    (out / "book").mkdir(parents=True)
    for page in READER_PAGES:
        (out / "book" / page).write_text(TEACHER_LINK.sub(r"\1", (root / "book" / page).read_text()))
    for asset in ASSETS:
        if (root / "book" / asset).is_dir():
            shutil.copytree(root / "book" / asset, out / "book" / asset)
    (out / "_config.yml").write_text(student_config(config, folder))
    (out / "_toc.yml").write_text(student_toc((root / "_toc.yml").read_text()))
    return out


def student_config(config: str, folder: str) -> str:
    """The book's configuration for the student book: its title marked, the chapters not executed
    (the reader's pages still are), and its sources in `folder` of the repository."""
    config = config.replace('title: "convae: convolutional autoencoders with PyTorch"',
                            'title: "convae: convolutional autoencoders with PyTorch (student edition)"')
    config = config.replace("  execute_notebooks: cache\n",
                            "  execute_notebooks: cache\n  exclude_patterns: [notebooks/*]  # shown as stored\n")
    return config.replace("  branch: ", f"  path_to_book: {folder}\n  branch: ", 1)


def student_toc(toc: str) -> str:
    """The book's table of contents without the teacher's pages."""
    return "".join(line for line in toc.splitlines(keepends=True)
                   if not any(line.strip() == f"- file: book/{page.removesuffix('.md')}" for page in TEACHER_PAGES))
