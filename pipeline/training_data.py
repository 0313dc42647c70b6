"""Labelled passages for tagger training and evaluation, wherever their text lives.

A label line (JSON Lines, see ``training/README.md``) carries its text, or points to it in the
read-only ``shared/`` folder (``core.config.shared_dir``), the one copy of real report text:

- ``"text"``: the text itself (synthetic passages, the demo corpus of this repository);
- a **span**: ``{"corpus": "evaluaties", "file": "texts/x.txt", "start": 10, "end": 250}``, the
  characters of a plain text under ``shared/corpus/<corpus>/``; it may list its sentences,
  ``"sentences": [{"start", "end", "areas", "kind"}]`` (offsets in the same file), each a
  labelled unit of its own;
- a **passage**: ``{"corpus": "sociaal-domein", "file": "x.pdf", "page": 3}``, a passage of the
  project's own reading of that PDF (``pipeline.extract`` + ``pipeline.segment`` with the default
  passage sizes) on that page.

Pointer lines carry ``"sha1"`` (``core.gold.text_fingerprint``) of the text they were labelled
on. A line whose text is gone or changed (another extraction, an edited file) is skipped with a
warning, never silently relabelled; without ``shared/`` every pointer line is skipped and the
warning says so, so training and evaluation run on what is there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.config import shared_dir
from core.gold import GoldFormatError, fail, parse_lines, read_lines, text_fingerprint
from core.metrics import GoldPassage, GoldSentence, gold_passage

SENTENCE_SOURCE_SUFFIX = " (zinnen)"


class TextGone(GoldFormatError):
    """A pointer line whose text is missing from shared/ or no longer the text that was labelled."""


def _gone(line: int, message: str) -> TextGone:
    return TextGone(f"regel {line}: {message}")


@dataclass
class Labelled:
    """The passages of a label file (text resolved), their labelled sentences, and what was skipped."""

    passages: list[GoldPassage] = field(default_factory=list)
    sentences: list[GoldPassage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: Labelled) -> None:
        self.passages += other.passages
        self.sentences += other.sentences
        self.warnings += other.warnings

    def split(self, name: str | None) -> Labelled:
        """Only the units of one split ("train"/"dev"); units without a split count as both."""
        if name is None:
            return self
        keep = [p for p in self.passages if p.split in ("", name)]
        sentences = [s for s in self.sentences if s.split in ("", name)]
        return Labelled(keep, sentences, list(self.warnings))


def is_pointer(data: dict[str, Any]) -> bool:
    return "text" not in data and "corpus" in data


@lru_cache(maxsize=64)
def _plain_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=32)
def _pdf_passages(path: Path) -> dict[int, dict[str, str]]:
    """page → {fingerprint: text} of the project's own reading of a PDF: the pages ingest would
    get (page cache first, else ``extract_document``), segmented with the configured sizes."""
    from core.config import load_settings
    from pipeline.cache import PageCache, cached_then_extracted
    from pipeline.metadata import file_sha256
    from pipeline.read import ExtractTask, extract_document
    from pipeline.segment import segment

    settings = load_settings()
    task = ExtractTask.for_settings(path, settings)
    cache = PageCache.for_settings(settings) if settings.page_cache else None
    [(_, (pages, _warnings), _)] = cached_then_extracted(
        [task], {path: file_sha256(path)}, cache, lambda misses: [(t, extract_document(t), "") for t in misses]
    )
    by_page: dict[int, dict[str, str]] = {}
    for passage in segment("labels", path.name, pages, settings.passage_min_chars, settings.passage_max_chars):
        by_page.setdefault(passage.page, {})[text_fingerprint(passage.text)] = passage.text
    return by_page


def _pointer_text(number: int, data: dict[str, Any], shared: Path) -> str:
    """The labelled text a pointer line stands for; GoldFormatError (naming the line) when it is
    gone or changed."""
    corpus, file = data.get("corpus"), data.get("file")
    if not isinstance(corpus, str) or not isinstance(file, str) or "/" in corpus or ".." in Path(file).parts:
        raise fail(number, "'corpus' en 'file' moeten een map en een bestand in shared/corpus zijn")
    path = shared / "corpus" / corpus / file
    if not path.is_file():
        raise _gone(number, f"{corpus}/{file} ontbreekt in {shared}")
    wanted = data.get("sha1")
    if "start" in data:
        start, end = data.get("start"), data.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
            raise fail(number, "'start' en 'end' moeten tekenposities zijn (start < end)")
        text = _plain_text(path)[start:end]
        if not text.strip() or (wanted and text_fingerprint(text) != wanted):
            raise _gone(number, f"de tekst van {corpus}/{file} [{start}:{end}] is veranderd sinds het labelen")
        return text
    page = data.get("page")
    if not isinstance(page, int) or not isinstance(wanted, str):
        raise fail(number, "een passage-verwijzing heeft 'page' en 'sha1' nodig")
    text = _pdf_passages(path).get(page, {}).get(wanted)
    if text is None:
        raise _gone(number, f"geen passage met deze tekst meer op pagina {page} van {corpus}/{file} (extractie veranderd?)")
    return text


def pointer_text(data: dict[str, Any], shared: Path | None = None, number: int = 0) -> str:
    """The text a pointer line (span or passage) stands for, read from ``shared/``; TextGone when
    it is gone or changed, GoldFormatError when the line is malformed."""
    return _pointer_text(number, data, shared_dir() if shared is None else shared)


def _sentences(number: int, data: dict[str, Any], passage: GoldPassage, shared: Path) -> list[GoldPassage]:
    units = []
    text = _plain_text(shared / "corpus" / data["corpus"] / data["file"])
    for position, sentence in enumerate(data.get("sentences") or [], 1):
        if not isinstance(sentence, dict):
            raise fail(number, "elke zin in 'sentences' is een JSON-object")
        start, end = sentence.get("start"), sentence.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not data["start"] <= start < end <= data["end"]:
            raise fail(number, f"zin {position} ligt niet binnen de passage")
        unit = {**sentence, "id": f"{passage.id}-z{position}", "text": text[start:end],
                "source": passage.source + SENTENCE_SOURCE_SUFFIX, "split": passage.split}
        units.append(gold_passage(number, unit))
    return units


def parse_labelled(lines: Iterable[str], shared: Path | None = None, name: str = "") -> Labelled:
    """Label lines with their text resolved; a pointer whose text is not there is a warning."""
    shared = shared_dir() if shared is None else shared
    result = Labelled()
    missing_shared = 0
    for number, data in parse_lines(lines, lambda number, data: (number, data), "passages"):
        if not is_pointer(data):
            result.passages.append(gold_passage(number, data))
            continue
        if not shared.is_dir():
            missing_shared += 1
            continue
        try:
            passage = gold_passage(number, {**data, "text": _pointer_text(number, data, shared)})
        except TextGone as error:
            result.warnings.append(f"{name}{', ' if name else ''}{error}: overgeslagen")
            continue
        if data.get("sentences"):
            units = _sentences(number, data, passage, shared)
            offsets = [(s["start"] - data["start"], s["end"] - data["start"]) for s in data["sentences"]]
            passage = replace(passage, sentences=tuple(
                GoldSentence(start, end, unit.kind, unit.areas) for (start, end), unit in zip(offsets, units, strict=True)
            ))
            result.sentences += units
        result.passages.append(passage)
    if missing_shared:
        result.warnings.append(f"{name}: {missing_shared} regels verwijzen naar {shared}, dat ontbreekt: overgeslagen")
    return result


def load_labelled(paths: Path | Sequence[Path], shared: Path | None = None, split: str | None = None) -> Labelled:
    """Every unit of one or more label files (``split``: only "train" or "dev" units)."""
    result = Labelled()
    for path in [paths] if isinstance(paths, Path) else paths:
        try:
            result.extend(parse_labelled(read_lines(path), shared, Path(path).name))
        except GoldFormatError as error:
            raise GoldFormatError(f"{Path(path).name}, {error}") from error
    return result.split(split)


def author_labels(reports: Collection[str] | None = None, shared: Path | None = None) -> list[GoldPassage]:
    """The passages of ``shared/corpus/evaluaties/labels.jsonl``, labelled by the issue's author
    (the convention the held-out test is labelled by; ``training/GUIDELINES.md`` §5), as real
    text of their report: ids ``ev-<report>-a<NNN>``, source "evaluaties".

    ``reports``: only those of these reports (``texts/<report>.txt``, as the pointer lines name
    them); empty without ``shared/``."""
    path = (shared_dir() if shared is None else shared) / "corpus" / "evaluaties" / "labels.jsonl"
    if not path.is_file():
        return []
    passages = []
    for number, data in parse_lines(read_lines(path), lambda number, data: (number, data), "passages"):
        report = str(data.get("file", "")).removesuffix(".pdf")
        if reports is not None and f"texts/{report}.txt" not in reports:
            continue
        suffix = str(data.get("id", number)).rsplit("-", 1)[-1].lstrip("e")
        passages.append(gold_passage(number, {**data, "id": f"ev-{report}-a{suffix}", "source": "evaluaties"}))
    return passages
