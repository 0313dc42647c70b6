"""Curated lessons: durable across re-ingest, flagged (never dropped) when their text changes,
audited, exported as tagger labels, backed up and restored; curator passwords only as hashes.

The re-ingest scenario runs once per module on a real index (real PDFs, real ingest).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from conftest import make_settings
from pdf_factory import write_pdf
from typer.testing import CliRunner

from core.config import Settings
from index.ingest import ingest
from index.query import document_passages
from index.store import Store
from wijkkennis import auth
from wijkkennis.cli import app as cli
from wijkkennis.curation import (
    ACTIVE,
    MAX_FAILURES,
    NEEDS_REVIEW,
    REASON_DOCUMENT_MISSING,
    REASON_TEXT_CHANGED,
    CurationError,
    CurationStore,
    backup,
    restore,
    text_hash,
)

FAST = 2_000  # PBKDF2 iterations in tests that hash many passwords

WAITING = [
    "De wachtlijsten bij de wijkteams in Testdorp zijn in 2022 sterk opgelopen, omdat het aantal",
    "meldingen van inwoners met schulden en eenzaamheid toenam terwijl de formatie van de teams gelijk",
    "bleef. Generalisten geven aan dat zij te weinig tijd hebben voor huisbezoeken en preventief werk.",
]
DOCTORS = [
    "De samenwerking met huisartsen verloopt goed sinds er een vaste contactpersoon per praktijk is",
    "aangewezen. Huisartsen verwijzen inwoners sneller door en het wijkteam krijgt eerder signalen over",
    "kwetsbare ouderen. Wij bevelen aan deze werkwijze uit te breiden naar de andere wijken van de gemeente.",
]
DOCTORS_V2 = [
    "De samenwerking met huisartsen verloopt goed sinds er een vaste contactpersoon per praktijk is",
    "aangewezen. Huisartsen verwijzen inwoners sneller door en het wijkteam krijgt eerder signalen over",
    "kwetsbare ouderen en mantelzorgers. De gemeente breidt deze werkwijze in 2024 uit naar alle wijken.",
]
SUMMARY = [
    "Deze tweede versie van het rapport bevat een samenvatting voor de gemeenteraad. De conclusies over",
    "de wachtlijsten en de samenwerking met huisartsen zijn ongewijzigd; de aanbeveling over de",
    "uitbreiding naar andere wijken is inmiddels door het college overgenomen en wordt uitgevoerd.",
]
NETWORK = [
    "In Anderdorp betrekken de gebiedsteams het sociale netwerk van inwoners nog te weinig. Familie,",
    "buren en vrijwilligers worden zelden uitgenodigd voor een keukentafelgesprek, terwijl inwoners zelf",
    "aangeven dat zij juist die steun het meest waarderen. Het team wil hier in 2022 op inzetten.",
]


def flat(lines: list[str]) -> str:
    return " ".join(lines)


def passage_with(store: Store, file: str, start: str) -> dict:
    match = next(p for p in document_passages(store, file) if p["text"].startswith(start))
    return store.passages([match["passage_id"]])[match["passage_id"]]


@dataclass
class Scenario:
    settings: Settings
    pdfs: Path
    curation: CurationStore
    waiting_id: int
    doctors_id: int
    network_id: int
    before: dict[int, object]
    first_report: object


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Ingest two reports, curate three passages, then re-ingest a new version of one report
    (a page added in front, one paragraph rewritten) and drop the other report from the index."""
    root = tmp_path_factory.mktemp("curation")
    pdfs = root / "pdfs"
    pdfs.mkdir()
    report = pdfs / "testdorp-evaluatie-2022.pdf"
    write_pdf(report, [["# Bevindingen", *WAITING, "", *DOCTORS]])
    write_pdf(pdfs / "anderdorp-monitor-2021.pdf", [["# Monitor", *NETWORK]])
    settings = make_settings(root / "data", workers=1)
    assert all(o.status == "ok" for o in ingest([pdfs], settings))

    store = Store(settings)
    curation = CurationStore(settings.curation_path)
    waiting = curation.accept(passage_with(store, report.name, "De wachtlijsten"), by="anna", title="Wachtlijsten lopen op",
                              areas=[2], kind="knelpunt")
    doctors = curation.accept(passage_with(store, report.name, "De samenwerking"), by="anna", title="Vaste contactpersoon huisarts",
                              note="Voorbeeld voor andere gemeenten.", areas=[3], kind="aanbeveling")
    network = curation.accept(passage_with(store, "anderdorp-monitor-2021.pdf", "In Anderdorp"), by="bram")
    curation.update(doctors.lesson_id, by="bram", areas=[3, 6], note="Ook relevant voor regie.")
    before = {lesson.lesson_id: lesson for lesson in curation.lessons()}
    first_report = curation.reconcile(store)

    write_pdf(report, [["# Samenvatting", *SUMMARY], ["# Bevindingen", *WAITING, "", *DOCTORS_V2]])
    assert [o.status for o in ingest([report], settings)] == ["ok"]
    store.delete_document(store.document_by_file("anderdorp-monitor-2021.pdf")["doc_id"])
    store.close()
    return Scenario(settings, pdfs, curation, waiting.lesson_id, doctors.lesson_id, network.lesson_id, before, first_report)


@pytest.fixture(scope="module")
def reconciled(scenario: Scenario) -> Scenario:
    store = Store(scenario.settings)
    report = scenario.curation.reconcile(store)
    assert (report.checked, report.moved, report.flagged) == (3, 1, 2)
    assert scenario.curation.reconcile(store).skipped, "nothing to do until the index changes again"
    store.close()
    return scenario


def test_nothing_changes_while_the_index_is_the_same(scenario: Scenario) -> None:
    assert (scenario.first_report.checked, scenario.first_report.unchanged) == (3, 3)


def test_lessons_survive_reingest_and_follow_identical_text_to_its_new_page(reconciled: Scenario) -> None:
    lesson = reconciled.curation.lesson(reconciled.waiting_id)
    old = reconciled.before[reconciled.waiting_id]
    assert lesson.status == ACTIVE
    assert (old.page, lesson.page) == (1, 2)  # type: ignore[attr-defined]
    assert lesson.passage_id != old.passage_id and lesson.passage_id.split(":")[1] == "2"  # type: ignore[attr-defined]
    assert (lesson.title, lesson.areas, lesson.kind, lesson.text) == ("Wachtlijsten lopen op", [2], "knelpunt", flat(WAITING))


def test_changed_text_flags_the_lesson_and_keeps_everything(reconciled: Scenario) -> None:
    lesson = reconciled.curation.lesson(reconciled.doctors_id)
    assert lesson.status == NEEDS_REVIEW and lesson.review_reason == REASON_TEXT_CHANGED
    assert lesson.text == flat(DOCTORS), "the curated text stays as it was accepted"
    assert (lesson.title, lesson.note, lesson.areas, lesson.kind) == ("Vaste contactpersoon huisarts", "Ook relevant voor regie.", [3, 6], "aanbeveling")
    assert lesson.candidate_text == flat(DOCTORS_V2) and lesson.candidate_page == 2


def test_a_document_gone_from_the_index_flags_its_lessons(reconciled: Scenario) -> None:
    lesson = reconciled.curation.lesson(reconciled.network_id)
    assert (lesson.status, lesson.review_reason, lesson.candidate_text) == (NEEDS_REVIEW, REASON_DOCUMENT_MISSING, None)
    assert len(reconciled.curation.lessons()) == 3


def test_every_edit_is_recorded_with_who_and_when(reconciled: Scenario) -> None:
    history = reconciled.curation.history(reconciled.doctors_id)
    assert [(h.who, h.action) for h in history] == [("anna", "aangemaakt"), ("bram", "gewijzigd"), ("systeem", "gemarkeerd: te herzien")]
    assert history[1].changes == {"note": ["Voorbeeld voor andere gemeenten.", "Ook relevant voor regie."], "areas": [[3], [3, 6]]}
    assert history[0].changes["tagger"]["soort"] in ("knelpunt", "succesfactor", "aanbeveling", "beschrijving")
    for entry in history:
        assert datetime.fromisoformat(entry.at).tzinfo is not None
    moved = reconciled.curation.history(reconciled.waiting_id)[-1]
    assert (moved.who, moved.action, moved.changes["pagina"]) == ("systeem", "verplaatst", [1, 2])


def test_accepting_the_new_text_reanchors_a_flagged_lesson(reconciled: Scenario, tmp_path: Path) -> None:
    copy = CurationStore(backup(reconciled.settings.curation_path, tmp_path / "kopie.sqlite"))
    lesson = copy.accept_new_text(reconciled.doctors_id, by="anna")
    assert (lesson.status, lesson.text, lesson.page, lesson.text_hash) == (ACTIVE, flat(DOCTORS_V2), 2, text_hash(flat(DOCTORS_V2)))
    assert lesson.areas == [3, 6]
    assert copy.history(reconciled.doctors_id)[-1].changes["tekst"] == [flat(DOCTORS), flat(DOCTORS_V2)]
    with pytest.raises(CurationError):
        copy.accept_new_text(reconciled.waiting_id, by="anna")  # not flagged


def test_curated_labels_export_as_tagger_training_data(reconciled: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    assert reconciled.curation.export_labels(out) == 3
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(set(r) == {"id", "text", "areas", "kind"} for r in records)
    by_id = {r["id"]: r for r in records}
    assert by_id[f"curatie-{reconciled.doctors_id}"] == {
        "id": f"curatie-{reconciled.doctors_id}", "text": flat(DOCTORS), "areas": [3, 6], "kind": "aanbeveling"}


def test_cli_exports_labels(reconciled: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "cli-labels.jsonl"
    result = CliRunner().invoke(cli, ["curation", "export-labels", str(out), "--data-dir", str(reconciled.settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "3 lessen" in result.output and len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_a_rebuild_never_touches_curation_and_restores_a_returning_document(reconciled: Scenario) -> None:
    raw_before = sqlite3.connect(reconciled.settings.curation_path).execute("SELECT COUNT(*) FROM lessons").fetchone()[0]
    assert [o.status for o in ingest([reconciled.pdfs], reconciled.settings, rebuild=True)] == ["ok", "ok"]
    store = Store(reconciled.settings)
    report = reconciled.curation.reconcile(store)
    store.close()
    assert sqlite3.connect(reconciled.settings.curation_path).execute("SELECT COUNT(*) FROM lessons").fetchone()[0] == raw_before
    assert report.restored == 1
    network = reconciled.curation.lesson(reconciled.network_id)
    assert (network.status, network.review_reason) == (ACTIVE, "")
    assert reconciled.curation.history(reconciled.network_id)[-1].action == "hersteld"
    assert reconciled.curation.lesson(reconciled.doctors_id).status == NEEDS_REVIEW  # its text is still the new one


# ------------------------------------------------------------------------ without an index
PASSAGE = {"passage_id": "abc:1:0", "file": "x.pdf", "page": 1, "text": "Tekst  van\neen passage.", "areas": [2], "kind": "knelpunt",
           "gemeente": "Zwolle", "gemeentecode": "GM0193", "year": 2019, "heading": ""}


def test_labels_are_validated_and_a_passage_is_curated_once(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "c.sqlite")
    lesson = store.accept(PASSAGE, by="anna")
    assert (lesson.areas, lesson.kind) == ([2], "knelpunt"), "defaults come from the tagger"
    assert text_hash("Tekst van een passage.") == lesson.text_hash, "whitespace does not change the key"
    with pytest.raises(CurationError, match="al vastgelegd"):
        store.accept({**PASSAGE, "passage_id": "abc:1:7"}, by="bram")
    with pytest.raises(CurationError):
        store.update(lesson.lesson_id, by="anna", areas=[11])
    with pytest.raises(CurationError):
        store.update(lesson.lesson_id, by="anna", areas=[1, 2, 3, 4])
    with pytest.raises(CurationError):
        store.update(lesson.lesson_id, by="anna", kind="mening")
    assert store.update(lesson.lesson_id, by="anna", areas=[2]).updated_at == lesson.updated_at, "no change, no history"
    assert [h.action for h in store.history(lesson.lesson_id)] == ["aangemaakt"]


def test_curation_database_uses_wal(tmp_path: Path) -> None:
    CurationStore(tmp_path / "c.sqlite")
    assert sqlite3.connect(tmp_path / "c.sqlite").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -------------------------------------------------------------------------------- passwords
def test_passwords_are_stored_salted_and_hashed(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "c.sqlite")
    store.add_user("anna", "geheim-wachtwoord", iterations=FAST)
    store.add_user("bram", "geheim-wachtwoord", iterations=FAST)
    stored = dict(sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT name, password_hash FROM users").fetchall())
    assert all(h.startswith("pbkdf2_sha256$2000$") and "geheim" not in h for h in stored.values())
    assert stored["anna"] != stored["bram"], "each password gets its own salt"
    raw = b"".join(f.read_bytes() for f in tmp_path.glob("c.sqlite*"))
    assert b"geheim-wachtwoord" not in raw
    assert store.authenticate("anna", "geheim-wachtwoord")
    assert not store.authenticate("anna", "Geheim-wachtwoord")
    assert not store.authenticate("nobody", "geheim-wachtwoord")
    assert not store.authenticate("anna", "")


def test_curators_from_the_setting_and_unusable_entries(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "c.sqlite")
    setting = f"carla:{auth.hash_password('lang-wachtwoord', iterations=FAST)}, kapot, dirk:plaintext-wachtwoord"
    assert set(auth.parse_curators(setting)) == {"carla"}
    assert store.authenticate("carla", "lang-wachtwoord", setting)
    assert not store.authenticate("dirk", "plaintext-wachtwoord", setting), "a plain password in the setting is never accepted"
    assert not auth.verify_password("x", "pbkdf2_sha256$1$AAAA$AAAA"), "absurd iteration counts are refused"
    assert not auth.verify_password("x", "md5$abc")


def test_weak_passwords_and_odd_names_are_refused(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "c.sqlite")
    with pytest.raises(auth.AuthError):
        store.add_user("anna", "kort")
    with pytest.raises(auth.AuthError):
        store.add_user("anna; DROP TABLE users", "geheim-wachtwoord")
    assert store.users() == []


def test_repeated_failures_lock_the_name(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "c.sqlite")
    store.add_user("anna", "geheim-wachtwoord", iterations=FAST)
    for _ in range(MAX_FAILURES):
        assert not store.authenticate("anna", "fout")
    assert store.recent_failures("anna") == MAX_FAILURES
    assert not store.authenticate("anna", "geheim-wachtwoord"), "locked for a while, even with the right password"


def test_cli_adds_a_curator_with_a_prompted_password(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["curator", "add", "anna", "--data-dir", str(tmp_path)], input="geheim-wachtwoord\ngeheim-wachtwoord\n")
    assert result.exit_code == 0, result.output
    assert CurationStore(tmp_path / "curation.sqlite").authenticate("anna", "geheim-wachtwoord")
    assert "geheim-wachtwoord" not in result.output
    assert runner.invoke(cli, ["curator", "list", "--data-dir", str(tmp_path)]).output.split() == ["anna"]
    mismatch = runner.invoke(cli, ["curator", "add", "bram", "--data-dir", str(tmp_path)], input="geheim-wachtwoord\nanders-wachtwoord\n"
                             "geheim-wachtwoord\ngeheim-wachtwoord\n")
    assert mismatch.exit_code == 0 and "bram" in CurationStore(tmp_path / "curation.sqlite").users()
    assert runner.invoke(cli, ["curator", "remove", "bram", "--data-dir", str(tmp_path)]).exit_code == 0
    assert CurationStore(tmp_path / "curation.sqlite").users() == ["anna"]


# ----------------------------------------------------------------------- backup and restore
def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "data" / "curation.sqlite"
    store = CurationStore(path)
    first = store.accept(PASSAGE, by="anna", title="Eerste les")
    saved = backup(path, tmp_path)
    assert saved.parent == tmp_path and saved.name.startswith("curatie-")
    store.update(first.lesson_id, by="bram", title="Later gewijzigd")
    store.accept({**PASSAGE, "text": "Een tweede passage."}, by="bram")
    kept = restore(saved, path)
    assert [lesson.title for lesson in store.lessons()] == ["Eerste les"]
    assert kept is not None and [lesson.title for lesson in CurationStore(kept).lessons()] == ["Later gewijzigd", ""]


def test_restore_refuses_what_is_not_a_curation_backup(tmp_path: Path) -> None:
    path = tmp_path / "curation.sqlite"
    CurationStore(path).accept(PASSAGE, by="anna")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"dit is geen database" * 100)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    for bad in (junk, other, tmp_path / "missing.sqlite"):
        with pytest.raises(CurationError):
            restore(bad, path)
    assert len(CurationStore(path).lessons()) == 1


def test_cli_backup_and_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    CurationStore(data / "curation.sqlite").accept(PASSAGE, by="anna", title="Bewaard")
    runner = CliRunner()
    result = runner.invoke(cli, ["backup", str(tmp_path / "b.sqlite"), "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    (data / "curation.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (data / f"curation.sqlite{suffix}").unlink(missing_ok=True)
    assert runner.invoke(cli, ["restore", str(tmp_path / "b.sqlite"), "--data-dir", str(data)], input="n\n").exit_code == 1
    result = runner.invoke(cli, ["restore", str(tmp_path / "b.sqlite"), "--data-dir", str(data), "--yes"])
    assert result.exit_code == 0, result.output
    assert [lesson.title for lesson in CurationStore(data / "curation.sqlite").lessons()] == ["Bewaard"]
    assert runner.invoke(cli, ["restore", str(tmp_path / "nope.sqlite"), "--data-dir", str(data), "--yes"]).exit_code == 2
