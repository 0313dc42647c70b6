"""The review queue in a real browser, with the keyboard alone: `streamlit run app.py` on a copy of
the demo index, headless Chromium through Playwright. After signing in, only key presses: digits
toggle areas, K/S/A/B set the kind, Enter saves and opens the next passage, O skips.

Skips like tests/test_browser.py when Chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from local_server import streamlit_app
from test_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, expect, screenshot

from core.config import Settings
from wijkkennis.curation import SKIPPED, CurationStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
]
PASSWORD = "correct-paard-batterij"


@pytest.fixture(scope="module")
def review_app(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("review-browser") / "data"
    shutil.copytree(demo_settings.data_dir, data_dir, ignore=shutil.ignore_patterns("curation.sqlite*", "taggers"))
    CurationStore(data_dir / "curation.sqlite").add_user("anna", PASSWORD, iterations=20_000)
    log_path = tmp_path_factory.mktemp("streamlit-review") / "streamlit.log"
    with streamlit_app(REPO / "app.py", data_dir, demo_settings.embedder, log_path) as url:
        yield url, data_dir


def wait_until_idle(page: Any) -> None:
    """Until Streamlit has finished its rerun: the app root's script state is "notRunning" (the
    websocket keeps the page's network busy, so networkidle alone does not say it)."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=WAIT_MS)


def button(page: Any, key: str) -> Any:
    return page.locator(f".st-key-{key} button").first


def test_the_review_queue_works_with_the_keyboard_alone(review_app: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, data_dir = review_app
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="nl-NL").new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{url}/curatie?weergave=beoordelen", wait_until="domcontentloaded")
            page.get_by_label("Naam").fill("anna")
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.keyboard.press("Enter")  # submits the sign-in form
            card = page.locator(".st-key-rq_kaart")
            expect(button(page, "rq_opslaan")).to_be_visible(timeout=WAIT_MS)
            page.wait_for_load_state("networkidle")
            first_text = card.locator("[data-testid='stMarkdownContainer']").nth(1).inner_text()
            area_before = button(page, "rq_gebied_3").get_attribute("data-testid")

            # from here on: the keyboard only
            page.keyboard.press("3")
            expected = "stBaseButton-secondary" if area_before == "stBaseButton-primary" else "stBaseButton-primary"
            expect(button(page, "rq_gebied_3")).to_have_attribute("data-testid", expected, timeout=WAIT_MS)
            page.keyboard.press("k")
            expect(button(page, "rq_soort_knelpunt")).to_have_attribute("data-testid", "stBaseButton-primary", timeout=WAIT_MS)
            screenshot(page, "curatie-beoordelen.png")
            wait_until_idle(page)
            page.keyboard.press("Enter")
            expect(page.get_by_text("Opgeslagen (")).to_be_visible(timeout=WAIT_MS)
            expect(page.locator("[data-testid='stCaptionContainer']").filter(has_text="1 beoordeeld")).to_be_visible(timeout=WAIT_MS)
            second_text = card.locator("[data-testid='stMarkdownContainer']").nth(1).inner_text()
            assert second_text != first_text, "Enter opened the next passage"
            wait_until_idle(page)  # a key pressed while the save's rerun still runs can be lost
            page.keyboard.press("o")
            expect(page.get_by_text("Overgeslagen;")).to_be_visible(timeout=WAIT_MS)
        finally:
            browser.close()

    decisions = CurationStore(data_dir / "curation.sqlite").decisions()
    assert [d.action for d in decisions][-1] == SKIPPED
    [saved] = [d for d in decisions if d.labelled]
    assert saved.decided_by == "anna" and saved.kind == "knelpunt"
    assert (3 in saved.areas) != (3 in saved.model_areas)
    assert " ".join(saved.text.split())[:40] in " ".join(first_text.split())
