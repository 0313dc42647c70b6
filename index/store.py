"""The index: one place for its schema and for keeping its three parts in step.

- SQLite (``wijkkennis.sqlite``, WAL) is the source of truth: documents and passages with their
  tags. A document is written as ``pending`` and flipped to ``complete`` only after its vectors
  are in Chroma; readers see complete documents only, so a document appears all at once or not
  at all, and ``recover()`` removes what a killed ingest left pending.
- Chroma (embedded PersistentClient, or a Chroma server) holds one vector per passage with the
  filterable metadata.
- BM25 (``index.lexical``) is stamped with SQLite's generation counter, so a stale lexical index
  is noticed; it is then brought up to date from SQLite incrementally: triggers write every change
  to a document or its passages to ``lexical_log``, and the changed documents' rows become a new
  BM25 segment while their old rows are deleted (``update_lexical``).

Several processes (the app, an ingest, the command line) may open the same index. SQLite (WAL)
is built for that; Chroma's embedded PersistentClient is not: a process that loads the HNSW index
may write its files too, and loading it while another process writes crashed the reader
(SIGSEGV) and once grew ``link_lists.bin`` to 68 GB in our tests. So the embedded index is
guarded by a lock file (``index/chroma.lock``, ``fcntl.flock``):

- a writer (any Store that writes, e.g. an ingest) holds the lock exclusively from its first write
  until ``close()``;
- a reader takes the lock only for the moment it loads the index from disk, and never waits for
  it: while an ingest runs, a reader keeps answering from the index it loaded before (it does not
  see the new documents yet; the query path drops hits whose document is no longer complete), and
  a reader that has not loaded one yet answers with BM25 alone;
- a reader notices a newer generation in SQLite and reloads when the lock is free, i.e. after the
  ingest ended.

With a Chroma server (``chroma_host``) none of this is needed: the server is the only process
that touches the files.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from core.config import Settings
from core.records import PAGE_ROLES, DocumentMeta, TaggedPassage
from index import lexical

COLLECTION = "passages"
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    file TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    title TEXT, gemeente TEXT, gemeentecode TEXT, provincie TEXT, grootteklasse TEXT,
    g40 INTEGER DEFAULT 0, year INTEGER, publisher TEXT, report_type TEXT,
    n_pages INTEGER, n_passages INTEGER DEFAULT 0,
    status TEXT NOT NULL,
    warnings TEXT DEFAULT '[]',
    ingested_at TEXT,
    pipeline TEXT DEFAULT ''
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER, page INTEGER, heading TEXT, text TEXT NOT NULL,
    areas TEXT, area_mask INTEGER DEFAULT 0, area_scores TEXT,
    kind TEXT, kind_score REAL, ocr INTEGER DEFAULT 0, lex TEXT,
    sentence_kinds TEXT DEFAULT '[]', kind_mask INTEGER DEFAULT 0, role TEXT DEFAULT 'body'
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, position);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

# Every change to a document or its passages, by document: what BM25 must catch up on (``update_lexical``).
LEXICAL_LOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS lexical_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS lexical_log_document_insert AFTER INSERT ON documents
    BEGIN INSERT INTO lexical_log(doc_id) VALUES (NEW.doc_id); END;
CREATE TRIGGER IF NOT EXISTS lexical_log_document_update AFTER UPDATE ON documents
    BEGIN INSERT INTO lexical_log(doc_id) VALUES (OLD.doc_id);
          INSERT INTO lexical_log(doc_id) SELECT NEW.doc_id WHERE NEW.doc_id != OLD.doc_id; END;
CREATE TRIGGER IF NOT EXISTS lexical_log_document_delete AFTER DELETE ON documents
    BEGIN INSERT INTO lexical_log(doc_id) VALUES (OLD.doc_id); END;
CREATE TRIGGER IF NOT EXISTS lexical_log_passage_insert AFTER INSERT ON passages
    BEGIN INSERT INTO lexical_log(doc_id) VALUES (NEW.doc_id); END;
CREATE TRIGGER IF NOT EXISTS lexical_log_passage_update AFTER UPDATE ON passages
    BEGIN INSERT INTO lexical_log(doc_id) VALUES (OLD.doc_id);
          INSERT INTO lexical_log(doc_id) SELECT NEW.doc_id WHERE NEW.doc_id != OLD.doc_id; END;
CREATE TRIGGER IF NOT EXISTS lexical_log_passage_delete AFTER DELETE ON passages
    BEGIN INSERT INTO lexical_log(doc_id) VALUES (OLD.doc_id); END;
"""

KIND_CODES = {"knelpunt": 1, "succesfactor": 2, "aanbeveling": 3, "beschrijving": 4}
ROLE_CODES: dict[str, int] = {role: code for code, role in enumerate(PAGE_ROLES)}  # the BM25 "role" column
# Columns added after the first release (an older index gets them when it is opened). An index
# from before page roles reads every passage as "body" until its documents are ingested again
# (``wijkkennis ingest --refresh``).
ADDED_COLUMNS = {"sentence_kinds": "TEXT DEFAULT '[]'", "kind_mask": "INTEGER DEFAULT 0", "role": "TEXT DEFAULT 'body'"}
# Columns of documents added later: the pipeline fingerprint a document was read with ('' = unknown, older).
ADDED_DOCUMENT_COLUMNS = {"pipeline": "TEXT DEFAULT ''"}
# Filter columns every BM25 index must have; one saved by an older version without them is rebuilt.
LEXICAL_COLUMNS = frozenset({"area_mask", "kind", "kind_mask", "year", "g40", "doc", "gemeentecode", "provincie",
                             "grootteklasse", "publisher", "role"})


def kind_mask(kinds: Iterable[str]) -> int:
    """Bit ``1 << KIND_CODES[k]`` for every kind a passage makes (its main kind and its sentences')."""
    mask = 0
    for kind in kinds:
        mask |= 1 << KIND_CODES.get(kind, 0)
    return mask


class IndexMismatchError(RuntimeError):
    """The index was built with another embedder than the one configured."""


class IndexBusyError(RuntimeError):
    """Another process is writing the index; the message is for the user."""


BUSY_MESSAGE = "de index wordt bijgewerkt door een ander proces (loopt er een ingest?); probeer het straks opnieuw"
WRITER_WAIT_S = 30.0  # a writer waits this long for the lock (a reader holds it only while loading)
READER_RETRY_S = 5.0  # a reader that found the lock taken tries again after this long


@dataclass
class _ProcessState:
    """What this process knows about one embedded Chroma directory (shared by its Stores)."""

    handle: IO[str] | None = None
    holders: int = 0  # Stores of this process holding the lock (writers, or a reader while loading)
    writers: int = 0
    loaded_generation: int | None = None  # SQLite generation the process's Chroma view reflects
    epoch: int = 0  # bumped on every (re)load; a Store with an older epoch refetches its collection
    retired: list[Any] = field(default_factory=list)


_STATES: dict[str, _ProcessState] = {}
_STATES_MUTEX = threading.RLock()


def _state(path: str) -> _ProcessState:
    with _STATES_MUTEX:
        return _STATES.setdefault(path, _ProcessState())


def _acquire_lock(path: str, lock_file: Path, timeout: float) -> bool:
    """Take the process's exclusive flock on ``lock_file`` (re-entrant within the process)."""
    with _STATES_MUTEX:
        state = _state(path)
        if state.holders > 0:
            state.holders += 1
            return True
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_file.open("a+")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(0.05)
        state.handle, state.holders = handle, 1
        return True


def _release_lock(path: str) -> None:
    with _STATES_MUTEX:
        state = _state(path)
        if state.holders <= 0:
            return
        state.holders -= 1
        if state.holders == 0 and state.handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(state.handle, fcntl.LOCK_UN)
            state.handle.close()
            state.handle = None


def _shared_systems() -> dict[str, Any] | None:
    """chromadb's per-process cache of clients' systems (private API; None if it moved)."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        systems = SharedSystemClient._identifier_to_system
    except (ImportError, AttributeError):
        return None
    return systems if isinstance(systems, dict) else None


def _retire_system(path: str) -> Any:
    """Take this process's Chroma system for ``path`` out of chromadb's cache, so the next client
    loads the index from disk again. Returns it; the caller stops it later."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_refcount.pop(path, None)
        return SharedSystemClient._identifier_to_system.pop(path, None)
    except (ImportError, AttributeError):
        return None


def area_mask(areas: Sequence[int]) -> int:
    mask = 0
    for area in areas:
        mask |= 1 << area
    return mask


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, settings: Settings, embedder_name: str | None = None, rebuild: bool = False) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(settings.database_path, timeout=60, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._add_missing_columns()
        with contextlib.suppress(sqlite3.OperationalError):  # a read-only index: BM25 is then rebuilt in memory
            self.db.executescript(LEXICAL_LOG_SCHEMA)
        # Which vectors the index holds: the embedder's versioned name (pipeline.embed.embedder_identity;
        # an index from before versioned names recorded the setting). Another one is refused, never
        # mixed; ``rebuild`` (ingest --rebuild) opens it anyway, to empty it.
        from pipeline.embed import embedder_identity, recorded_identity

        self.embedder_name = embedder_name or embedder_identity(settings.embedder, settings.embed_device)
        stored = self.get_meta("embedder")
        if stored and recorded_identity(stored) != self.embedder_name and not rebuild and self.count_documents() > 0:
            raise IndexMismatchError(
                f"de index is gebouwd met embedder {recorded_identity(stored)!r}, ingesteld is {self.embedder_name!r} "
                "(embedder / embed_device): de vectoren zijn niet vergelijkbaar. Draai `wijkkennis ingest --rebuild PAD…` "
                "(opnieuw embedden; de paginacache bespaart het opnieuw lezen van de PDF's) of zet de embedder terug"
            )
        self._collection: Any = None
        self._lexical: lexical.LexicalIndex | None = None
        self._chroma_dir = (settings.index_dir / "chroma").resolve()
        self._chroma_key = str(self._chroma_dir)
        self._epoch = -1
        self._writing = False
        self._next_load_attempt = 0.0

    def _add_missing_columns(self) -> None:
        """Bring an index written by an older version up to this schema (its data stays): its
        passages have no sentence kinds, so their kind mask is their main kind's; its documents
        have no pipeline fingerprint, so they count as read by an older version."""
        self.passage_columns = frozenset(self._add_columns("passages", ADDED_COLUMNS))
        self._add_columns("documents", ADDED_DOCUMENT_COLUMNS)

    def _add_columns(self, table: str, columns: dict[str, str]) -> set[str]:
        """Add the missing ``columns`` to ``table``; the columns it has afterwards. A read-only
        index is read as it is."""
        present = {row["name"] for row in self.db.execute(f"PRAGMA table_info({table})")}
        for name, declaration in columns.items():
            if name in present:
                continue
            with contextlib.suppress(sqlite3.OperationalError), self.db:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                if (table, name) == ("passages", "kind_mask"):
                    self.db.executemany("UPDATE passages SET kind_mask = ? WHERE kind = ?", [(kind_mask([k]), k) for k in KIND_CODES])
                present.add(name)
        return present

    # ----------------------------------------------------------------- chroma
    @property
    def local_chroma(self) -> bool:
        return not self.settings.chroma_host

    @property
    def chroma_lock_file(self) -> Path:
        return self.settings.index_dir / "chroma.lock"

    def _new_collection(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self.settings.chroma_host:
            client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings)
        else:
            self._chroma_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=self._chroma_key, settings=chroma_settings)
        self._client = client
        return client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None)

    @property
    def collection(self) -> Any:
        """The Chroma collection, loaded and kept current as the module docstring describes.

        Raises IndexBusyError when this Store has no view of the embedded index yet and another
        process is writing it.
        """
        if not self.local_chroma:
            if self._collection is None:
                self._collection = self._new_collection()
            return self._collection
        with _STATES_MUTEX:
            state = _state(self._chroma_key)
            systems = _shared_systems()
            in_process = systems is not None and self._chroma_key in systems
            # While a Store of this process writes, no other process can: this process's view is current.
            current = in_process and (state.writers > 0 or state.loaded_generation == self.generation)
            if current:
                if self._collection is None or self._epoch != state.epoch:
                    self._collection, self._epoch = self._new_collection(), state.epoch
                return self._collection
            if self._collection is not None and time.monotonic() < self._next_load_attempt:
                return self._collection  # stale, but answering; try again later
            self._load(state)
            if self._collection is None:
                raise IndexBusyError(BUSY_MESSAGE)
            return self._collection

    def _load(self, state: _ProcessState) -> None:
        """(Re)load the embedded index from disk, holding the lock; keep the old view if it is taken."""
        if not _acquire_lock(self._chroma_key, self.chroma_lock_file, 0.0 if not self._writing else WRITER_WAIT_S):
            self._next_load_attempt = time.monotonic() + READER_RETRY_S
            return
        try:
            generation = self.generation
            for old in state.retired:  # systems replaced at the previous reload; no query uses them now
                with contextlib.suppress(Exception):
                    old.stop()
            state.retired.clear()
            retired = _retire_system(self._chroma_key)
            if retired is not None:
                state.retired.append(retired)
            collection = self._new_collection()
            self._warm(collection)
            state.loaded_generation = generation
            state.epoch += 1
            self._collection, self._epoch = collection, state.epoch
        finally:
            _release_lock(self._chroma_key)

    @staticmethod
    def _warm(collection: Any) -> None:
        """Make Chroma read its HNSW index now (it does so at the first query), under the lock."""
        got = collection.get(limit=1, include=["embeddings"])
        embeddings = got.get("embeddings")
        if got["ids"] and embeddings is not None and len(embeddings):
            collection.query(query_embeddings=[np.asarray(embeddings[0], dtype=np.float32)], n_results=1, include=[])

    def begin_writing(self, timeout: float | None = None) -> None:
        """Become a writer: hold the index lock until ``close()`` (waiting at most ``timeout``,
        default ``WRITER_WAIT_S``). Raises IndexBusyError."""
        if self._writing or not self.local_chroma:
            self._writing = True
            return
        if not _acquire_lock(self._chroma_key, self.chroma_lock_file, WRITER_WAIT_S if timeout is None else timeout):
            raise IndexBusyError(BUSY_MESSAGE)
        with _STATES_MUTEX:
            self._writing = True
            state = _state(self._chroma_key)
            systems = _shared_systems()
            stale = systems is not None and self._chroma_key in systems and state.loaded_generation != self.generation
            if stale and state.writers == 0:
                self._load(state)  # never write through a view that misses another process's writes
            state.writers += 1

    def _end_writing(self) -> None:
        if not self._writing:
            return
        self._writing = False
        if not self.local_chroma:
            return
        with _STATES_MUTEX:
            state = _state(self._chroma_key)
            state.writers = max(0, state.writers - 1)
            _release_lock(self._chroma_key)

    def _bump_generation(self) -> None:
        """Inside a write transaction: one more change; this writer's Chroma view includes it."""
        generation = self.generation + 1
        self._set_meta("generation", str(generation))
        if self.local_chroma:
            with _STATES_MUTEX:
                _state(self._chroma_key).loaded_generation = generation

    # ------------------------------------------------------------------- meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    # -------------------------------------------------------------- documents
    def document_by_file(self, file: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE file = ?", (file,)).fetchone()

    def count_documents(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents WHERE status = 'complete'").fetchone()[0])

    def documents(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM documents WHERE status = 'complete' ORDER BY gemeente, year, file").fetchall()

    def write_document(self, meta: DocumentMeta, tagged: Sequence[TaggedPassage], vectors: np.ndarray, warnings: Sequence[str] = (),
                       pipeline: str = "") -> None:
        """Replace a document and its passages in all stores, atomically for readers; ``pipeline``
        is the fingerprint of the code and models that read it (``pipeline.cache.pipeline_fingerprint``)."""
        if len(tagged) != len(vectors):
            raise ValueError("one vector per passage")
        self.begin_writing()
        with self.transaction() as db:
            self._set_meta("embedder", self.embedder_name)
            db.execute("DELETE FROM documents WHERE doc_id = ? OR file = ?", (meta.doc_id, meta.file))
            db.execute(
                """INSERT INTO documents(doc_id, file, sha256, title, gemeente, gemeentecode, provincie,
                   grootteklasse, g40, year, publisher, report_type, n_pages, n_passages, status, warnings, ingested_at, pipeline)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?, ?)""",
                (meta.doc_id, meta.file, meta.sha256, meta.title, meta.gemeente, meta.gemeentecode, meta.provincie,
                 meta.grootteklasse, int(meta.g40), meta.year, meta.publisher, meta.report_type, meta.n_pages,
                 len(tagged), json.dumps(list(warnings), ensure_ascii=False), now(), pipeline),
            )
            db.executemany(
                """INSERT INTO passages(passage_id, doc_id, position, page, heading, text, areas, area_mask,
                   area_scores, kind, kind_score, ocr, lex, sentence_kinds, kind_mask, role)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                [
                    (t.passage.passage_id, meta.doc_id, t.passage.position, t.passage.page, t.passage.heading,
                     t.passage.text, json.dumps(list(t.areas)), area_mask(t.areas),
                     json.dumps({str(k): round(v, 4) for k, v in t.area_scores.items()}), t.kind, t.kind_score,
                     int(t.passage.ocr), " ".join(lexical.tokenize(f"{t.passage.heading} {t.passage.text}")),
                     json.dumps([[x.start, x.end, x.kind, round(x.score, 4)] for x in t.sentences]), kind_mask(t.kinds),
                     t.passage.role)
                    for t in tagged
                ],
            )
        self._delete_vectors(meta.doc_id)
        self._add_vectors(meta, tagged, vectors)
        with self.transaction() as db:
            db.execute("UPDATE documents SET status = 'complete' WHERE doc_id = ?", (meta.doc_id,))
            self._bump_generation()

    def _add_vectors(self, meta: DocumentMeta, tagged: Sequence[TaggedPassage], vectors: np.ndarray) -> None:
        if not tagged:
            return
        batch = 1000
        # An older client or a server without the call: stay at 1000.
        with contextlib.suppress(Exception):
            batch = min(batch, int(self.collection._client.get_max_batch_size()))
        for start in range(0, len(tagged), batch):
            part = tagged[start : start + batch]
            self.collection.add(
                ids=[t.passage.passage_id for t in part],
                embeddings=np.asarray(vectors[start : start + batch], dtype=np.float32),
                metadatas=[self.chroma_metadata(meta, t) for t in part],
            )

    @staticmethod
    def chroma_metadata(meta: DocumentMeta, tagged: TaggedPassage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "doc_id": meta.doc_id,
            "file": meta.file,
            "page": tagged.passage.page,
            "gemeente": meta.gemeente,
            "gemeentecode": meta.gemeentecode,
            "provincie": meta.provincie,
            "grootteklasse": meta.grootteklasse,
            "g40": bool(meta.g40),
            "year": meta.year or 0,
            "publisher": meta.publisher,
            "kind": tagged.kind,
            "ocr": bool(tagged.passage.ocr),
            "role": tagged.passage.role,
        }
        for kind in KIND_CODES:  # the kinds its sentences make too: a kind filter finds mixed passages
            data[f"kinds_{kind}"] = kind in tagged.kinds
        for area in range(1, 11):
            data[f"area_{area}"] = area in tagged.areas
        return data

    def _delete_vectors(self, doc_id: str) -> None:
        self.collection.delete(where={"doc_id": doc_id})

    def delete_document(self, doc_id: str) -> None:
        """Remove a document from all parts; hidden from readers first, so never half-visible."""
        self.begin_writing()
        with self.transaction() as db:
            db.execute("UPDATE documents SET status = 'pending' WHERE doc_id = ?", (doc_id,))
        self._delete_vectors(doc_id)
        with self.transaction() as db:
            db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._bump_generation()

    def recover(self) -> list[str]:
        """Remove what a killed ingest left half-written; return the affected file names.

        Pending documents (rows, passages, vectors) go, and so do vectors of documents SQLite
        does not know at all. Holds the writer lock (``begin_writing``) from here on, so it never
        removes the pending documents of an ingest that is still running elsewhere.
        """
        self.begin_writing()
        pending = self.db.execute("SELECT doc_id, file FROM documents WHERE status = 'pending'").fetchall()
        for row in pending:
            self.delete_document(row["doc_id"])
        known = {row[0] for row in self.db.execute("SELECT doc_id FROM documents")}
        orphans = sorted({doc_id_of(pid) for pid in self.vector_ids()} - known)
        for doc_id in orphans:
            self._delete_vectors(doc_id)
        return [row["file"] for row in pending] + [f"(vectoren zonder document {doc_id})" for doc_id in orphans]

    # --------------------------------------------------------------- passages
    def passages(self, passage_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Complete passages by id, joined with their document's metadata."""
        result: dict[str, dict[str, Any]] = {}
        ids = list(passage_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"""SELECT p.*, d.file, d.title, d.gemeente, d.gemeentecode, d.provincie, d.grootteklasse, d.g40,
                    d.year, d.publisher, d.report_type FROM passages p JOIN documents d USING (doc_id)
                    WHERE d.status = 'complete' AND p.passage_id IN ({marks})""",
                chunk,
            ).fetchall()
            for row in rows:
                record = dict(row)
                record["areas"] = json.loads(record["areas"] or "[]")
                record["area_scores"] = {int(k): v for k, v in json.loads(record["area_scores"] or "{}").items()}
                record["sentence_kinds"] = json.loads(record.get("sentence_kinds") or "[]")
                record.pop("lex", None)
                result[record["passage_id"]] = record
        return result

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by passage id ({} while the embedded index is busy, see the module doc)."""
        if not passage_ids:
            return {}
        try:
            got = self.collection.get(ids=list(passage_ids), include=["embeddings"])
        except IndexBusyError:
            return {}
        return {pid: np.asarray(vec, dtype=np.float32) for pid, vec in zip(got["ids"], got["embeddings"], strict=False)}

    def vector_ids(self) -> set[str]:
        """Every passage id with a vector in Chroma (complete documents or not)."""
        ids: set[str] = set()
        offset, page = 0, 5000
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)
            ids.update(got["ids"])
            if len(got["ids"]) < page:
                return ids
            offset += page

    def complete_passage_ids(self) -> set[str]:
        return {
            row[0]
            for row in self.db.execute(
                "SELECT p.passage_id FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'"
            )
        }

    def consistency(self) -> dict[str, Any]:
        """How SQLite, Chroma and BM25 agree: what a reader could see that it should not.

        ``missing_vectors``: passages of complete documents without a vector (dense search misses
        them); ``hidden_vectors``: vectors of documents that are not complete (pending or gone;
        queries drop them, ``recover()`` removes them); ``bm25_extra`` / ``bm25_missing``: BM25
        rows that differ from the complete passages (never: BM25 is brought up to date per generation).
        """
        complete = self.complete_passage_ids()
        vectors = self.vector_ids()
        bm25 = set(self.lexical_index().passage_ids)
        pending = [row[0] for row in self.db.execute("SELECT file FROM documents WHERE status != 'complete' ORDER BY file")]
        return {
            "passages": len(complete),
            "vectors": len(vectors),
            "pending_documents": pending,
            "missing_vectors": sorted(complete - vectors),
            "hidden_vectors": sorted(vectors - complete),
            "bm25_extra": sorted(bm25 - complete),
            "bm25_missing": sorted(complete - bm25),
        }

    def count_passages(self) -> int:
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'"
            ).fetchone()[0]
        )

    def count_vectors(self) -> int:
        """Vectors in Chroma; 0 while the embedded index is busy (search then uses BM25 alone)."""
        try:
            return int(self.collection.count())
        except IndexBusyError:
            return 0

    # ---------------------------------------------------------------- lexical
    @property
    def lexical_dir(self) -> Path:
        return self.settings.index_dir / "bm25"

    def lexical_index(self) -> lexical.LexicalIndex:
        """The BM25 index for the current generation: from memory, from disk (loading only the
        segments this process does not hold yet), or brought up to date (``update_lexical``)."""
        generation = self.generation
        current = self._lexical
        if current is not None and current.generation == generation:
            return current
        with self._lexical_lock(shared=True):  # never read a manifest another process is swapping
            loaded = lexical.load(self.lexical_dir, reuse=current)
        if loaded is None or loaded.generation != generation or not loaded.columns.keys() >= LEXICAL_COLUMNS:
            loaded = self.update_lexical()
        self._lexical = loaded
        return loaded

    @contextmanager
    def _lexical_lock(self, shared: bool) -> Iterator[None]:
        """flock on ``index/bm25.lock``: updating (exclusive) and loading (shared) the BM25 folder."""
        try:
            self.settings.index_dir.mkdir(parents=True, exist_ok=True)
            handle = (self.settings.index_dir / "bm25.lock").open("a+")
        except OSError:  # a read-only index: nobody can be saving it
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            yield
        finally:
            handle.close()

    def update_lexical(self) -> lexical.LexicalIndex:
        """BM25 brought up to SQLite's generation and saved: the documents changed since the saved
        index (``lexical_log``) get a new segment of their complete rows, their old rows are deleted,
        segments are merged as ``lexical.LexicalIndex.compacted`` says. A full rebuild when there
        is no saved index to build on (none, another format, columns missing), no log, or the
        result does not count the complete passages."""
        with self._lexical_lock(shared=False):
            base = lexical.load(self.lexical_dir, reuse=self._lexical)  # perhaps already updated by another process
            if base is not None and not base.columns.keys() >= LEXICAL_COLUMNS:
                base = None
            index = None
            with self._read_snapshot():
                generation = self.generation
                if base is not None and base.generation == generation:
                    return base
                changes = self._lexical_changes(base) if base is not None else None
                if changes is not None:
                    position, changed = changes
                    rows = self._lexical_rows(changed)
                    expected = self.count_passages()
            if base is not None and changes is not None:
                segment = self._lexical_segment(rows) if rows else None
                index = base.updated(changed, segment, generation, position)
                if index.size != expected:  # should not happen; a rebuild repairs it
                    index = None
            if index is None:
                index = self._build_lexical()
            self._save_lexical(index)
        return index

    def rebuild_lexical(self, generation: int | None = None) -> lexical.LexicalIndex:
        """BM25 over all complete passages in one segment, stamped with the generation they were read at."""
        with self._lexical_lock(shared=False):
            index = self._build_lexical(generation)
            self._save_lexical(index)
        return index

    def _save_lexical(self, index: lexical.LexicalIndex) -> None:
        """Save (a read-only reader answers from memory); a writer then drops the log it no longer needs."""
        try:
            lexical.save(index, self.lexical_dir)
        except OSError:
            return
        if self._writing:
            with contextlib.suppress(sqlite3.Error), self.transaction() as db:
                db.execute("DELETE FROM lexical_log WHERE seq <= ?", (index.log_position,))

    def _lexical_position(self) -> int | None:
        """The last change logged for BM25 (None: no log, a read-only index from before it)."""
        try:
            row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'lexical_log'").fetchone()
            self.db.execute("SELECT 1 FROM lexical_log LIMIT 1").fetchall()
        except sqlite3.OperationalError:
            return None
        return int(row[0]) if row else 0

    def _lexical_changes(self, base: lexical.LexicalIndex) -> tuple[int, set[str]] | None:
        """(log position now, documents changed since ``base``), or None when only a rebuild will do."""
        position = self._lexical_position()
        if position is None or position < base.log_position:
            return None
        changed = {row[0] for row in self.db.execute("SELECT DISTINCT doc_id FROM lexical_log WHERE seq > ?", (base.log_position,))}
        return position, changed

    def _lexical_rows(self, doc_ids: set[str] | None = None) -> list[sqlite3.Row]:
        """The complete passages (of ``doc_ids`` only, if given) with their BM25 fields, in rowid order."""
        # An older read-only index has no kind masks: its main kinds are used (below).
        mask = "p.kind_mask" if "kind_mask" in self.passage_columns else "0 AS kind_mask"
        role = "p.role" if "role" in self.passage_columns else "'body' AS role"
        select = f"""SELECT p.rowid AS row_number, p.passage_id, p.lex, p.area_mask, p.kind, {mask}, {role}, d.year, d.doc_id,
                            d.gemeentecode, d.provincie, d.grootteklasse, d.g40, d.publisher
                     FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'"""
        if doc_ids is None:
            return self.db.execute(select + " ORDER BY p.rowid").fetchall()
        ids = sorted(doc_ids)
        rows: list[sqlite3.Row] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += self.db.execute(f"{select} AND d.doc_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return sorted(rows, key=lambda r: r["row_number"])

    def _build_lexical(self, generation: int | None = None) -> lexical.LexicalIndex:
        """BM25 over all complete passages, in one segment (no lock, not saved)."""
        # One read transaction: the generation, the log position and the rows come from the same snapshot.
        with self._read_snapshot():
            snapshot_generation = self.generation
            position = self._lexical_position() or 0
            rows = self._lexical_rows()
        generation = snapshot_generation if generation is None else min(generation, snapshot_generation)
        return lexical.LexicalIndex([self._lexical_segment(rows)], generation, log_position=position)

    @staticmethod
    def _lexical_segment(rows: Sequence[sqlite3.Row]) -> lexical.Segment:
        columns = {
            "area_mask": np.array([r["area_mask"] for r in rows], dtype=np.int32),
            "kind": np.array([KIND_CODES.get(r["kind"], 0) for r in rows], dtype=np.int8),
            "kind_mask": np.array([r["kind_mask"] or kind_mask([r["kind"]]) for r in rows], dtype=np.int8),
            "year": np.array([r["year"] or 0 for r in rows], dtype=np.int16),
            "g40": np.array([r["g40"] or 0 for r in rows], dtype=np.int8),
            "doc": np.array([r["doc_id"] for r in rows], dtype="U16"),
            "gemeentecode": np.array([r["gemeentecode"] or "" for r in rows], dtype="U8"),
            "provincie": np.array([r["provincie"] or "" for r in rows], dtype="U24"),
            "grootteklasse": np.array([r["grootteklasse"] or "" for r in rows], dtype="U10"),
            "publisher": np.array([r["publisher"] or "" for r in rows], dtype="U80"),
            "role": np.array([ROLE_CODES.get(r["role"] or "body", ROLE_CODES["body"]) for r in rows], dtype=np.int8),
        }
        return lexical.build_segment([r["passage_id"] for r in rows], [(r["lex"] or "").split() for r in rows], columns)

    @contextmanager
    def _read_snapshot(self) -> Iterator[None]:
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    # ---------------------------------------------------------------- sources
    # Where ingest read each PDF, so the app can show a source page; the app serves no other
    # files. A separate table: write_document's delete-and-insert of a document leaves it alone.
    SOURCES_SCHEMA = "CREATE TABLE IF NOT EXISTS sources (file TEXT PRIMARY KEY, path TEXT NOT NULL, recorded_at TEXT)"

    def record_source(self, file: str, path: Path) -> None:
        with self.transaction() as db:
            db.execute(self.SOURCES_SCHEMA)
            db.execute("INSERT OR REPLACE INTO sources(file, path, recorded_at) VALUES (?, ?, ?)", (file, str(Path(path).resolve()), now()))

    def source_path(self, file: str) -> Path | None:
        """The PDF a complete document was read from, if it is still there."""
        try:
            row = self.db.execute(
                "SELECT s.path FROM sources s JOIN documents d ON d.file = s.file WHERE s.file = ? AND d.status = 'complete'",
                (file,),
            ).fetchone()
        except sqlite3.OperationalError:  # an index from before the sources table
            return None
        path = Path(row["path"]) if row else None
        return path if path is not None and path.name == file and path.is_file() else None

    # ------------------------------------------------------------------ stats
    def stats(self) -> dict[str, Any]:
        docs = self.documents()
        by_area = {area: 0 for area in range(1, 11)}
        for row in self.db.execute(
            "SELECT p.area_mask FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'"
        ):
            for area in range(1, 11):
                if row[0] & (1 << area):
                    by_area[area] += 1
        kinds = dict(
            self.db.execute(
                "SELECT kind, COUNT(*) FROM passages p JOIN documents d USING (doc_id) WHERE d.status='complete' GROUP BY kind"
            ).fetchall()
        )
        return {
            "documents": len(docs),
            "passages": self.count_passages(),
            "vectors": self.count_vectors(),
            "gemeenten": len({d["gemeentecode"] for d in docs if d["gemeentecode"]}),
            "per_area": by_area,
            "per_kind": kinds,
            "embedder": self.get_meta("embedder") or self.embedder_name,
            "data_dir": str(self.settings.data_dir),
        }

    def close(self) -> None:
        """Close SQLite and, for a writer, give the index lock back."""
        self._end_writing()
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __del__(self) -> None:
        # A writer that was never closed must not keep other processes' ingests out.
        with contextlib.suppress(Exception):
            self._end_writing()

    def __exit__(self, *exc: object) -> None:
        self.close()


def doc_id_of(passage_id: str) -> str:
    """The document id a passage id starts with (``pipeline.segment.passage_id``)."""
    return passage_id.split(":", 1)[0]


def document_dict(meta: DocumentMeta) -> dict[str, Any]:
    return asdict(meta)
