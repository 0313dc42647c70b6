"""Lessons: curator edits on themes, kept across recomputation; themes of a real index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, SHARED, make_settings
from typer.testing import CliRunner

from index.themes import ThemeSet, cached_themes, compute_themes
from pipeline.themes import Finding, Theme, theme_id
from wijkkennis.cli import app
from wijkkennis.curation import CurationError
from wijkkennis.lessons import LessonFilter, ThemeEdits, apply_edits, lesson_book, select


def finding(key: str, doc: str, kind: str = "knelpunt", gemeente: str = "", year: int = 2020) -> Finding:
    return Finding(key, f"bevinding {key}", kind, (4,), passage_id=f"{doc}:1:0", doc_id=doc, file=f"{doc}.pdf", page=1,
                   gemeente=gemeente or doc.upper(), year=year, provincie="Utrecht" if doc < "c" else "Groningen")


def theme_set(groups: dict[str, list[str]], extra: list[Finding] = ()) -> ThemeSet:  # type: ignore[assignment]
    findings = {f.finding_id: f for f in extra}
    themes = []
    for label, keys in groups.items():
        for n, key in enumerate(keys):
            findings.setdefault(key, finding(key, f"{chr(97 + n % 3)}doc"))
        themes.append(Theme(theme_id(keys), "knelpunt", (4,), label, "", list(keys)))
    return ThemeSet(1, "e5", "themes-1", "", 0.0, themes, findings, [])


@pytest.fixture()
def edits(tmp_path: Path) -> ThemeEdits:
    return ThemeEdits(tmp_path / "curation.sqlite")


def test_edits_apply_in_order_and_need_a_curator(edits: ThemeEdits) -> None:
    computed = theme_set({"onbekend": ["a1", "a2", "a3", "a4"], "privacy": ["p1", "p2", "p3"], "regie": ["r1", "r2"]})
    onbekend, privacy, regie = computed.themes
    with pytest.raises(CurationError):
        edits.rename(onbekend, "x", who=" ")
    edits.rename(onbekend, "Wijkteam onbekend bij inwoners", who="anna")
    edits.pin(onbekend, "a3", who="anna")
    edits.move_out(onbekend, "a4", who="ben")
    edits.merge([privacy, regie], who="ben", label="Gegevens delen")
    lessons, unmatched = apply_edits(computed, edits.edits())
    assert unmatched == []
    by_label = {lesson.label: lesson for lesson in lessons}
    assert [f.finding_id for f in by_label["Wijkteam onbekend bij inwoners"].findings] == ["a3", "a1", "a2"]
    assert by_label["Wijkteam onbekend bij inwoners"].pinned == "a3" and by_label["Wijkteam onbekend bij inwoners"].curated_label
    assert {f.finding_id for f in by_label["Gegevens delen"].findings} == {"p1", "p2", "p3", "r1", "r2"}
    assert [e.who for e in edits.edits()] == ["anna", "anna", "ben", "ben"]


def test_split_makes_a_new_theme(edits: ThemeEdits) -> None:
    computed = theme_set({"samenwerking": ["s1", "s2", "s3", "s4"]})
    with pytest.raises(CurationError):
        edits.split(computed.themes[0], ["s1", "s2", "s3", "s4"], "alles", who="anna")  # not a part
    edits.split(computed.themes[0], ["s3", "s4"], "Samenwerking met huisartsen", who="anna")
    lessons, _ = apply_edits(computed, edits.edits())
    assert sorted((lesson.label, tuple(f.finding_id for f in lesson.findings)) for lesson in lessons) == [
        ("Samenwerking met huisartsen", ("s3", "s4")), ("samenwerking", ("s1", "s2"))]


def test_edits_follow_their_theme_through_a_recomputation(edits: ThemeEdits) -> None:
    before = theme_set({"onbekend": ["a1", "a2", "a3"], "privacy": ["p1", "p2"]})
    edits.rename(before.themes[0], "Onbekend", who="anna")
    edits.pin(before.themes[1], "p2", who="anna")
    # a new ingest: the theme gained a finding (new id), another lost one and a new theme appeared
    after = theme_set({"privacy": ["p2", "p3"], "x": ["x1", "x2"], "onbekend": ["a1", "a2", "a3", "a5"]})
    lessons, unmatched = apply_edits(after, edits.edits())
    labels = {lesson.label: lesson for lesson in lessons}
    assert "Onbekend" in labels and [f.finding_id for f in labels["Onbekend"].findings][:3] == ["a1", "a2", "a3"]
    assert labels["privacy"].pinned == "p2" and labels["privacy"].findings[0].finding_id == "p2"
    assert unmatched == []
    gone = theme_set({"x": ["x1", "x2"]})
    _, unmatched = apply_edits(gone, edits.edits())  # their themes are gone: kept, reported
    assert len(unmatched) == 2 and len(edits.edits()) == 2


def test_curated_passages_come_first() -> None:
    computed = theme_set({"t": ["t1", "t2", "t3"]})
    curated = frozenset({computed.findings["t3"].passage_id})
    lessons, _ = apply_edits(computed, [], curated)
    assert lessons[0].findings[0].passage_id in curated


def test_select_filters_findings_and_keeps_shared_lessons() -> None:
    computed = theme_set({"t": ["t1", "t2", "t3"]})
    lessons, _ = apply_edits(computed, [])
    assert select(lessons, LessonFilter(area=4, kind="knelpunt")) == lessons
    assert select(lessons, LessonFilter(area=5)) == []
    assert select(lessons, LessonFilter(kind="aanbeveling")) == []
    utrecht = select(lessons, LessonFilter(provincies=("Utrecht",)))  # adoc + bdoc: still two reports
    assert [f.finding_id for f in utrecht[0].findings] == ["t1", "t2"]
    assert select(lessons, LessonFilter(provincies=("Groningen",))) == []  # one report left: not recurring
    with pytest.raises(ValueError):
        LessonFilter(area=11).validated()


# ------------------------------------------------------------ a real index
@pytest.fixture(scope="module")
def growing_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Three demo reports ingested, then a fourth one added later by the test."""
    from index.ingest import ingest

    folder = tmp_path_factory.mktemp("lessons-corpus")
    pdfs = sorted(CORPUS.glob("*.pdf"))
    for pdf in pdfs[:3]:
        shutil.copy(pdf, folder)
    shutil.copy(CORPUS / "manifest.csv", folder)
    settings = make_settings(tmp_path_factory.mktemp("lessons-index"))
    assert all(o.status == "ok" for o in ingest([folder], settings))
    return settings, folder, pdfs[3:]


def test_themes_of_a_real_index_are_cached_per_generation(growing_index) -> None:  # type: ignore[no-untyped-def]
    settings, _, _ = growing_index
    computed = compute_themes(settings)
    assert computed.themes, "the demo reports share lessons"
    assert cached_themes(settings, computed.generation).generation == computed.generation  # type: ignore[union-attr]
    for theme in computed.themes:
        members = [computed.findings[i] for i in theme.finding_ids]
        assert len({f.doc_id for f in members}) >= 2 and len({f.kind for f in members}) == 1
        assert all(f.page >= 1 and f.file.endswith(".pdf") and f.text for f in members)
    again = compute_themes(settings)  # the finding vectors come from their cache
    assert [t.finding_ids for t in again.themes] == [t.finding_ids for t in computed.themes]


def test_concurrent_computations_take_turns(growing_index) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    settings, _, _ = growing_index
    with ThreadPoolExecutor(2) as pool:  # e.g. ingest's background process and the app's refresh thread
        results = list(pool.map(lambda _: compute_themes(settings), range(2)))
    assert [t.finding_ids for t in results[0].themes] == [t.finding_ids for t in results[1].themes]
    cached = cached_themes(settings, results[0].generation)
    assert cached is not None and [t.theme_id for t in cached.themes] == [t.theme_id for t in results[0].themes]


def test_curator_edits_survive_a_new_ingest(growing_index) -> None:  # type: ignore[no-untyped-def]
    from index.ingest import ingest

    settings, folder, later = growing_index
    book = lesson_book(settings)
    assert book is not None and book.lessons
    target = max(book.lessons, key=lambda lesson: len(lesson.findings))
    edits = ThemeEdits.for_settings(settings)
    edits.rename(book.theme(target.theme_id), "Door curator benoemd", who="anna")
    edits.pin(book.theme(target.theme_id), target.findings[-1].finding_id, who="anna")
    pinned = target.findings[-1].finding_id
    generation = book.theme_set.generation
    for pdf in later:
        shutil.copy(pdf, folder)
    assert any(o.status == "ok" for o in ingest([folder], settings))
    after = lesson_book(settings)  # recomputed for the new generation
    assert after is not None and after.theme_set.generation > generation
    renamed = [lesson for lesson in after.lessons if lesson.label == "Door curator benoemd"]
    assert len(renamed) == 1 and renamed[0].findings[0].finding_id == pinned
    assert after.unmatched_edits == []


def test_themes_command_prints_json_last(growing_index) -> None:  # type: ignore[no-untyped-def]
    settings, _, _ = growing_index
    result = CliRunner().invoke(app, ["themes", "--json", "--kind", "aanbeveling", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["themes"] and {t["kind"] for t in data["themes"]} == {"aanbeveling"}
    first = data["themes"][0]
    assert first["n_reports"] >= 2 and first["findings"][0]["page"] >= 1 and first["findings"][0]["file"].endswith(".pdf")


# ------------------------------------------------------------ the evaluation
def test_eval_themes_rejects_a_bad_gold(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "theme": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "themes", str(gold)])
    assert result.exit_code == 2 and "regel 1" in result.output


@pytest.mark.slow
def test_eval_themes_on_the_dev_gold_beats_the_baseline() -> None:
    gold = Path(__file__).resolve().parents[2] / "eval" / "themes_dev_evaluaties.jsonl"
    if not (SHARED / "corpus" / "evaluaties").is_dir():
        pytest.skip("../shared/corpus/evaluaties not present")
    result = CliRunner().invoke(app, ["eval", "themes", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["n"] >= 90 and data["warnings"] == []
    assert data["v_measure"] > data["baseline_v_measure"] and data["ari"] > data["baseline_ari"]
    assert 2 <= data["themes_found"] <= data["n"] / 3


def test_counts_read_as_dutch() -> None:
    from wijkkennis.lessons import Lesson, counted

    assert [counted(n, "gemeente", "gemeenten") for n in (0, 1, 2)] == ["0 gemeenten", "1 gemeente", "2 gemeenten"]
    findings = [Finding("a", "x", "knelpunt", doc_id="r1", gemeente="Zwolle"), Finding("b", "y", "knelpunt", doc_id="r2", gemeente="Zwolle")]
    assert Lesson("t", "knelpunt", (2,), "x", [], findings).shared == "1 gemeente, 2 rapporten, 2 bevindingen"


def test_a_list_lead_in_is_no_finding(tmp_path: Path) -> None:
    """Zwolle's "Als oorzaken van de toegenomen werkdruk noemen de geïnterviewde professionals:"
    announces a list kept in the next passage: it states nothing, so it is no finding."""
    from index.ingest import ingest
    from index.store import Store
    from index.themes import collect_findings
    from pipeline.themes import without_lead_in

    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / "zwolle-evaluatie-wijkteams-2019.pdf", folder)
    shutil.copy(CORPUS / "manifest.csv", folder)
    settings = make_settings(tmp_path / "index")
    assert all(o.status == "ok" for o in ingest([folder], settings))
    store = Store(settings)
    try:
        passages = [row["text"] for row in store.db.execute("SELECT text FROM passages")]
        findings = collect_findings(store)
    finally:
        store.close()
    assert any("noemen de geïnterviewde professionals:" in text for text in passages)  # the lead-in is read
    assert findings and not any(f.text.rstrip().endswith(":") for f in findings)
    assert any("werkdruk" in f.text for f in findings)  # the list's own findings stay
    assert without_lead_in("De wachttijd is lang. Als oorzaken noemen de professionals:") == "De wachttijd is lang."
    assert without_lead_in("Als oorzaken noemen de professionals:") == ""
    assert without_lead_in("De wachttijd is lang.") == "De wachttijd is lang."
