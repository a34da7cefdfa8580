"""The command line, `python -m convae COMMAND`: train a model from a recipe, evaluate a checkpoint,
check the data. One row of `COMMANDS` per subcommand; `python -m convae --help` lists them.

The repository's own command lines (`python -m studies …`, `python -m course …`) are built from
the same pieces: `Command`, the argument types, and `run_commands`.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..data import DATASETS, SPLIT_SIZES, DataUnavailableError, load_dataset
from ..recipe import SHIPPED, Recipe
from .checkpoints import CheckpointError, load_checkpoint
from .files import check_writable
from .kinds import kind_of_class, recipe_kind, trainable_kind, trainable_kinds
from .runs import train_recipe

QUICK_SIZES = (512, 256)  # training and test images in a --dry-run (and a study's --quick run)

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

def recipe_value(name: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type for the Recipe field `name`: `parse`d, then checked by Recipe itself."""

    def check(text: str) -> object:
        try:
            value = parse(text)
            replace(SHIPPED, **{name: value})  # the recipe's own check of that one field
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return value

    return check


def whole(text: str) -> int:
    """A whole number, or a ValueError that says what came."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None


def number(text: str) -> float:
    """A number, or a ValueError that says what came."""
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


PARSERS = {"int": whole, "float": number, "str": str}  # by a Recipe field's type, None aside


def recipe_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per field of `Recipe`, with its default, help and choices: --latent-dim for latent_dim."""
    for setting in fields(Recipe):
        flag, default = "--" + setting.name.replace("_", "-"), getattr(SHIPPED, setting.name)
        help = setting.metadata["help"]
        if setting.type == "bool":
            parser.add_argument(flag, action="store_true", help=help)
            continue
        choices = trainable_kinds() if setting.name == "model" else setting.metadata["choices"]
        parse = PARSERS[setting.type.replace(" | None", "")]
        parser.add_argument(flag, type=recipe_value(setting.name, parse), default=default, choices=choices,
                            help=f"{help} (default {default})")


def train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Every default is the recipe of the shipped weights (convae.SHIPPED)."
    recipe_arguments(parser)
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
        recipe = Recipe(**{setting.name: getattr(args, setting.name) for setting in fields(Recipe)})
        recipe_kind(recipe)  # the kind checks the recipe: e.g. a VAE needs the Bernoulli loss
    except ValueError as error:
        parser.error(str(error))
    return replace(recipe, epochs=1) if args.dry_run else recipe


def run_train(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    recipe = recipe_from(parser, args)
    trained = train_recipe(recipe, args.data_root, out=args.out, command="python -m convae " + shlex.join(argv),
                           sizes=QUICK_SIZES if args.dry_run else None)
    metadata, kind = trained.metadata, trainable_kind(recipe.model)
    if recipe.validation_images:
        print("validation MSE per epoch: " + " ".join(f"{v:.4f}" for v in trained.history["validation_mse"]))
        print("validation loss per epoch: " + " ".join(f"{v:.4g}" for v in trained.history["validation_loss"]))
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
    metrics = kind.metrics(checkpoint.model, test_set, checkpoint.metadata.get("recipe", {}))  # as trained
    print(f"{found} (latent {checkpoint.model.latent_dim}) on the {dataset} test set:")
    for name, value in metrics.items():
        print(f"  {name}: {value:.5f}")


def run_check_data(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]) -> None:
    sizes = {split: len(load_dataset("fashion-mnist", split, args.data_root)) for split in ("train", "test")}
    print(f"fashion-mnist: {sizes['train']:,} training and {sizes['test']:,} test images")


COMMANDS = (
    Command("train", "train a model from a recipe and save a checkpoint", train_arguments, run_train),
    Command("evaluate", "evaluate a checkpoint on its dataset's test split", evaluate_arguments, run_evaluate),
    Command("check-data", "load the book's data set once, or say in one line how to get it", data_root_argument,
            run_check_data),
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


def build_parser(prog: str, description: str, commands: Sequence[Command]) -> argparse.ArgumentParser:
    """The parser of every command in `commands`."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_commands(parser, commands)
    return parser


def run_commands(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, errors: tuple[type[Exception], ...] = ()
) -> int:
    """Parse `argv` (the process's arguments if None) and run the command it names; return the exit
    status: 1, with the message, for a CheckpointError, DataUnavailableError, ValueError or `errors`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if getattr(args, "data_root", None) is not None and Path(args.data_root).is_file():
        parser.error(f"argument --data-root: {args.data_root} is a file, not a folder")
    try:
        args.run(parser, args, argv)
    except (CheckpointError, DataUnavailableError, ValueError, *errors) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    """The parser of `python -m convae`."""
    return build_parser("python -m convae", "Train a model from a recipe, evaluate a checkpoint, check the data.",
                        COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `python -m convae`; return the exit status."""
    return run_commands(parser(), argv)
