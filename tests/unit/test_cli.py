"""The command line: a dry run trains and saves, evaluate reads it back, errors exit non-zero."""

import subprocess
import sys
from pathlib import Path

import pytest

import convae
from convae._internal.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_dry_run_trains_saves_and_evaluates(mnist_root, tmp_path, capsys):
    out = tmp_path / "ae.pt"
    status = main(["train", "--dataset", "mnist", "--data-root", str(mnist_root), "--latent-dim", "3",
                   "--dry-run", "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "test MSE" in printed and str(out) in printed
    checkpoint = convae.load_checkpoint(out)
    assert checkpoint.model.latent_dim == 3 and checkpoint.metadata["epochs"] == 1
    assert checkpoint.metadata["command"].startswith("python -m convae train --dataset mnist")
    assert main(["evaluate", str(out), "--data-root", str(mnist_root)]) == 0
    assert "mse:" in capsys.readouterr().out


def test_validation_split_is_reported(mnist_root, tmp_path, capsys):
    out = tmp_path / "ae.pt"
    assert main(["train", "--dataset", "mnist", "--data-root", str(mnist_root), "--dry-run",
                 "--validation-images", "40", "--out", str(out)]) == 0
    assert "validation MSE per epoch" in capsys.readouterr().out
    assert convae.load_checkpoint(out).metadata["train_images"] == 160


def test_errors_exit_non_zero_with_a_message(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.pt")]) == 1
    assert "error: no checkpoint file" in capsys.readouterr().err


def test_module_entry_point_has_help():
    result = subprocess.run([sys.executable, "-m", "convae", "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--dry-run" in result.stdout and "--latent-dim" in result.stdout


@pytest.mark.parametrize("arguments, message", [
    (["train", "--batch-size", "0"], "argument --batch-size: batch_size must be a whole number of at least 1, got 0"),
    (["train", "--epochs", "0"], "argument --epochs: epochs must be a whole number of at least 1, got 0"),
    (["train", "--epochs", "2.5"], "argument --epochs: expected a whole number, got '2.5'"),
    (["train", "--lr", "0"], "argument --lr: lr must be a positive number, got 0.0"),
    (["train", "--lr", "nan"], "argument --lr: lr must be a positive number, got nan"),
    (["train", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["train", "--latent-dim", "-1"], "argument --latent-dim: latent_dim must be a whole number of at least 1, got -1"),
    (["train", "--seed", "-1"], "argument --seed: seed must be a whole number from 0 to"),
    (["train", "--validation-images", "-5"], "argument --validation-images: validation_images must be a whole number "
                                             "of at least 0, got -5"),
    (["train", "--model", "vae"], "a VAE's reconstruction term is the Bernoulli likelihood"),
    (["train", "--dry-run", "--validation-images", "512"],
     "argument --validation-images: must leave training images: less than 512"),
])
def test_bad_arguments_are_refused_by_argparse_before_any_work(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(arguments)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unwritable_output_is_refused_before_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    # The data root does not exist: had training started, loading the data would have failed first.
    for out in (blocker / "ae.pt", tmp_path):
        with pytest.raises(SystemExit) as exit_:
            main(["train", "--out", str(out), "--data-root", str(tmp_path / "no-data"), "--dataset", "mnist"])
        assert exit_.value.code == 2
        assert "argument --out: " in capsys.readouterr().err
    assert not (tmp_path / "no-data").exists()
    with pytest.raises(SystemExit):
        main(["train", "--data-root", str(blocker)])
    assert f"argument --data-root: {blocker} is a file" in capsys.readouterr().err










def test_help_lists_every_subcommand_with_its_line(capsys):
    from convae._internal.cli import COMMANDS

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    listed = " ".join(capsys.readouterr().out.split())  # argparse wraps long lines
    for command in COMMANDS:
        assert command.name in listed and " ".join(command.help.split()) in listed, command.name
