"""The real app in a real browser: `streamlit run app.py` on the demo index, driven by headless
Chromium through Playwright. Screenshots go to test-artifacts/ (git-ignored); with
WIJKKENNIS_SCREENSHOTS=docs/screenshots they are also written there (the README's pictures).

Skips with a reason when Debian's chromium (or Playwright) is not installed;
WIJKKENNIS_CHROMIUM=/path/to/chromium picks another Chromium build.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from local_server import streamlit_app

from core.config import Settings


def find_chromium() -> str | None:
    """Debian's chromium, or the browser named by WIJKKENNIS_CHROMIUM (a missing path means none)."""
    configured = os.environ.get("WIJKKENNIS_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None)


CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium); the browser tests need a real browser"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="Python package playwright is not installed"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts"
WAIT_MS = 90_000  # Streamlit reruns and the first model load can be slow on a busy machine


@pytest.fixture(scope="module")
def app_url(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with streamlit_app(REPO / "app.py", demo_settings.data_dir, demo_settings.embedder, log_path) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    try:
        yield tab
    finally:
        context.close()


def screenshot(page: Any, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    if folder := os.environ.get("WIJKKENNIS_SCREENSHOTS"):
        target = Path(folder) if Path(folder).is_absolute() else REPO / folder
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / name)
    return path


def source_captions(page: Any) -> list[str]:
    """The 'file, pagina N' lines of the result cards, once the first card is there."""
    page.locator("[data-testid='stCaptionContainer']").filter(has_text=", pagina ").first.wait_for()
    page.wait_for_load_state("networkidle")
    return [t for t in page.locator("[data-testid='stCaptionContainer']").all_inner_texts() if ", pagina " in t]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_search_and_open_a_source_page(page: Any, app_url: str) -> None:
    page.goto(app_url, wait_until="domcontentloaded")
    box = page.get_by_label("Zoekvraag")
    box.fill("wachtlijsten en werkdruk")
    box.press("Enter")
    page.get_by_text("resultaten voor ‘wachtlijsten en werkdruk’").wait_for()
    assert "q=wachtlijsten+en+werkdruk" in page.url, "the query lives in the URL"
    expect(page.get_by_text("Zwolle 2019").first).to_be_visible()
    assert source_captions(page)[0].startswith("zwolle-evaluatie-wijkteams-2019.pdf, pagina 3")
    page.locator("mark").first.wait_for()  # the snippets render after the captions on a busy machine
    highlighted = page.locator("mark").all_inner_texts()
    assert {"wachtlijsten", "werkdruk"} <= {t.lower() for t in highlighted}

    page.get_by_text("Bronpagina bekijken").first.click()
    image = page.locator("[data-testid='stExpanderDetails'] img").first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=image.element_handle())
    assert image.evaluate("img => img.naturalHeight") > image.evaluate("img => img.naturalWidth"), "a portrait A4 page"
    page.get_by_text("zwolle-evaluatie-wijkteams-2019.pdf, pagina 3").last.wait_for()
    expect(page.get_by_role("button", name="PDF downloaden").first).to_be_visible()
    screenshot(page, "zoeken.png")


def test_a_shared_url_reopens_query_and_filters(page: Any, app_url: str) -> None:
    page.goto(f"{app_url}/?q=samenwerking+met+huisartsen&gemeente=Tilburg", wait_until="domcontentloaded")
    page.get_by_text("resultaten voor ‘samenwerking met huisartsen’").wait_for()
    expect(page.get_by_label("Zoekvraag")).to_have_value("samenwerking met huisartsen", timeout=WAIT_MS)
    found = source_captions(page)
    assert found and all(c.startswith("tilburg-") for c in found)


def test_overview_bar_click_opens_the_matching_passages(page: Any, app_url: str) -> None:
    page.goto(f"{app_url}/overzicht", wait_until="domcontentloaded")
    page.get_by_text("Passages per aandachtsgebied").wait_for()
    bar = page.locator("[data-testid='stVegaLiteChart'] path[aria-label*='gebied: 3. Ketenpartners'][aria-label*='soort: Aanbeveling']").first
    bar.wait_for()
    page.set_viewport_size({"width": 1400, "height": 2150})  # the whole page in one picture
    page.get_by_text("Gemeenten met rapporten", exact=True).wait_for()
    expect(page.locator("[data-testid='stVegaLiteChart'] svg")).to_have_count(2)  # bars and map (one tab shown)
    page.wait_for_timeout(800)  # let Vega finish drawing before the picture
    screenshot(page, "overzicht.png")
    bar.click()
    page.get_by_text("passages die aan de filters voldoen").wait_for()
    assert "gebied=3.+Ketenpartners" in page.url and "soort=Aanbeveling" in page.url
    assert source_captions(page)
    badges = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="3. Ketenpartners").all_inner_texts()
    assert badges
