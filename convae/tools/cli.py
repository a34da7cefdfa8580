"""The command line, `python -m convae COMMAND`: one row of `COMMANDS` per subcommand.

The book's models: `train`, `evaluate`, `check-data`. What regenerates the stored results
(`studies/`): `tune-classifier`, `label-budgets`, `why-convolutions`, `vae-study`,
`time-chapters`, `export-web`, `bench`. What a teacher runs (`course/`): `lab student-edition`,
`lab student-book`, `lab grade`, `repository`.
`python -m convae --help` lists them, each with its one line.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from ..checkpoints import CheckpointError, load_checkpoint
from ..data import DATASETS, SPLIT_SIZES, DataUnavailableError, load_dataset
from ..files import check_writable
from ..kinds import kind_of_class, trainable_kind, trainable_kinds
from ..recipe import LOSSES, SCHEDULES, SHIPPED, Recipe
from ..runs import evaluate_as_trained, train_recipe
from .course.sandbox import Limits, SandboxUnavailable
from .studies.study import QUICK_SIZES, Study, add_study_arguments

Runner = Callable[[argparse.ArgumentParser, argparse.Namespace, Sequence[str]], None]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its one line of help, its arguments and what it runs."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]  # adds the subcommand's arguments
    run: Runner | None = None  # (parser, arguments, argv): does the work; None for a group
    subcommands: tuple[Command, ...] = ()  # a group's own commands (`lab grade`)


def count(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` (up to `high`); anything else is argparse's error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            allowed = f">= {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be a whole number {allowed}, got {value}")
        return value

    return parse


def real_number(low: float, *, inclusive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number above `low` (or equal to it, if `inclusive`)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            bound = ">=" if inclusive else ">"
            raise argparse.ArgumentTypeError(f"must be a finite number {bound} {low:g}, got {text}")
        return value

    return parse


def data_root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-root", default=None, help="data folder (default $CONVAE_DATA or ~/.cache/convae)")


# train, evaluate, check-data: the book's models

def train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Every default is the recipe of the shipped weights (convae.SHIPPED)."
    parser.add_argument("--model", choices=trainable_kinds(), default=SHIPPED.model,
                        help="the kind of model (convae.kinds.KINDS); vae needs --loss bce, dense --hidden")
    parser.add_argument("--dataset", choices=DATASETS, default=SHIPPED.dataset)
    parser.add_argument("--latent-dim", type=count(1), default=SHIPPED.latent_dim,
                        help=f"size of the latent code (default {SHIPPED.latent_dim})")
    parser.add_argument("--hidden", type=count(1), default=SHIPPED.hidden, help="a dense network's hidden units")
    parser.add_argument("--epochs", type=count(1), default=SHIPPED.epochs)
    parser.add_argument("--batch-size", type=count(1), default=SHIPPED.batch_size)
    parser.add_argument("--lr", type=real_number(0, inclusive=False), default=SHIPPED.lr,
                        help=f"(peak) learning rate (default {SHIPPED.lr:g})")
    parser.add_argument("--schedule", choices=SCHEDULES, default=SHIPPED.schedule)
    parser.add_argument("--loss", choices=LOSSES, default=SHIPPED.loss)
    parser.add_argument("--seed", type=count(0, 2**63 - 1), default=SHIPPED.seed)
    parser.add_argument("--beta", type=real_number(0, inclusive=True), default=SHIPPED.beta,
                        help="a VAE's weight of the KL term (default 1: the loss is -ELBO)")
    parser.add_argument("--binarized", action="store_true",
                        help="a VAE trained on black-and-white draws of the images, scored on one fixed draw of the "
                             "test images: its -ELBO then bounds -log p(x)")
    parser.add_argument("--noise", type=real_number(0, inclusive=True), default=SHIPPED.noise,
                        help="σ of the Gaussian noise added to each input: a denoising autoencoder (default 0)")
    parser.add_argument("--holdout-class", default=SHIPPED.holdout_class,
                        help="leave this class (a name like Shirt, or its number) out of training: "
                             "a model for anomaly detection")
    parser.add_argument("--validation-images", type=count(0), default=SHIPPED.validation_images,
                        help="hold out this many training images and report the validation MSE each epoch")
    parser.add_argument("--out", default="runs/autoencoder.pt", help="checkpoint path (default runs/autoencoder.pt)")
    data_root_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help=f"a seconds-long smoke run: 1 epoch on {QUICK_SIZES[0]} images")


def recipe_from(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Recipe:
    """The recipe the arguments describe (a --dry-run trains for one epoch); argparse's error if
    it cannot work, or if its output cannot be written, before any training."""
    images = QUICK_SIZES[0] if args.dry_run else SPLIT_SIZES["train"]
    if args.validation_images >= images:
        parser.error(f"argument --validation-images: must leave training images: less than {images}"
                     f"{' in a --dry-run' if args.dry_run else ''}, got {args.validation_images}")
    try:
        check_writable(args.out)  # before hours of training, not after
    except ValueError as error:
        parser.error(f"argument --out: {error}")
    try:
        recipe = Recipe(**{field.name: getattr(args, field.name) for field in fields(Recipe)})
    except ValueError as error:
        parser.error(str(error))
    return Recipe(**{**recipe.as_dict(), "epochs": 1}) if args.dry_run else recipe


def run_train(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    recipe = recipe_from(parser, args)
    trained = train_recipe(recipe, args.data_root, out=args.out, command="python -m convae " + shlex.join(argv),
                           sizes=QUICK_SIZES if args.dry_run else None)
    metadata, kind = trained.metadata, trainable_kind(recipe.model)
    label = "validation" if recipe.validation_images else "test"
    print(f"{label} MSE per epoch: " + " ".join(f"{v:.4f}" for v in metadata["monitored_mse"]))
    print(f"{label} loss per epoch: " + " ".join(f"{v:.4g}" for v in trained.history["test_loss"]))
    print(f"{kind.summary(metadata['test_metrics'])}, {metadata['train_seconds']:.0f} s of training; "
          f"saved {args.out}")
    if recipe.holdout_class is not None:
        held_out = metadata["recipe"]["holdout_class"]  # by its name
        print(f"held-out class {held_out}: {kind.summary(metadata['holdout_test_metrics'])}")


def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint")
    parser.add_argument("--dataset", choices=DATASETS, default=None, help="default: the checkpoint's own")
    data_root_argument(parser)


def run_evaluate(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    checkpoint = load_checkpoint(args.checkpoint)
    found = checkpoint.metadata["model_class"]
    kind = kind_of_class(found)
    if kind is None or kind.evaluate is None:
        raise CheckpointError(f"evaluate needs a model with test metrics (an autoencoder, a VAE or a Classifier), "
                              f"not the {found} in {args.checkpoint}")
    dataset = args.dataset or checkpoint.metadata.get("dataset", "fashion-mnist")
    test_set = load_dataset(dataset, "test", args.data_root)
    binarized = checkpoint.metadata.get("recipe", {}).get("binarized", False)  # then its ELBO on the fixed draw
    metrics = evaluate_as_trained(checkpoint.model, test_set, kind, binarized)
    print(f"{found} (latent {checkpoint.model.latent_dim}) on the {dataset} test set:")
    for name, value in metrics.items():
        print(f"  {name}: {value:.5f}")


def run_check_data(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    sizes = {split: len(load_dataset("fashion-mnist", split, args.data_root)) for split in ("train", "test")}
    print(f"fashion-mnist: {sizes['train']:,} training and {sizes['test']:,} test images")


# the studies: what regenerates the stored results

def study_command(name: str, help: str, writes: str, module: str, function: str) -> Command:
    """A study's row: the common flags, and a run that calls `studies.<module>.<function>(study)`."""

    def run(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
        from importlib import import_module

        getattr(import_module(f"convae.tools.studies.{module}"), function)(Study.from_arguments(args, argv))

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
    from .studies.web import export_web

    sizes = export_web(Path(args.out), num_points=args.points)
    print(", ".join(f"{name}: {size / 1024:.1f} KiB" for name, size in sizes.items()) + f" in {args.out}")


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", type=count(1, SPLIT_SIZES["train"]), default=60_000,
                        help="images per measured epoch (default 60000)")
    parser.add_argument("--out", default=None, help="folder to write bench.json into as well (default: print only)")
    data_root_argument(parser)


def run_bench(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .studies.bench import record_benchmark, run_benchmark

    if args.out is None:
        run_benchmark(args.images, args.data_root)
    else:
        record_benchmark(args.images, args.data_root, Path(args.out), "python -m convae " + shlex.join(argv))


# the course: what a teacher runs

def edition_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", help="folder to write the student notebooks into")
    parser.add_argument("--source", default="notebooks", help="folder of the chapters (default notebooks)")
    parser.add_argument("--colab-base", default=None,
                        help="URL of the folder where you publish the student edition, for the Colab links")
    parser.add_argument("--force", action="store_true",
                        help="write even into the chapters' own folder or over notebooks already in OUT")


def run_edition(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .course.edition import write_student_edition

    written = write_student_edition(Path(args.source), Path(args.out), args.colab_base, force=args.force)
    print(f"wrote {len(written)} student notebooks into {args.out}")


def student_book_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", nargs="?", default="student", help="folder for the student book (default student)")
    parser.add_argument("--folder", default=None,
                        help="where OUT will lie in your repository, for its Colab links (default: OUT's place here)")


def run_student_book(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .course.student_book import write_student_book

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
    from .course.grade import grade

    limits = Limits(int(args.memory_limit * 1024**3), args.process_limit)
    print(grade(Path(args.submissions), Path(args.out), Path(args.source), args.timeout, args.jobs,
                sandbox=not args.no_sandbox, limits=limits))


def repository_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="e.g. https://github.com/you/convae")
    parser.add_argument("--root", default=".", help="the book's root folder (default .)")


def run_repository(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .course.edition import set_repository

    for path in set_repository(Path(args.root), args.url):
        print(f"updated {path}")


COMMANDS = (
    Command("train", "train a model from a recipe and save a checkpoint", train_arguments, run_train),
    Command("evaluate", "evaluate a checkpoint on its dataset's test split", evaluate_arguments, run_evaluate),
    Command("check-data", "load the book's data set once, or say in one line how to get it", data_root_argument,
            run_check_data),
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
    Command("lab", "course-lab tools: the student edition and the grader", lambda parser: None, subcommands=(
        Command("student-edition", "write the chapters without solutions", edition_arguments, run_edition),
        Command("student-book", "write the student edition as a book of its own (build it with jupyter-book)",
                student_book_arguments, run_student_book),
        Command("grade", "run every submitted notebook, boxed, and write a grade sheet", grade_arguments,
                run_grade),
    )),
    Command("repository", "point the book's Colab and install links at a repository", repository_arguments,
            run_repository),
)


def add_commands(parser: argparse.ArgumentParser, commands: Sequence[Command], depth: int = 0) -> None:
    """One subparser per command (and per subcommand of a group), each knowing its `run`."""
    subparsers = parser.add_subparsers(dest="command" if depth == 0 else "subcommand", required=True,
                                       metavar="COMMAND")
    for command in commands:
        subparser = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.arguments(subparser)
        if command.subcommands:
            add_commands(subparser, command.subcommands, depth + 1)
        else:
            subparser.set_defaults(run=command.run)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command in `COMMANDS`."""
    parser = argparse.ArgumentParser(prog="python -m convae", description="convae's command line: train and "
                                     "evaluate models, regenerate the book's stored results, run the course tools.")
    add_commands(parser, COMMANDS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data_root", None) is not None and Path(args.data_root).is_file():
        parser.error(f"argument --data-root: {args.data_root} is a file, not a folder")
    try:
        args.run(parser, args, argv)
    except (CheckpointError, DataUnavailableError, SandboxUnavailable, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
