"""The studies' command line (`python -m studies`, from the repository): every study in its table,
bad arguments refused before any work, and records that name the command that made them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studies.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("arguments, message", [
    (["bench", "--images", "0"], "argument --images: must be a whole number from 1 to 60000, got 0"),
    (["export-web", "--points", "20000"], "argument --points: must be a whole number from 1 to 10000, got 20000"),
    (["export-web", "/proc/no/such/folder"], "argument out: cannot write to /proc/no/such/folder/explorer.json"),
    (["label-budgets", "--quick", "--nonsense"], "unrecognized arguments: --nonsense"),
])
def test_bad_arguments_are_refused_by_argparse_before_any_work(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(arguments)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_every_study_from_the_table():
    result = subprocess.run([sys.executable, "-m", "studies", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    listed = " ".join(result.stdout.split())
    for command in COMMANDS:
        assert command.name in listed and " ".join(command.help.split()) in listed, command.name
    table = (ROOT / "studies" / "cli.py").read_text()  # a row names its module, or its run imports it
    for module in {path.stem for path in (ROOT / "studies").glob("*.py")} - {"__init__", "__main__", "cli", "study"}:
        assert f'"{module}"' in table or f"from .{module} import" in table, f"studies/{module}.py has no row"


def test_the_readme_shows_every_study_with_quick():
    readme = (ROOT / "README.md").read_text()
    for command in COMMANDS:
        assert f"python -m studies {command.name}" in readme, command.name
    studies = [line for line in readme.splitlines() if line.startswith("python -m studies ")]
    long_runs = [line for line in studies if "--quick" not in line and not any(
        f"studies {name}" in line for name in ("--help", "bench", "export-web"))]
    assert not long_runs, f"README shows studies without --quick: {long_runs}"
