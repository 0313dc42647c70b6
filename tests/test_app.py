"""The Streamlit app, every page, driven by streamlit.testing.v1.AppTest against real indexes.

Read-only pages run on the session's demo index; curation runs on a copy of it, uploads on an
empty data directory, so no test changes what another one reads.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import CORPUS, REPO
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core.config import Settings, load_settings
from wijkkennis.curation import CurationStore

ZOEKEN = "app_pages/zoeken.py"
OVERZICHT = "app_pages/overzicht.py"
VERGELIJKBAAR = "app_pages/vergelijkbaar.py"
CURATIE = "app_pages/curatie.py"
EXPORT = "app_pages/export.py"
BEHEER = "app_pages/beheer.py"
PASSWORD = "correct-paard-batterij"


def start(data_dir: Path, monkeypatch: pytest.MonkeyPatch, page: str | None = None, **params: str | list[str]) -> AppTest:
    """A new session opened on ``page`` (default: Zoeken) with ``params`` in its URL."""
    monkeypatch.setenv("WIJKKENNIS_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.query_params = dict(params)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, page: str, **params: str | list[str]) -> AppTest:
    """Open another page the way a link does: with only its own query parameters."""
    at.query_params = dict(params)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def card_badges(at: AppTest) -> list:
    """The badge line of each result card (not the per-sentence list of a mixed passage)."""
    return [m for m in at.markdown if "-badge[" in m.value and not m.value.startswith("- ")]


def sources(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if ", pagina " in c.value]


@pytest.fixture
def demo_dir(demo_settings: Settings) -> Path:
    return demo_settings.data_dir


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str, bytes]]:
    """What the app hands to download buttons: (file name, mime type, bytes), in order."""
    captured: list[tuple[str | None, str, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if isinstance(path_or_data, bytes):
            captured.append((filename, mimetype, path_or_data))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return captured


# --------------------------------------------------------------------------------- Zoeken
def test_search_shows_highlighted_results_with_gemeente_year_and_source(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch)
    assert at.title[0].value == "Zoeken"
    at.text_input(key="q").input("wachtlijsten en werkdruk").run()
    assert not at.exception
    body = texts(at)
    assert "resultaten voor ‘wachtlijsten en werkdruk’" in body
    assert "**Zwolle 2019**" in body
    assert "<mark>wachtlijsten</mark>" in body and "<mark>werkdruk</mark>" in body
    assert ":red-badge[Knelpunt]" in body and ":blue-badge[2. Werkwijze]" in body
    assert sources(at)[0].startswith("zwolle-evaluatie-wijkteams-2019.pdf, pagina 3")
    assert [b.label for b in at.button if b.label == "Meer zoals dit"]


def test_query_and_filters_are_read_from_a_shared_url(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, q="samenwerking met ketenpartners", gemeente="Tilburg", soort="Knelpunt")
    assert at.text_input(key="q").value == "samenwerking met ketenpartners"
    assert at.multiselect(key="gemeente").value == ["GM0855"]
    assert at.selectbox(key="soort").value == "knelpunt"
    found = sources(at)
    assert found and all(s.startswith("tilburg-") for s in found)
    # the card's badge line names the kind as main kind or as the kind of one of its sentences
    assert all(":red-badge[Knelpunt]" in m.value or ":red-badge[ook knelpunt]" in m.value for m in card_badges(at))


def test_area_and_year_filters_limit_the_results(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch)
    at.multiselect(key="gebied").select(3)
    at.selectbox(key="van").select(2021)
    at.text_input(key="q").input("samenwerking").run()
    assert not at.exception
    badge_lines = card_badges(at)
    assert badge_lines and all("3. Ketenpartners" in line.value for line in badge_lines)
    years = {s.split(",")[0].rsplit("-", 1)[-1].removesuffix(".pdf") for s in sources(at)}
    assert years and all(int(y) >= 2021 for y in years)


def test_filters_without_a_query_list_the_matching_passages(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, gebied="4. Bereikbaarheid", soort="Aanbeveling")
    body = texts(at)
    assert "passages die aan de filters voldoen" in body
    badge_lines = [m.value.lower() for m in card_badges(at)]
    assert badge_lines and all("4. bereikbaarheid" in b and "aanbeveling" in b for b in badge_lines)


def test_no_results_says_so_in_dutch(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, q="wachtlijsten", gemeente="Zwolle", van="2021")
    assert "Geen resultaten — probeer minder filters" in " ".join(w.value for w in at.warning)
    assert not sources(at)


def test_source_page_is_rendered_and_the_pdf_offered(demo_dir: Path, monkeypatch: pytest.MonkeyPatch, downloads: list) -> None:
    at = start(demo_dir, monkeypatch, q="wachtlijsten en werkdruk")
    assert not at.image, "pages are rendered only when their expander is opened"
    first = next(b for b in at.button if b.label == "Meer zoals dit")
    key = first.key.removeprefix("meer_")
    at.session_state[f"bron_{key}"] = True  # what opening the expander does
    at.run()
    assert not at.exception, at.exception
    images = at.image
    assert len(images) == 1
    assert "zwolle-evaluatie-wijkteams-2019.pdf, pagina 3" in str(images[0].proto)
    pngs = [data for _, mime, data in downloads if mime == "image/png"]
    assert pngs and pngs[-1].startswith(b"\x89PNG") and len(pngs[-1]) > 10_000
    pdfs = [(name, data) for name, mime, data in downloads if mime == "application/pdf"]
    assert pdfs[-1][0] == "zwolle-evaluatie-wijkteams-2019.pdf"
    assert pdfs[-1][1] == (CORPUS / "zwolle-evaluatie-wijkteams-2019.pdf").read_bytes()


def test_more_like_this_shows_findings_from_other_gemeenten(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, q="wachtlijsten en werkdruk")
    next(b for b in at.button if b.label == "Meer zoals dit").click().run()
    assert not at.exception
    assert at.query_params.get("meer")
    assert "Meer zoals dit" in [s.value for s in at.subheader]
    found = sources(at)
    assert found and not any(s.startswith("zwolle") for s in found)
    next(b for b in at.button if b.label.startswith("← Terug")).click().run()
    assert "meer" not in at.query_params
    assert sources(at)[0].startswith("zwolle")


def test_results_can_be_downloaded_as_csv_and_excel(demo_dir: Path, monkeypatch: pytest.MonkeyPatch, downloads: list) -> None:
    at = start(demo_dir, monkeypatch, q="huisartsen")
    csv_bytes = next(data for name, _, data in downloads if name == "wijkkennis-resultaten.csv")
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Gemeente", "Jaar", "Soort uitspraak"]
    assert len(rows) - 1 == len(sources(at))
    xlsx = next(data for name, _, data in downloads if name == "wijkkennis-resultaten.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None and sheet.max_row == len(rows)
    # the Export page offers the same list
    go(at, EXPORT)
    table = table_with(at, "Passage-id")
    assert list(table["Bestand"]) == [r[rows[0].index("Bestand")] for r in rows[1:]]


# ------------------------------------------------------------------------------ Overzicht
def test_overview_counts_charts_and_table(demo_dir: Path, demo_service, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    at = start(demo_dir, monkeypatch, page=OVERZICHT)
    stats = demo_service.stats()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rapporten"] == str(stats["documents"]) and metrics["Passages"] == str(stats["passages"])
    assert metrics["Aanbevelingen"] == str(stats["per_kind"]["aanbeveling"])
    assert len(at.get("vega_lite_chart")) >= 4  # three bar charts and the map
    table = table_with(at, "Aanbevelingen")
    assert sorted(table["Gemeente"]) == sorted(d["gemeente"] for d in demo_service.store.documents())
    assert table["Passages"].sum() == stats["passages"]


def test_overview_clicks_through_to_the_matching_passages(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, page=OVERZICHT)
    at.selectbox(key="door_gebied").select(3)
    at.selectbox(key="door_soort").select("aanbeveling")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Zoeken"
    assert at.query_params == {"gebied": "3. Ketenpartners", "soort": "Aanbeveling"}
    badge_lines = [m.value.lower() for m in card_badges(at)]
    assert badge_lines and all("3. ketenpartners" in b and "aanbeveling" in b for b in badge_lines)


# ------------------------------------------------------------------ Vergelijkbare gemeenten
def test_comparable_gemeenten_with_reports_and_their_lessons(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, page=VERGELIJKBAAR)
    at.selectbox(key="mijn_gemeente").select("GM0193").run()  # Zwolle, 100-250k, Overijssel, G40
    assert not at.exception
    assert "Zwolle heeft zelf 1 rapport(en) in de index." in [s.value for s in at.success]
    table = at.dataframe[0].value
    assert "Zwolle" not in list(table["Gemeente"])
    assert set(table["Gemeente"][:2]) == {"Tilburg", "Apeldoorn"}  # same size class and G40
    assert table["Grootteklasse"][0].startswith("✓")
    labels = [e.label for e in at.expander]
    assert any(label.startswith("3. Samenwerking met ketenpartners") for label in labels)


def test_comparable_works_for_a_gemeente_without_reports(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, page=VERGELIJKBAAR, mijn_gemeente="Deventer")
    assert at.selectbox(key="mijn_gemeente").value == "GM0150"
    assert not at.success
    assert len(at.dataframe[0].value) == 5


# ---------------------------------------------------------------------------------- Curatie
@pytest.fixture(scope="module")
def curated_dir(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo index with one curator (the demo index itself stays untouched)."""
    target = tmp_path_factory.mktemp("curatie") / "data"
    shutil.copytree(demo_settings.data_dir, target, ignore=shutil.ignore_patterns("curation.sqlite*"))
    CurationStore(load_settings(data_dir=target).curation_path).add_user("anna", PASSWORD, iterations=20_000)
    return target


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_naam").input(name)
    at.text_input(key="login_wachtwoord").input(password)
    return at.form_submit_button[0].click().run()


def test_wrong_password_is_refused(curated_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(curated_dir, monkeypatch, page=CURATIE)
    sign_in(at, "anna", "fout-wachtwoord")
    assert "Onjuiste naam of wachtwoord." in [e.value for e in at.error]
    assert "curator" not in at.session_state
    sign_in(at, "onbekend", PASSWORD)
    assert "curator" not in at.session_state
    history = CurationStore(curated_dir / "curation.sqlite").history()
    assert [h.who for h in history if h.action == "inloggen mislukt"][-2:] == ["anna", "onbekend"]


def test_curation_round_trip_login_accept_relabel_export(
    curated_dir: Path, demo_service, monkeypatch: pytest.MonkeyPatch, downloads: list,  # type: ignore[no-untyped-def]
) -> None:
    hit = demo_service.search("vaste contactpersoon huisartsen", top_k=1)[0]
    at = start(curated_dir, monkeypatch, page=CURATIE)
    assert not at.tabs, "nothing but the sign-in form before signing in"
    sign_in(at, "anna", PASSWORD)
    assert at.session_state["curator"] == "anna"
    go(at, CURATIE, passage=hit.passage_id)
    pid = hit.passage_id
    at.text_input(key=f"nieuw_titel_{pid}").input("Vaste contactpersoon per huisartsenpraktijk")
    at.text_area(key=f"nieuw_notitie_{pid}").input("Goed voorbeeld voor kleinere gemeenten.")
    at.multiselect(key=f"nieuw_gebieden_{pid}").set_value([3, 6])
    at.selectbox(key=f"nieuw_soort_{pid}").select("succesfactor")
    next(b for b in at.form_submit_button if b.label == "Vastleggen als les").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Les ") and "vastgelegd" in s.value for s in at.success)
    lesson = CurationStore(curated_dir / "curation.sqlite").lessons()[-1]
    assert (lesson.title, lesson.areas, lesson.kind, lesson.created_by) == ("Vaste contactpersoon per huisartsenpraktijk", [3, 6], "succesfactor", "anna")
    assert (lesson.file, lesson.page, lesson.passage_id) == (hit.file, hit.page, hit.passage_id)

    # relabel through the lesson's form
    lid = lesson.lesson_id
    at.multiselect(key=f"gebieden_{lid}").set_value([3])
    at.selectbox(key=f"soort_{lid}").select("aanbeveling")
    at.text_input(key=f"titel_{lid}").input("Vaste contactpersoon huisarts")
    at.form_submit_button(key=f"FormSubmitter:les_{lid}-Opslaan").click().run()
    assert not at.exception, at.exception
    relabelled = CurationStore(curated_dir / "curation.sqlite").lesson(lid)
    assert (relabelled.areas, relabelled.kind, relabelled.updated_by) == ([3], "aanbeveling", "anna")
    actions = [(h.who, h.action) for h in CurationStore(curated_dir / "curation.sqlite").history(lid)]
    assert actions == [("anna", "aangemaakt"), ("anna", "gewijzigd")]
    assert "Vaste contactpersoon huisarts" in texts(at)

    # the export contains the curated lesson with its new labels
    downloads.clear()
    go(at, EXPORT)
    table = table_with(at, "Les")
    row = table[table["Les"] == lid].iloc[0]
    assert (row["Titel"], row["Soort uitspraak"], row["Aandachtsgebieden"]) == (
        "Vaste contactpersoon huisarts", "Aanbeveling / verbeterpunt", "3. Ketenpartners")
    exported = next(data for name, _, data in downloads if name == "wijkkennis-lessen.csv").decode("utf-8-sig")
    assert "Vaste contactpersoon huisarts;" in exported and "3. Ketenpartners" in exported
    workbook = openpyxl.load_workbook(io.BytesIO(next(data for name, _, data in downloads if name == "wijkkennis-lessen.xlsx")))
    assert "Vaste contactpersoon huisarts" in [c.value for c in workbook.active["B"]]  # type: ignore[index]


def test_readers_see_no_curation_or_upload_controls(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(demo_dir, monkeypatch, q="wachtlijsten")
    assert not [link for link in at.get("page_link") if "Vastleggen" in str(link.proto)]
    go(at, BEHEER)
    assert not at.file_uploader
    assert "Inloggen (pagina Curatie) is nodig" in " ".join(i.value for i in at.info)


# ----------------------------------------------------------------------------------- Beheer
def test_upload_checks_files_and_ingests_the_good_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKKENNIS_WORKERS", "1")
    monkeypatch.setenv("WIJKKENNIS_OCR", "false")
    data_dir = tmp_path / "data"
    at = start(data_dir, monkeypatch, page=BEHEER)
    assert "De index is leeg" in " ".join(i.value for i in at.info)
    at.session_state["curator"] = "anna"  # signing in itself is tested above
    at.run()
    good = (CORPUS / "apeldoorn-rekenkamerbrief-wijkteams-2023.pdf").read_bytes()
    at.file_uploader(key="uploads").set_value([
        ("../../Rekenkamerbrief Apeldoorn (2023).pdf", good, "application/pdf"),
        ("notulen.pdf", b"<html>geen pdf</html>", "application/pdf"),
    ]).run()
    next(b for b in at.button if b.label == "Inlezen").click().run(timeout=300)
    assert not at.exception, at.exception
    outcomes = table_with(at, "Resultaat").set_index("Bestand")
    assert outcomes.loc["notulen.pdf", "Resultaat"] == "GEWEIGERD"
    assert "geen PDF" in outcomes.loc["notulen.pdf", "Toelichting"]
    assert outcomes.loc["../../Rekenkamerbrief Apeldoorn (2023).pdf", "Resultaat"] == "ingelezen"
    assert "opgeslagen als Rekenkamerbrief-Apeldoorn-2023.pdf" in outcomes.loc["../../Rekenkamerbrief Apeldoorn (2023).pdf", "Toelichting"]
    assert sorted(p.name for p in (data_dir / "uploads").iterdir()) == ["Rekenkamerbrief-Apeldoorn-2023.pdf"]
    assert not list(tmp_path.glob("*.pdf")) and not (data_dir.parent.parent / "Rekenkamerbrief-Apeldoorn-2023.pdf").exists()
    assert {m.label: m.value for m in at.metric}["Rapporten"] == "1"
    # the new report is searchable at once, with its source page
    go(at, ZOEKEN, q="rekenkamer")
    assert sources(at) and all(s.startswith("Rekenkamerbrief-Apeldoorn-2023.pdf") for s in sources(at))


def test_upload_refuses_files_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKKENNIS_UPLOAD_MAX_MB", "1")
    at = start(tmp_path / "data", monkeypatch, page=BEHEER)
    at.session_state["curator"] = "anna"
    at.run()
    at.file_uploader(key="uploads").set_value(("groot.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1), "application/pdf")).run()
    next(b for b in at.button if b.label == "Inlezen").click().run()
    outcomes = table_with(at, "Resultaat")
    assert list(outcomes["Resultaat"]) == ["GEWEIGERD"] and "te groot" in outcomes["Toelichting"][0]
    assert not (tmp_path / "data" / "uploads").exists() or not any((tmp_path / "data" / "uploads").iterdir())


def test_statistics_page_shows_the_index(demo_dir: Path, demo_service, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    at = start(demo_dir, monkeypatch, page=BEHEER)
    stats = demo_service.stats()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Vectoren"] == str(stats["vectors"]) == metrics["Passages"]
    assert len(table_with(at, "Waarschuwingen")) == stats["documents"]


# ------------------------------------------------------------------------------- empty index
@pytest.mark.parametrize("page", [ZOEKEN, OVERZICHT, VERGELIJKBAAR, EXPORT, BEHEER])
def test_empty_index_says_how_to_fill_it(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(tmp_path, monkeypatch, page=page)
    notes = " ".join(i.value for i in at.info)
    assert "wijkkennis ingest" in notes or "zoek eerst" in notes.lower()


def test_only_files_recorded_by_ingest_are_served(demo_service) -> None:  # type: ignore[no-untyped-def]
    store = demo_service.store
    assert store.source_path("zwolle-evaluatie-wijkteams-2019.pdf") == (CORPUS / "zwolle-evaluatie-wijkteams-2019.pdf").resolve()
    for name in ("../../../etc/passwd", "pyproject.toml", "niet-ingelezen.pdf", ""):
        assert store.source_path(name) is None
