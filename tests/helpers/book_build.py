"""The built book for the browser tests: Chromium, Playwright, one build of the whole book from the
stored notebook outputs (execution off, a course hub's address set), and a local server for it."""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import skip_unless_ci

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VENDORED = ROOT / "book" / "_vendor" / "embed-amd.js"  # put there by `make book` / `make test` (npm)
HUB = "https://hub.example.edu"  # a course's JupyterHub, set in the test build's configuration


def require_browser() -> None:
    """Skip (fail in CI) unless Chromium, Playwright and the book's vendored scripts are all here."""
    if not Path(CHROMIUM).exists():
        skip_unless_ci("Chromium is not installed (`sudo apt-get install chromium`)")
    if importlib.util.find_spec("playwright") is None:
        skip_unless_ci("Playwright is not installed (`pip install -e .[dev]`)")
    if not VENDORED.is_file():
        skip_unless_ci(f"the book's scripts are not vendored: {VENDORED} is missing "
                       "(`make book` fetches them with npm)")


def build_book(out: Path) -> Path:
    """Build the whole book from the stored notebook outputs into `out`; the HTML folder."""
    # The stored outputs are what the book shows: build with execution off, whatever _config.yml says.
    config, found = re.subn(r"execute_notebooks: *\S+", 'execute_notebooks: "off"', (ROOT / "_config.yml").read_text())
    assert found == 1, "_config.yml has no execute_notebooks setting to turn off"
    config, found = re.subn(r'jupyterhub_url: ""', f"jupyterhub_url: {HUB}", config)  # as a teacher sets it
    assert found == 1, "_config.yml has no empty jupyterhub_url to set"
    config = config.replace(": book/_ext", f": {ROOT / 'book' / '_ext'}")  # the local extensions' absolute folder
    (out / "_config.yml").write_text(config)
    subprocess.run([Path(sys.executable).parent / "jupyter-book", "build", str(ROOT), "--path-output", str(out),
                    "--config", str(out / "_config.yml"), "--quiet"], check=True)
    return out / "_build" / "html"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free local port for the block; its origin ("http://127.0.0.1:PORT")."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextmanager
def browser() -> Iterator:
    """Headless Chromium under Playwright, for the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
