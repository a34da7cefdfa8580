"""Hostile submissions, graded in one run beside an honest one: each attack is kept in its box, and
the honest notebook keeps its full marks.

Every hostile notebook is chapter 2's student edition, solved, with one cell of attack inserted
before the exercises: writing outside the box (the grader's home, a folder of the teacher's, a
sibling's submission), reading a secret of the grader's (a file, an environment variable),
connecting to a server on the host's loopback, leaving a process behind, allocating memory without
end and starting processes without end.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_grade import CHAPTER, ROOT, load, solve, tree_hash

from conftest import skip_unless_ci
from course.cli import main
from course.edition import write_student_edition
from course.grade import UNBOXED_WARNING

TIMEOUT = 60  # seconds per notebook
SECRET = "s3cret-of-the-grader"
MARKER = "convae-left-behind-marker"


def attack_cells(outside: Path, sibling: Path, secret_file: Path, port: int) -> dict[str, str]:
    """One attack per submission, as the code of one cell."""
    return {
        "writer": f'''\
from pathlib import Path
for target in [Path.home() / "planted.txt", Path({str(outside)!r}) / "planted.txt"]:
    try:
        target.write_text("written by a student")
    except OSError as error:
        print("blocked:", error)
''',
        "overwriter": f'''\
Path = __import__("pathlib").Path
Path({str(sibling)!r}).write_text("{{}}")  # the sibling's notebook, emptied
''',
        "reader": f'''\
import os
leaked = [os.environ.get("CONVAE_TEST_SECRET", "")]
try:
    leaked.append(open({str(secret_file)!r}).read())
except OSError:
    pass
raise RuntimeError("leaked: " + " | ".join(leaked))  # an error's text lands in the grade report
''',
        "caller": f'''\
import socket
import subprocess
import sys
socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"hello from a student")
''',
        "lingerer": f'''\
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{MARKER}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
''',
        "hoarder": '''\
hoard = []
while True:
    hoard.append(bytearray(256 * 1024**2))
''',
        "forker": '''\
import subprocess
children = [subprocess.Popen(["sleep", "30"]) for _ in range(2000)]
''',
    }


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


class LoopbackServer:
    """A TCP server on the host's 127.0.0.1 that records whatever connects."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections: list[bytes] = []
        self.socket.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                self.connections.append(connection.recv(100))

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


def marked_processes() -> list[int]:
    """PIDs of processes whose command line carries MARKER."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if MARKER.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> dict:
    if shutil.which("bwrap") is None:
        skip_unless_ci("bubblewrap (bwrap) is not installed: the grader's box cannot be tested")
    root = tmp_path_factory.mktemp("hostile")
    edition = root / "edition"
    write_student_edition(ROOT / "notebooks", edition)
    solved = solve(load(edition / CHAPTER), load(ROOT / "notebooks" / CHAPTER), 3)
    submissions, outside, home = root / "submissions", root / "teacher", root / "home"
    for folder in (submissions, outside, home):
        folder.mkdir()
    secret_file = home / "token.txt"
    secret_file.write_text(SECRET)
    server = LoopbackServer()
    sibling = submissions / "honest" / CHAPTER
    sibling.parent.mkdir()
    sibling.write_text(json.dumps(solved))
    for name, attack in attack_cells(outside, sibling, secret_file, server.port).items():
        notebook = json.loads(json.dumps(solved))
        notebook["cells"].insert(2, code_cell(attack))
        (submissions / f"{name}.ipynb").write_text(json.dumps(notebook))
    before = tree_hash(submissions)
    environment = {"HOME": str(home), "CONVAE_TEST_SECRET": SECRET}
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        started = time.monotonic()
        status = main(["grade", str(submissions), "--out", str(root / "grades" / "grades.csv"),
                       "--source", str(ROOT / "notebooks"), "--timeout", str(TIMEOUT), "--jobs", "2",
                       "--memory-limit", "3", "--process-limit", "200"])
        seconds = time.monotonic() - started
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
        server.close()
    time.sleep(1)  # anything left behind would still be there
    lingering = marked_processes()
    for pid in lingering:
        os.kill(pid, 9)
    sheet = {row[0]: row[1:] for row in csv.reader((root / "grades" / "grades.csv").open())}
    return {"status": status, "seconds": seconds, "sheet": sheet, "unchanged": tree_hash(submissions) == before,
            "report": (root / "grades" / "grades.md").read_text(), "outside": outside, "home": home,
            "connections": server.connections, "lingering": lingering}


def feedback(report: str, student: str) -> str:
    return report.split(f"### {student}: ")[1].split("###")[0]


def test_the_honest_submission_keeps_full_marks(hostile_run):
    assert hostile_run["status"] == 0
    assert hostile_run["sheet"]["honest"] == ["pass", "pass", "pass", "3"]
    print(f"8 notebooks graded in {hostile_run['seconds']:.0f} s")


def test_nothing_is_written_outside_the_box(hostile_run):
    assert hostile_run["unchanged"], "a submission was changed"
    assert not (hostile_run["outside"] / "planted.txt").exists()
    assert not (hostile_run["home"] / "planted.txt").exists()
    assert "No such file or directory" in feedback(hostile_run["report"], "overwriter")  # not even there
    assert feedback(hostile_run["report"], "writer").count("Read-only file system") == 0  # caught and printed


def test_no_secret_of_the_grader_gets_in(hostile_run):
    reader = feedback(hostile_run["report"], "reader")
    assert "RuntimeError: leaked:" in reader  # the cell ran, and found nothing to leak
    assert SECRET not in hostile_run["report"]


def test_the_hosts_loopback_is_out_of_reach(hostile_run):
    assert hostile_run["connections"] == []
    assert "caller" in hostile_run["sheet"] and "Error" in feedback(hostile_run["report"], "caller")


def test_nothing_outlives_the_grading(hostile_run):
    assert hostile_run["lingering"] == []


def test_runaway_memory_and_processes_are_stopped_and_said_so(hostile_run):
    died = ("the kernel died (the notebook's code crashed or ended Python, or it ran into the box's limits "
            "(3 GiB of memory, 200 processes and threads))")
    hoarder = feedback(hostile_run["report"], "hoarder")  # a MemoryError, or a kernel left with no memory
    assert "the box's memory limit, 3 GiB, was reached" in hoarder or died in hoarder, hoarder
    forker = feedback(hostile_run["report"], "forker")  # refused a process, or a kernel left without threads
    assert "limit of 200 processes and threads was reached" in forker or died in forker, forker
    for student in ("writer", "overwriter", "lingerer", "caller"):
        assert hostile_run["sheet"][student] == ["pass", "pass", "pass", "3"], student  # the rest still graded


def test_without_bubblewrap_no_student_code_runs(tmp_path, monkeypatch, capsys):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "eve.ipynb").write_text((ROOT / "notebooks" / CHAPTER).read_text())
    monkeypatch.setattr("course.sandbox.shutil.which", lambda name: None)
    out = tmp_path / "grades.csv"
    assert main(["grade", str(submissions), "--out", str(out), "--source", str(ROOT / "notebooks")]) == 1
    error = capsys.readouterr().err
    assert "bubblewrap (`bwrap`) is not installed" in error and "apt-get install bubblewrap" in error
    assert "--no-sandbox" in error and not out.exists()


def test_no_sandbox_says_once_what_it_allows(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    out = tmp_path / "grades.csv"
    assert main(["grade", str(submissions), "--out", str(out), "--source", str(ROOT / "notebooks"),
                 "--no-sandbox"]) == 0
    assert capsys.readouterr().err.count(UNBOXED_WARNING) == 1
    assert "unboxed (--no-sandbox)" in out.with_suffix(".md").read_text()


def test_the_box_imports_the_convae_that_grades_it(tmp_path):
    """Run from another checkout's folder, the grader imports that folder's convae, not the editable
    install of this one; the boxed kernel must import the same, or a worked solution fails to import."""
    if shutil.which("bwrap") is None:
        skip_unless_ci("bubblewrap (bwrap) is not installed: the grader's box cannot be tested")
    other = tmp_path / "other-checkout"
    for folder in ("convae", "course"):  # a checkout: the package and the course's tools beside it
        shutil.copytree(ROOT / folder, other / folder, ignore=shutil.ignore_patterns("__pycache__"))
    edition, submissions = tmp_path / "edition", tmp_path / "submissions"
    write_student_edition(ROOT / "notebooks", edition)
    submissions.mkdir()
    solved = solve(load(edition / CHAPTER), load(ROOT / "notebooks" / CHAPTER), 3)
    (submissions / "student.ipynb").write_text(json.dumps(solved))
    grading = subprocess.run(
        [sys.executable, "-m", "course", "grade", str(submissions), "--out", str(tmp_path / "grades.csv"),
         "--source", str(ROOT / "notebooks"), "--timeout", str(TIMEOUT)],
        cwd=other, capture_output=True, text=True, timeout=10 * TIMEOUT)
    assert grading.returncode == 0, grading.stdout + grading.stderr
    sheet = {row[0]: row[1:] for row in csv.reader((tmp_path / "grades.csv").open())}
    assert sheet["student"] == ["pass", "pass", "pass", "3"], (tmp_path / "grades.md").read_text()
