"""`kill -9` an ingest at several moments: the index stays consistent and a re-run completes it.

A real `python -m wijkkennis.cli ingest` of 14 small generated reports runs in a subprocess and
is SIGKILLed (1) a random moment after two documents are complete, (2) the moment a document is
half-written (status 'pending' in SQLite), (3) 5–30 ms into the write of the tenth document; then
(4) it runs to the end.
After every kill this process opens the index as the app would and checks that SQLite, Chroma
and BM25 agree on the complete documents and that no query shows a half-written one; while run
(2) is going, it keeps searching the index (a reader in another process). The final index must
equal a clean ingest of the same files: same passage ids, texts, tags and vectors.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, make_settings
from pdf_factory import write_pdf

from core.config import Settings
from index.ingest import ingest
from index.query import SearchService
from index.store import Store, doc_id_of

pytestmark = pytest.mark.slow

N_DOCS = 14
SEED = 20240611
TOPICS = [
    ("wachtlijst", "De wachtlijst voor specialistische jeugdhulp liep op tot {n} weken."),
    ("huisartsen", "Huisartsen en het wijkteam overleggen nu {n} keer per jaar over gezamenlijke cliënten."),
    ("mantelzorg", "Ruim {n} procent van de mantelzorgers voelt zich zwaar belast."),
    ("schulden", "Bij schulden duurt het gemiddeld {n} dagen voordat een inwoner hulp krijgt."),
    ("privacy", "Professionals twijfelen in {n} procent van de casussen welke gegevens zij mogen delen."),
    ("onderwijs", "Scholen melden zorgen over {n} leerlingen per jaar bij het sociaal team."),
    ("werkdruk", "De werkdruk van de generalisten steeg met {n} procent in twee jaar."),
]
GEMEENTEN = ["Zwolle", "Tilburg", "Apeldoorn", "Deventer", "Leiden", "Hengelo", "Almere", "Venlo",
             "Assen", "Delft", "Gouda", "Ede", "Emmen", "Breda"]


def report_pages(i: int) -> list[list[str]]:
    gemeente = GEMEENTEN[i]
    topics = [TOPICS[(i + k) % len(TOPICS)] for k in range(4)]
    first = [f"# 1 Evaluatie sociaal wijkteam {gemeente} {2012 + i}",
             f"Deze evaluatie beschrijft het wijkteam van de gemeente {gemeente} in het jaar {2012 + i}.",
             "Het onderzoek bestond uit interviews met professionals, inwoners en ketenpartners.", ""]
    for name, sentence in topics[:2]:
        first += [f"# Bevinding over {name}", sentence.format(n=3 + i), f"In {gemeente} is dit een belangrijk punt voor het wijkteam.", ""]
    second = ["# 2 Aanbevelingen"]
    for name, sentence in topics[2:]:
        second += [f"Over {name}: " + sentence.format(n=10 + 2 * i), f"Het college van {gemeente} wil dit binnen een jaar verbeteren.", ""]
    return [first, second]


def make_reports(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(N_DOCS):
        name = f"{GEMEENTEN[i].lower()}-evaluatie-wijkteam-{2012 + i}.pdf"
        write_pdf(folder / name, report_pages(i), header=f"Gemeente {GEMEENTEN[i]}")
        names.append(name)
    return names


def kill_settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, workers=1, tagger="rules", ocr=False)


def _limit_file_size() -> None:
    # A runaway index file (a corrupted HNSW segment can grow without end) must not fill the disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 30, 2 << 30))


def start_ingest(folder: Path, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "PYTHONPATH": str(REPO), "WIJKKENNIS_TAGGER": "rules", "WIJKKENNIS_WORKERS": "1",
        "WIJKKENNIS_OCR": "false", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
    }
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "wijkkennis.cli", "ingest", str(folder), "--data-dir", str(data_dir), "--quiet"],
        cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, preexec_fn=_limit_file_size,
    )


def states(data_dir: Path) -> dict[str, int]:
    """Documents per status, read the way another process would (read-only, while it writes)."""
    path = data_dir / "wijkkennis.sqlite"
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return dict(db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status").fetchall())
    except sqlite3.Error:  # not created yet
        return {}


def kill_when(process: subprocess.Popen[bytes], condition: Callable[[dict[str, int]], bool], data_dir: Path,
              timeout: float = 240, between: Callable[[], None] | None = None, delay: float = 0.0) -> dict[str, int]:
    """SIGKILL ``process`` (after ``delay``) once ``condition(states)`` holds; its states then."""
    deadline = time.monotonic() + timeout
    next_between = 0.0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the ingest ended (exit {process.returncode}) before the moment to kill it")
        current = states(data_dir)
        if condition(current):
            if delay:
                time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait()
            return states(data_dir)
        if between is not None and time.monotonic() >= next_between:
            between()
            next_between = time.monotonic() + 0.3
        time.sleep(0.003)
    process.kill()
    pytest.fail("the moment to kill the ingest never came")


def assert_consistent_for_readers(settings: Settings, service: SearchService) -> dict[str, object]:
    """What a reader (the app) sees after a crash: whole documents only, the three parts agreeing."""
    with Store(settings) as store:
        report = store.consistency()
        pending = {row[0] for row in store.db.execute("SELECT doc_id FROM documents WHERE status != 'complete'")}
        known = {row[0] for row in store.db.execute("SELECT doc_id FROM documents")}
        complete_files = {row["file"] for row in store.documents()}
        for row in store.documents():
            assert row["n_passages"] == store.db.execute(
                "SELECT COUNT(*) FROM passages WHERE doc_id = ?", (row["doc_id"],)
            ).fetchone()[0]
        # Every passage of a complete document has its vector and its BM25 row ...
        assert report["missing_vectors"] == [] and report["bm25_extra"] == [] and report["bm25_missing"] == []
        # ... and any other vector belongs to a half-written document, which no reader gets.
        for passage_id in report["hidden_vectors"]:  # type: ignore[union-attr]
            assert doc_id_of(passage_id) in pending or doc_id_of(passage_id) not in known
        assert store.passages(report["hidden_vectors"]) == {}  # type: ignore[arg-type]
    for ranker in ("hybrid", "dense", "bm25"):
        hits = service.search("wachtlijst huisartsen mantelzorg wijkteam", top_k=50, ranker=ranker, max_per_document=0)
        assert {hit.file for hit in hits} <= complete_files, ranker
        if complete_files:
            assert hits, ranker
    return report


def search_while_ingesting(service: SearchService, settings: Settings, seen: list[int]) -> None:
    hits = service.search("schulden werkdruk onderwijs", top_k=20, max_per_document=0)
    with Store(settings) as store:
        complete = {row["file"] for row in store.documents()}
    assert {hit.file for hit in hits} <= complete
    seen.append(len(hits))


def index_contents(settings: Settings) -> tuple[dict[str, tuple[str, int, str, str, str]], dict[str, np.ndarray], set[tuple[str, str, int]]]:
    with Store(settings) as store:
        passages = {
            row["passage_id"]: (row["file"], row["page"], row["text"], row["kind"], row["areas"])
            for row in store.db.execute(
                "SELECT p.passage_id, d.file, p.page, p.text, p.kind, p.areas FROM passages p JOIN documents d USING (doc_id) "
                "WHERE d.status = 'complete'"
            )
        }
        vectors = store.vectors(sorted(passages))
        documents = {(row["file"], row["sha256"], row["n_passages"]) for row in store.documents()}
    return passages, vectors, documents


def test_kill_9_at_any_moment_leaves_a_consistent_index_and_a_rerun_completes_it(tmp_path: Path) -> None:
    folder = tmp_path / "rapporten"
    names = make_reports(folder)
    reference = kill_settings(tmp_path / "schoon")
    outcomes = ingest([folder], reference)
    assert [o.status for o in outcomes] == ["ok"] * N_DOCS

    data_dir = tmp_path / "index"
    settings = kill_settings(data_dir)
    log = tmp_path / "ingest.log"
    rng = random.Random(SEED)
    service: SearchService | None = None

    # (1) a random moment after two documents are complete
    after_two = kill_when(start_ingest(folder, data_dir, log), lambda s: s.get("complete", 0) >= 2, data_dir,
                          delay=rng.uniform(0.0, 0.5))
    assert after_two.get("complete", 0) >= 2
    service = SearchService(settings)
    report = assert_consistent_for_readers(settings, service)
    print(f"kill 1: {after_two}, hidden vectors {len(report['hidden_vectors'])}")  # type: ignore[arg-type]

    # (2) the moment a document is half-written; meanwhile this process keeps searching
    seen: list[int] = []
    done_before = after_two.get("complete", 0)  # run (1) may have left a pending document: not that one
    mid_write = kill_when(start_ingest(folder, data_dir, log),
                          lambda s: s.get("pending", 0) > 0 and s.get("complete", 0) > done_before, data_dir,
                          between=lambda: search_while_ingesting(service, settings, seen))
    assert mid_write.get("pending", 0) == 1  # killed with one document half-written
    assert seen and all(n > 0 for n in seen)  # the reader kept answering during the ingest
    report = assert_consistent_for_readers(settings, service)
    assert report["pending_documents"]
    print(f"kill 2: {mid_write}, hidden vectors {len(report['hidden_vectors'])}, searches meanwhile {seen}")  # type: ignore[arg-type]

    # (3) a few milliseconds into the write of the tenth document (inside Chroma's add, or just after)
    after_nine = kill_when(start_ingest(folder, data_dir, log),
                           lambda s: s.get("complete", 0) >= 9 and s.get("pending", 0) > 0, data_dir,
                           delay=rng.uniform(0.005, 0.03))
    report = assert_consistent_for_readers(settings, service)
    print(f"kill 3: {after_nine}, hidden vectors {len(report['hidden_vectors'])}")  # type: ignore[arg-type]

    # (4) to the end: the half-written document is cleaned up and the rest is added, once
    final = start_ingest(folder, data_dir, log)
    assert final.wait(timeout=300) == 0, log.read_text()[-3000:]
    assert states(data_dir) == {"complete": N_DOCS}
    report = assert_consistent_for_readers(settings, service)
    assert report["pending_documents"] == [] and report["hidden_vectors"] == []

    got_passages, got_vectors, got_documents = index_contents(settings)
    want_passages, want_vectors, want_documents = index_contents(reference)
    assert got_documents == want_documents
    assert {file for file, _, _ in got_documents} == set(names)
    assert got_passages == want_passages  # same ids, files, pages, texts and tags: no duplicates, no gaps
    assert set(got_vectors) == set(want_vectors) == set(want_passages)
    for passage_id, vector in want_vectors.items():  # each id carries its own passage's vector
        cosine = float(np.dot(vector, got_vectors[passage_id]) / np.linalg.norm(vector) / np.linalg.norm(got_vectors[passage_id]))
        assert cosine > 0.999, passage_id
    # The reader from before the kills sees the finished index too: its dense side reloaded Chroma
    # once the writer's lock was free (every page of every report is among the nearest vectors).
    hits = service.search("wachtlijst jeugdhulp", top_k=200, ranker="dense", max_per_document=0)
    assert {hit.file for hit in hits} == set(names)
