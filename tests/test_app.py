"""The Streamlit app driven by streamlit.testing.v1.AppTest against the demo index."""

from __future__ import annotations

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

from wijkkennis.config import Settings


@pytest.fixture
def app(demo_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("WIJKKENNIS_DATA_DIR", str(demo_settings.data_dir))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_search_shows_the_known_passage_with_source(app: AppTest) -> None:
    app.text_input(key="query").input("wachtlijsten en werkdruk").run()
    assert not app.exception
    body = " ".join(m.value for m in app.markdown)
    assert "Zwolle 2019" in body
    captions = " ".join(c.value for c in app.caption)
    assert "zwolle-evaluatie-wijkteams-2019.pdf, pagina 3" in captions


def test_gemeente_filter_limits_results(app: AppTest) -> None:
    app.multiselect(key="gemeenten").select("GM0855")
    app.text_input(key="query").input("samenwerking").run()
    assert not app.exception
    captions = [c.value for c in app.caption if "pagina" in c.value]
    assert captions and all(c.startswith("tilburg") for c in captions)


def test_empty_index_says_how_to_fill_it(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WIJKKENNIS_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert "wijkkennis ingest" in " ".join(i.value for i in at.info)
