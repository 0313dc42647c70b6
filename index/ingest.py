"""Ingest, the main job: PDFs in, tagged and embedded passages in the index, one clear outcome per file.

PDFs are read into pages by ``pipeline.read`` (worker processes with a time and memory bound per
file, see docs/reliability.md) or served from the page cache (``pipeline.cache``); a PDF that
hangs, crashes or blows up its worker is reported and the run goes on. Segmentation, tagging,
embedding and writing run in the main process, overlapping with the workers' extraction. Each
document is written atomically (see ``index.store``), so a killed run leaves a consistent index
and a re-run picks up where it stopped.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.config import Settings
from core.records import NON_FINDING_ROLES, Passage, TaggedPassage, Tagger
from index.store import BUSY_MESSAGE, IndexBusyError, Store
from pipeline.cache import PageCache, cached_then_extracted, pipeline_fingerprint
from pipeline.metadata import build_metadata, file_sha256, read_manifest
from pipeline.prefetch import in_background
from pipeline.read import ExtractTask, extract_in_workers


@dataclass
class FileOutcome:
    file: str
    status: str  # "ok" | "ok_with_warnings" | "unchanged" | "failed"
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    passages: int = 0
    seconds: float = 0.0
    path: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"


# --------------------------------------------------------------------------- orchestration
def _tagger_takes_vectors(tagger: object, embedder: object) -> bool:
    """Whether ``tagger.tag(passages, vectors=...)`` can reuse the search embedder's vectors."""
    if not getattr(tagger, "uses_vectors", False):
        return False
    from pipeline.tag_model import vectors_compatible

    return vectors_compatible(str(getattr(embedder, "name", "")))


def tag_findings(tagger: Tagger, passages: Sequence[Passage], vectors: np.ndarray, hand_over_vectors: bool) -> list[TaggedPassage]:
    """Tag the passages that can hold findings; a title page, colofon, table of contents or
    reference list (``NON_FINDING_ROLES``) gets no areas, kind beschrijving and no sentence kinds,
    and costs the tagger nothing."""
    wanted = [i for i, p in enumerate(passages) if p.role not in NON_FINDING_ROLES]
    chosen = [passages[i] for i in wanted]
    if not chosen:
        found: list[TaggedPassage] = []
    elif hand_over_vectors:
        # The trained tagger's e5 block takes the vectors just computed: embedding is most of
        # ingest's time, and without them the tagger would embed every passage a second time.
        found = tagger.tag(chosen, vectors=vectors[wanted])  # type: ignore[call-arg]
    else:
        found = tagger.tag(chosen)
    tagged = [TaggedPassage(p) for p in passages]
    for i, result in zip(wanted, found, strict=True):
        tagged[i] = result
    return tagged


def find_pdfs(paths: Sequence[Path], rejected: list[tuple[Path, str]] | None = None) -> list[Path]:
    """The PDFs to read: named files, and ``*.pdf`` in named folders (recursively).

    Nothing outside the named paths is read: links to folders are not followed, and a ``.pdf``
    link inside a folder that points outside it is left out (listed in ``rejected`` with the
    reason). Named paths must be regular files or folders (a FIFO would block the run).
    """
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            root = path.resolve()
            for folder, subfolders, files in os.walk(path, followlinks=False):
                subfolders.sort()
                for name in sorted(files):
                    candidate = Path(folder) / name
                    if candidate.suffix.lower() != ".pdf":
                        continue
                    target = candidate.resolve()
                    if not target.is_relative_to(root):
                        if rejected is not None:
                            rejected.append((candidate, f"overgeslagen: verwijst naar een bestand buiten {path} ({target})"))
                        continue
                    if target.is_file():
                        found.append(candidate)
        elif path.is_file():
            found.append(path)
        elif path.exists():
            raise FileNotFoundError(f"geen gewoon bestand of map: {path}")
        else:
            raise FileNotFoundError(f"bestaat niet: {path}")
    return found


ProgressCallback = Callable[[int, int, FileOutcome], None]


_ACTIVE: set[str] = set()  # data dirs this process is ingesting into
_ACTIVE_MUTEX = threading.Lock()
OLDER_PIPELINE = "gelezen met een oudere versie van extractie, paginarollen of tagger"


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    refresh: bool = False,
) -> list[FileOutcome]:
    """Ingest PDFs (files or folders) into the index and return one outcome per file.

    A file already in the index with the same content is skipped ("unchanged"); when it was read
    by an older pipeline (extraction, page roles, segmentation, tagger model: ``pipeline.cache.
    pipeline_fingerprint``) its outcome says so, and ``refresh`` reads it again.

    One ingest per index at a time, across processes: raises ``index.store.IndexBusyError``
    (Dutch message) when another one holds the index. Each document is written atomically and
    a killed run is cleaned up by the next one (``Store.recover``), which then does the rest.
    """
    key = str(Path(settings.data_dir).resolve())
    with _ACTIVE_MUTEX:
        if key in _ACTIVE:
            raise IndexBusyError(BUSY_MESSAGE)
        _ACTIVE.add(key)
    try:
        with Store(settings, rebuild=rebuild) as store:
            store.begin_writing()
            return _ingest(store, paths, settings, rebuild, progress, refresh)
    finally:
        with _ACTIVE_MUTEX:
            _ACTIVE.discard(key)


def _ingest(
    store: Store, paths: Sequence[Path], settings: Settings, rebuild: bool, progress: ProgressCallback | None,
    refresh: bool = False,
) -> list[FileOutcome]:
    # Imported here, not at the top: spaCy and the models load only when a run has work to do.
    from pipeline.embed import embedding_text, load_embedder
    from pipeline.roles import assign_roles
    from pipeline.segment import segment
    from pipeline.tag import load_tagger

    rejected: list[tuple[Path, str]] = []
    pdfs = find_pdfs(paths, rejected)
    pipeline = pipeline_fingerprint(settings)
    store.recover()
    if rebuild:
        for row in store.db.execute("SELECT doc_id FROM documents").fetchall():
            store.delete_document(row["doc_id"])
    outcomes: list[FileOutcome] = []
    tasks: list[ExtractTask] = []
    shas: dict[Path, str] = {}
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    seen_names: dict[str, Path] = {}

    def report(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if not outcome.failed and outcome.path:  # the app shows source pages from this path
            store.record_source(outcome.file, Path(outcome.path))
        if progress:
            progress(len(outcomes), len(pdfs), outcome)

    for pdf, reason in rejected:
        outcomes.append(FileOutcome(pdf.name, "failed", reason, path=str(pdf)))
    for pdf in pdfs:
        if pdf.name in seen_names:
            report(FileOutcome(pdf.name, "failed", f"dubbele bestandsnaam; ook in {seen_names[pdf.name].parent}", path=str(pdf)))
            continue
        seen_names[pdf.name] = pdf
        try:
            sha = file_sha256(pdf)
        except OSError as error:
            report(FileOutcome(pdf.name, "failed", f"onleesbaar: {error}", path=str(pdf)))
            continue
        existing = store.document_by_file(pdf.name)
        if existing is not None and existing["sha256"] == sha and existing["status"] == "complete":
            older = existing["pipeline"] != pipeline  # the column exists: ingest opened the index writable
            if not (older and refresh):
                notes = [OLDER_PIPELINE] if older else []
                report(FileOutcome(pdf.name, "unchanged", "", notes, existing["n_pages"], existing["n_passages"], path=str(pdf)))
                continue
        shas[pdf] = sha
        tasks.append(ExtractTask.for_settings(pdf, settings))

    if tasks:
        tagger = load_tagger(settings.tagger, data_dir=settings.data_dir)
        embedder = load_embedder(settings.embedder, settings.query_prefix, settings.passage_prefix, settings.embed_device)
        started: dict[Path, float] = {task.path: time.monotonic() for task in tasks}
        # Pages come from the page cache (by PDF hash) or from the workers; a background thread
        # keeps the workers busy while this thread segments, tags, embeds and writes.
        cache = PageCache.for_settings(settings) if settings.page_cache else None
        hand_over_vectors = _tagger_takes_vectors(tagger, embedder)
        extracted = cached_then_extracted(
            tasks, shas, cache,
            lambda misses: extract_in_workers(
                misses, settings.worker_count, settings.extract_timeout_s, settings.worker_memory_mb, settings.page_timeout_s
            ),
        )
        for task, result, error in in_background(extracted, maxsize=2 * settings.worker_count, name="extract"):
            pdf = task.path
            if result is None:
                report(FileOutcome(pdf.name, "failed", error, path=str(pdf), seconds=time.monotonic() - started[pdf]))
                continue
            pages, warnings = result
            if pdf.parent not in manifests:
                manifests[pdf.parent] = read_manifest(pdf.parent)
            meta = build_metadata(pdf.name, shas[pdf], pages, manifests[pdf.parent].get(pdf.name))
            pages = assign_roles(pages)  # cover, colofon, inhoud, samenvatting, body, bijlage, literatuur
            passages = segment(meta.doc_id, meta.file, pages, settings.passage_min_chars, settings.passage_max_chars)
            if not passages:
                report(FileOutcome(pdf.name, "failed", "geen tekst gevonden", warnings, len(pages), path=str(pdf)))
                continue
            vectors = embedder.embed_passages([embedding_text(p) for p in passages])
            tagged = tag_findings(tagger, passages, vectors, hand_over_vectors)
            store.write_document(meta, tagged, vectors, warnings, pipeline)
            status = "ok_with_warnings" if warnings else "ok"
            report(FileOutcome(pdf.name, status, "", warnings, len(pages), len(passages), time.monotonic() - started[pdf], str(pdf)))
    store.lexical_index()  # persist BM25 for this generation; loaded, not rebuilt, when nothing changed
    order = {pdf.name: i for i, pdf in enumerate(pdfs)}
    return sorted(outcomes, key=lambda o: order.get(o.file, 0))
