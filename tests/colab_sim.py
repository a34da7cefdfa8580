"""A Colab-like Python environment for the tests: Colab's ipywidgets 7.7.1 and a `google.colab` module.

`.venv-colab/venv/` (built once, then reused) is a virtual environment that holds only what differs
from the main one: ipywidgets 7.7.1 with widgetsnbextension 3.6 and the small packages they need
(from PyPI), and a stand-in `google.colab`. Everything heavy (torch, torchvision, matplotlib,
scikit-learn, tqdm, ipykernel, pip) comes from the main environment through a `.pth` file, so
nothing big is downloaded twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".venv-colab"  # ignored by git and by the book
COLAB_IPYWIDGETS = "7.7.1"  # what Colab ships, 2025–2026, with widgetsnbextension 3.6
COLAB_PACKAGES = (f"ipywidgets=={COLAB_IPYWIDGETS}", "widgetsnbextension~=3.6.0")
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


def _stamp() -> str:
    """What the built environment depends on; a change rebuilds it."""
    return json.dumps({"python": sys.version, "shared": _shared_paths(), "packages": COLAB_PACKAGES,
                       "kernel": KERNEL_NAME, "stub": STUB})


def _shared_paths() -> list[str]:
    """The main environment's site-packages, which the Colab environment sees after its own."""
    return sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})


def _purelib(python: Path) -> Path:
    """The site-packages folder of the environment whose interpreter is `python`."""
    return Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())


def _build(venv: Path) -> None:
    """Create the environment from scratch (about 10 s, a few MB from PyPI)."""
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = _purelib(python)
    (site_packages / "main-environment.pth").write_text("\n".join(_shared_paths()) + "\n")
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *COLAB_PACKAGES],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        raise RuntimeError(f"could not install {' '.join(COLAB_PACKAGES)} from PyPI:\n{pip.stderr}")
    colab = site_packages / "google" / "colab"  # `google` stays a namespace package, as in Colab
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
    version = env.distributions().get("ipywidgets")
    if version != COLAB_IPYWIDGETS:
        raise RuntimeError(f"{venv} should hold ipywidgets {COLAB_IPYWIDGETS}, holds {version}: delete it to rebuild")
    return env


def kernel_environment() -> dict[str, str]:
    """Environment variables for a kernel of the Colab environment: no trace of this checkout."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Everything convae needs is already there, as in Colab: pip must download nothing. pip reads
    # PIP_NO_BUILD_ISOLATION=0 as --no-build-isolation: convae builds with the shared setuptools.
    env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    return env
