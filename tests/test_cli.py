"""The command line: a dry run trains and saves, evaluate reads it back, errors exit non-zero."""

import subprocess
import sys

import convae
from convae.tools.cli import main


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
                 "--val-size", "40", "--out", str(out)]) == 0
    assert "validation MSE per epoch" in capsys.readouterr().out
    assert convae.load_checkpoint(out).metadata["recipe"]["train_images"] == 160


def test_errors_exit_non_zero_with_a_message(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.pt")]) == 1
    assert "error: no checkpoint file" in capsys.readouterr().err


def test_module_entry_point_has_help():
    result = subprocess.run([sys.executable, "-m", "convae", "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--dry-run" in result.stdout and "--latent-dim" in result.stdout
