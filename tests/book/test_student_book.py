"""The student book: the student edition built as a static book, with no solution line and no
answer value in the chapter that asks for it, no teacher's page, and Colab links to its own
notebooks."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import skip_unless_ci
from convae import lab
from course.edition import cell_tags, source_text
from course.student_book import TEACHER_PAGES, write_student_book

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r'lab\.check\("([\w-]+)"')
VENDORED = ROOT / "book" / "_vendor" / "embed-amd.js"


@pytest.fixture(scope="module")
def student_book(tmp_path_factory) -> Path:
    if not VENDORED.is_file():
        skip_unless_ci(f"the book's scripts are not vendored: {VENDORED} is missing (`make book` fetches them)")
    out = write_student_book(ROOT, tmp_path_factory.mktemp("student") / "student", folder="student")
    subprocess.run([Path(sys.executable).parent / "jupyter-book", "build", str(out), "-W", "-n", "--keep-going",
                    "--quiet"], check=True)
    return out / "_build" / "html"


def visible_text(page: Path) -> str:
    """A built page's text: tags dropped (the highlighter's spans too), entities read, spaces folded."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
    return " ".join(text.split())


def folded(line: str) -> str:
    return " ".join(line.split())


def secrets(chapter: Path) -> dict[str, list[str]]:
    """Per exercise: the solution's lines that the chapter shows nowhere else, in its code or its
    printed output (chapter 3 prints the package's own loop: lines like those are no secret), and
    the values its check declares."""
    cells = json.loads(chapter.read_text())["cells"]
    public = [cell for cell in cells if "solution" not in cell_tags(cell)]
    printed = ["".join(output.get("text", "")) for cell in public for output in cell.get("outputs", [])]
    shown = "\n".join(folded(line) for text in [*map(source_text, public), *printed] for line in text.splitlines())
    found = {}
    for index, cell in enumerate(cells):
        if "check" in cell_tags(cell):
            exercise_id = CHECK_CALL.search(source_text(cell)).group(1)
            solution = source_text(cells[index - 1])
            lines = [folded(line) for line in solution.splitlines()
                     if len(folded(line)) > 12 and not folded(line).startswith("#") and folded(line) not in shown]
            found[exercise_id] = lines + list(lab.GIVEAWAYS[exercise_id])
    return found


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_no_solution_line_and_no_answer_is_in_the_student_chapter(student_book, chapter):
    text = visible_text(student_book / "notebooks" / f"{chapter.stem}.html")
    for exercise_id, hidden in secrets(chapter).items():
        assert hidden, f"{exercise_id}: a solution with nothing to hide?"
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{exercise_id} shows its answer in the student book: {leaked[:3]}"


def test_the_student_book_leaves_the_teachers_pages_out(student_book):
    built = {page.name for page in (student_book / "book").glob("*.html")}
    assert "intro.html" in built and "explorer.html" in built
    assert not built & {page.replace(".md", ".html") for page in TEACHER_PAGES}
    assert not any("going_further" in page.read_text() for page in student_book.rglob("*.html"))


def test_its_colab_links_open_the_student_notebooks(student_book):
    for chapter in CHAPTERS:
        page = (student_book / "notebooks" / f"{chapter.stem}.html").read_text()
        assert f"github/convae/convae/blob/main/student/notebooks/{chapter.name}" in page, chapter.name
