"""Reading PDFs into pages: one file per task, in worker processes with bounds on time and memory.

Extraction (the slow, fragile part) runs in worker processes with a time and memory bound per
file: a PDF that hangs, crashes or blows up its worker is reported and the caller goes on.
Bounds (see docs/reliability.md): ``worker_memory_mb`` is the worker's RLIMIT_AS (a MemoryError
is reported, a kill by the kernel is a crash, both respawn the worker); inside the worker a
SIGALRM watchdog stops opening the page tree and reading any single page after
``page_timeout_s``; the worker stops reading (and OCR) when the file's budget of
``extract_timeout_s`` per started 100 pages is spent and returns what it has, with a warning;
the supervising thread kills a worker that sent no progress for ``5 × page_timeout_s + 5`` s
(a hang in C code) or overran the file's budget. ``index.ingest`` drives this module; the
workers import only this module and what it needs (no spaCy, no index).
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import resource
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path

from core.config import Settings
from core.records import Page
from pipeline.extract import (
    ExtractionError,
    ExtractionTimeout,
    TimeBudget,
    extract_pages,
    file_time_limit,
    plain_text_blocks,
)


@dataclass(frozen=True)
class ExtractTask:
    path: Path
    max_pages: int
    max_file_mb: int
    ocr: bool
    ocr_language: str
    page_timeout_s: float = 0.0  # 0: no per-page watchdog
    total_timeout_s: float = 0.0  # per started 100 pages; 0: no budget inside the worker

    @classmethod
    def for_settings(cls, path: Path, settings: Settings) -> ExtractTask:
        return cls(path, settings.max_pages, settings.max_file_mb, settings.ocr, settings.ocr_language,
                   float(settings.page_timeout_s), float(settings.extract_timeout_s))


OCR_DISABLED = "OCR staat uit (instelling ocr = false)"


# ------------------------------------------------------------------ extraction (worker side)
def extract_document(
    task: ExtractTask, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Page], list[str]]:
    """Pages of one PDF, with OCR for pages without a text layer when Tesseract is there.

    OCR runs only on pages without a usable text layer; their passages are marked ``ocr``. Raises
    ExtractionError (with every warning in the message) when no page has text.
    """
    budget = TimeBudget(page_s=task.page_timeout_s, total_s=task.total_timeout_s, progress=progress)
    pages, warnings = extract_pages(task.path, max_pages=task.max_pages, max_file_mb=task.max_file_mb, budget=budget)
    missing = [page for page in pages if not page.has_text_layer]
    if missing and not task.ocr:
        warnings.append(OCR_DISABLED)
    elif missing:
        from pipeline.ocr import ocr_available, ocr_page

        available, why = ocr_available(task.ocr_language)
        if not available:
            # "OCR overgeslagen" first: pipeline.cache does not keep extractions that may improve.
            numbers = ", ".join(str(page.number) for page in missing[:20]) + (" …" if len(missing) > 20 else "")
            warnings[:] = [w for w in warnings if not w.startswith("geen tekstlaag")]
            warnings.append(f"OCR overgeslagen: geen tekstlaag (no text layer) op pagina {numbers}; {why}")
        else:
            done: list[int] = []
            ocr_timeout = 4 * task.page_timeout_s if task.page_timeout_s > 0 else 120.0
            for position, page in enumerate(missing):
                if budget.exceeded():
                    rest = ", ".join(str(p.number) for p in missing[position:])
                    warnings.append(f"OCR van pagina {rest} overgeslagen: tijdslimiet voor dit bestand bereikt")
                    break
                try:
                    result = ocr_page(task.path, page.number, task.ocr_language, timeout=ocr_timeout)
                except Exception as error:  # one bad page must not lose the others
                    warnings.append(f"OCR van pagina {page.number} mislukt: {type(error).__name__}: {error}"[:300])
                    continue
                finally:
                    budget.beat(page.number)
                if not result.usable:
                    if result.text.strip():
                        warnings.append(
                            f"OCR van pagina {page.number} onbetrouwbaar (zekerheid {result.confidence:.0f}%, "
                            f"{result.wordlike:.0%} herkenbare woorden): niet gebruikt"
                        )
                    continue
                blocks = plain_text_blocks(result.text)
                pages[page.number - 1] = replace(page, blocks=blocks, ocr=True)
                done.append(page.number)
            if done:
                warnings.append(f"OCR (Tesseract, {task.ocr_language}) toegepast op {len(done)} pagina('s) zonder tekstlaag")
                if len(done) == len(missing):
                    warnings[:] = [w for w in warnings if not w.startswith("geen tekstlaag")]
    if not any(page.blocks for page in pages):
        raise ExtractionError("; ".join(warnings) if warnings else "geen tekst gevonden")
    return pages, warnings


def _worker_main(connection: Connection, memory_mb: int) -> None:
    # pdfminer logs every oddity of a broken file; the outcome already says what matters.
    for name in ("pdfminer", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def progress(done: int, total: int) -> None:
        connection.send(("progress", (done, total)))

    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            connection.send(("ok", extract_document(task, progress)))
        except ExtractionError as error:
            connection.send(("error", str(error)))
        except MemoryError:
            connection.send(("error", "te veel geheugen nodig (geheugenlimiet; memory limit)"))
        except RecursionError:
            connection.send(("error", "beschadigd (corrupt) PDF: te diep geneste objecten"))
        except ExtractionTimeout:
            connection.send(("error", "duurde te lang (timeout)"))
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
        self.last_beat = 0.0
        self.pages = 0

    def give(self, task: ExtractTask) -> None:
        self.task, self.started, self.last_beat, self.pages = task, time.monotonic(), time.monotonic(), 0
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


def _exit_description(exitcode: int | None) -> str:
    """', afgebroken door SIGABRT: geheugenlimiet?' for a worker that died by a signal."""
    if exitcode is None or exitcode >= 0:
        return f", exitcode {exitcode}" if exitcode else ""
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        name = f"signaal {-exitcode}"
    hint = ": geheugenlimiet?" if name in ("SIGABRT", "SIGKILL", "SIGSEGV") else ""
    return f", {name}{hint}"


def stall_limit(page_timeout_s: float) -> float:
    """Seconds without progress after which a worker counts as stuck (inf: no page watchdog)."""
    return 5 * page_timeout_s + 5 if page_timeout_s > 0 else float("inf")


def extract_in_workers(
    tasks: Sequence[ExtractTask], workers: int, timeout_s: float, memory_mb: int, page_timeout_s: float = 0.0
) -> Iterator[tuple[ExtractTask, tuple[list[Page], list[str]] | None, str]]:
    """Yield (task, (pages, warnings) or None, error) as workers finish, in completion order.

    A worker is killed (and replaced) when its file overruns ``timeout_s`` per started 100 pages
    (plus a grace period for the worker to wrap up itself), or sends no progress for
    ``stall_limit(page_timeout_s)`` seconds.
    """
    context = multiprocessing.get_context("spawn")
    queue = list(tasks)[::-1]
    pool = [_Worker(context, memory_mb) for _ in range(max(1, min(workers, len(queue))))]
    stall = stall_limit(page_timeout_s)
    grace = page_timeout_s + 5 if page_timeout_s > 0 else 5.0
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
                        worker.process.join(timeout=2)
                        how = _exit_description(worker.process.exitcode)
                        worker.stop(force=True)
                        pool[index] = _Worker(context, memory_mb)
                        yield task, None, f"verwerking afgebroken (worker crashed{how}; te groot of beschadigd)"
                        continue
                    if status == "progress":
                        worker.last_beat, worker.pages = time.monotonic(), int(payload[1])
                        continue
                    worker.task = None
                    yield (task, payload, "") if status == "ok" else (task, None, payload)
                    continue
                now = time.monotonic()
                limit = file_time_limit(timeout_s, worker.pages)
                if now - worker.started > limit + grace:
                    reason = f"duurde te lang (timeout na {limit:.0f} s)"
                elif now - worker.last_beat > stall:
                    reason = f"duurde te lang: geen voortgang in {stall:.0f} s (vastgelopen; timeout)"
                else:
                    continue
                worker.stop(force=True)
                pool[index] = _Worker(context, memory_mb)
                yield task, None, reason
    finally:
        for worker in pool:
            worker.stop(force=worker.task is not None)
