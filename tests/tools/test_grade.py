"""The grader: seven synthetic submissions of chapter 2's student edition get exactly the grades they
earned, whatever they print or patch, a typical mistake is named in the report, and the submissions
folder is left as it was."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import skip_unless_ci
from course.cli import main
from course.edition import cell_tags, source_text, write_student_edition
from course.grade import CHECK_CALL, Refused, grade, identify, official_chapters, read_notebook

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "02_decoder.ipynb"  # a cheap chapter: about 6 s from a fresh kernel on 2 cores
TIMEOUT = 30  # seconds per notebook: several times what the chapter needs, and what the endless loop costs

CHEAT = '''\
import os
from pathlib import Path

import convae.lab

lab.check = lambda exercise_id, answer: print(f"✅ {exercise_id}: passed")
lab.evaluate = lambda exercise_id, answer: (True, f"✅ {exercise_id}: passed")
convae.lab.CHECKS.update({exercise_id: (lambda answer: "passed") for exercise_id in convae.lab.CHECKS})
for path in Path.cwd().iterdir():  # delete everything in the working folder
    os.remove(path)
print("✅ passed")
'''


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def check_cells(notebook: dict) -> list[int]:
    return [i for i, cell in enumerate(notebook["cells"]) if "check" in cell_tags(cell)]


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def solve(student: dict, full: dict, count: int) -> dict:
    """`student` with the first `count` starters replaced by the solutions' code, as a student would paste it."""
    solutions = {CHECK_CALL.search(source_text(full["cells"][i])).group(1): source_text(full["cells"][i - 1])
                 for i in check_cells(full)}
    solved = copy.deepcopy(student)
    for i in check_cells(solved)[:count]:
        assert "starter" in cell_tags(solved["cells"][i - 1])
        exercise_id = CHECK_CALL.search(source_text(solved["cells"][i])).group(1)
        solved["cells"][i - 1]["source"] = solutions[exercise_id]
    return solved


def tree_hash(folder: Path) -> str:
    """SHA-256 over every path, modification time and content under `folder`."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(f"{path.relative_to(folder)} {path.stat().st_mtime_ns}".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(autouse=True, scope="module")
def bubblewrap() -> None:
    """The grader refuses to run student code unboxed, and the box is bubblewrap."""
    if shutil.which("bwrap") is None:
        skip_unless_ci("bubblewrap (bwrap) is not installed: `sudo apt-get install bubblewrap`")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The student edition of every chapter, as `lab student-edition` writes it."""
    out = tmp_path_factory.mktemp("student-edition")
    write_student_edition(ROOT / "notebooks", out)
    return out


MISTAKEN_DECODER = '''\
class EdgeDecoder(nn.Module):
    """The book's decoder again: its last layer still leaves the last row and column unreached."""

    def __init__(self, latent_dim=12):
        super().__init__()
        self.decoder = convae.Decoder(latent_dim)
        self.fc, self.deconv1, self.deconv2 = self.decoder.fc, self.decoder.deconv1, self.decoder.deconv2

    def forward(self, z):
        return self.decoder(z)
'''


def seven_submissions(folder: Path, edition: Path) -> None:
    """solved (in a folder of its own), blank, half (with a cell that raises), cheat, loop, corrupt and
    mistaken (exercise 2.3 with the book's dead edge), from chapter 2's student edition."""
    student, full = load(edition / CHAPTER), load(ROOT / "notebooks" / CHAPTER)
    first_check = check_cells(student)[0]

    cheat = copy.deepcopy(student)
    cheat["cells"][first_check - 1]["source"] = "def transposed_output_size(*args):\n    return 0\n"
    for i in check_cells(cheat):  # stored outputs that claim a pass
        cheat["cells"][i]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "✅ passed\n"}]
    cheat["cells"].insert(first_check - 1, code_cell(CHEAT))
    half = solve(student, full, 1)
    half["cells"].insert(first_check - 1, code_cell("print(undefined_name)"))  # raises; the rest still runs
    loop = solve(student, full, 1)
    loop["cells"].insert(first_check + 1, code_cell("while True:\n    pass\n"))

    mistaken = solve(student, full, 2)
    mistaken["cells"][check_cells(mistaken)[2] - 1]["source"] = MISTAKEN_DECODER

    notebooks = {"solved/" + CHAPTER: solve(student, full, 3), "blank.ipynb": student,
                 "half.ipynb": half, "cheat.ipynb": cheat, "loop.ipynb": loop, "mistaken.ipynb": mistaken}
    for name, notebook in notebooks.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(notebook, indent=1))
    text = (edition / CHAPTER).read_text()
    (folder / "corrupt.ipynb").write_text(text[: len(text) // 2])


@pytest.fixture(scope="module")
def graded(tmp_path_factory, edition) -> dict:
    """The grader's run over the seven, each in its box: its sheet, report, printed summary and wall time."""
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    submissions.mkdir()
    seven_submissions(submissions, edition)
    before = tree_hash(submissions)
    start = time.monotonic()
    status = main(["grade", str(submissions), "--out", str(root / "grades.csv"),
                   "--source", str(ROOT / "notebooks"), "--timeout", str(TIMEOUT), "--jobs", "2"])
    seconds = time.monotonic() - start
    return {"status": status, "seconds": seconds, "unchanged": tree_hash(submissions) == before,
            "sheet": list(csv.reader((root / "grades.csv").open())), "report": (root / "grades.md").read_text()}


def test_the_seven_get_exactly_the_grades_they_earned(graded, capsys):
    ids = [exercise_id for exercise_id, _ in official_chapters(ROOT / "notebooks")["02"].exercises]
    assert len(ids) == 3, "the submissions below are written for chapter 2's three exercises"
    assert graded["status"] == 0
    assert graded["sheet"] == [
        ["student", *ids, "total"],
        ["blank", "missing", "missing", "missing", "0"],
        ["cheat", "fail", "missing", "missing", "0"],  # patched lab.check, printed "passed", edited outputs
        ["corrupt", "error", "error", "error", "0"],
        ["half", "pass", "missing", "missing", "1"],
        ["loop", "error", "error", "error", "0"],
        ["mistaken", "pass", "pass", "fail", "2"],
        ["solved", "pass", "pass", "pass", "3"],
    ]
    print(f"graded in {graded['seconds']:.1f} s")


def test_the_report_says_why(graded):
    report = graded["report"]
    assert "7 students, 7 notebooks" in report
    assert "| solved | pass | pass | pass | 3 |" in report
    mistaken = report.split("### mistaken: mistaken.ipynb")[1].split("###")[0]
    assert "the last row and column: the same grey whatever the code" in mistaken  # the check's own words
    cheat = report.split("### cheat: cheat.ipynb")[1].split("###")[0]
    assert re.search(r"fail \(transposed_output_size\(.*\) gave 0, but PyTorch", cheat)  # as the check says
    assert "raised" not in cheat  # its patches and deletions all ran
    assert re.search(r"raised \(cell \[execution count\]\): \[\d+\] NameError: name 'undefined_name'", report)
    assert f"timeout after {TIMEOUT} s" in report
    assert "not JSON" in report
    assert "decoder_forward returned None" in report  # the blank starter, graded missing


def test_the_submissions_are_left_as_they_were(graded):
    assert graded["unchanged"]


def test_the_student_edition_says_its_chapter(edition):
    for path in sorted(edition.glob("*.ipynb")):
        assert load(path)["metadata"]["convae"] == {"chapter": path.name[:2], "edition": "student"}


@pytest.fixture
def chapter_2_only(tmp_path, edition) -> Path:
    """A --source folder holding only the handed-out chapter 2."""
    source = tmp_path / "handout"
    source.mkdir()
    (source / CHAPTER).write_text((edition / CHAPTER).read_text())
    return source


def test_a_chapter_is_told_by_its_metadata_title_or_exercises(chapter_2_only, edition):
    chapters = official_chapters(chapter_2_only)
    notebook = load(edition / CHAPTER)
    assert identify(notebook, chapters, chapter_2_only).chapter_id == "02"
    del notebook["metadata"]["convae"]
    assert identify(notebook, chapters, chapter_2_only).chapter_id == "02"  # by its title
    notebook["cells"][0]["source"] = "# My decoder homework\n"
    assert identify(notebook, chapters, chapter_2_only).chapter_id == "02"  # by its exercises
    with pytest.raises(Refused, match="not one of the chapters"):
        identify(load(edition / "01_encoder.ipynb") | {"metadata": {}}, chapters, chapter_2_only)


def test_mixed_chapters_are_refused(edition):
    chapters = official_chapters(ROOT / "notebooks")
    notebook = load(edition / CHAPTER)
    notebook["cells"].append(code_cell('lab.check("01-output-size", conv_output_size)'))
    with pytest.raises(Refused, match="checks exercises of chapter 01"):
        identify(notebook, chapters, ROOT / "notebooks")


@pytest.mark.parametrize("content, reason", [
    ('{"cells": [', "not JSON"), ("[1, 2, 3]", "not a notebook"), (b"\xff\xfe\x00", "not JSON"),
    ('{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "not a valid notebook"),
])
def test_unreadable_files_are_named_as_such(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(Refused, match=reason):
        read_notebook(path)


def test_refusals_never_stop_the_run(tmp_path, chapter_2_only, edition):
    """The full edition, another chapter and a JSON list: graded "error" with the reason, no kernel started."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "alice.ipynb").write_text((ROOT / "notebooks" / CHAPTER).read_text())  # solutions present
    (submissions / "bob.ipynb").write_text((edition / "01_encoder.ipynb").read_text())
    (submissions / "carol.ipynb").write_text("[1, 2, 3]")
    (submissions / "notes.txt").write_text("not a notebook by its name: ignored")
    before = tree_hash(submissions)
    out = tmp_path / "grades" / "grades.csv"
    assert main(["grade", str(submissions), "--out", str(out), "--source", str(chapter_2_only)]) == 0
    assert tree_hash(submissions) == before
    assert [row[0] for row in csv.reader(out.open())] == ["student", "alice", "bob", "carol"]
    assert all(row[1:] == ["error", "error", "error", "0"] for row in list(csv.reader(out.open()))[1:])
    report = out.with_suffix(".md").read_text()
    assert "refused: the full edition" in report
    assert "chapter 01 (by its metadata), which is not among the chapters in" in report
    assert "not a notebook" in report


def test_bad_arguments_get_a_clear_error(tmp_path, chapter_2_only, capsys):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    assert main(["grade", str(submissions), "--out", str(submissions / "g.csv"),
                 "--source", str(chapter_2_only)]) == 1
    assert "outside the submissions" in capsys.readouterr().err
    with pytest.raises(ValueError, match="--jobs must be at least 1, got 0"):
        grade(submissions, tmp_path / "g.csv", chapter_2_only, jobs=0)
    assert main(["grade", str(tmp_path / "nowhere"), "--out", str(tmp_path / "g.csv"),
                 "--source", str(chapter_2_only)]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_a_kernel_that_dies_is_an_error_and_a_second_copy_is_refused(tmp_path, chapter_2_only, edition):
    notebook = load(edition / CHAPTER)
    notebook["cells"] = [code_cell("import os\nos._exit(1)")]  # ends the kernel's process
    submissions = tmp_path / "submissions"
    (submissions / "eve").mkdir(parents=True)
    for name in ("a.ipynb", "b.ipynb"):
        (submissions / "eve" / name).write_text(json.dumps(notebook))
    out = tmp_path / "grades.csv"
    assert main(["grade", str(submissions), "--out", str(out), "--source", str(chapter_2_only),
                 "--timeout", str(TIMEOUT)]) == 0
    assert list(csv.reader(out.open()))[1] == ["eve", "error", "error", "error", "0"]
    report = out.with_suffix(".md").read_text()
    assert "eve/a.ipynb (chapter 02" in report and "the kernel died" in report
    assert "refused: a second notebook of chapter 02 (eve/a.ipynb is graded)" in report
