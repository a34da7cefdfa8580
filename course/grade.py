"""`python -m course grade SUBMISSIONS/`: a grade sheet from a folder of student notebooks.

Every notebook runs in a fresh kernel, in an empty working folder of its own, under a time limit.
After the student's cells the grader appends one cell of its own: it drops every `convae.lab`
module, imports the checks afresh from disk, runs each exercise of the chapter against what the
student defined, and prints one JSON line tagged with a random nonce the student's code cannot know
in advance. Only that line is read: stored outputs, a redefined `lab.check` or a printed "passed"
count for nothing. On Linux each kernel runs in a box (`sandbox.py`): it cannot write outside its
own folder, reach the network or the host's services, leave a process behind, or use more than its
memory and process limits. `--no-sandbox` runs student code unboxed, with the grader's privileges.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .edition import cell_tags, chapter_id, source_text
from .sandbox import Limits, Sandbox, check_bwrap

QUIET = logging.getLogger(__name__ + ".nbclient")  # a timeout is reported in the grades, not logged
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False
CHECK_CALL = re.compile(r"""lab\.check\(\s*["']([\w-]+)["']\s*,\s*(\w+)\s*\)""")


@dataclass(frozen=True)
class Chapter:
    """An official chapter: its id ("01"), its title and its exercises as (id, answer name)."""

    chapter_id: str
    title: str
    exercises: tuple[tuple[str, str], ...]

    @property
    def exercise_ids(self) -> list[str]:
        return [exercise_id for exercise_id, _ in self.exercises]


@dataclass
class Graded:
    """The outcome for one submitted notebook: a grade and a message per exercise of its chapter."""

    student: str
    name: str  # the notebook's path inside SUBMISSIONS/
    chapter: Chapter | None = None
    grades: dict[str, tuple[str, str]] = field(default_factory=dict)  # exercise id -> (outcome, message)
    problem: str = ""  # why the notebook as a whole earned no grade, if it did not
    errors: list[str] = field(default_factory=list)  # exceptions the student's own cells raised
    seconds: float = 0.0


class Refused(Exception):
    """A submission that is not graded, and why."""


def title(notebook: dict) -> str:
    """The first Markdown heading of the notebook's first Markdown cell ('' if none)."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in source_text(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
            return ""
    return ""


def checked_exercises(notebook: dict) -> list[tuple[str, str]]:
    """(exercise id, answer name) of every `lab.check("ID", name)` call in the code cells."""
    found = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            found += [m.groups() for m in CHECK_CALL.finditer(source_text(cell)) if m.groups() not in found]
    return found


def official_chapters(source: Path) -> dict[str, Chapter]:
    """The chapters in `source` that end with checked exercises, by chapter id."""
    from convae import lab

    paths = sorted(Path(source).glob("*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks in {source}: expected the book's chapters (or the student edition)")
    chapters = {}
    for path in paths:
        try:
            notebook = json.loads(path.read_text())
        except ValueError as error:
            raise ValueError(f"{path} is not a notebook: {error}") from None
        exercises = tuple(checked_exercises(notebook))
        unknown = [exercise_id for exercise_id, _ in exercises if exercise_id not in lab.CHECKS]
        if unknown:
            raise ValueError(f"{path} checks {', '.join(unknown)}, which convae.lab does not know")
        if exercises:
            chapters[chapter_id(path)] = Chapter(chapter_id(path), title(notebook), exercises)
    if not chapters:
        raise ValueError(f"no notebook in {source} has a lab.check cell: expected the book's chapters")
    return chapters


def identify(notebook: dict, chapters: dict[str, Chapter], source: Path) -> Chapter:
    """The chapter a submission belongs to: by its metadata, else its title, else its exercises.

    Raises Refused for the full edition (solution cells present), for another chapter, and for a
    notebook whose exercises belong to another chapter than the one it claims.
    """
    solutions = sum("solution" in cell_tags(cell) for cell in notebook["cells"])
    if solutions:
        raise Refused(f"the full edition ({solutions} solution cells): hand in the student edition")
    known = ", ".join(sorted(chapters))
    exercise_chapters = {c.chapter_id for c in chapters.values()
                         for exercise in checked_exercises(notebook) if exercise[0] in c.exercise_ids}
    claimed = notebook.get("metadata", {}).get("convae", {}).get("chapter")
    if claimed is not None:
        if str(claimed) not in chapters:
            raise Refused(f"chapter {claimed} (by its metadata), which is not among the chapters in {source} ({known})")
        chapter, by = chapters[str(claimed)], "its metadata"
    else:
        titled = [c for c in chapters.values() if c.title and c.title == title(notebook)]
        if titled:
            chapter, by = titled[0], "its title"
        elif len(exercise_chapters) == 1:
            chapter, by = chapters[exercise_chapters.pop()], "its exercises"
        else:
            raise Refused(f"not one of the chapters in {source} ({known}): no chapter in its metadata, "
                          f"title {title(notebook)!r}, exercises of chapters {sorted(exercise_chapters) or 'none'}")
    others = sorted(exercise_chapters - {chapter.chapter_id})
    if others:
        raise Refused(f"chapter {chapter.chapter_id} by {by}, but it checks exercises of chapter {', '.join(others)}")
    return chapter


def grading_cell(chapter: Chapter, nonce: str) -> str:
    """The code the grader runs after the student's cells; it prints one line: nonce + JSON."""
    return f'''\
def _convae_grade(exercises, nonce):
    import builtins, importlib, json, sys
    namespace = builtins.globals()  # the student's globals
    for name in [name for name in sys.modules if name == "convae.lab" or name.startswith("convae.lab.")]:
        del sys.modules[name]
    lab = importlib.import_module("convae.lab")  # the checks as they are on disk
    grades = {{}}
    for exercise_id, name in exercises:
        answer = namespace.get(name)
        if answer is None:
            grades[exercise_id] = ["missing", f"{{name}} is None" if name in namespace else f"{{name}} is not defined"]
            continue
        try:
            grades[exercise_id] = ["pass", str(lab.CHECKS[exercise_id](answer))]
        except lab.Mistake as mistake:
            outcome = "missing" if mistake.hint.startswith(lab.NOT_DONE_HINT) else "fail"
            grades[exercise_id] = [outcome, f"{{mistake.problem}}; hint: {{mistake.hint}}"]
        except (Exception, SystemExit) as error:
            grades[exercise_id] = ["error", f"the check raised {{type(error).__name__}}: {{error}}"]
    sys.stdout.write("\\n" + nonce + json.dumps(grades) + "\\n")
    sys.stdout.flush()


_convae_grade({[list(exercise) for exercise in chapter.exercises]!r}, {nonce!r})
del _convae_grade
'''


def read_grades(cell: dict, nonce: str, chapter: Chapter) -> dict[str, tuple[str, str]]:
    """The grades printed by the grading cell; raise Refused if it printed none."""
    outputs = cell.get("outputs", [])
    text = "".join(o["text"] for o in outputs if o.get("output_type") == "stream" and o["name"] == "stdout")
    lines = [line.split(nonce, 1)[1] for line in text.splitlines() if nonce in line]
    if not lines:
        errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
        raise Refused("the grading cell could not run after the notebook's code"
                      + (f" ({errors[0]})" if errors else ""))
    printed = json.loads(lines[-1])
    return {exercise_id: (printed[exercise_id][0], printed[exercise_id][1]) for exercise_id in chapter.exercise_ids}


async def execute(notebook: dict, path: Path, chapter: Chapter, timeout: float, sandbox: Sandbox | None,
                  parent: Path, slot: int) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Run `notebook` and the grading cell in a fresh kernel (boxed, unless `sandbox` is None, in the
    box of `slot`), in an empty folder of its own under `parent`.

    Returns the grades and the exceptions the student's cells raised ("[7] NameError: …").
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nonce = secrets.token_hex(16)
    notebook = nbformat.from_dict(notebook)
    notebook.cells.append(nbformat.v4.new_code_cell(grading_cell(chapter, nonce)))
    folder = Path(tempfile.mkdtemp(prefix="notebook-", dir=parent))
    deadline = time.monotonic() + timeout
    km = None
    try:
        km, work = sandbox.kernel_manager(folder, slot) if sandbox else (None, folder)
        shutil.copyfile(path, work / path.name)
        client = NotebookClient(
            notebook, km=km, kernel_name="python3", allow_errors=True, startup_timeout=max(1, int(timeout)),
            log=QUIET, timeout_func=lambda cell: max(1.0, deadline - time.monotonic()),  # one budget for all cells
            shutdown_kernel="immediate", resources={"metadata": {"path": str(work)}},
        )
        try:
            await client.async_execute(stderr=subprocess.DEVNULL)
        except CellTimeoutError:
            raise Refused(f"timeout after {timeout:g} s") from None
        except DeadKernelError:
            limits = f", or it ran into the box's limits ({sandbox.limits.describe()})" if sandbox else ""
            raise Refused(f"the kernel died (the notebook's code crashed or ended Python{limits})") from None
        except RuntimeError as error:  # the kernel did not start in time
            raise Refused(f"the kernel did not start ({error})") from None
    finally:
        if km is not None and km.has_kernel:  # nbclient shuts down only the kernels it made itself
            await km.shutdown_kernel(now=True)  # the box goes, and everything started inside it
        shutil.rmtree(folder, ignore_errors=True)
    errors = [f"[{cell.execution_count}] {output.ename}: {output.evalue}" for cell in notebook.cells[:-1]
              if cell.cell_type == "code" for output in cell.outputs if output.output_type == "error"]
    if sandbox:
        errors = [sandbox.explain(error) for error in errors]
    return read_grades(notebook.cells[-1], nonce, chapter), errors


def read_notebook(path: Path) -> dict:
    """The notebook at `path` as a dict; raise Refused if it is not JSON or not a notebook."""
    import nbformat

    try:
        notebook = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(f"not JSON ({error})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise Refused(f"not a notebook: JSON without a list of cells ({type(notebook).__name__})")
    try:
        with warnings.catch_warnings():  # a missing cell id is the student's editor's doing: add it quietly
            warnings.simplefilter("ignore", nbformat.warnings.MissingIDFieldWarning)
            notebook = nbformat.reads(json.dumps(notebook), as_version=4)  # any nbformat, lines joined
            _, notebook = nbformat.validator.normalize(notebook)
        nbformat.validate(notebook)
    except (nbformat.ValidationError, ValueError, KeyError) as error:
        raise Refused(f"not a valid notebook ({getattr(error, 'message', error)})") from None
    return notebook


def find_submissions(folder: Path) -> list[tuple[str, Path]]:
    """(student, notebook path) for `folder`/STUDENT.ipynb and `folder`/STUDENT/*.ipynb, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder: expected a folder of student notebooks or student folders")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            found += [(entry.name, path) for path in sorted(entry.rglob("*.ipynb"))
                      if not any(part.startswith(".") for part in path.relative_to(entry).parts)]
        elif entry.suffix == ".ipynb":
            found.append((entry.stem, entry))
    return found


def fail_all(graded: Graded) -> None:
    """Grade every exercise of the notebook's chapter "error", with its problem as the message."""
    if graded.chapter:
        graded.grades = {exercise_id: ("error", graded.problem) for exercise_id in graded.chapter.exercise_ids}


async def grade_all(jobs: list[tuple[Graded, dict, Path]], timeout: float, workers: int,
                    sandbox: Sandbox | None, parent: Path) -> None:
    """Execute the accepted notebooks, `workers` at a time, filling in their grades."""
    slots: asyncio.Queue[int] = asyncio.Queue()
    for slot in range(workers):
        slots.put_nowait(slot)

    async def grade_one(graded: Graded, notebook: dict, path: Path) -> None:
        slot = await slots.get()
        try:
            start = time.monotonic()
            try:
                graded.grades, graded.errors = await execute(notebook, path, graded.chapter, timeout, sandbox,
                                                             parent, slot)
            except Refused as refusal:
                graded.problem = str(refusal)
                fail_all(graded)
            except Exception as error:  # never stop the run for one notebook
                graded.problem = f"the grader failed on it ({type(error).__name__}: {error})"
                fail_all(graded)
            graded.seconds = time.monotonic() - start
        finally:
            slots.put_nowait(slot)

    await asyncio.gather(*(grade_one(*job) for job in jobs))


def grade_submissions(folder: Path, chapters: dict[str, Chapter], source: Path = Path("notebooks"),
                      timeout: float = 600, jobs: int = 1, limits: Limits | None = None) -> list[Graded]:
    """Grade every notebook in `folder` against `chapters` (read from `source`); one Graded per notebook.

    Each kernel runs boxed with `limits`; `limits=None` runs them unboxed.
    """
    if timeout <= 0:
        raise ValueError(f"--timeout must be a positive number of seconds, got {timeout:g}")
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    folder = Path(folder)
    results, runs, seen = [], [], {}
    for student, path in find_submissions(folder):
        graded = Graded(student, path.relative_to(folder).as_posix())
        results.append(graded)
        try:
            notebook = read_notebook(path)
        except Refused as unreadable:
            graded.problem = str(unreadable)
            continue
        try:
            graded.chapter = identify(notebook, chapters, source)
            first = seen.setdefault((student, graded.chapter.chapter_id), graded.name)
            if first != graded.name:
                raise Refused(f"a second notebook of chapter {graded.chapter.chapter_id} ({first} is graded)")
        except Refused as refusal:
            graded.problem = f"refused: {refusal}"
            fail_all(graded)
            continue
        runs.append((graded, notebook, path))
    parent = Path(tempfile.mkdtemp(prefix="convae-grade-"))
    os.chmod(parent, 0o711)  # a boxed kernel runs as nobody and must reach its own folder
    sandbox = Sandbox(check_bwrap(), limits, (folder.resolve(), parent)) if limits else None
    try:
        asyncio.run(grade_all(runs, timeout, jobs, sandbox, parent))
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    return results


@dataclass
class Sheet:
    """One row per student, one column per exercise, and the notebooks behind them."""

    columns: list[str]
    rows: dict[str, dict[str, tuple[str, str]]]  # student -> exercise id -> (outcome, message)
    results: list[Graded]


def grade_sheet(results: list[Graded], chapters: dict[str, Chapter]) -> Sheet:
    """Columns: the exercises of the chapters handed in (all chapters if none could be told).

    A student's exercise is graded by their notebook of that chapter; without one it is "error" if
    they handed in a notebook the grader could not place, and "missing" otherwise.
    """
    handed_in = {r.chapter.chapter_id for r in results if r.chapter}
    columns = [e for cid in sorted(handed_in or chapters) for e in chapters[cid].exercise_ids]
    rows: dict[str, dict[str, tuple[str, str]]] = {}
    for student in sorted({r.student for r in results}):
        theirs = [r for r in results if r.student == student]
        row = {}
        for graded in theirs:
            if graded.chapter and not any(e in row for e in graded.chapter.exercise_ids):
                row.update(graded.grades)
        unplaced = [f"{r.name}: {r.problem}" for r in theirs if r.chapter is None]
        absent = ("error", "; ".join(unplaced)) if unplaced else ("missing", "no notebook of this chapter")
        for exercise_id in columns:
            row.setdefault(exercise_id, absent)
        rows[student] = {exercise_id: row[exercise_id] for exercise_id in columns}
    return Sheet(columns, rows, results)


def write_csv(sheet: Sheet, path: Path) -> None:
    """grades.csv: student, one outcome per exercise, total passes."""
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", *sheet.columns, "total"])
        for student, row in sheet.rows.items():
            outcomes = [row[e][0] for e in sheet.columns]
            writer.writerow([student, *outcomes, outcomes.count("pass")])


def write_report(sheet: Sheet, path: Path, timeout: float, how: str) -> None:
    """grades.md: the sheet, then per notebook what was wrong, with each check's message."""
    lines = ["# Grades", "", f"{len(sheet.rows)} students, {len(sheet.results)} notebooks; "
             f"each notebook ran in a fresh kernel with a {timeout:g} s limit, {how}.", "",
             "| student | " + " | ".join(sheet.columns) + " | total |",
             "|---|" + "---|" * len(sheet.columns) + "---:|"]
    for student, row in sheet.rows.items():
        outcomes = [row[e][0] for e in sheet.columns]
        lines.append(f"| {student} | " + " | ".join(outcomes) + f" | {outcomes.count('pass')} |")
    lines += ["", "## Feedback per notebook", ""]
    for graded in sorted(sheet.results, key=lambda r: (r.student, r.name)):
        chapter = f"chapter {graded.chapter.chapter_id}" if graded.chapter else "no chapter"
        lines.append(f"### {graded.student}: {graded.name} ({chapter}, {graded.seconds:.1f} s)")
        lines.append("")
        if graded.problem:
            lines += [f"Not graded: {graded.problem}", ""]
        if graded.errors:
            lines += ["Errors its own cells raised (cell [execution count]): " + "; ".join(graded.errors), ""]
        for exercise_id, (outcome, message) in graded.grades.items():
            if not graded.problem or outcome != "error":
                lines.append(f"- **{exercise_id}**: {outcome}" + (f" ({message})" if outcome != "pass" else ""))
        lines.append("")
    Path(path).write_text("\n".join(lines))


def summary(sheet: Sheet, seconds: float) -> str:
    """One line: students, notebooks, passes per exercise, time."""
    passes = Counter(e for row in sheet.rows.values() for e, (outcome, _) in row.items() if outcome == "pass")
    per_exercise = ", ".join(f"{e} {passes[e]}/{len(sheet.rows)}" for e in sheet.columns)
    return (f"{len(sheet.rows)} students, {len(sheet.results)} notebooks, {seconds:.0f} s; "
            f"passes: {per_exercise or 'no exercises'}")


UNBOXED_WARNING = ("--no-sandbox: student code runs unboxed, as you. It can read and write your files (other "
                   "submissions and the grade sheet too), reach the network and this machine's services, "
                   "start processes that outlive the grading, and use all memory.")


def prepare_data() -> None:
    """Unpack the data set into the data folder once, before the boxes mount that folder read-only."""
    from convae.data import IDX_FILES, DataUnavailableError, data_root, load_dataset

    raw = data_root() / "FashionMNIST" / "raw"
    if all((raw / name).is_file() for pair in IDX_FILES.values() for name in pair):
        return  # unpacked already
    for split in ("train", "test"):
        try:
            load_dataset("fashion-mnist", split)
        except DataUnavailableError:
            return  # the chapters' own cells will say so, in each notebook's feedback


def grade(folder: Path, out: Path, source: Path = Path("notebooks"), timeout: float = 600, jobs: int = 1,
          sandbox: bool = True, limits: Limits | None = None) -> str:
    """Grade `folder`, write `out` (CSV) and the report beside it (.md); return the summary line.

    Every kernel runs in a box with `limits`; `sandbox=False` runs them unboxed (and says what that allows).
    """
    folder, out = Path(folder), Path(out)
    if out.suffix.lower() == ".md":
        raise ValueError(f"--out {out}: expected a .csv file (the Markdown report is written beside it)")
    if out.resolve().is_relative_to(folder.resolve()):
        raise ValueError(f"{out} is inside {folder}: write the grades outside the submissions, which stay untouched")
    limits = limits or Limits()
    if sandbox:
        check_bwrap()  # before any work: without a box, no student code runs
        prepare_data()
    else:
        print(UNBOXED_WARNING, file=sys.stderr)
    start = time.monotonic()
    chapters = official_chapters(source)
    boxed = limits if sandbox else None
    sheet = grade_sheet(grade_submissions(folder, chapters, source, timeout, jobs, boxed), chapters)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(sheet, out)
    how = (f"in a box (read-only files, no network, its own processes; at most {limits.describe()})" if sandbox
           else "unboxed (--no-sandbox)")
    write_report(sheet, out.with_suffix(".md"), timeout, how)
    return summary(sheet, time.monotonic() - start) + f"; wrote {out} and {out.with_suffix('.md')}"
