"""`python -m studies COMMAND`, from the repository's root: the commands that regenerate the book's
stored results, one row of `COMMANDS` each (`python -m studies --help` lists them, with what each
writes and how long it takes). Every study takes --quick: a seconds-long run of its machinery.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path

from convae._internal.cli import Command, build_parser, count, data_root_argument, run_commands
from convae._internal.files import check_writable
from convae.data import SPLIT_SIZES

from .study import COMMAND_LINE, Study, add_study_arguments


def study_command(name: str, help: str, writes: str, module: str, function: str) -> Command:
    """A study's row: the common flags, and a run that calls `studies.<module>.<function>(study)`."""

    def run(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
        from importlib import import_module

        getattr(import_module(f"studies.{module}"), function)(Study.from_arguments(args, argv))

    return Command(name, help, lambda parser: add_study_arguments(parser, writes), run)


def export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", nargs="?", default="book/_explorer", help="folder (default book/_explorer)")
    parser.add_argument("--points", type=count(1, SPLIT_SIZES["test"]), default=3000,
                        help="test codes on the map (default 3000)")


def run_export(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    if Path(args.out).is_file():
        parser.error(f"argument out: {args.out} is a file, not a folder")
    try:
        check_writable(Path(args.out) / "explorer.json")
    except ValueError as error:
        parser.error(f"argument out: {error}")
    from .web import export_web

    sizes = export_web(Path(args.out), num_points=args.points)
    print(", ".join(f"{name}: {size / 1024:.1f} KiB" for name, size in sizes.items()) + f" in {args.out}")


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", type=count(1, SPLIT_SIZES["train"]), default=60_000,
                        help="images per measured epoch (default 60000)")
    parser.add_argument("--out", default=None, help="folder to write bench.json into as well (default: print only)")
    data_root_argument(parser)


def run_bench(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .bench import record_benchmark, run_benchmark

    if args.out is None:
        run_benchmark(args.images, args.data_root)
    else:
        record_benchmark(args.images, args.data_root, Path(args.out), COMMAND_LINE + shlex.join(argv))


COMMANDS = (
    study_command("tune-classifier", "choose chapter 5's hyperparameters on a validation split of the training set",
                  "fine_tuning_validation.json", "tune", "tune"),
    study_command("label-budgets", "chapter 5's ways over 5 paired seeds at longer budgets (~30 min)",
                  "label_budgets.json", "budgets", "run_budgets"),
    study_command("why-convolutions", "chapter 6's dense autoencoders against the convolutional one, 5 seeds (~9 min)",
                  "why_convolutions.json and the dense checkpoints", "why_convolutions", "run_why_convolutions"),
    study_command("tune-autoencoder", "choose the shipped autoencoder's peak learning rate on validation (~15 min)",
                  "autoencoder_validation.json", "tune_autoencoder", "tune_autoencoder"),
    study_command("tune-generators", "choose chapter 8's VAE peak and chapter 9's judge on validation (~6 min)",
                  "generators_validation.json", "tune_generators", "tune_generators"),
    study_command("vae-study", "chapters 8 and 9's β table, controls and sampling comparison, 5 seeds (~35 min)",
                  "vae_study.json, the judge and the VAEs", "vae_study", "run_vae_study"),
    study_command("vae-likelihood", "chapter 8's ELBO beside importance-sampled log-likelihoods (~2 min)",
                  "vae_likelihood.json", "likelihood", "measure_likelihood"),
    study_command("time-chapters", "what each chapter asks of a lab: words, code lines, exercises, seconds (~4 min)",
                  "chapter_times.json", "chapters", "time_chapters"),
    Command("export-web", "write the decoder and latent map for the in-browser explorer", export_arguments,
            run_export),
    Command("bench", "measure training throughput on this machine", bench_arguments, run_bench),
)


def parser() -> argparse.ArgumentParser:
    """The parser of `python -m studies`."""
    return build_parser("python -m studies", "Regenerate the book's stored results (convae/results/, "
                        "convae/pretrained/, book/_explorer/).", COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `python -m studies`; return the exit status."""
    return run_commands(parser(), argv)
