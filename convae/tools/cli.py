"""The command line: `python -m convae train | evaluate | bench | export-web | lab | repository`."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path

from ..checkpoints import CheckpointError, load_checkpoint
from ..data import DATASETS, SPLIT_SIZES, DataUnavailableError, load_dataset
from ..evaluate import evaluate_autoencoder, evaluate_classifier
from ..files import check_writable
from ..recipe import LOSSES, MODELS, SCHEDULES, SHIPPED, Recipe
from ..runs import train_recipe
from ..vae import evaluate_vae
from .sandbox import Limits, SandboxUnavailable

DRY_RUN_SIZES = (512, 256)  # training and test images in a --dry-run


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m convae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train an autoencoder and save a checkpoint",
                                description="Every default is the recipe of the shipped weights (convae.SHIPPED).")
    train.add_argument("--model", choices=MODELS, default=SHIPPED.model,
                       help="autoencoder (default) or vae, a variational autoencoder (needs --loss bce)")
    train.add_argument("--dataset", choices=DATASETS, default=SHIPPED.dataset)
    train.add_argument("--latent-dim", type=whole_number(1), default=SHIPPED.latent_dim,
                       help=f"size of the latent code (default {SHIPPED.latent_dim})")
    train.add_argument("--epochs", type=whole_number(1), default=SHIPPED.epochs)
    train.add_argument("--batch-size", type=whole_number(1), default=SHIPPED.batch_size)
    train.add_argument("--lr", type=real_number(0, inclusive=False), default=SHIPPED.lr,
                       help=f"(peak) learning rate (default {SHIPPED.lr:g})")
    train.add_argument("--schedule", choices=SCHEDULES, default=SHIPPED.schedule)
    train.add_argument("--loss", choices=LOSSES, default=SHIPPED.loss)
    train.add_argument("--seed", type=whole_number(0, 2**63 - 1), default=SHIPPED.seed)
    train.add_argument("--beta", type=real_number(0, inclusive=True), default=SHIPPED.beta,
                       help="a VAE's weight of the KL term (default 1: the loss is -ELBO)")
    train.add_argument("--noise", type=real_number(0, inclusive=True), default=SHIPPED.noise,
                       help="σ of the Gaussian noise added to each input: a denoising autoencoder (default 0)")
    train.add_argument("--holdout-class", default=SHIPPED.holdout_class,
                       help="leave this class (a name like Shirt, or its number) out of training: "
                            "a model for anomaly detection")
    train.add_argument("--validation-images", type=whole_number(0), default=SHIPPED.validation_images,
                       help="hold out this many training images and report the validation MSE each epoch")
    train.add_argument("--out", default="runs/autoencoder.pt", help="checkpoint path (default runs/autoencoder.pt)")
    train.add_argument("--data-root", default=None, help="data folder (default $CONVAE_DATA or ~/.cache/convae)")
    train.add_argument("--dry-run", action="store_true",
                       help=f"a seconds-long smoke run: 1 epoch on {DRY_RUN_SIZES[0]} images")

    evaluate = commands.add_parser("evaluate", help="evaluate a checkpoint on its dataset's test split")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--dataset", choices=DATASETS, default=None, help="default: the checkpoint's own")
    evaluate.add_argument("--data-root", default=None)

    bench = commands.add_parser("bench", help="measure training throughput on this machine")
    bench.add_argument("--images", type=whole_number(1, SPLIT_SIZES["train"]), default=60_000,
                       help="images per measured epoch (default 60000)")
    bench.add_argument("--data-root", default=None)

    export = commands.add_parser("export-web", help="write the decoder and latent map for the in-browser explorer")
    export.add_argument("out", nargs="?", default="book/_explorer", help="folder (default book/_explorer)")
    export.add_argument("--points", type=whole_number(1, SPLIT_SIZES["test"]), default=3000,
                        help="test codes on the map (default 3000)")

    lab = commands.add_parser("lab", help="course-lab tools")
    lab_commands = lab.add_subparsers(dest="lab_command", required=True)
    student = lab_commands.add_parser("student-edition", help="write the chapters without solutions")
    student.add_argument("out", help="folder to write the student notebooks into")
    student.add_argument("--source", default="notebooks", help="folder of the chapters (default notebooks)")
    student.add_argument("--colab-base", default=None,
                         help="URL of the folder where you publish the student edition, for the Colab links")
    student.add_argument("--force", action="store_true",
                         help="write even into the chapters' own folder or over notebooks already in OUT")
    grade = lab_commands.add_parser("grade", help="run every submitted notebook and write a grade sheet")
    grade.add_argument("submissions", help="folder of STUDENT.ipynb files or of STUDENT/ folders of notebooks")
    grade.add_argument("--out", default="grades.csv",
                       help="the grade sheet (default grades.csv); the report goes beside it as .md")
    grade.add_argument("--source", default="notebooks",
                       help="the chapters handed out, whose checks grade the notebooks (default notebooks)")
    grade.add_argument("--timeout", type=real_number(0, inclusive=False), default=600,
                       help="seconds per notebook (default 600)")
    grade.add_argument("--jobs", type=whole_number(1), default=1, help="notebooks run at a time (default 1)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code unboxed, as you (where bubblewrap is missing; says what it allows)")
    grade.add_argument("--memory-limit", type=real_number(0, inclusive=False), default=8,
                       help="GiB of memory each boxed notebook may use (default 8)")
    grade.add_argument("--process-limit", type=whole_number(16), default=256,
                       help="processes and threads each boxed notebook may have (default 256)")

    tune = commands.add_parser("tune-classifier",
                               help="choose chapter 5's hyperparameters on a validation split of the training set")
    tune.add_argument("--out", default="runs", help="folder to write fine_tuning_validation.json into (default runs)")
    tune.add_argument("--quick", action="store_true", help="a seconds-long run that only checks the machinery")
    tune.add_argument("--data-root", default=None)

    check_data = commands.add_parser("check-data",
                                     help="load the book's data set once, or say in one line how to get it")
    check_data.add_argument("--data-root", default=None)

    budgets = commands.add_parser("label-budgets",
                                  help="chapter 5's methods over paired seeds at longer budgets (~25 min)")
    budgets.add_argument("--out", default="runs", help="folder to write label_budgets.json into (default runs)")
    budgets.add_argument("--quick", action="store_true", help="a seconds-long run that only checks the machinery")
    budgets.add_argument("--data-root", default=None)

    dense = commands.add_parser("why-convolutions",
                                help="chapter 6's dense autoencoders against the convolutional one, 3 seeds (~6 min)")
    dense.add_argument("--out", default="runs",
                       help="folder to write why_convolutions.json and the dense checkpoints into (default runs)")
    dense.add_argument("--quick", action="store_true", help="a seconds-long run that only checks the machinery")
    dense.add_argument("--data-root", default=None)

    study = commands.add_parser("vae-study",
                                help="chapter 8's sampling comparison and β table, 3 seeds (~10 min)")
    study.add_argument("--out", default="runs",
                       help="folder to write vae_study.json, the judge and the VAEs into (default runs)")
    study.add_argument("--quick", action="store_true", help="a seconds-long run that only checks the machinery")
    study.add_argument("--data-root", default=None)

    repository = commands.add_parser("repository", help="point the book's Colab and install links at a repository")
    repository.add_argument("url", help="e.g. https://github.com/you/convae")
    repository.add_argument("--root", default=".", help="the book's root folder (default .)")
    return parser


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What the parser cannot see argument by argument, checked before any work (argparse's error if wrong)."""
    if getattr(args, "data_root", None) is not None and Path(args.data_root).is_file():
        parser.error(f"argument --data-root: {args.data_root} is a file, not a folder")
    if args.command == "train":
        images = DRY_RUN_SIZES[0] if args.dry_run else SPLIT_SIZES["train"]
        if args.validation_images >= images:
            parser.error(f"argument --validation-images: must leave training images: less than {images}"
                         f"{' in a --dry-run' if args.dry_run else ''}, got {args.validation_images}")
        try:
            check_writable(args.out)  # before hours of training, not after
        except ValueError as error:
            parser.error(f"argument --out: {error}")
    if args.command == "export-web":
        if Path(args.out).is_file():
            parser.error(f"argument out: {args.out} is a file, not a folder")
        try:
            check_writable(Path(args.out) / "explorer.json")
        except ValueError as error:
            parser.error(f"argument out: {error}")


def recipe_from(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Recipe:
    """The recipe the command line's arguments describe (a --dry-run trains for one epoch)."""
    try:
        recipe = Recipe(**{field.name: getattr(args, field.name) for field in fields(Recipe)})
    except ValueError as error:
        parser.error(str(error))
    return Recipe(**{**recipe.as_dict(), "epochs": 1}) if args.dry_run else recipe


def run_train(args: argparse.Namespace, argv: Sequence[str], recipe: Recipe) -> None:
    trained = train_recipe(recipe, args.data_root, out=args.out, command="python -m convae " + shlex.join(argv),
                           sizes=DRY_RUN_SIZES if args.dry_run else None)
    metadata = trained.metadata
    label = "validation" if recipe.validation_images else "test"
    print(f"{label} MSE per epoch: " + " ".join(f"{v:.4f}" for v in metadata["monitored_mse"]))
    if recipe.model == "vae":
        print(f"{label} -ELBO per epoch: " + " ".join(f"{v:.1f}" for v in trained.history["test_loss"]))
    test = metadata["test_metrics"]
    scores = (f"test -ELBO {test['elbo_loss']:.1f} nats per image (reconstruction {test['reconstruction']:.1f}, "
              f"KL {test['kl']:.1f}), test MSE from the mean code {test['mse']:.5f}" if recipe.model == "vae"
              else f"test MSE {test['mse']:.5f}, test BCE {test['bce']:.5f}")
    print(f"{scores}, {metadata['train_seconds']:.0f} s of training; saved {args.out}")
    if recipe.holdout_class is not None:
        held_out = metadata["recipe"]["holdout_class"]  # by its name
        print(f"held-out class {held_out}: test MSE {metadata['holdout_test_metrics']['mse']:.5f}")


def run_evaluate(args: argparse.Namespace) -> None:
    checkpoint = load_checkpoint(args.checkpoint)
    dataset = args.dataset or checkpoint.metadata.get("dataset", "fashion-mnist")
    test_set = load_dataset(dataset, "test", args.data_root)
    if checkpoint.metadata["model_class"] == "Classifier":
        metrics = evaluate_classifier(checkpoint.model, test_set)
    elif checkpoint.metadata["model_class"] == "VAE":
        metrics = evaluate_vae(checkpoint.model, test_set)
    elif checkpoint.metadata["model_class"] in ("Autoencoder", "DenseAutoencoder"):
        metrics = evaluate_autoencoder(checkpoint.model, test_set)
    else:
        found = checkpoint.metadata["model_class"]
        raise CheckpointError(f"evaluate needs an autoencoder, a VAE or a Classifier, not the {found} in "
                              f"{args.checkpoint}")
    print(f"{checkpoint.metadata['model_class']} (latent {checkpoint.model.latent_dim}) "
          f"on the {dataset} test set:")
    for name, value in metrics.items():
        print(f"  {name}: {value:.5f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    try:
        if args.command == "train":
            run_train(args, argv, recipe_from(parser, args))
        elif args.command == "evaluate":
            run_evaluate(args)
        elif args.command == "bench":
            from .bench import run_benchmark

            run_benchmark(args.images, args.data_root)
        elif args.command == "export-web":
            from .web import export_web

            sizes = export_web(Path(args.out), num_points=args.points)
            print(", ".join(f"{name}: {size / 1024:.1f} KiB" for name, size in sizes.items()) + f" in {args.out}")
        elif args.command == "lab" and args.lab_command == "grade":
            from .grade import grade

            limits = Limits(int(args.memory_limit * 1024**3), args.process_limit)
            print(grade(Path(args.submissions), Path(args.out), Path(args.source), args.timeout, args.jobs,
                        sandbox=not args.no_sandbox, limits=limits))
        elif args.command == "lab":
            from .edition import write_student_edition

            written = write_student_edition(Path(args.source), Path(args.out), args.colab_base, force=args.force)
            print(f"wrote {len(written)} student notebooks into {args.out}")
        elif args.command == "tune-classifier":
            from .tune import tune

            tune(Path(args.out) / "fine_tuning_validation.json", argv, args.data_root, quick=args.quick)
        elif args.command == "check-data":
            from ..data import load_dataset

            sizes = {split: len(load_dataset("fashion-mnist", split, args.data_root)) for split in ("train", "test")}
            print(f"fashion-mnist: {sizes['train']:,} training and {sizes['test']:,} test images")
        elif args.command == "label-budgets":
            from .budgets import run_budgets

            run_budgets(Path(args.out) / "label_budgets.json", argv, args.data_root, quick=args.quick)
        elif args.command == "why-convolutions":
            from .dense import run_why_convolutions

            run_why_convolutions(Path(args.out), argv, args.data_root, quick=args.quick)
        elif args.command == "vae-study":
            from .vae_study import run_vae_study

            run_vae_study(Path(args.out), argv, args.data_root, quick=args.quick)
        elif args.command == "repository":
            from .edition import set_repository

            for path in set_repository(Path(args.root), args.url):
                print(f"updated {path}")
    except (CheckpointError, DataUnavailableError, SandboxUnavailable, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
