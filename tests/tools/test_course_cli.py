"""The course's command line (`python -m course`): the student edition keeps no solution, and it and the
repository links refuse what would lose work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.exercises import CHAPTERS, exercises, load

from course.cli import main
from course.edition import cell_tags, configured_repository, set_repository, source_text, student_notebook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chapters(tmp_path) -> Path:
    """A copy of the book's chapters to write student editions from."""
    source = tmp_path / "chapters"
    shutil.copytree(ROOT / "notebooks", source, ignore=shutil.ignore_patterns("*.cfg", ".ipynb_checkpoints"))
    return source


def test_student_edition_never_overwrites_the_chapters_unless_forced(chapters, capsys):
    before = {path.name: path.read_bytes() for path in chapters.glob("*.ipynb")}
    assert main(["student-edition", str(chapters), "--source", str(chapters)]) == 1
    assert "the folder of the chapters themselves" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in chapters.glob("*.ipynb")} == before

    out = chapters.parent / "students"
    assert main(["student-edition", str(out), "--source", str(chapters)]) == 0
    written = {path.name: path.read_bytes() for path in out.glob("*.ipynb")}
    (out / sorted(before)[0]).write_text("my notes")
    assert main(["student-edition", str(out), "--source", str(chapters)]) == 1
    assert "already holds" in capsys.readouterr().err and (out / sorted(before)[0]).read_text() == "my notes"
    assert main(["student-edition", str(out), "--source", str(chapters), "--force"]) == 0
    assert {path.name: path.read_bytes() for path in out.glob("*.ipynb")} == written


def test_a_damaged_chapter_is_named_and_nothing_is_written(chapters, capsys):
    broken = sorted(chapters.glob("*.ipynb"))[-1]
    broken.write_text(broken.read_text()[:1000])  # cut short
    out = chapters.parent / "students"
    assert main(["student-edition", str(out), "--source", str(chapters)]) == 1
    assert f"{broken} could not be read as a notebook" in capsys.readouterr().err
    assert not out.exists()
    assert main(["student-edition", str(out), "--source", str(chapters), "--colab-base", "colab"]) == 1
    assert "must be a URL" in capsys.readouterr().err


def test_repository_needs_the_books_root(tmp_path, capsys):
    assert main(["repository", "https://github.com/you/convae", "--root", str(tmp_path)]) == 1
    assert "has no _config.yml" in capsys.readouterr().err


def test_student_edition_has_no_solutions(tmp_path):
    assert main(["student-edition", str(tmp_path), "--source", str(ROOT / "notebooks")]) == 0
    for path in CHAPTERS:
        original, student = load(path), load(tmp_path / path.name)
        student_text = "\n".join(source_text(c) for c in student["cells"])
        elsewhere = {line for c in original["cells"] if "solution" not in cell_tags(c)
                     for line in source_text(c).splitlines()}  # lines a solution shares with the text
        for _, _, _, solution in exercises(original):
            for line in set(solution.splitlines()) - elsewhere:
                if line.strip() and not line.strip().startswith("#"):
                    assert line not in student_text, (path.name, line)
        assert not any("solution" in cell_tags(c) for c in student["cells"])
        for cell in student["cells"]:
            if {"starter", "check"} & set(cell_tags(cell)):
                assert cell["outputs"] == [] and cell["execution_count"] is None
        assert "colab.research.google.com" not in source_text(student["cells"][0])
        kept = [c for c in original["cells"] if "solution" not in cell_tags(c)]
        assert len(student["cells"]) == len(kept)


def test_student_edition_can_link_to_its_own_copy(tmp_path):
    notebook = student_notebook(load(CHAPTERS[0]))
    assert all("solution" not in cell_tags(c) for c in notebook["cells"])
    main(["student-edition", str(tmp_path), "--source", str(ROOT / "notebooks"),
          "--colab-base", "https://colab.research.google.com/github/school/lab/blob/main"])
    first = source_text(load(tmp_path / CHAPTERS[0].name)["cells"][0])
    assert "(https://colab.research.google.com/github/school/lab/blob/main/01_encoder.ipynb)" in first


def test_notebook_links_follow_the_configured_repository(tmp_path):
    url = configured_repository(ROOT)
    owner_name = url.removeprefix("https://github.com/")
    for path in CHAPTERS:
        text = path.read_text()
        assert f"/github/{owner_name}/blob/main/notebooks/{path.name}" in text
        assert f"git+https://github.com/{owner_name}" in text
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    (tmp_path / "notebooks" / CHAPTERS[0].name).write_text(CHAPTERS[0].read_text())
    set_repository(tmp_path, "https://github.com/someone/fork")
    assert configured_repository(tmp_path) == "https://github.com/someone/fork"
    moved = (tmp_path / "notebooks" / CHAPTERS[0].name).read_text()
    assert "github/someone/fork/blob/main" in moved and owner_name not in moved
    with pytest.raises(ValueError, match="GitHub repository URL"):
        set_repository(tmp_path, "not a url")
