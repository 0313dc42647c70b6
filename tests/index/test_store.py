"""The index's write protocol on a real on-disk index (SQLite WAL + embedded Chroma + BM25).

No embedding model is needed: the vectors are random unit vectors, written through the same
``Store.write_document`` the ingest uses. A "crash" is simulated by doing the first half of a
write (pending rows, vectors) and stopping, which is what ``kill -9`` leaves behind
(tests/index/test_ingest_kill.py does it with real processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, make_settings

from core.config import Settings
from core.records import DocumentMeta, Passage, TaggedPassage
from index.store import IndexBusyError, Store
from pipeline.metadata import doc_id_for

DIM = 384


def document(file: str, texts: list[str], sha: str = "v1") -> tuple[DocumentMeta, list[TaggedPassage], np.ndarray]:
    """A document of one passage per text (two per page), with random unit vectors."""
    doc_id = doc_id_for(file)
    tagged = [
        TaggedPassage(Passage(f"{doc_id}:{i // 2 + 1}:{i % 2}", doc_id, file, i // 2 + 1, "", text, i), (3,), {3: 0.9}, "knelpunt", 0.8)
        for i, text in enumerate(texts)
    ]
    rng = np.random.default_rng(abs(hash((file, sha))) % 2**32)
    vectors = rng.standard_normal((len(texts), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    meta = DocumentMeta(doc_id, file, sha, title=file, gemeente="Zwolle", gemeentecode="GM0193", year=2021, n_pages=len(texts) // 2 + 1)
    return meta, tagged, vectors


def ids_of(tagged: list[TaggedPassage]) -> set[str]:
    return {t.passage.passage_id for t in tagged}


def half_write(store: Store, meta: DocumentMeta, tagged: list[TaggedPassage], vectors: np.ndarray) -> None:
    """What a writer killed between "vectors added" and "status complete" leaves behind."""
    store.begin_writing()
    with store.transaction() as db:
        db.execute("DELETE FROM documents WHERE doc_id = ?", (meta.doc_id,))
        db.execute(
            "INSERT INTO documents(doc_id, file, sha256, title, n_pages, n_passages, status) VALUES (?,?,?,?,?,?, 'pending')",
            (meta.doc_id, meta.file, meta.sha256, meta.title, meta.n_pages, len(tagged)),
        )
        db.executemany(
            "INSERT INTO passages(passage_id, doc_id, position, page, heading, text, areas, lex) VALUES (?,?,?,?,?,?,?,?)",
            [(t.passage.passage_id, meta.doc_id, t.passage.position, t.passage.page, "", t.passage.text, "[]", t.passage.text.lower())
             for t in tagged],
        )
    store._add_vectors(meta, tagged, vectors)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


GOOD = ["De wachtlijst voor het wijkteam is lang.", "Huisartsen verwijzen vaker naar het wijkteam.",
        "Mantelzorgers voelen zich overbelast.", "Het sociaal team werkt outreachend."]
CRASHED = ["Schuldhulpverlening begint te laat.", "Jongeren vinden de weg naar het jongerenwerk niet."]


def test_pending_document_is_invisible_and_recover_removes_it(settings: Settings) -> None:
    with Store(settings) as store:
        store.write_document(*document("goed.pdf", GOOD))
        crashed = document("half.pdf", CRASHED)
        half_write(store, *crashed)
        # Left behind: pending rows and their vectors ...
        assert store.document_by_file("half.pdf")["status"] == "pending"
        assert ids_of(crashed[1]) <= store.vector_ids()
        # ... which no reader sees: not as passages, not in counts, not in BM25.
        assert store.passages(sorted(ids_of(crashed[1]))) == {}
        assert store.count_passages() == len(GOOD)
        report = store.consistency()
        assert report["pending_documents"] == ["half.pdf"]
        assert set(report["hidden_vectors"]) == ids_of(crashed[1])
        assert report["missing_vectors"] == report["bm25_extra"] == report["bm25_missing"] == []

        assert store.recover() == ["half.pdf"]
        report = store.consistency()
        assert report["pending_documents"] == report["hidden_vectors"] == report["missing_vectors"] == []
        assert store.complete_passage_ids() == store.vector_ids() == set(store.lexical_index().passage_ids)
        assert store.document_by_file("half.pdf") is None
        assert store.document_by_file("goed.pdf")["status"] == "complete"


def test_recover_removes_vectors_without_a_document(settings: Settings) -> None:
    """Vectors whose document SQLite does not know at all (e.g. a delete killed half-way)."""
    with Store(settings) as store:
        store.write_document(*document("goed.pdf", GOOD))
        meta, tagged, vectors = document("verdwenen.pdf", CRASHED)
        store.begin_writing()
        store._add_vectors(meta, tagged, vectors)
        assert ids_of(tagged) <= store.vector_ids()
        removed = store.recover()
        assert removed == [f"(vectoren zonder document {meta.doc_id})"]
        assert store.vector_ids() == store.complete_passage_ids()


def test_write_document_replaces_a_changed_document_completely(settings: Settings) -> None:
    first = document("rapport.pdf", GOOD + ["Een extra passage op pagina drie.", "En nog een."], sha="v1")
    second = document("rapport.pdf", ["Herschreven: de wachtlijst is korter.", "Nieuwe tekst over huisartsen.", "Nieuw."], sha="v2")
    with Store(settings) as store:
        store.write_document(*first)
        generation = store.generation
        assert store.complete_passage_ids() == ids_of(first[1])
        store.write_document(*second)
        assert store.generation > generation
        # Exactly the new passages everywhere: no leftover of version 1 (it had more pages).
        assert store.complete_passage_ids() == store.vector_ids() == set(store.lexical_index().passage_ids) == ids_of(second[1])
        assert store.document_by_file("rapport.pdf")["sha256"] == "v2"
        texts = {pid: record["text"] for pid, record in store.passages(sorted(ids_of(second[1]))).items()}
        assert texts == {t.passage.passage_id: t.passage.text for t in second[1]}
        stored = store.vectors(sorted(ids_of(second[1])))
        for tagged, vector in zip(second[1], second[2], strict=True):
            np.testing.assert_allclose(stored[tagged.passage.passage_id], vector, atol=1e-6)
        hits = store.lexical_index().search("wachtlijst", 10, None)
        assert {pid for pid, _ in hits} <= ids_of(second[1])


def test_a_crash_during_replacement_leaves_neither_version_half_visible(settings: Settings) -> None:
    """Replacing keeps a document's passage ids, so its old version is hidden while the new one is
    written: a crash in between loses the document (the next ingest writes it again), never mixes."""
    first = document("rapport.pdf", GOOD, sha="v1")
    second = document("rapport.pdf", CRASHED, sha="v2")
    with Store(settings) as store:
        store.write_document(*first)
        half_write(store, *second)
        assert store.passages(sorted(ids_of(first[1]) | ids_of(second[1]))) == {}
        assert store.recover() == ["rapport.pdf"]
        assert store.vector_ids() == store.complete_passage_ids() == set()


READY = "klaar"
HOLD_LOCK = f"""
import sys, time
from pathlib import Path
from index.store import Store
from core.config import load_settings
store = Store(load_settings(data_dir=Path(sys.argv[1])))
store.begin_writing()
print("{READY}", flush=True)
time.sleep(120)
"""


def forget_loaded_index(store: Store) -> None:
    """Drop this process's loaded Chroma index, as if the next Store were in a fresh process."""
    from index import store as store_module

    system = store_module._retire_system(store._chroma_key)
    if system is not None:
        system.stop()


def test_a_writer_in_another_process_keeps_readers_off_chroma_but_answering(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another process writes, a reader does not load the embedded Chroma index (loading
    it next to a writer crashed readers and corrupted the HNSW files, see index/store.py), says
    it is busy instead of failing, and another writer is refused with a Dutch message."""
    monkeypatch.setattr("index.store.WRITER_WAIT_S", 0.3)
    with Store(settings) as store:
        store.write_document(*document("goed.pdf", GOOD))
        store.rebuild_lexical()
        forget_loaded_index(store)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(settings.data_dir)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == READY
        reader = Store(settings)
        assert reader.count_vectors() == 0  # busy: dense search sits this one out ...
        assert reader.vectors(sorted(ids_of(document("goed.pdf", GOOD)[1]))) == {}
        assert len(reader.lexical_index().passage_ids) == len(GOOD)  # ... BM25 answers
        with pytest.raises(IndexBusyError, match="ingest"):
            Store(settings).begin_writing()
        from index.ingest import ingest

        with pytest.raises(IndexBusyError, match="ingest"):
            ingest([settings.data_dir], settings)
        reader.close()
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    reader = Store(settings)
    assert reader.count_vectors() == len(GOOD)  # the lock is free again: the reader loads


def test_consistency_report_is_json_serialisable(settings: Settings) -> None:
    with Store(settings) as store:
        store.write_document(*document("goed.pdf", GOOD))
        assert json.loads(json.dumps(store.consistency()))["passages"] == len(GOOD)


def test_cli_check_reports_and_repairs_a_crashed_index(settings: Settings) -> None:
    from typer.testing import CliRunner

    from wijkkennis.cli import app

    with Store(settings) as store:
        store.write_document(*document("goed.pdf", GOOD))
        half_write(store, *document("half.pdf", CRASHED))
    runner = CliRunner()
    seen = runner.invoke(app, ["check", "--data-dir", str(settings.data_dir), "--json"])
    assert seen.exit_code == 0, seen.output  # half-written documents are invisible, not broken
    assert json.loads(seen.output)["pending_documents"] == ["half.pdf"]
    repaired = runner.invoke(app, ["check", "--data-dir", str(settings.data_dir), "--repair"])
    assert repaired.exit_code == 0 and "verwijderd: half.pdf" in repaired.output and "in orde" in repaired.output
    with Store(settings) as store:
        assert store.document_by_file("half.pdf") is None
        assert store.vector_ids() == store.complete_passage_ids()
