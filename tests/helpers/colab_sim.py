"""A Colab-like Python environment for the tests: Colab's Python and packages, and a `google.colab` module.

`.venv-colab/venv/` (built once, then reused) is a virtual environment of its own, on Colab's
Python where this machine has it (else on the tests' own Python, and the tests say which ran), with
exactly the package versions Colab publishes (`colab-runtime.txt`), plus what convae needs that the
list leaves out (SciPy at the newest release that fits, setuptools to build it without an index as
Colab's pip would with one, pytest for the widget tests) and a stand-in `google.colab`.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".venv-colab"  # ignored by git and by the book
RUNTIME = Path(__file__).with_name("colab-runtime.txt")
PINS = dict(re.findall(r"^([\w.-]+)==(\S+)$", RUNTIME.read_text(), re.MULTILINE))  # {"torch": "2.11.0", …}
COLAB_PYTHON = PINS.pop("python")  # "3.13"
COLAB_IPYWIDGETS = PINS["ipywidgets"]
COLAB_PACKAGES = (*(f"{name}=={version}" for name, version in PINS.items()), "scipy", "setuptools>=77", "pytest")
KERNEL_NAME = "convae-colab"
STUB = '''"""Stand-in for Colab's own `google.colab`: importing it is how code tells it runs in Colab."""
'''


@dataclass(frozen=True)
class ColabEnv:
    """The built environment: its interpreter, its own site-packages and its Jupyter kernel."""

    venv: Path
    python: Path
    site_packages: Path

    def distributions(self) -> dict[str, str]:
        """{name: version} of the packages installed in this environment itself (not the shared ones)."""
        return {dist.metadata["Name"].lower(): dist.version
                for dist in metadata.distributions(path=[str(self.site_packages)])}

    def uninstall(self, name: str) -> None:
        """Remove `name` from this environment, if there: a fresh Colab runtime has never seen it."""
        if name in self.distributions():
            subprocess.run([str(self.python), "-m", "pip", "uninstall", "--yes", "--quiet", name], check=True)

    def kernel_manager(self):
        """A Jupyter kernel manager that starts this environment's Python."""
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        specs = KernelSpecManager(kernel_dirs=[str(self.venv / "share" / "jupyter" / "kernels")])
        return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


@functools.cache
def colab_python() -> str:
    """Colab's Python where this machine has one (on the PATH, or among pyenv's), else the tests' own."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python{COLAB_PYTHON}"),
                  *sorted(map(str, pyenv.glob(f"{COLAB_PYTHON}*/bin/python{COLAB_PYTHON}")))]
    for candidate in filter(None, candidates):  # a pyenv shim may exist and still refuse to run
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == COLAB_PYTHON:
            return candidate
    return sys.executable


def _stamp() -> str:
    """What the built environment depends on; a change rebuilds it."""
    return json.dumps({"python": colab_python(), "packages": COLAB_PACKAGES, "kernel": KERNEL_NAME, "stub": STUB})


def _purelib(python: Path) -> Path:
    """The site-packages folder of the environment whose interpreter is `python`."""
    return Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())


def _build(venv: Path) -> None:
    """Create the environment from scratch (a few minutes: torch and its CUDA libraries, from PyPI)."""
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([colab_python(), "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *COLAB_PACKAGES],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        raise RuntimeError(f"could not install {' '.join(COLAB_PACKAGES)} from PyPI:\n{pip.stderr}")
    colab = _purelib(python) / "google" / "colab"  # `google` stays a namespace package, as in Colab
    colab.mkdir(parents=True)
    (colab / "__init__.py").write_text(STUB)
    kernel = venv / "share" / "jupyter" / "kernels" / KERNEL_NAME
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab simulation)", "language": "python"}, indent=1))
    (venv / "stamp.json").write_text(_stamp())


def colab_env(cache: Path = CACHE) -> ColabEnv:
    """The Colab-like environment in `cache`, built first if it is missing or out of date."""
    venv = cache / "venv"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "build.lock", "w") as lock:  # one build at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = venv / "stamp.json"
        if not stamp.exists() or stamp.read_text() != _stamp():
            _build(venv)
    python = venv / "bin" / "python"
    env = ColabEnv(venv, python, _purelib(python))
    installed = env.distributions()
    wrong = {name: installed.get(name) for name, version in PINS.items() if installed.get(name) != version}
    if wrong:
        raise RuntimeError(f"{venv} should hold Colab's {PINS}, differs in {wrong}: delete it to rebuild")
    return env


def kernel_environment() -> dict[str, str]:
    """Environment variables for a kernel of the Colab environment: no trace of this checkout."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Everything convae needs is already there, as in Colab: pip must download nothing. pip reads
    # PIP_NO_BUILD_ISOLATION=0 as --no-build-isolation: convae builds with the environment's setuptools.
    env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    return env
