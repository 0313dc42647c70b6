"""The Lessen and Rapporten pages, driven by streamlit.testing.v1.AppTest on a copy of the demo
index whose themes are computed in the fixture (``index.themes.compute_themes``), as after an ingest.

The demo corpus is five reports; the themes are computed with a looser cut than the default
(``THEME_PARAMS``) so that there are several of each kind to sort, open, edit and download.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest
from conftest import CORPUS, make_settings
from streamlit.runtime.media_file_manager import MediaFileManager
from test_app import PASSWORD, ZOEKEN, go, sources, start, texts

from core.config import Settings
from index.store import Store
from index.themes import compute_themes, is_refreshing, themes_dir
from pipeline.themes import ThemeParams
from wijkkennis import ui
from wijkkennis.curation import CurationStore
from wijkkennis.lessons import LessonFilter, ThemeEdits, cite, dossiers, lesson_book, select
from wijkkennis.lessons_report import report_content

LESSEN = "app_pages/lessen.py"
RAPPORTEN = "app_pages/rapporten.py"
THEME_PARAMS = ThemeParams(distance=0.65)  # five reports: a looser cut than the default (0.50) gives several themes
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def themed_copy(source: Path, target: Path) -> Path:
    """A copy of the index in ``source`` at ``target`` with its themes computed and cached, and one curator."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("curation.sqlite*", "themes"))
    settings = make_settings(target)
    result = compute_themes(settings, params=THEME_PARAMS)
    assert len(result.themes) >= 5, [t.label for t in result.themes]
    CurationStore(settings.curation_path).add_user("anna", PASSWORD, iterations=20_000)
    return target


@pytest.fixture(scope="module")
def lessons_dir(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo index with its themes computed and cached, and one curator."""
    return themed_copy(demo_settings.data_dir, tmp_path_factory.mktemp("lessen") / "data")


@pytest.fixture
def edit_dir(lessons_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of ``lessons_dir`` for a test that changes it."""
    target = tmp_path / "data"
    shutil.copytree(lessons_dir, target)
    return target


@pytest.fixture
def deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str | None, Any]]:
    """Download buttons whose file is made on click: (file name, mime type, the callable the
    server runs when the button is clicked), in order."""
    captured: list[tuple[str | None, str | None, Any]] = []
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):  # type: ignore[no-untyped-def]
        captured.append((file_name, mimetype, data_callable))
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return captured


def headings(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The theme cards' headings ("1. label"), in page order."""
    return [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]


def card_title(lesson) -> str:  # type: ignore[no-untyped-def]
    """A lesson's label as its card shows it."""
    return ui.plain_markdown(ui.one_line(lesson.label))


def shared_by(at) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(gemeenten, rapporten) of every card, in page order."""
    found = [re.match(r"gedeeld door (\d+) gemeenten? in (\d+) rapport(?:en)?", c.value) for c in at.caption]
    return [(int(m[1]), int(m[2])) for m in found if m]


def book_of(data_dir: Path):  # type: ignore[no-untyped-def]
    book = lesson_book(make_settings(data_dir), wait=False)
    assert book is not None and not book.stale
    return book


def open_card(at, theme_id: str):  # type: ignore[no-untyped-def]
    at.session_state[f"thema_{theme_id}"] = True  # what opening the card's expander does
    at.run()
    assert not at.exception, at.exception
    return at


# ---------------------------------------------------------------------------------- Lessen
def test_lessen_shows_the_cached_themes_sorted_by_gemeenten(lessons_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = book_of(lessons_dir)
    at = start(lessons_dir, monkeypatch, page=LESSEN)
    assert at.title[0].value == "Lessen"
    assert not any("worden bijgewerkt" in c.value for c in at.caption), "the cache is current"
    expected = select(book.lessons, LessonFilter())
    assert headings(at) == [f"{n}. {card_title(lesson)}" for n, lesson in enumerate(expected, start=1)]
    counts = shared_by(at)
    assert counts == [(len(lesson.gemeenten), len(lesson.reports)) for lesson in expected]
    assert counts == sorted(counts, key=lambda c: -c[0]) and counts[0][0] >= 3, "most widely shared first"
    assert all(r >= 2 for _, r in counts), "a theme is shared by at least two reports"
    # every card shows its first (most central) quote with its citation
    captions = [c.value for c in at.caption]
    for lesson in expected:
        assert ui.plain_markdown(cite(lesson.quote)) in captions
    assert not at.image, "source pages are rendered only on request"


def test_area_kind_and_year_filters_live_in_the_url(lessons_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = book_of(lessons_dir)
    at = start(lessons_dir, monkeypatch, page=LESSEN, uitspraak="Aanbeveling")
    assert at.selectbox(key="uitspraak").value == "aanbeveling"
    wanted = select(book.lessons, LessonFilter(kind="aanbeveling"))
    assert wanted and headings(at) == [f"{n}. {card_title(lesson)}" for n, lesson in enumerate(wanted, start=1)]
    badge_lines = [m.value for m in at.markdown if "-badge[" in m.value and ":orange-badge[Aanbeveling]" in m.value]
    assert len(badge_lines) == len(wanted)
    # an area the themes have, chosen in the page, goes into the URL
    area = next(a for lesson in wanted for a in lesson.areas)
    at.selectbox(key="aandachtsgebied").select(area).run()
    assert not at.exception
    assert headings(at) == [f"{n}. {card_title(lesson)}" for n, lesson in enumerate(select(book.lessons, LessonFilter(area, "aanbeveling")), start=1)]
    # years: only findings from those years, and still shared by two reports
    at = start(lessons_dir, monkeypatch, page=LESSEN, vanaf="2021")
    narrowed = select(book.lessons, LessonFilter(years=(2021, 2100)))
    assert shared_by(at) == [(len(lesson.gemeenten), len(lesson.reports)) for lesson in narrowed]
    assert all(f.year and f.year >= 2021 for lesson in narrowed for f in lesson.findings)


def test_an_opened_card_lists_its_findings_with_source_pages_and_a_link_to_zoeken(
    lessons_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson = book_of(lessons_dir).lessons[0]
    at = open_card(start(lessons_dir, monkeypatch, page=LESSEN), lesson.theme_id)
    cited = [c.value for c in at.caption if ", pagina " in c.value]
    assert cited == [f"{f.file}, pagina {f.page}" for f in lesson.findings[:20]]
    # "Bronpagina bekijken" renders the cited page of the source PDF
    at.toggle(key=f"bron_{lesson.theme_id}_0").set_value(True).run()
    assert not at.exception, at.exception
    assert len(at.image) == 1 and f"{lesson.findings[0].file}, pagina {lesson.findings[0].page}" in str(at.image[0].proto)
    # the link to Zoeken carries the theme's passages; Zoeken shows exactly those
    link = str(next(p for p in at.get("page_link") if "in Zoeken" in str(p.proto)).proto)
    passages = list(dict.fromkeys(f.passage_id for f in lesson.findings))
    assert all(f"passages={pid.replace(':', '%3A')}" in link for pid in passages)
    at = go(at, ZOEKEN, passages=passages, thema=lesson.label)
    assert any(f"{len(passages)} passages van dit thema" in m.value for m in at.markdown)
    page_of = {f.passage_id: f"{f.file}, pagina {f.page}" for f in lesson.findings}
    assert sorted(s.split(" · ")[0] for s in sources(at)) == sorted(page_of[pid] for pid in passages)


def test_a_finding_read_as_another_kind_than_its_theme_says_so(edit_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lesson = book_of(edit_dir).lessons[0]
    assert len(lesson.findings) >= 2 and all(f.kind == lesson.kind for f in lesson.findings[:2])
    other = next(k for k in ("knelpunt", "succesfactor", "aanbeveling") if k != lesson.kind)
    cache = next((edit_dir / "themes").glob("themes-g*.json"))
    data = json.loads(cache.read_text(encoding="utf-8"))
    for finding in data["findings"]:  # as if the tagger had read the second finding as another kind
        if finding["finding_id"] == lesson.findings[1].finding_id:
            finding["kind"] = other
    cache.write_text(json.dumps(data), encoding="utf-8")
    at = open_card(start(edit_dir, monkeypatch, page=LESSEN), lesson.theme_id)
    headers = [m.value for m in at.markdown if m.value.startswith("**") and "thema's**" not in m.value]  # the findings' headers
    mine = ui.kind_badge(other)
    assert mine in headers[1] and not any(ui.kind_badge(k) in headers[0] for k in ("knelpunt", "succesfactor", "aanbeveling"))


def test_lessons_report_downloads_as_docx_and_pdf_with_every_cited_page(
    lessons_dir: Path, monkeypatch: pytest.MonkeyPatch, deferred_downloads: list,
) -> None:
    book = book_of(lessons_dir)
    at = start(lessons_dir, monkeypatch, page=LESSEN, uitspraak="Knelpunt")
    assert not at.exception
    files = {name: (mime, build) for name, mime, build in deferred_downloads}
    docx_mime, make_docx = files["wijkkennis-lessen-knelpunt.docx"]
    pdf_mime, make_pdf = files["wijkkennis-lessen-knelpunt.pdf"]
    assert (docx_mime, pdf_mime) == (DOCX_MIME, "application/pdf")
    wanted = LessonFilter(kind="knelpunt")
    content = report_content(select(book.lessons, wanted), wanted)
    assert content.sources and [h for h, _ in content.sections] == ["Knelpunten"]

    document = docx.Document(io.BytesIO(make_docx()))  # what clicking the button downloads
    paragraphs = [p.text for p in document.paragraphs]
    for source in content.sources:
        assert source.text() in paragraphs, source
    headings_docx = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [f"{n}. {s.heading}" for n, s in enumerate(content.sections[0][1], start=1)] == [h for h in headings_docx if h[:1].isdigit()]
    cited_numbers = {int(n) for p in paragraphs for n in re.findall(r"\[(\d+)\]$", p.strip())}
    assert cited_numbers == {s.number for s in content.sources}

    data = make_pdf()
    assert data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    for source in content.sources:
        assert " ".join(source.text().split()) in text, source
    # every citation points at the page of the source PDF that holds the quoted words
    quoted = {number: quote for _, parts in content.sections for section in parts for quote, number in section.quotes}
    for source in content.sources:
        with pdfplumber.open(CORPUS / source.file) as pdf:
            page_words = {w.lower().strip(".,:;()“”'\"") for w in (pdf.pages[source.page - 1].extract_text() or "").split()}
        words = [w.lower().strip(".,:;()“”'\"") for w in quoted[source.number].split() if len(w) > 3]
        assert sum(w in page_words for w in words) >= 0.8 * len(words), (source, quoted[source.number])


def test_a_curator_renames_pins_and_merges_themes_and_readers_see_it(edit_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = book_of(edit_dir)
    first, second = book.lessons[0], book.lessons[1]
    at = start(edit_dir, monkeypatch, page=LESSEN)
    assert not at.form, "readers get no edit controls"
    at.session_state["curator"] = "anna"  # signing in is tested on the Curatie page
    open_card(at, first.theme_id)
    tid = first.theme_id
    at.text_input(key=f"thema_naam_{tid}").input("Wijkteams zijn onbekend bij inwoners")
    at.form_submit_button(key=f"FormSubmitter:hernoem_{tid}-Naam opslaan").click().run()
    assert not at.exception, at.exception
    edits = ThemeEdits.for_settings(make_settings(edit_dir)).edits()
    assert [(e.action, e.who, e.payload) for e in edits] == [("rename", "anna", {"label": "Wijkteams zijn onbekend bij inwoners"})]
    assert "Thema hernoemd tot ‘Wijkteams zijn onbekend bij inwoners’." in [s.value for s in at.success]
    assert headings(at)[0] == "1. Wijkteams zijn onbekend bij inwoners"
    assert any(":violet-badge[bewerkt door curator]" in m.value for m in at.markdown)

    # pin the last finding as the theme's quote
    last = len(first.findings[:20]) - 1
    next(b for b in at.button if b.key == f"pin_{tid}_{last}").click().run()
    assert not at.exception, at.exception
    pinned = first.findings[last]
    assert book_of(edit_dir).lesson(tid).quote.finding_id == pinned.finding_id

    # merge the second theme into the first
    at.multiselect(key="samen_themas").set_value([tid, second.theme_id])
    at.form_submit_button(key="FormSubmitter:samenvoegen-Samenvoegen").click().run()
    assert not at.exception, at.exception
    merged = book_of(edit_dir).lesson(tid)
    assert {f.finding_id for f in merged.findings} == {f.finding_id for f in first.findings} | {f.finding_id for f in second.findings}
    assert second.theme_id not in {lesson.theme_id for lesson in book_of(edit_dir).lessons}

    # split the second theme's findings off again, under a name of their own; then move one finding out
    at.run()
    part = [f.finding_id for f in second.findings]
    at.multiselect(key=f"thema_deel_{tid}").set_value(part)
    at.text_input(key=f"thema_nieuw_{tid}").input("Afgesplitst thema")
    at.form_submit_button(key=f"FormSubmitter:splits_{tid}-Afsplitsen").click().run()
    assert not at.exception, at.exception
    after = book_of(edit_dir)
    split_off = next(lesson for lesson in after.lessons if lesson.label == "Afgesplitst thema")
    assert {f.finding_id for f in split_off.findings} == set(part)
    assert {f.finding_id for f in after.lesson(tid).findings} == {f.finding_id for f in first.findings}
    leaving = after.lesson(tid).findings[1]
    at.run()
    next(b for b in at.button if b.key == f"uit_{tid}_1").click().run()
    assert not at.exception, at.exception
    assert leaving.finding_id not in {f.finding_id for f in book_of(edit_dir).lesson(tid).findings}
    assert [e.action for e in ThemeEdits.for_settings(make_settings(edit_dir)).edits()] == ["rename", "pin", "merge", "split", "move_out"]

    # a reader in a new session sees the curated theme, with the pinned quote first
    at = start(edit_dir, monkeypatch, page=LESSEN)
    assert "Wijkteams zijn onbekend bij inwoners" in " ".join(headings(at))
    assert f"{ui.plain_markdown(cite(pinned))} · vastgezet citaat" in texts(at)


def wait_for_refresh(settings: Settings, limit_s: float = 600) -> None:
    started = time.monotonic()
    while is_refreshing(settings) and time.monotonic() - started < limit_s:
        time.sleep(0.5)
    assert not is_refreshing(settings), "the background computation did not finish"
    assert not (themes_dir(settings) / "last-error.txt").exists(), (themes_dir(settings) / "last-error.txt").read_text()


def test_after_an_index_change_the_old_themes_show_until_the_new_ones_are_computed(
    edit_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(edit_dir)
    gone = "geldermalsen-evaluatie-sociaal-team-2017.pdf"
    with Store(settings) as store:
        old = store.generation
        store.delete_document(store.document_by_file(gone)["doc_id"])  # a new index generation, as after an ingest
    at = start(edit_dir, monkeypatch, page=LESSEN)
    assert any(c.value.startswith("Thema's worden bijgewerkt na de laatste inleesronde") for c in at.caption)
    assert headings(at), "meanwhile the themes of the previous generation are shown"
    wait_for_refresh(settings)
    new = themes_dir(settings) / f"themes-g{old + 1}.json"
    assert new.is_file() and not (themes_dir(settings) / f"themes-g{old}.json").exists()
    at.run()
    assert not at.exception, at.exception
    assert not any("worden bijgewerkt" in c.value for c in at.caption)
    book = book_of(edit_dir)
    assert book.theme_set.generation == old + 1
    assert gone not in {f.file for f in book.theme_set.findings.values()}
    assert headings(at) == [f"{n}. {card_title(lesson)}" for n, lesson in enumerate(book.lessons, start=1)]


def test_without_cached_themes_the_page_says_they_are_being_computed(edit_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(edit_dir)
    for path in themes_dir(settings).glob("themes-g*.json"):
        path.unlink()
    started = time.monotonic()
    at = start(edit_dir, monkeypatch, page=LESSEN)
    assert time.monotonic() - started < 60, "the page does not wait for the computation"
    assert any("worden voor het eerst berekend" in i.value for i in at.info)
    assert not headings(at)
    assert "Opnieuw kijken" in [b.label for b in at.button]
    wait_for_refresh(settings)  # started by the page, in the background
    next(b for b in at.button if b.label == "Opnieuw kijken").click().run()
    assert not at.exception, at.exception
    assert not at.info
    assert headings(at) == [f"{n}. {card_title(lesson)}" for n, lesson in enumerate(book_of(edit_dir).lessons, start=1)]


# ------------------------------------------------------------------------------- Rapporten
def test_rapporten_lists_every_report_with_its_aanbevelingen(lessons_dir: Path, demo_service, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(lessons_dir)
    expected = dossiers(settings, book_of(lessons_dir))
    documents = demo_service.store.documents()
    assert len(expected) == len(documents)
    at = start(lessons_dir, monkeypatch, page=RAPPORTEN)
    assert at.title[0].value == "Rapporten"
    cards = headings(at)
    assert len(cards) == len(documents)
    for document in documents:
        assert any(ui.plain_markdown(document["title"]) in card and (document["gemeente"] or "") in card for card in cards), document["file"]
    assert f"{len(documents)} van {len(documents)} rapporten" in texts(at)
    for dossier in expected:
        at.session_state[f"dossier_{dossier.doc_id}"] = True
    at.run()
    assert not at.exception, at.exception
    body = texts(at)
    assert sum(len(d.recommendations) for d in expected) > 5
    for dossier in expected:
        for recommendation in dossier.recommendations:
            assert f"- {ui.plain_markdown(ui.one_line(recommendation['text']))}" in body, recommendation
        assert {f"Pagina {r['page']}" for r in dossier.recommendations} <= {b.label for b in at.button}
    # counts per area × kind, and the lessons each report contributes to, linked to Lessen
    tables = [frame.value for frame in at.dataframe]
    assert len(tables) == len([d for d in expected if d.counts])
    links = [str(p.proto) for p in at.get("page_link")]
    for dossier in expected:
        for theme_id, _, _ in dossier.lessons:
            assert any(theme_id in link for link in links)


def test_rapporten_search_box_and_a_theme_link(lessons_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(lessons_dir, monkeypatch, page=RAPPORTEN, zoek="zwolle")
    assert len(headings(at)) == 1 and "Zwolle" in headings(at)[0]
    at.text_input(key="zoek").input("geen-rapport-heet-zo").run()
    assert "Geen rapporten gevonden" in " ".join(w.value for w in at.warning)
    # a lesson link opens Lessen on that one theme
    lesson = book_of(lessons_dir).lessons[0]
    at = go(at, LESSEN, thema=lesson.theme_id)
    assert headings(at) == [f"1. {card_title(lesson)}"]
    next(b for b in at.button if b.label == "← Alle thema's").click().run()
    assert len(headings(at)) == len(book_of(lessons_dir).lessons)
