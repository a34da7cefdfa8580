"""The in-browser latent explorer: the built book's page in headless Chromium, against PyTorch."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import torch
from helpers.book_build import HUB, browser, served

import convae
from course.edition import configured_repository, github_path
from studies.web import export_web

ROOT = Path(__file__).resolve().parents[2]
# Tolerances of the committed explorer.json against a fresh export on another CPU or thread count:
# the codes agree to ~1e-6, so the PCA mean and basis to ~1e-6 (measured: 7e-7), and the values
# rounded to 4 (ranges) or 3 (points) decimals may land one rounding step apart.
PCA_ATOL, RANGES_ATOL, POINTS_ATOL = 1e-4, 1.5e-4, 1.5e-3
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_committed_assets_match_a_fresh_export(tmp_path, fashion_test_set):
    sizes = export_web(tmp_path)
    committed = ROOT / "book" / "_explorer"
    # The weights are stored, not computed: they must match to the byte.
    for weights in ("decoder.bin", "vae-decoder.bin"):
        assert (tmp_path / weights).read_bytes() == (committed / weights).read_bytes(), weights
    fresh, stored = (json.loads((folder / "explorer.json").read_text()) for folder in (tmp_path, committed))
    for key in ("format", "latent_dim", "weights", "classes", "model", "vae"):
        assert fresh[key] == stored[key], key
    assert fresh["points"]["labels"] == stored["points"]["labels"]
    # Each committed weights file is the one its manifest entry names, to the SHA-256.
    for entry in (stored["weights"], stored["vae"]["weights"]):
        assert hashlib.sha256((committed / entry["file"]).read_bytes()).hexdigest() == entry["sha256"], entry["file"]
    assert stored["vae"]["weights"]["file"] == "vae-decoder.bin"
    assert stored["vae"]["latent_dim"] == stored["latent_dim"] == 12

    for name, got, expected, atol in [
        ("pca.mean", fresh["pca"]["mean"], stored["pca"]["mean"], PCA_ATOL),
        ("pca.basis", fresh["pca"]["basis"], stored["pca"]["basis"], PCA_ATOL),
        ("ranges", fresh["ranges"], stored["ranges"], RANGES_ATOL),
        ("points.xy", fresh["points"]["xy"], stored["points"]["xy"], POINTS_ATOL),
    ]:
        torch.testing.assert_close(torch.tensor(got), torch.tensor(expected), rtol=1e-5, atol=atol,
                                   msg=lambda message, name=name: f"{name}: {message}")
    assert sizes["decoder.bin"] == sizes["vae-decoder.bin"] == 4 * convae.count_parameters(convae.Decoder())
    assert sum(sizes.values()) < 400_000  # two decoders and the map


@pytest.fixture(scope="module")
def explorer_page(built_book):
    """(Playwright page on the explorer, list of every requested URL, the server's origin)."""
    with served(built_book) as origin, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1000, "height": 1400})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{origin}/book/explorer.html")
        page.evaluate("window.convaeExplorer")  # resolves once the weights are loaded and drawn
        yield page, requested, origin


def latent_vectors() -> torch.Tensor:
    model = convae.load_pretrained()
    test_set = convae.load_dataset("fashion-mnist", "test")
    with torch.no_grad():
        real = model.encoder(test_set.images[:4])  # (4, 12)
    generator = torch.Generator().manual_seed(0)
    return torch.cat([real, torch.zeros(1, 12), 3 * torch.randn(3, 12, generator=generator)])  # (8, 12)


def test_javascript_decoder_matches_pytorch(explorer_page):
    page, _, _ = explorer_page
    z = latent_vectors()
    decoded = page.evaluate("async (zs) => { const api = await window.convaeExplorer; return zs.map(api.decode); }",
                            z.tolist())
    in_browser = torch.tensor(decoded).reshape(len(z), 1, 28, 28)
    with torch.no_grad():
        expected = convae.load_pretrained().decoder(z)
    difference = (in_browser - expected).abs().max().item()
    timing = page.evaluate("""async (z) => { const api = await window.convaeExplorer;
        const start = performance.now(); for (let i = 0; i < 200; i++) api.decode(z);
        return (performance.now() - start) / 200; }""", z[0].tolist())
    print(f"max |JS - PyTorch| = {difference:.2e}; {timing:.2f} ms per decode in headless Chromium")
    assert difference <= 1e-4


def test_javascript_vae_decoder_matches_pytorch(explorer_page):
    page, _, _ = explorer_page
    z = torch.randn(6, 12, generator=torch.Generator().manual_seed(1))  # codes from the prior
    decoded = page.evaluate("async (zs) => { const api = await window.convaeExplorer; return zs.map(api.decodeVae); }",
                            z.tolist())
    with torch.no_grad():
        expected = convae.load_pretrained("fashion-mnist-vae-latent12").decoder(z)
    assert (torch.tensor(decoded).reshape(6, 1, 28, 28) - expected).abs().max().item() <= 1e-4


def test_the_sample_button_draws_a_new_garment_each_press(explorer_page):
    page, requested, _ = explorer_page
    assert any(url.endswith("vae-decoder.bin") for url in requested)
    first = canvas_pixels(page, ".cx-sample")
    greys = page.evaluate("""() => Array.from(document.querySelector('.cx-sample').getContext('2d')
        .getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))""")  # (784,), 255 is paper
    inked = sum(grey < 240 for grey in greys)
    assert 20 < inked < 700 and max(greys) - min(greys) > 100, \
        f"{inked} of 784 pixels inked, greys {min(greys)} to {max(greys)}: a blank or solid image, not a garment"
    button = page.get_by_role("button", name="Sample")
    button.focus()
    page.keyboard.press("Enter")  # the button works from the keyboard
    assert canvas_pixels(page, ".cx-sample") != first
    caption = page.locator(".cx-sampler .cx-status").inner_text()
    assert "sample 2" in caption and "N(0, I)" in caption, caption


def canvas_pixels(page, selector: str) -> str:
    return page.evaluate(f"document.querySelector('{selector}').toDataURL()")


def test_slider_and_map_change_the_image_and_nothing_leaves_the_server(explorer_page, tmp_path_factory):
    page, requested, origin = explorer_page
    before = canvas_pixels(page, ".cx-image")
    slider = page.locator(".cx-slider input").first
    value = slider.input_value()
    slider.focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    assert slider.input_value() != value
    after_slider = canvas_pixels(page, ".cx-image")
    assert after_slider != before

    box = page.locator(".cx-map").bounding_box()
    page.mouse.click(box["x"] + 0.85 * box["width"], box["y"] + 0.2 * box["height"])
    assert canvas_pixels(page, ".cx-image") != after_slider
    assert page.locator(".cx-slider input").nth(1).input_value() != value

    screenshot = tmp_path_factory.mktemp("screens") / "explorer.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    outside = [url for url in requested if not url.startswith(origin) and not url.startswith("data:")]
    assert not outside, outside
    assert any(url.endswith("decoder.bin") for url in requested)


def test_every_chapter_launches_on_colab_binder_and_the_hub(built_book):
    """Each chapter's launch menu opens that chapter, from the configured repository and branch."""
    repository = github_path(configured_repository(ROOT))
    branch = re.search(r"^  branch: (\S+)", (ROOT / "_config.yml").read_text(), re.MULTILINE).group(1)
    for chapter in CHAPTERS:
        page = (built_book / "notebooks" / f"{chapter.stem}.html").read_text()
        links = {html.unescape(link) for link in re.findall(r'href="([^"]+)"', page)}
        path = f"notebooks/{chapter.name}"
        assert f"https://colab.research.google.com/github/{repository}/blob/{branch}/{path}" in links, chapter.name
        assert f"https://mybinder.org/v2/gh/{repository}/{branch}?urlpath=tree/{path}" in links, chapter.name
        hub = [link for link in links if link.startswith(f"{HUB}/hub/user-redirect/git-pull?")]
        assert len(hub) == 1, chapter.name
        assert parse_qs(urlsplit(hub[0]).query) == {  # nbgitpuller: clone the repository, open the chapter
            "repo": [f"https://github.com/{repository}"], "branch": [branch],
            "urlpath": [f"tree/{repository.split('/')[1]}/{path}"]}


def test_only_chapters_have_a_launch_menu(built_book):
    for page in sorted((built_book / "book").glob("*.html")):
        text = page.read_text()
        assert "launch-buttons" not in text and "mybinder.org/v2" not in text, page.name
