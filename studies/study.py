"""What every study command shares: its flags, its quick sizes, and how its record is written.

A study (`python -m studies --help` lists them) trains for minutes to hours and writes a JSON
record into a folder; the chapters print that record instead of recomputing it. Each record stores
the command line that made it, the seconds it took and the torch version, so the book can say how
every stored number was made. Records made before the studies left the installed package name
`python -m convae STUDY`; `convae._internal.records.spelled_now` gives today's spelling.
"""

from __future__ import annotations

import argparse
import json
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from convae._internal import cli
from convae._internal.files import write_atomically
from convae._internal.records import STUDIES_COMMAND_LINE
from convae.data import ImageSet, load_dataset

COMMAND_LINE = STUDIES_COMMAND_LINE  # how a record names the command that made it
def write_result(path: Path, result: dict[str, Any], started: float) -> dict[str, Any]:
    """Write `result`, with the seconds since `started` (a `time.perf_counter()`) and the torch
    version, as the JSON file `path` (its folder made if needed); return what was written."""
    result = {**result, "seconds": round(time.perf_counter() - started), "torch_version": str(torch.__version__)}
    text = json.dumps(result, indent=1) + "\n"
    write_atomically(path, lambda partial: partial.write_text(text))  # hours of work: never half a file
    return result


@dataclass(frozen=True)
class Study:
    """One run of a study command: where it writes, how it was called, and whether it is quick."""

    out: Path  # the folder its record (and any weights) go into
    command: str  # "python -m studies …": how to make the record again
    root: str | None = None  # the data folder (None: $CONVAE_DATA or ~/.cache/convae)
    quick: bool = False  # a seconds-long run that only checks the machinery
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def from_arguments(cls, args: argparse.Namespace, argv: Sequence[str]) -> Study:
        """The study the command line describes (see `add_study_arguments`)."""
        return cls(Path(args.out), COMMAND_LINE + shlex.join(argv), args.data_root, args.quick)

    def datasets(self) -> tuple[ImageSet, ImageSet]:
        """Fashion-MNIST's (training, test) sets; only their first `cli.QUICK_SIZES` images if quick."""
        train_set, test_set = (load_dataset("fashion-mnist", split, self.root) for split in ("train", "test"))
        if not self.quick:
            return train_set, test_set
        return train_set.subset(torch.arange(cli.QUICK_SIZES[0])), test_set.subset(torch.arange(cli.QUICK_SIZES[1]))

    def sizes(self) -> tuple[int, int] | None:
        """`train_recipe`'s `sizes`: the quick sizes if quick, else None (every image)."""
        return cli.QUICK_SIZES if self.quick else None

    def write(self, name: str, result: dict[str, Any]) -> dict[str, Any]:
        """Write `result` with the command, `quick`, the seconds taken and the torch version as
        `out/name`; return what was written."""
        record = write_result(self.out / name, {"command": self.command, **result, "quick": self.quick},
                              self.started)
        print(f"wrote {self.out / name} in {record['seconds']} s")
        return record


def add_study_arguments(parser: argparse.ArgumentParser, writes: str) -> None:
    """The flags every study takes: --out (the folder it `writes` into), --quick and --data-root."""
    parser.add_argument("--out", default="runs", help=f"folder to write {writes} into (default runs)")
    parser.add_argument("--quick", action="store_true", help="a seconds-long run that only checks the machinery")
    parser.add_argument("--data-root", default=None, help="data folder (default $CONVAE_DATA or ~/.cache/convae)")
