"""Themes of the index: findings read from the store, their vectors, and the themes cached per
index generation (``data_dir/themes/``), so the app opens them without computing.

- ``collect_findings`` turns the complete passages of the index into findings: runs of
  consecutive sentences of one finding kind (knelpunt, succesfactor, aanbeveling), or the whole
  passage when the tagger gave no sentence kinds; pages that hold no findings (cover, colofon,
  inhoud, literatuur) are skipped.
- ``FindingVectors`` embeds findings once: vectors are kept in SQLite by embedder and text hash.
- every finding's kind (one of the three finding kinds) and area probabilities are read from its
  own text by the trained tagger (``pipeline.themes.annotate``), as ``wijkkennis eval themes``
  does for gold texts.
- ``load_themes`` returns the themes of the current generation from the cache, computing them
  when missing (``refresh_in_background`` does that in a daemon thread, one at a time per data
  directory, for the app after an ingest).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from core.config import Settings
from core.records import NON_FINDING_ROLES
from index.store import Store
from pipeline.embed import Embedder
from pipeline.themes import (
    DEFAULT_PARAMS,
    FINDING_KINDS,
    METHOD_VERSION,
    Finding,
    Theme,
    ThemeParams,
    annotate,
    finding_key,
    group_findings,
    without_lead_in,
)

MAX_FINDING_CHARS = 600  # a run of same-kind sentences is cut into findings of at most this length


@dataclass
class ThemeSet:
    """All themes of one index generation, and the findings they are made of."""

    generation: int
    embedder: str
    method: str
    computed_at: str
    seconds: float
    themes: list[Theme]
    findings: dict[str, Finding]
    unthemed: list[str]

    def to_json(self) -> str:
        return json.dumps({
            "generation": self.generation, "embedder": self.embedder, "method": self.method,
            "computed_at": self.computed_at, "seconds": self.seconds,
            "themes": [t.to_dict() for t in self.themes],
            "findings": [asdict(f) for f in self.findings.values()],
            "unthemed": self.unthemed,
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ThemeSet:
        data = json.loads(text)
        findings = [Finding(**{**f, "areas": tuple(f["areas"])}) for f in data["findings"]]
        return cls(data["generation"], data["embedder"], data["method"], data["computed_at"], data["seconds"],
                   [Theme.from_dict(t) for t in data["themes"]], {f.finding_id: f for f in findings}, data["unthemed"])


def _runs(text: str, sentence_kinds: Sequence[Sequence[Any]]) -> Iterator[tuple[str, str]]:
    """(kind, text) of every run of consecutive sentences of one finding kind."""
    run_kind, start, end = "", 0, 0
    for s_start, s_end, kind, *_ in list(sentence_kinds) + [[len(text), len(text), "", 0]]:
        extends = kind == run_kind and s_end - start <= MAX_FINDING_CHARS
        if run_kind and not extends:
            yield run_kind, text[start:end].strip()
            run_kind = ""
        if kind in FINDING_KINDS and not extends:
            run_kind, start = kind, s_start
        end = s_end


def collect_findings(store: Store) -> list[Finding]:
    """Every finding of the complete documents, in document and passage order."""
    rows = store.db.execute(
        """SELECT p.passage_id, p.doc_id, p.page, p.text, p.kind, p.areas, p.sentence_kinds, p.role,
                  d.file, d.title, d.gemeente, d.year, d.provincie, d.grootteklasse
           FROM passages p JOIN documents d USING (doc_id)
           WHERE d.status = 'complete' ORDER BY d.file, p.position"""
    ).fetchall()
    findings: list[Finding] = []
    seen: set[str] = set()
    for row in rows:
        if row["role"] in NON_FINDING_ROLES:
            continue
        sentence_kinds = json.loads(row["sentence_kinds"] or "[]")
        runs = list(_runs(row["text"], sentence_kinds)) if sentence_kinds else (
            [(row["kind"], row["text"].strip())] if row["kind"] in FINDING_KINDS else [])
        for kind, run in runs:
            text = without_lead_in(run)
            key = finding_key(text, row["doc_id"])
            if len(text) < 25 or key in seen:
                continue
            seen.add(key)
            findings.append(Finding(
                finding_id=key, text=text, kind=kind, areas=tuple(json.loads(row["areas"] or "[]")),
                passage_id=row["passage_id"], doc_id=row["doc_id"], file=row["file"], page=row["page"],
                title=row["title"] or "", gemeente=row["gemeente"] or "", year=row["year"],
                provincie=row["provincie"] or "", grootteklasse=row["grootteklasse"] or "", role=row["role"] or "body",
            ))
    return findings


class FindingVectors:
    """Finding vectors by embedder and text hash, in ``data_dir/themes/vectors.sqlite``: a
    finding is embedded once, however often themes are recomputed."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path, self.embedder = path, embedder
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (embedder TEXT, hash TEXT, vector BLOB, PRIMARY KEY (embedder, hash))")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=60)) as db, db:
            yield db

    @staticmethod
    def _hash(text: str) -> str:
        return hashlib.sha1(text.encode()).hexdigest()

    def vectors(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None, batch: int = 64) -> np.ndarray:
        hashes = [self._hash(t) for t in texts]
        known: dict[str, np.ndarray] = {}
        with self._connect() as db:
            for start in range(0, len(hashes), 500):
                chunk = hashes[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in db.execute(f"SELECT hash, vector FROM vectors WHERE embedder = ? AND hash IN ({marks})",
                                            [self.embedder.name, *chunk]):
                    known[key] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted({h: t for h, t in zip(hashes, texts, strict=True) if h not in known}.items())
        for start in range(0, len(missing), batch):
            part = missing[start : start + batch]
            embedded = self.embedder.embed_passages([t for _, t in part])
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                               [(self.embedder.name, h, v.astype(np.float32).tobytes()) for (h, _), v in zip(part, embedded, strict=True)])
            known.update({h: np.asarray(v, dtype=np.float32) for (h, _), v in zip(part, embedded, strict=True)})
            if progress:
                progress(min(start + batch, len(missing)), len(missing))
        return np.stack([known[h] for h in hashes]) if hashes else np.zeros((0, self.embedder.dimension), np.float32)


def themes_dir(settings: Settings) -> Path:
    return settings.data_dir / "themes"


def _cache_file(settings: Settings, generation: int) -> Path:
    return themes_dir(settings) / f"themes-g{generation}.json"


def compute_themes(settings: Settings, store: Store | None = None, embedder: Embedder | None = None,
                   params: ThemeParams = DEFAULT_PARAMS, progress: Callable[[int, int], None] | None = None) -> ThemeSet:
    """Compute (and cache) the themes of the index's current generation."""
    from pipeline.embed import load_embedder  # model code only where themes are computed: the app's
    from pipeline.tag import load_tagger  # pages read the cache without loading spaCy or models
    from pipeline.tag_model import vectors_compatible

    own = store is None
    store = store or Store(settings)
    folder = themes_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    lock = open(folder / "compute.lock", "w")  # noqa: SIM115 - held until the computation ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one computation per data directory at a time (ingest's, the app's)
        started = time.perf_counter()
        generation = store.generation
        embedder = embedder or load_embedder(settings.embedder)
        findings = collect_findings(store)
        vectors = FindingVectors(themes_dir(settings) / "vectors.sqlite", embedder).vectors([f.text for f in findings], progress)
        findings = annotate(findings, load_tagger(settings.tagger), vectors if vectors_compatible(embedder.name) else None)
        themes, unthemed = group_findings(findings, vectors, params)
        result = ThemeSet(generation, embedder.name, METHOD_VERSION, time.strftime("%Y-%m-%dT%H:%M:%S"),
                          round(time.perf_counter() - started, 2), themes, {f.finding_id: f for f in findings}, unthemed)
        path = _cache_file(settings, generation)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(result.to_json(), encoding="utf-8")
        os.replace(tmp, path)  # readers see the whole file or none
        for old in themes_dir(settings).glob("themes-g*.json"):
            if old != path:
                old.unlink(missing_ok=True)
        return result
    finally:
        lock.close()  # releases the lock
        if own:
            store.close()


def cached_themes(settings: Settings, generation: int | None = None) -> ThemeSet | None:
    """The cached themes of ``generation`` (None: the newest cached one), if any and current."""
    folder = themes_dir(settings)
    if generation is not None:
        candidates = [_cache_file(settings, generation)]
    else:
        candidates = sorted(folder.glob("themes-g*.json"), key=lambda p: int(p.stem.split("-g")[1]), reverse=True)
    for path in candidates:
        try:
            result = _read_cache(path, path.stat().st_mtime_ns)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if result.method == METHOD_VERSION:
            return result
    return None


@lru_cache(maxsize=4)
def _read_cache(path: Path, mtime_ns: int) -> ThemeSet:
    """A theme cache file, parsed once per version of the file (the app reads it on every view)."""
    return ThemeSet.from_json(path.read_text(encoding="utf-8"))


def load_themes(settings: Settings, store: Store | None = None) -> ThemeSet:
    """The themes of the current generation: from the cache, else computed now."""
    own = store is None
    store = store or Store(settings)
    try:
        return cached_themes(settings, store.generation) or compute_themes(settings, store)
    finally:
        if own:
            store.close()


ERROR_FILE = "last-error.json"
_running: dict[Path, threading.Thread] = {}


def _generation(settings: Settings) -> int:
    with Store(settings) as store:
        return store.generation


def last_error(settings: Settings) -> dict[str, Any] | None:
    """The last failed background computation: {"generation", "error"}, if any."""
    try:
        return json.loads((themes_dir(settings) / ERROR_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def failed_generation(settings: Settings) -> int | None:
    error = last_error(settings)
    return int(error["generation"]) if error else None
_lock = threading.Lock()


def refresh_in_background(settings: Settings, generation: int | None = None) -> bool:
    """Start computing the current generation's themes (``generation``, when the caller has the
    index open already) in a daemon thread unless one already runs for this data directory; True
    when one was started."""
    key = settings.data_dir.resolve()
    with _lock:
        running = _running.get(key)
        if running is not None and running.is_alive():
            return False

        generation = _generation(settings) if generation is None else generation
        if failed_generation(settings) == generation:
            return False  # it failed for this generation: shown by the page, not retried on every view

        def work() -> None:
            try:
                compute_themes(settings)
                (themes_dir(settings) / ERROR_FILE).unlink(missing_ok=True)
            except Exception as error:  # noqa: BLE001 - a background refresh reports, never crashes the app
                themes_dir(settings).mkdir(parents=True, exist_ok=True)
                (themes_dir(settings) / ERROR_FILE).write_text(
                    json.dumps({"generation": generation, "error": f"{type(error).__name__}: {error}"}), encoding="utf-8")

        thread = threading.Thread(target=work, name="wijkkennis-themes", daemon=True)
        _running[key] = thread
        thread.start()
        return True


def is_refreshing(settings: Settings) -> bool:
    thread = _running.get(settings.data_dir.resolve())
    return thread is not None and thread.is_alive()
