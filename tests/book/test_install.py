"""`pip install .` into a fresh virtual environment: the package, its data and its command line work,
and the wheel holds what the book teaches, none of the maintainers' tools.

The fresh environment sees this one's site-packages through a `.pth` file, so pip finds torch and
the other dependencies already satisfied and downloads nothing (`--no-index`); what is tested is
the package itself: its module list, the shipped weights, the entry points, its declared dependencies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "convae")  # what building the package reads

CHECK_INSTALLED = """
import sys, convae
assert convae.__file__.startswith(sys.prefix), convae.__file__
model = convae.load_pretrained()
print("installed", convae.__version__, type(model).__name__)
"""


def run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "CONVAE_DATA")}
    result = subprocess.run([str(part) for part in command], cwd=cwd, env={**env, "OMP_NUM_THREADS": "1"},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_pip_install_gives_a_working_package_and_command_line(tmp_path, mnist_root):
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             tmp_path).stdout.strip())
    (site_packages / "outer.pth").write_text(sysconfig.get_path("purelib") + "\n")  # this venv's packages

    run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-build-isolation", str(source)], tmp_path)
    work = tmp_path / "work"  # outside the repository, so only the installed copy can be imported
    work.mkdir()
    assert "installed 0.1.0 Autoencoder" in run([python, "-c", CHECK_INSTALLED], work).stdout
    out = work / "ae.pt"
    printed = run([python, "-m", "convae", "train", "--dry-run", "--dataset", "mnist", "--data-root", mnist_root,
                   "--out", out], work).stdout
    assert "test MSE" in printed and out.is_file()
    assert "--dry-run" in run([environment / "bin" / "convae", "train", "--help"], work).stdout


def test_the_wheel_holds_the_book_and_no_grader_box_or_study(tmp_path):
    source = tmp_path / "repository"  # the package beside the repository's tool folders, as in a checkout
    source.mkdir()
    for name in (*SOURCES, "studies", "course"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is
                                             shutil.copytree else {}))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
         "--wheel-dir", tmp_path / "wheel", source], tmp_path)
    (wheel,) = (tmp_path / "wheel").glob("convae-*.whl")
    files = sorted(zipfile.ZipFile(wheel).namelist())
    print(f"{wheel.name}: {len(files)} files", *files, sep="\n  ")  # the list, for the record (pytest -s)
    modules = {name.split("/")[-1].removesuffix(".py") for name in files if name.endswith(".py")}
    assert not {"grade", "sandbox", "edition", "student_book", "study", "budgets", "bench", "web"} & modules
    assert not [name for name in files if name.split("/")[0] in ("studies", "course", "tests")]
    assert {"convae/models.py", "convae/train.py", "convae/vae.py", "convae/lab/chapter3.py",
            "convae/pretrained/manifest.json", "convae/results/label_budgets.json"} <= set(files)
