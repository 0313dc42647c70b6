"""Lessen and Rapporten in a real browser: `streamlit run app.py` on a copy of the demo index with
its themes computed, headless Chromium through Playwright. Opens both pages, a theme card with its
source page and a report dossier with its aanbevelingen; no page errors, no exception boxes.

Screenshots go to test-artifacts/lessen.png and rapporten.png (and, with
WIJKKENNIS_SCREENSHOTS=docs/screenshots, there too). Skips like tests/test_browser.py when
Chromium or Playwright is missing.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from local_server import streamlit_app
from test_app_lessons import themed_copy
from test_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, expect, screenshot

from core.config import Settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="Python package playwright is not installed"),
]


@pytest.fixture(scope="module")
def lessons_app(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = themed_copy(demo_settings.data_dir, tmp_path_factory.mktemp("lessen-browser") / "data")
    log_path = tmp_path_factory.mktemp("streamlit-lessen") / "streamlit.log"
    with streamlit_app(REPO / "app.py", data_dir, demo_settings.embedder, log_path) as url:
        yield url


@pytest.fixture
def page(lessons_app: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL").new_page()
            tab.set_default_timeout(WAIT_MS)
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
            assert not errors, errors
        finally:
            browser.close()


def no_exceptions(page: Any) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(0)


def wait_for_image(page: Any, image: Any) -> None:
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=image.element_handle())


def test_lessen_opens_with_theme_cards_and_source_pages(page: Any, lessons_app: str) -> None:
    page.goto(f"{lessons_app}/lessen", wait_until="domcontentloaded")
    page.get_by_text("gedeeld door").first.wait_for()
    expect(page.get_by_role("heading", name="Lessen")).to_be_visible()
    cards = page.locator("[data-testid='stCaptionContainer']").filter(has_text="gedeeld door")
    cards.nth(4).wait_for()  # the page may still be rendering its cards after the first one shows
    assert cards.count() >= 5
    counts = [int(t.split("gedeeld door ")[1].split(" ")[0]) for t in cards.all_inner_texts()]
    assert counts == sorted(counts, reverse=True), "most widely shared first"
    expect(page.get_by_role("button", name="Lessenrapport (Word)")).to_be_enabled()
    expect(page.get_by_role("button", name="Lessenrapport (PDF)")).to_be_enabled()
    page.get_by_text("Rapporten per thema per jaar").click()
    page.locator("[data-testid='stVegaLiteChart'] svg").first.wait_for()
    page.get_by_text("Bevindingen en bronnen").first.click()
    page.get_by_text("De passages van dit thema in Zoeken").wait_for()
    page.get_by_text("Bronpagina bekijken").first.click()
    image = page.locator("[data-testid='stExpanderDetails'] img").first
    wait_for_image(page, image)
    assert image.evaluate("img => img.naturalHeight") > image.evaluate("img => img.naturalWidth"), "a portrait A4 page"
    no_exceptions(page)
    page.wait_for_load_state("networkidle")
    page.set_viewport_size({"width": 1400, "height": 1900})
    page.wait_for_timeout(800)  # let Vega finish drawing before the picture
    screenshot(page, "lessen.png")
    # the link to Zoeken shows the theme's passages there
    page.get_by_text("De passages van dit thema in Zoeken").click()
    page.get_by_text("passages van dit thema (pagina Lessen)").wait_for()
    assert "passages=" in page.url
    no_exceptions(page)


def test_rapporten_opens_with_dossiers_and_aanbevelingen(page: Any, lessons_app: str) -> None:
    page.goto(f"{lessons_app}/rapporten", wait_until="domcontentloaded")
    page.get_by_text("van 5 rapporten").wait_for()
    expect(page.get_by_role("heading", name="Rapporten", exact=True)).to_be_visible()
    dossier = page.locator("[data-testid='stExpander']").filter(has_text="Dossier")
    expect(dossier).to_have_count(5)
    dossier.last.locator("summary").click()  # Zwolle 2019: the reports are sorted by gemeente
    details = page.locator("[data-testid='stExpanderDetails']").last
    details.get_by_text("Aanbevelingen (").wait_for()
    details.get_by_text("Draagt bij aan deze lessen").wait_for()
    expect(details.locator("[data-testid='stDataFrame']")).to_have_count(1)
    page_buttons = details.get_by_role("button", name="Pagina")
    page_buttons.first.wait_for()  # the dossier's widgets arrive over the websocket after its texts
    no_exceptions(page)
    page.wait_for_load_state("networkidle")
    page.set_viewport_size({"width": 1400, "height": 1900})
    page.wait_for_timeout(500)
    screenshot(page, "rapporten.png")
    page_buttons.first.click()
    wait_for_image(page, page.locator("[role='dialog'] img").first)
    no_exceptions(page)
    # the search box narrows the list, and lives in the URL
    page.keyboard.press("Escape")
    box = page.get_by_label("Zoek op titel of gemeente")
    box.fill("tilburg")
    box.press("Enter")
    expect(dossier).to_have_count(1)
    assert "zoek=tilburg" in page.url
    assert Path(REPO / "test-artifacts" / "rapporten.png").is_file()
