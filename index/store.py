"""The index: one place for its schema and for keeping its three parts in step.

- SQLite (``wijkkennis.sqlite``, WAL) is the source of truth: documents and passages with their
  tags. A document is written as ``pending`` and flipped to ``complete`` only after its vectors
  are in Chroma; readers see complete documents only, so a document appears all at once or not
  at all, and ``recover()`` removes what a killed ingest left pending.
- Chroma (embedded PersistentClient, or a Chroma server) holds one vector per passage with the
  filterable metadata.
- BM25 (``index.lexical``) is rebuilt from SQLite and stamped with SQLite's generation counter,
  so a stale lexical index is noticed and rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index import lexical
from wijkkennis.config import Settings
from wijkkennis.records import DocumentMeta, TaggedPassage

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
    ingested_at TEXT
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER, page INTEGER, heading TEXT, text TEXT NOT NULL,
    areas TEXT, area_mask INTEGER DEFAULT 0, area_scores TEXT,
    kind TEXT, kind_score REAL, ocr INTEGER DEFAULT 0, lex TEXT
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, position);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

KIND_CODES = {"knelpunt": 1, "succesfactor": 2, "aanbeveling": 3, "beschrijving": 4}


class IndexMismatchError(RuntimeError):
    """The index was built with another embedder than the one configured."""


def area_mask(areas: Sequence[int]) -> int:
    mask = 0
    for area in areas:
        mask |= 1 << area
    return mask


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, settings: Settings, embedder_name: str | None = None) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(settings.database_path, timeout=60, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.embedder_name = embedder_name or settings.embedder
        stored = self.get_meta("embedder")
        if stored and stored != self.embedder_name and self.count_documents() > 0:
            raise IndexMismatchError(
                f"de index is gebouwd met embedder {stored!r}, ingesteld is {self.embedder_name!r}: "
                "draai `wijkkennis ingest --rebuild PAD…` of zet de embedder terug"
            )
        self._collection: Any = None
        self._lexical: lexical.LexicalIndex | None = None

    # ----------------------------------------------------------------- chroma
    @property
    def collection(self) -> Any:
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            if self.settings.chroma_host:
                client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings)
            else:
                path = self.settings.index_dir / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self._client = client
            self._collection = client.get_or_create_collection(
                COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        return self._collection

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

    def write_document(self, meta: DocumentMeta, tagged: Sequence[TaggedPassage], vectors: np.ndarray, warnings: Sequence[str] = ()) -> None:
        """Replace a document and its passages in all stores, atomically for readers."""
        if len(tagged) != len(vectors):
            raise ValueError("one vector per passage")
        with self.transaction() as db:
            self._set_meta("embedder", self.embedder_name)
            db.execute("DELETE FROM documents WHERE doc_id = ? OR file = ?", (meta.doc_id, meta.file))
            db.execute(
                """INSERT INTO documents(doc_id, file, sha256, title, gemeente, gemeentecode, provincie,
                   grootteklasse, g40, year, publisher, report_type, n_pages, n_passages, status, warnings, ingested_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?)""",
                (meta.doc_id, meta.file, meta.sha256, meta.title, meta.gemeente, meta.gemeentecode, meta.provincie,
                 meta.grootteklasse, int(meta.g40), meta.year, meta.publisher, meta.report_type, meta.n_pages,
                 len(tagged), json.dumps(list(warnings), ensure_ascii=False), now()),
            )
            db.executemany(
                """INSERT INTO passages(passage_id, doc_id, position, page, heading, text, areas, area_mask,
                   area_scores, kind, kind_score, ocr, lex) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                [
                    (t.passage.passage_id, meta.doc_id, t.passage.position, t.passage.page, t.passage.heading,
                     t.passage.text, json.dumps(list(t.areas)), area_mask(t.areas),
                     json.dumps({str(k): round(v, 4) for k, v in t.area_scores.items()}), t.kind, t.kind_score,
                     int(t.passage.ocr), " ".join(lexical.tokenize(f"{t.passage.heading} {t.passage.text}")))
                    for t in tagged
                ],
            )
        self._delete_vectors(meta.doc_id)
        self._add_vectors(meta, tagged, vectors)
        with self.transaction() as db:
            db.execute("UPDATE documents SET status = 'complete' WHERE doc_id = ?", (meta.doc_id,))
            self._set_meta("generation", str(self.generation + 1))

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
        }
        for area in range(1, 11):
            data[f"area_{area}"] = area in tagged.areas
        return data

    def _delete_vectors(self, doc_id: str) -> None:
        self.collection.delete(where={"doc_id": doc_id})

    def delete_document(self, doc_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE documents SET status = 'pending' WHERE doc_id = ?", (doc_id,))
        self._delete_vectors(doc_id)
        with self.transaction() as db:
            db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._set_meta("generation", str(self.generation + 1))

    def recover(self) -> list[str]:
        """Remove documents a killed ingest left half-written; return their file names."""
        pending = self.db.execute("SELECT doc_id, file FROM documents WHERE status = 'pending'").fetchall()
        for row in pending:
            self.delete_document(row["doc_id"])
        return [row["file"] for row in pending]

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
                record.pop("lex", None)
                result[record["passage_id"]] = record
        return result

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not passage_ids:
            return {}
        got = self.collection.get(ids=list(passage_ids), include=["embeddings"])
        return {pid: np.asarray(vec, dtype=np.float32) for pid, vec in zip(got["ids"], got["embeddings"], strict=False)}

    def count_passages(self) -> int:
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'"
            ).fetchone()[0]
        )

    def count_vectors(self) -> int:
        return int(self.collection.count())

    # ---------------------------------------------------------------- lexical
    @property
    def lexical_dir(self) -> Path:
        return self.settings.index_dir / "bm25"

    def lexical_index(self) -> lexical.LexicalIndex:
        """The BM25 index for the current generation: from memory, from disk, or rebuilt."""
        generation = self.generation
        if self._lexical is not None and self._lexical.generation == generation:
            return self._lexical
        loaded = lexical.load(self.lexical_dir)
        if loaded is None or loaded.generation != generation:
            loaded = self.rebuild_lexical(generation)
        self._lexical = loaded
        return loaded

    def rebuild_lexical(self, generation: int | None = None) -> lexical.LexicalIndex:
        generation = self.generation if generation is None else generation
        rows = self.db.execute(
            """SELECT p.passage_id, p.lex, p.area_mask, p.kind, d.year, d.doc_id, d.gemeentecode, d.provincie,
                      d.grootteklasse, d.g40, d.publisher
               FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'
               ORDER BY p.rowid"""
        ).fetchall()
        columns = {
            "area_mask": np.array([r["area_mask"] for r in rows], dtype=np.int32),
            "kind": np.array([KIND_CODES.get(r["kind"], 0) for r in rows], dtype=np.int8),
            "year": np.array([r["year"] or 0 for r in rows], dtype=np.int16),
            "g40": np.array([r["g40"] or 0 for r in rows], dtype=np.int8),
            "doc": np.array([r["doc_id"] for r in rows], dtype="U16"),
            "gemeentecode": np.array([r["gemeentecode"] or "" for r in rows], dtype="U8"),
            "provincie": np.array([r["provincie"] or "" for r in rows], dtype="U24"),
            "grootteklasse": np.array([r["grootteklasse"] or "" for r in rows], dtype="U10"),
            "publisher": np.array([r["publisher"] or "" for r in rows], dtype="U80"),
        }
        index = lexical.build([r["passage_id"] for r in rows], [(r["lex"] or "").split() for r in rows], columns, generation)
        with contextlib.suppress(OSError):  # a read-only reader still answers from memory
            lexical.save(index, self.lexical_dir)
        return index

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
        self.db.close()


def document_dict(meta: DocumentMeta) -> dict[str, Any]:
    return asdict(meta)
