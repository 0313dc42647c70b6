"""SQLite, Chroma and the BM25 index hold the same passages after re-ingest and deletion.

A real ingest of small real PDFs into its own on-disk index (no mocks): the three stores are
compared by their passage-id sets, and search must never return a passage that is gone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, make_settings
from pdf_factory import write_pdf

from core.config import Settings
from index.ingest import ingest
from index.query import SearchService
from index.store import Store

VERSION_1 = [
    ["# 1 Inleiding", "Het wijkteam in Voorbeelddorp werkt sinds 2016 met een vaste contactpersoon per buurt.",
     "De gemeente wilde weten hoe de samenwerking met de huisartsen verloopt."],
    ["# 2 Bevindingen", "De wachtlijst voor een eerste gesprek met het wijkteam liep op tot zes weken.",
     "Huisartsen noemen de korte lijnen met de vaste contactpersoon een succesfactor."],
]
VERSION_2 = [
    ["# 1 Inleiding", "Het wijkteam in Voorbeelddorp werkt sinds 2016 met een vaste contactpersoon per buurt.",
     "Deze tweede versie van het rapport is herschreven na de reactie van het college."],
    ["# 2 Bevindingen", "Mantelzorgers in de kleine kernen voelen zich zwaar belast door de zorg voor hun naasten.",
     "Het steunpunt mantelzorg en het wijkteam delen nog te weinig informatie."],
    ["# 3 Aanbevelingen", "Maak afspraken over het doorgeven van signalen van overbelaste mantelzorgers."],
]
FILE = "voorbeelddorp-evaluatie-wijkteam-2020.pdf"


def id_sets(store: Store) -> tuple[set[str], set[str], set[str]]:
    """Passage ids of complete documents in SQLite, all ids in Chroma, ids in the BM25 index."""
    sqlite_ids = {
        row[0]
        for row in store.db.execute(
            "SELECT p.passage_id FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'"
        )
    }
    chroma_ids = set(store.collection.get(include=[])["ids"])
    lexical_ids = set(store.lexical_index().passage_ids)
    return sqlite_ids, chroma_ids, lexical_ids


def assert_in_sync(store: Store) -> set[str]:
    sqlite_ids, chroma_ids, lexical_ids = id_sets(store)
    assert sqlite_ids == chroma_ids == lexical_ids
    assert store.count_passages() == store.count_vectors() == len(sqlite_ids)
    return sqlite_ids


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    folder = tmp_path_factory.mktemp("sync-pdfs")
    shutil.copy(CORPUS / "apeldoorn-rekenkamerbrief-wijkteams-2023.pdf", folder)
    write_pdf(folder / FILE, VERSION_1, header="Evaluatie wijkteam Voorbeelddorp")
    return folder, make_settings(tmp_path_factory.mktemp("sync-index"))


def test_reingest_of_a_changed_pdf_replaces_its_passages_everywhere(workspace: tuple[Path, Settings]) -> None:
    folder, settings = workspace
    assert all(o.status == "ok" for o in ingest([folder], settings))
    store = Store(settings)
    before = assert_in_sync(store)
    doc = store.document_by_file(FILE)
    old_ids = {pid for pid in before if pid.startswith(f"{doc['doc_id']}:")}
    assert old_ids
    service = SearchService(settings, store)
    assert any(h.file == FILE for h in service.search("wachtlijst eerste gesprek", ranker="bm25"))

    write_pdf(folder / FILE, VERSION_2, header="Evaluatie wijkteam Voorbeelddorp")
    outcomes = {o.file: o.status for o in ingest([folder], settings)}
    assert outcomes[FILE] == "ok" and outcomes["apeldoorn-rekenkamerbrief-wijkteams-2023.pdf"] == "unchanged"

    store = Store(settings)
    after = assert_in_sync(store)
    doc = store.document_by_file(FILE)
    new_ids = {pid for pid in after if pid.startswith(f"{doc['doc_id']}:")}
    assert new_ids  # ids are doc:page:index and may repeat across versions, so compare the texts
    texts = " ".join(r["text"] for r in store.passages(sorted(new_ids)).values())
    assert "Mantelzorgers in de kleine kernen" in texts and "wachtlijst voor een eerste gesprek" not in texts
    assert len(after) - len(new_ids) == len(before) - len(old_ids)  # the other document is untouched
    service = SearchService(settings, store)
    for ranker in ("hybrid", "bm25", "dense"):
        hits = service.search("wachtlijst voor een eerste gesprek", ranker=ranker, max_per_document=0)  # type: ignore[arg-type]
        assert all("wachtlijst voor een eerste gesprek" not in h.text for h in hits)
        assert {h.passage_id for h in hits} <= after
    assert any(h.file == FILE for h in service.search("overbelaste mantelzorgers", ranker="bm25"))


def test_deleting_a_document_removes_it_everywhere(workspace: tuple[Path, Settings]) -> None:
    folder, settings = workspace
    ingest([folder], settings)
    store = Store(settings)
    doc = store.document_by_file(FILE)
    store.delete_document(doc["doc_id"])
    remaining = assert_in_sync(store)
    assert remaining and not any(pid.startswith(f"{doc['doc_id']}:") for pid in remaining)
    service = SearchService(settings, Store(settings))
    for ranker in ("hybrid", "bm25", "dense"):
        hits = service.search("mantelzorgers wijkteam Voorbeelddorp", ranker=ranker, max_per_document=0)  # type: ignore[arg-type]
        assert hits and all(h.file != FILE for h in hits)
