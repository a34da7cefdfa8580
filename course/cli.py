"""`python -m course COMMAND`, from the repository's root: what a teacher runs — the student edition
and book, the grader and its box, the book's links to a repository. One row of `COMMANDS` each.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from convae._internal.cli import Command, build_parser, count, real_number, run_commands

from .sandbox import Limits, SandboxUnavailable


def edition_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", help="folder to write the student notebooks into")
    parser.add_argument("--source", default="notebooks", help="folder of the chapters (default notebooks)")
    parser.add_argument("--colab-base", default=None,
                        help="URL of the folder where you publish the student edition, for the Colab links")
    parser.add_argument("--force", action="store_true",
                        help="write even into the chapters' own folder or over notebooks already in OUT")


def run_edition(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .edition import write_student_edition

    written = write_student_edition(Path(args.source), Path(args.out), args.colab_base, force=args.force)
    print(f"wrote {len(written)} student notebooks into {args.out}")


def student_book_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", nargs="?", default="student", help="folder for the student book (default student)")
    parser.add_argument("--folder", default=None,
                        help="where OUT will lie in your repository, for its Colab links (default: OUT's place here)")


def run_student_book(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .student_book import write_student_book

    out = write_student_book(Path.cwd(), Path(args.out), args.folder)
    print(f"wrote the student book's sources into {out}; build it with: jupyter-book build {args.out}")


def grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", help="folder of STUDENT.ipynb files or of STUDENT/ folders of notebooks")
    parser.add_argument("--out", default="grades.csv",
                        help="the grade sheet (default grades.csv); the report goes beside it as .md")
    parser.add_argument("--source", default="notebooks",
                        help="the chapters handed out, whose checks grade the notebooks (default notebooks)")
    parser.add_argument("--timeout", type=real_number(0, inclusive=False), default=600,
                        help="seconds per notebook (default 600)")
    parser.add_argument("--jobs", type=count(1), default=1, help="notebooks run at a time (default 1)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code unboxed, as you (where bubblewrap is missing; says what it allows)")
    default = Limits()
    parser.add_argument("--memory-limit", type=real_number(0, inclusive=False), default=default.memory_bytes / 1024**3,
                        help=f"GiB of memory each boxed notebook may use (default {default.memory_bytes / 1024**3:g})")
    parser.add_argument("--process-limit", type=count(16), default=default.processes,
                        help=f"processes and threads each boxed notebook may have (default {default.processes})")


def run_grade(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .grade import grade

    limits = Limits(int(args.memory_limit * 1024**3), args.process_limit)
    print(grade(Path(args.submissions), Path(args.out), Path(args.source), args.timeout, args.jobs,
                sandbox=not args.no_sandbox, limits=limits))


def repository_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="e.g. https://github.com/you/convae")
    parser.add_argument("--root", default=".", help="the book's root folder (default .)")


def run_repository(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .edition import set_repository

    for path in set_repository(Path(args.root), args.url):
        print(f"updated {path}")


COMMANDS = (
    Command("student-edition", "write the chapters without solutions", edition_arguments, run_edition),
    Command("student-book", "write the student edition as a book of its own (build it with jupyter-book)",
            student_book_arguments, run_student_book),
    Command("grade", "run every submitted notebook, boxed, and write a grade sheet", grade_arguments, run_grade),
    Command("repository", "point the book's Colab and install links at a repository", repository_arguments,
            run_repository),
)


def parser() -> argparse.ArgumentParser:
    """The parser of `python -m course`."""
    return build_parser("python -m course", "The course tools: the student edition and book, the grader, "
                        "the book's repository links.", COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `python -m course`; return the exit status."""
    return run_commands(parser(), argv, errors=(SandboxUnavailable,))
