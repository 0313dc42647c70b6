"""Per-page extraction cache: the extracted pages of a PDF, keyed by the PDF's content hash.

Extraction is the only stage that reads PDFs. Re-tagging or re-embedding an unchanged corpus
(``wijkkennis ingest --rebuild``, a new tagger or embedder) reuses the cached pages instead of
parsing the PDFs again. The cache lives under ``data_dir/cache/pages/<fingerprint>/<sha256>.json.gz``:

- the key is the SHA-256 of the PDF bytes, so a renamed or copied file hits and a changed one
  misses;
- the fingerprint covers everything else that decides what extraction returns — the source of
  ``pipeline/extract.py`` and ``pipeline/ocr.py``, ``pipeline.read.extract_document``, the
  pdfplumber/pdfminer versions and the OCR and page-limit settings — so a code or settings change
  starts a fresh folder instead of serving stale pages; only the few most recent fingerprint
  folders are kept;
- entries are gzipped JSON (no pickle: a cache file can never run code), written to a temporary
  name and renamed, so a killed ingest never leaves half an entry; an unreadable entry is a miss;
- failed extractions, and extractions with a skipped or failed OCR step or pages left unread
  (time or memory limit), are not cached (the next run may do better).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import inspect
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, TypeVar

from core.config import Settings
from core.records import Block, Page
from pipeline.read import extract_document
from pipeline.tag_versions import active_model_dir

FORMAT = 1
KEEP_FINGERPRINTS = 3
# Warnings that mean the extraction was incomplete and may come out better next time (OCR
# missing or failed, a page or the file out of time or memory).
UNCACHEABLE_WARNINGS = ("OCR overgeslagen", "OCR van pagina")
UNCACHEABLE_PARTS = ("niet gelezen", "tijdslimiet")

_Task = TypeVar("_Task", bound="HasPath")
Extracted = tuple[list[Page], list[str]]


class HasPath(Protocol):
    @property
    def path(self) -> Path: ...


def package_version(package: str) -> str:
    """The installed version of ``package``, or "-"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def extractor_fingerprint(settings: Settings) -> str:
    """A short hash of the code, library versions and settings that shape extracted pages."""
    digest = hashlib.sha256(f"format={FORMAT}".encode())
    here = Path(__file__).parent
    for name in ("extract.py", "reading_order.py", "ocr.py"):
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    with contextlib.suppress(OSError, TypeError):  # no source (frozen or stripped install)
        digest.update(inspect.getsource(extract_document).encode())
    for package in ("pdfplumber", "pdfminer.six", "pypdfium2", "pytesseract"):
        digest.update(f"{package}={package_version(package)}".encode())
    digest.update(f"ocr={settings.ocr};lang={settings.ocr_language};max_pages={settings.max_pages}".encode())
    return digest.hexdigest()[:16]


def pipeline_fingerprint(settings: Settings) -> str:
    """A short hash of everything that shapes a document's passages and tags: the extraction
    (``extractor_fingerprint``), page roles, segmentation and passage sizes, the tagger setting,
    the rule cues and, for the trained tagger, its model. The index keeps it per document, so documents read
    by an older version can be found and read again (``wijkkennis ingest --refresh``)."""
    digest = hashlib.sha256(extractor_fingerprint(settings).encode())
    here = Path(__file__).parent
    paths = [here / name for name in ("roles.py", "segment.py", "nlp.py", "tag_rules.py")]  # the rules are the trained tagger's cues too
    if settings.tagger.startswith("trained"):
        # The model in use for this data directory (a curator-trained version or the shipped one):
        # its training date and figures, so a new model is a new file.
        paths.append(active_model_dir(settings.data_dir) / "model.json")
    for path in paths:
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    digest.update(f"tagger={settings.tagger};min={settings.passage_min_chars};max={settings.passage_max_chars}".encode())
    return digest.hexdigest()[:16]


def _page_to_json(page: Page) -> dict[str, Any]:
    return {
        "number": page.number,
        "has_text_layer": page.has_text_layer,
        "ocr": page.ocr,
        "blocks": [[block.kind, block.text] for block in page.blocks],
    }


def _page_from_json(data: Mapping[str, Any]) -> Page:
    return Page(
        number=int(data["number"]),
        blocks=tuple(Block(kind, text) for kind, text in data["blocks"]),
        has_text_layer=bool(data["has_text_layer"]),
        ocr=bool(data["ocr"]),
    )


class PageCache:
    """Extracted pages per PDF content hash, for one extractor fingerprint."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = Path(root)
        self.fingerprint = fingerprint
        self.directory = self.root / fingerprint
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_settings(cls, settings: Settings) -> PageCache:
        return cls(settings.data_dir / "cache" / "pages", extractor_fingerprint(settings))

    def _file(self, sha256: str) -> Path:
        return self.directory / f"{sha256}.json.gz"

    def get(self, sha256: str) -> Extracted | None:
        """The cached (pages, warnings) of a PDF, or None."""
        path = self._file(sha256)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("format") != FORMAT or data.get("sha256") != sha256:
                raise ValueError("other format")
            result = [_page_from_json(page) for page in data["pages"]], [str(w) for w in data["warnings"]]
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            with contextlib.suppress(OSError):
                path.unlink()
            self.misses += 1
            return None
        self.hits += 1
        with contextlib.suppress(OSError):
            os.utime(self.directory)  # most recently used fingerprint (see _prune)
        return result

    def put(self, sha256: str, pages: list[Page], warnings: list[str]) -> bool:
        """Store a complete extraction; returns whether it was stored."""
        if not pages or any(w.startswith(UNCACHEABLE_WARNINGS) or any(p in w for p in UNCACHEABLE_PARTS) for w in warnings):
            return False
        data = {"format": FORMAT, "sha256": sha256, "pages": [_page_to_json(p) for p in pages], "warnings": list(warnings)}
        try:
            fresh = not self.directory.exists()
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json.gz")
            try:
                with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=5) as zipped:
                    zipped.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))
                os.replace(temporary, self._file(sha256))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            if fresh:
                self._prune()
        except OSError:  # a read-only or full disk: ingest goes on without caching
            return False
        return True

    def _prune(self) -> None:
        """Keep the most recently used fingerprint folders only."""
        folders = [p for p in self.root.iterdir() if p.is_dir() and p != self.directory]
        folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in folders[KEEP_FINGERPRINTS - 1 :]:
            shutil.rmtree(stale, ignore_errors=True)

    def size_bytes(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.directory.glob("*.json.gz"))


def cached_then_extracted(
    tasks: Iterable[_Task],
    shas: Mapping[Path, str],
    cache: PageCache | None,
    extract: Callable[[list[_Task]], Iterable[tuple[_Task, Extracted | None, str]]],
) -> Iterator[tuple[_Task, Extracted | None, str]]:
    """Yield (task, (pages, warnings) or None, error): cache hits first, then ``extract``'s results.

    Only the cache misses go to ``extract``; what it extracts successfully is cached.
    """
    misses: list[_Task] = []
    for task in tasks:
        hit = cache.get(shas[task.path]) if cache is not None else None
        if hit is None:
            misses.append(task)
        else:
            yield task, hit, ""
    if not misses:
        return
    results = iter(extract(misses))
    try:
        for task, result, error in results:
            if result is not None and cache is not None:
                cache.put(shas[task.path], *result)
            yield task, result, error
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the workers when the consumer stops early
