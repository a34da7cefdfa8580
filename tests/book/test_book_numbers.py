"""Numbers typed on the book's own pages agree with the records and chapter outputs they quote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import convae
from convae._internal.records import spelled_now
from course.sandbox import Limits
from studies.chapters import chapter_paths, measure_text
from studies.cli import main

ROOT = Path(__file__).resolve().parents[2]


def page(name: str) -> str:
    """A book page's text, its line breaks folded into spaces."""
    return " ".join((ROOT / "book" / name).read_text().split())


def printed(chapter: str) -> str:
    """Everything a chapter's stored code cells printed, in order."""
    notebook = json.loads((ROOT / "notebooks" / chapter).read_text())
    return "".join("".join(output.get("text", "")) for cell in notebook["cells"] if cell["cell_type"] == "code"
                   for output in cell.get("outputs", []))


def test_the_closing_page_quotes_the_shipped_models():
    text = page("next.md")
    mse = convae.pretrained_metadata("fashion-mnist")["test_metrics"]["mse"]
    assert f"mean squared error of {mse:.4f} per pixel" in text
    elbo = convae.pretrained_metadata("fashion-mnist-vae-latent12")["test_metrics"]["elbo_loss"]
    assert f"({elbo:.1f} nats per test image)" in text
    likelihood = convae.load_result("vae_likelihood")["models"]["fashion-mnist-vae-latent12"]
    gap = likelihood["iwae_nats"]["1"] - likelihood["iwae_nats"]["1000"]
    assert f"importance sampling with 1,000 draws per image puts the estimate about {gap:.0f} nats lower" in text


def test_the_closing_page_quotes_chapter_6_and_7_as_they_printed():
    text = page("next.md")
    k = re.search(r"PCA first matches the shipped autoencoder \(\S+\) at k = (\d+)", printed("06_compression.ipynb"))
    assert f"PCA needs {k.group(1)} numbers" in text
    table = printed("07_uses.ipynb")
    bag = re.search(r"Bag\s+([\d.]+)\s+([\d.]+)%", table)
    shirt = re.search(r"Shirt\s+([\d.]+)", table)
    assert f"(AUROC {float(bag.group(1)):.2f})" in text
    assert f"catches only {float(bag.group(2)):.0f} % of them" in text
    assert f"hardly separates held-out shirts at all ({float(shirt.group(1)):.2f})" in text


def test_the_instructor_page_quotes_the_grader_defaults():
    text = page("instructor.md")
    limits = Limits()
    assert f"{limits.memory_bytes / 1024**3:g} GiB of memory (`--memory-limit`)" in text
    assert f"{limits.processes} processes and threads (`--process-limit`)" in text


def test_the_chapter_record_measures_the_chapters_as_they_are():
    record = convae.load_result("chapter_times")
    assert spelled_now(record["command"]).startswith("python -m studies time-chapters") and not record["quick"]
    current = {path.stem: measure_text(path) for path in chapter_paths(ROOT / "notebooks")}
    assert list(record["chapters"]) == list(current)
    for stem, measured in current.items():
        stored = record["chapters"][stem]
        assert {key: stored[key] for key in measured} == measured, \
            f"{stem} changed since `python -m studies time-chapters` measured it: run that again"
        assert stored["seconds"] > 0


def test_a_quick_count_writes_the_record_without_running_a_chapter(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["time-chapters", "--quick", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "chapter_times.json").read_text())
    assert written["quick"] and list(written["chapters"]) == [p.stem for p in chapter_paths(ROOT / "notebooks")]
    assert all(chapter["seconds"] is None and chapter["words"] > 0 for chapter in written["chapters"].values())


def test_the_setup_page_quotes_the_download_timeout():
    from convae._internal.raw import DOWNLOAD_TIMEOUT_S

    assert f"gives up after {DOWNLOAD_TIMEOUT_S} seconds" in page("setup.md")


def test_the_closing_page_ranks_the_samplers_as_the_study_does():
    text = page("next.md")
    runs = convae.load_result("vae_study")["runs"]

    def gap(key: str) -> convae.PairedGap:  # the VAE's prior against the fitted full Gaussian, paired by seed
        return convae.paired_gap([run["vae"]["1"]["samples"][key] for run in runs],
                                 [run["autoencoder"]["samples"]["fitted, full"][key] for run in runs])

    assert "the VAE's prior draws more garment-like samples than a full Gaussian fitted" in text
    assert gap("precision").verdict() == "ahead" and gap("recall").verdict() == "behind"
    assert "which covers more of the variety and scores the slightly lower distance" in text
    assert gap("frechet").verdict() == "ahead"  # the VAE's distance is the larger


def test_the_provenance_page_quotes_the_benchmarks_constants():
    from studies.bench import TRAIN_FLOP_PER_IMAGE
    from studies.tune_autoencoder import FINALIST_MARGIN, PROBE_EPOCHS, VALIDATION_IMAGES

    text = page("provenance.md")
    assert f"the work is counted at {TRAIN_FLOP_PER_IMAGE / 1e6:.1f} MFLOP per training image" in text
    shipped = convae.SHIPPED
    assert f"{shipped.epochs} epochs, a one-cycle schedule with a peak learning rate of {shipped.lr:g}" in text
    assert f"{VALIDATION_IMAGES:,} training images held out" in text
    margin = (FINALIST_MARGIN - 1) * 100
    assert f"every candidate trained {PROBE_EPOCHS} epochs, and those within {margin:.0f} % of" in text
    assert f"the best (short runs favour higher peaks) all {shipped.epochs}" in text


def test_the_pages_quote_the_colab_versions_the_simulation_installs():
    from helpers.colab_sim import COLAB_PYTHON, PINS, RUNTIME

    pins = {**PINS, "python": COLAB_PYTHON}
    taken = re.search(r"taken in (\w+ \d{4})", RUNTIME.read_text()).group(1)
    for name in ("setup.md", "instructor.md"):
        text = page(name)
        assert taken in text, name
        quoted = ("python", "torch", "torchvision", "matplotlib", "scikit-learn", "tqdm", "ipywidgets")
        for package in quoted:
            label = "Python" if package == "python" else package
            assert f"{label} {pins[package]}" in text, (name, package)


def test_the_setup_page_times_the_chapters_as_the_record_does():
    assert "each in under a minute on two cores" in page("setup.md")
    seconds = [chapter["seconds"] for chapter in convae.load_result("chapter_times")["chapters"].values()]
    assert max(seconds) < 60, seconds
