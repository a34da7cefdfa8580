"""Reading the stored records back, for the book's provenance page and the study commands: a
command as it is spelled today, and the benchmark's table."""

from __future__ import annotations

import shlex

PACKAGE_COMMANDS = ("train", "evaluate", "check-data")  # `python -m convae …`: the installed package's own
STUDIES_COMMAND_LINE = "python -m studies "  # the repository's studies, run from its root
FORMER_COMMAND_LINE = "python -m convae "  # how records made before the studies left the package name them


def spelled_now(command: str) -> str:
    """A stored record's `command` as it is spelled today: `python -m convae label-budgets …` (a
    record made when the studies lived in the package) becomes `python -m studies label-budgets …`;
    `python -m convae train …` is unchanged."""
    words = shlex.split(command)
    if command.startswith(FORMER_COMMAND_LINE) and words[3:4] and words[3] not in PACKAGE_COMMANDS:
        return STUDIES_COMMAND_LINE + command[len(FORMER_COMMAND_LINE):]
    return command


def rate_table(rates: dict[str, float], matmul_gflops: float, flop_per_image: float) -> list[str]:
    """The Markdown rows of the benchmark's table: each way's images per second, seconds per epoch
    of 60,000 images, and arithmetic rate against the measured matmul rate."""
    rows = [f"| way | images/s | epoch of 60k (s) | GFLOP/s | % of matmul ({matmul_gflops:.0f} GFLOP/s) |",
            "|---|---:|---:|---:|---:|"]
    for name, rate in rates.items():
        gflops = rate * flop_per_image / 1e9
        rows.append(f"| {name} | {rate:,.0f} | {60_000 / rate:.1f} | {gflops:.1f} | "
                    f"{100 * gflops / matmul_gflops:.1f} % |")
    return rows
