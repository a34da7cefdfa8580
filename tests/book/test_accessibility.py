"""The built book for every reader, in headless Chromium: figures with captions and alt text, shown at
their own size in the column, legible in light and dark mode; folded install cells; and axe-core's
WCAG 2.1 A/AA audit of every page, which finds nothing in the book's own content."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers.book_build import ROOT, browser, served
from helpers.figure_audit import BODY_TEXT_PX, COLUMN_PX

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # npm (package.json), like the widget scripts
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The theme's own buttons, which its configuration cannot rename: their aria-label ("Search",
# "Color mode") is not the text they show. Listed, counted, and allowed; nothing else is.
THEME_KNOWN = {("label-content-name-mismatch", "search-button__button"),  # (rule, the button's class)
               ("label-content-name-mismatch", "theme-switch-button")}
COLUMN_WINDOW = {"width": 1280, "height": 900}  # the window whose column the figures are drawn for
MIN_CONTRAST = 4.5  # WCAG AA, for text


def pages(html: Path) -> list[str]:
    """Every page of the built book, but the root's redirect to the first page (no content of its own)."""
    return sorted(str(page.relative_to(html)) for page in html.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(page.parts)
                  and 'http-equiv="Refresh"' not in page.read_text())


def chapter_pages(html: Path) -> list[Path]:
    return sorted((html / "notebooks").glob("[0-9][0-9]_*.html"))


class Figures(HTMLParser):
    """Every <img> of a page's article (not the theme's logos around it): its alt text and the
    caption of the <figure> around it, or None."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []
        self.in_article = self.in_figure = self.in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.in_article = True
        elif tag == "figure":
            self.in_figure = True
        elif tag == "figcaption":
            self.in_caption = True
        elif tag == "img" and self.in_article:
            self.images.append({"alt": dict(attrs).get("alt", ""), "caption": "" if self.in_figure else None})

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article = False
        elif tag == "figure":
            self.in_figure = False
        elif tag == "figcaption":
            self.in_caption = False

    def handle_data(self, data):
        if self.in_caption and self.images and self.images[-1]["caption"] is not None:
            self.images[-1]["caption"] += data


def test_every_chapter_image_is_a_numbered_figure_with_alt_text(built_book):
    for page in chapter_pages(built_book):
        parser = Figures()
        parser.feed(page.read_text())
        chapter = int(page.name[:2])
        assert parser.images, page.name
        for number, image in enumerate(parser.images, start=1):
            assert image["caption"] is not None, f"{page.name}: an image outside a figure"
            assert image["caption"].strip().startswith(f"Figure {chapter}.{number}."), (page.name, image)
            alt = image["alt"]
            assert len(alt) >= 30 and not re.search(r"\.(png|jpe?g|svg)\b|_images/", alt), (page.name, alt)


def test_the_install_cell_is_folded_on_every_chapter_page(built_book):
    for page in chapter_pages(built_book):
        text = page.read_text()
        first_cell = text.index('<div class="cell')
        folded = re.match(r'<div class="cell tag_hide-input[^>]*>\s*<details[^>]*>\s*<summary>\s*'
                          r'<p class="collapsed admonition-title">Install convae', text[first_cell:])
        assert folded, f"{page.name}: the first cell is not the folded install cell"


@pytest.fixture(scope="module")
def book_page(built_book):
    """A function that opens a page of the built book in Chromium: open(path, dark=False) -> page."""
    with served(built_book) as origin, browser() as chromium:
        contexts = {dark: chromium.new_context(viewport=COLUMN_WINDOW, color_scheme="dark" if dark else "light")
                    for dark in (False, True)}

        def open_page(path: str, dark: bool = False):
            page = contexts[dark].new_page()
            page.goto(f"{origin}/{path}")
            page.wait_for_load_state("load")
            # the chapters' images load lazily: load them all before anything is measured
            page.evaluate("document.querySelectorAll('img').forEach(img => { img.loading = 'eager'; })")
            page.wait_for_function("[...document.images].every(img => img.complete)")
            return page

        yield open_page


def test_the_column_and_body_text_are_those_the_figures_are_drawn_for(book_page):
    page = book_page("notebooks/03_training.html")
    column = page.evaluate("""(() => {const figure = document.querySelector('article figure');
        const style = getComputedStyle(figure);  // the room inside the figure's padding
        return figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)})()""")
    body = page.evaluate("parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
    assert abs(column - COLUMN_PX) <= 1 and body == BODY_TEXT_PX, (column, body)


def test_every_figure_shows_at_its_own_size_in_the_column(built_book, book_page):
    """No figure is wider than the column, so none is scaled down (its text with it)."""
    for chapter in chapter_pages(built_book):
        page = book_page(f"notebooks/{chapter.name}")
        sizes = page.evaluate("[...document.querySelectorAll('article figure img')]"
                              ".map(img => [img.naturalWidth, img.getBoundingClientRect().width])")
        assert sizes, chapter.name
        shrunk = [(natural, shown) for natural, shown in sizes if shown < natural - 0.5]
        assert not shrunk, f"{chapter.name}: figures scaled down to the column (natural, shown): {shrunk}"
        page.close()


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG's relative luminance of an sRGB colour."""
    channels = [value / 255 for value in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def panel_contrast(png: bytes, inset: int = 3) -> float:
    """The contrast ratio between a figure's panel and its darkest ink, as the screen shows them: the
    panel is the most common colour on a ring `inset` pixels inside the image's edge (clear of the
    page's own background at rounded corners), the ink the darkest 0.5 % of its pixels."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    right, bottom = image.size[0] - 1 - inset, image.size[1] - 1 - inset
    ring = [image.getpixel((x, y)) for x in range(inset, right + 1) for y in (inset, bottom)]
    ring += [image.getpixel((x, y)) for y in range(inset, bottom + 1) for x in (inset, right)]
    panel = max(set(ring), key=ring.count)
    levels = sorted(luminance(pixel) for pixel in image.getdata())
    ink = levels[len(levels) // 200]
    return (luminance(panel) + 0.05) / (ink + 0.05)


def test_panel_contrast_measures_ink_against_the_panel():
    from PIL import Image

    def png(panel, ink) -> bytes:
        image = Image.new("RGB", (100, 40), panel)
        image.paste(ink, (40, 10, 60, 30))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    assert panel_contrast(png((255, 255, 255), (0, 0, 0))) == pytest.approx(21)
    assert panel_contrast(png((40, 40, 40), (0, 0, 0))) < MIN_CONTRAST  # black ink on a dark panel


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_figure_keeps_its_contrast_in_light_and_dark_mode(built_book, book_page, dark):
    for chapter in chapter_pages(built_book):
        page = book_page(f"notebooks/{chapter.name}", dark=dark)
        assert page.evaluate("document.documentElement.dataset.theme") == ("dark" if dark else "light")
        figures = page.locator("article figure img")
        for index in range(figures.count()):
            figure = figures.nth(index)
            figure.scroll_into_view_if_needed()
            contrast = panel_contrast(figure.screenshot())
            assert contrast >= MIN_CONTRAST, f"{chapter.name}, figure {index + 1}: contrast {contrast:.1f}"
        page.close()


def test_axe_finds_no_wcag_violation_in_the_books_own_content(built_book, book_page):
    script = AXE.read_text()
    own, known = [], 0
    for path in pages(built_book):
        page = book_page(path)
        page.add_script_tag(content=script)
        violations = page.evaluate("""async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
            .violations.map(v => ({rule: v.id, nodes: v.nodes.map(n => [n.target.join(' '), n.html])}))""", WCAG_21_AA)
        for violation in violations:
            for target, html in violation["nodes"]:
                if any(rule == violation["rule"] and name in html for rule, name in THEME_KNOWN):
                    known += 1
                else:
                    own.append((path, violation["rule"], target))
        page.close()
    print(f"axe-core: {len(pages(built_book))} pages, {known} known theme button labels")
    assert not own, own


def test_printed_output_stays_inside_its_box(built_book, book_page):
    for chapter in chapter_pages(built_book):
        page = book_page(f"notebooks/{chapter.name}")
        overflowing = page.evaluate("""[...document.querySelectorAll('div.cell_output pre')]
            .filter(pre => pre.scrollWidth > pre.clientWidth + 1).map(pre => pre.textContent.slice(0, 60))""")
        assert not overflowing, f"{chapter.name}: output wider than its box: {overflowing}"
        page.close()
