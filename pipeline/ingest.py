"""Ingest: PDFs in, tagged and embedded passages in the index, one clear outcome per file.

Extraction (the slow, fragile part) runs in worker processes with a time and memory bound per
file: a PDF that hangs, crashes or blows up its worker is reported and the run goes on.
Segmentation, tagging, embedding and writing run in the main process, overlapping with the
workers' extraction. Each document is written atomically (see ``index.store``), so a killed run
leaves a consistent index and a re-run picks up where it stopped.
"""

from __future__ import annotations

import multiprocessing
import pickle
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path

from pipeline.extract import ExtractionError, extract_pages
from pipeline.metadata import build_metadata, file_sha256, read_manifest
from pipeline.segment import segment
from wijkkennis.config import Settings
from wijkkennis.records import Page


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


@dataclass(frozen=True)
class ExtractTask:
    path: Path
    max_pages: int
    max_file_mb: int
    ocr: bool
    ocr_language: str


# ------------------------------------------------------------------ extraction (worker side)
def extract_document(task: ExtractTask) -> tuple[list[Page], list[str]]:
    """Pages of one PDF, with OCR for image-only pages when Tesseract is there."""
    pages, warnings = extract_pages(task.path, max_pages=task.max_pages, max_file_mb=task.max_file_mb)
    missing = [page for page in pages if not page.has_text_layer]
    if missing and task.ocr:
        from pipeline.ocr import ocr_available, ocr_page, text_to_blocks

        available, why = ocr_available(task.ocr_language)
        if not available:
            warnings.append(f"OCR overgeslagen: {why}")
        else:
            done = []
            for page in missing:
                try:
                    blocks = text_to_blocks(ocr_page(task.path, page.number, task.ocr_language))
                except Exception as error:  # one bad page must not lose the others
                    warnings.append(f"OCR van pagina {page.number} mislukt: {error}")
                    continue
                pages[page.number - 1] = replace(page, blocks=blocks, ocr=True)
                done.append(page.number)
            if done:
                warnings.append(f"OCR toegepast op {len(done)} pagina('s) zonder tekstlaag")
                warnings[:] = [w for w in warnings if not w.startswith("geen tekstlaag") or len(done) < len(missing)]
    if not any(page.blocks for page in pages):
        raise ExtractionError(warnings[0] if warnings else "geen tekst gevonden")
    return pages, warnings


def _worker_main(connection: Connection, memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            connection.send(("ok", extract_document(task)))
        except ExtractionError as error:
            connection.send(("error", str(error)))
        except MemoryError:
            connection.send(("error", "te veel geheugen nodig (memory limit)"))
        except RecursionError:
            connection.send(("error", "beschadigd (corrupt) PDF: te diep geneste objecten"))
        except Exception as error:  # whatever pdfminer throws: report, never crash the run
            connection.send(("error", f"beschadigd (corrupt) PDF: {type(error).__name__}: {error}"[:300]))


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, memory_mb: int) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, memory_mb), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()
        self.task: ExtractTask | None = None
        self.started = 0.0

    def give(self, task: ExtractTask) -> None:
        self.task, self.started = task, time.monotonic()
        self.connection.send(task)

    def stop(self, force: bool = False) -> None:
        if force:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except (OSError, BrokenPipeError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def extract_in_workers(
    tasks: Sequence[ExtractTask], workers: int, timeout_s: float, memory_mb: int
) -> Iterator[tuple[ExtractTask, tuple[list[Page], list[str]] | None, str]]:
    """Yield (task, (pages, warnings) or None, error) as workers finish, in completion order."""
    context = multiprocessing.get_context("spawn")
    queue = list(tasks)[::-1]
    pool = [_Worker(context, memory_mb) for _ in range(max(1, min(workers, len(queue))))]
    try:
        while queue or any(w.task for w in pool):
            for worker in pool:
                if worker.task is None and queue:
                    worker.give(queue.pop())
            busy = [w for w in pool if w.task]
            ready = wait([w.connection for w in busy], timeout=0.5)
            for index, worker in enumerate(pool):
                task = worker.task
                if task is None:
                    continue
                if worker.connection in ready:
                    try:
                        status, payload = worker.connection.recv()
                    except (EOFError, OSError, pickle.UnpicklingError):
                        worker.stop(force=True)
                        pool[index] = _Worker(context, memory_mb)
                        yield task, None, "verwerking afgebroken (worker crashed; te groot of beschadigd)"
                        continue
                    worker.task = None
                    yield (task, payload, "") if status == "ok" else (task, None, payload)
                elif time.monotonic() - worker.started > timeout_s:
                    worker.stop(force=True)
                    pool[index] = _Worker(context, memory_mb)
                    yield task, None, f"duurde te lang (timeout na {timeout_s:.0f} s)"
    finally:
        for worker in pool:
            worker.stop(force=worker.task is not None)


# --------------------------------------------------------------------------- orchestration
def find_pdfs(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"bestaat niet: {path}")
    return found


ProgressCallback = Callable[[int, int, FileOutcome], None]


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
) -> list[FileOutcome]:
    """Ingest PDFs (files or folders) into the index and return one outcome per file."""
    from index.store import Store
    from pipeline.embed import load_embedder
    from pipeline.tag import load_tagger

    pdfs = find_pdfs(paths)
    store = Store(settings)
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
        if progress:
            progress(len(outcomes), len(pdfs), outcome)

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
            report(FileOutcome(pdf.name, "unchanged", pages=existing["n_pages"], passages=existing["n_passages"], path=str(pdf)))
            continue
        shas[pdf] = sha
        tasks.append(ExtractTask(pdf, settings.max_pages, settings.max_file_mb, settings.ocr, settings.ocr_language))

    if tasks:
        tagger = load_tagger(settings.tagger)
        embedder = load_embedder(settings.embedder, settings.query_prefix, settings.passage_prefix)
        started: dict[Path, float] = {task.path: time.monotonic() for task in tasks}
        for task, result, error in extract_in_workers(tasks, settings.worker_count, settings.extract_timeout_s, settings.worker_memory_mb):
            pdf = task.path
            if result is None:
                report(FileOutcome(pdf.name, "failed", error, path=str(pdf), seconds=time.monotonic() - started[pdf]))
                continue
            pages, warnings = result
            if pdf.parent not in manifests:
                manifests[pdf.parent] = read_manifest(pdf.parent)
            meta = build_metadata(pdf.name, shas[pdf], pages, manifests[pdf.parent].get(pdf.name))
            passages = segment(meta.doc_id, meta.file, pages, settings.passage_min_chars, settings.passage_max_chars)
            if not passages:
                report(FileOutcome(pdf.name, "failed", "geen tekst gevonden", warnings, len(pages), path=str(pdf)))
                continue
            tagged = tagger.tag(passages)
            vectors = embedder.embed_passages([f"{p.heading}\n{p.text}" if p.heading else p.text for p in passages])
            store.write_document(meta, tagged, vectors, warnings)
            status = "ok_with_warnings" if warnings else "ok"
            report(FileOutcome(pdf.name, status, "", warnings, len(pages), len(passages), time.monotonic() - started[pdf], str(pdf)))
    store.rebuild_lexical()
    store.close()
    order = {pdf.name: i for i, pdf in enumerate(pdfs)}
    return sorted(outcomes, key=lambda o: order.get(o.file, 0))
