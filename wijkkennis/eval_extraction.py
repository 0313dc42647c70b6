"""Extraction evaluation: does the text come out of a PDF in the order it was written?

A benchmark folder holds pairs: ``name.pdf`` with its known source text ``name.txt`` beside it
(or in a ``texts/`` folder beside the PDFs, as in ``../shared/corpus/evaluaties``). Each PDF is
read three ways — by the project (``pipeline.extract``), by PDFium's own text order and by
pdfminer's layout analysis — and each reading is scored against the source text:

- **word-bigram recall** (order-sensitive): the share of the source's consecutive word pairs
  that also occur in the reading. Interleaved columns or a sidebar read into the body break
  pairs at every line, so this is the figure that catches a wrong reading order.
- **word recall**: the share of the source's words that occur in the reading (lost text).

Both count with multiplicity (a pair that occurs three times in the source must occur three
times in the reading). Words are compared lower-cased, NFKC-normalised and without the
punctuation around them; a word hyphenated over a line end counts as found when the reading
rejoins it. Text the reading has and the source lacks (page numbers, running headers) costs
nothing: these are recall figures.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.extract import KEEP_HYPHEN_NEXT

READERS: tuple[str, ...] = ("project", "pdfium", "pdfminer")
WORD_RE = re.compile(r"[\w]+(?:[-'’][\w]+)*", re.UNICODE)
# A word broken over a line end ("kosten- beheersing"), not a suspended compound ("jeugd- en
# gezinsteam"): the words after which the extractor keeps the hyphen too.
HYPHEN_BREAK_RE = re.compile(rf"(\w)-\s+(?!(?:{'|'.join(sorted(KEEP_HYPHEN_NEXT))})\b)(?=[a-zà-ÿ])")


class ExtractionEvalError(RuntimeError):
    """The benchmark cannot run (no pairs in the folder)."""


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("\ufffe", "-").lower()  # PDFium marks a line-end hyphen U+FFFE
    text = HYPHEN_BREAK_RE.sub(r"\1", text)  # "kosten- beheersing" and "kostenbeheersing" are one word
    return WORD_RE.findall(text)


def bigrams(tokens: Sequence[str]) -> Counter[tuple[str, str]]:
    return Counter(zip(tokens, tokens[1:], strict=False))


def recall(source: Counter, reading: Counter) -> float:
    total = sum(source.values())
    if not total:
        return 1.0
    return sum(min(n, reading[key]) for key, n in source.items()) / total


def score(source_text: str, reading_text: str) -> tuple[float, float]:
    """(word-bigram recall, word recall) of ``reading_text`` against ``source_text``."""
    source_words, reading_words = words(source_text), words(reading_text)
    return (
        recall(bigrams(source_words), bigrams(reading_words)),
        recall(Counter(source_words), Counter(reading_words)),
    )


def find_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(pdf, source text) pairs: ``name.txt`` beside ``name.pdf`` or in ``texts/``."""
    pairs = []
    for pdf in sorted(Path(folder).glob("*.pdf")):
        for candidate in (pdf.with_suffix(".txt"), pdf.parent / "texts" / f"{pdf.stem}.txt"):
            if candidate.is_file():
                pairs.append((pdf, candidate))
                break
    return pairs


# ------------------------------------------------------------------ readers
def read_project(path: Path) -> str:
    from pipeline.extract import extract_pages

    pages, _ = extract_pages(path)
    return "\n\n".join(page.text for page in pages)


def read_pdfium(path: Path) -> str:
    from pipeline.extract import TimeBudget, pdfium_texts

    _, texts = pdfium_texts(path, None, TimeBudget())
    return "\n\n".join(texts[n] for n in sorted(texts))


def read_pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


READ: dict[str, Callable[[Path], str]] = {"project": read_project, "pdfium": read_pdfium, "pdfminer": read_pdfminer}


# ------------------------------------------------------------------ report
@dataclass
class DocScore:
    file: str
    layout: str
    scores: dict[str, tuple[float, float]]  # reader -> (bigram recall, word recall)
    errors: dict[str, str] = field(default_factory=dict)


def layout_of(pdf: Path) -> str:
    """The layout a benchmark file was made in: the part of its name before ``__``, else ``-``."""
    return pdf.stem.split("__", 1)[0] if "__" in pdf.stem else "-"


@dataclass
class ExtractionReport:
    docs: list[DocScore]
    readers: tuple[str, ...]

    def figures(self, reader: str, docs: Sequence[DocScore] | None = None) -> dict[str, Any]:
        rows = [d.scores[reader] for d in (self.docs if docs is None else docs) if reader in d.scores]
        if not rows:
            return {"bigram_recall": None, "word_recall": None, "worst_bigram_recall": None, "n": 0}
        return {
            "bigram_recall": round(statistics.fmean(r[0] for r in rows), 4),
            "word_recall": round(statistics.fmean(r[1] for r in rows), 4),
            "worst_bigram_recall": round(min(r[0] for r in rows), 4),
            "n": len(rows),
        }

    def layouts(self) -> list[str]:
        return sorted({d.layout for d in self.docs})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.figures("project"))
        for reader in self.readers:
            if reader != "project":
                out[reader] = self.figures(reader)
        out["per_layout"] = {
            layout: {reader: self.figures(reader, [d for d in self.docs if d.layout == layout]) for reader in self.readers}
            for layout in self.layouts()
        }
        out["worst"] = [
            {"file": d.file, "bigram_recall": round(d.scores["project"][0], 4)}
            for d in sorted((d for d in self.docs if "project" in d.scores), key=lambda d: d.scores["project"][0])[:5]
        ]
        out["errors"] = {d.file: d.errors for d in self.docs if d.errors}
        return out


def evaluate(
    folder: Path, readers: Sequence[str] = READERS, progress: Callable[[int, int], None] | None = None
) -> ExtractionReport:
    pairs = find_pairs(folder)
    if not pairs:
        raise ExtractionEvalError(
            f"geen paren PDF + brontekst in {folder} (verwacht: naam.pdf met naam.txt ernaast of in texts/)"
        )
    docs = []
    for i, (pdf, txt) in enumerate(pairs, start=1):
        source = txt.read_text(encoding="utf-8")
        doc = DocScore(pdf.name, layout_of(pdf), {})
        for reader in readers:
            try:
                doc.scores[reader] = score(source, READ[reader](pdf))
            except Exception as error:  # one unreadable file is reported, the benchmark goes on
                doc.errors[reader] = f"{type(error).__name__}: {error}"
        docs.append(doc)
        if progress:
            progress(i, len(pairs))
    return ExtractionReport(docs, tuple(readers))


def format_table(report: ExtractionReport) -> str:
    def cell(figures: dict[str, Any]) -> str:
        if not figures["n"]:
            return "–"
        return f"{figures['bigram_recall']:.3f} / {figures['worst_bigram_recall']:.3f} / {figures['word_recall']:.3f}"

    header = "| layout | n | " + " | ".join(report.readers) + " |"
    lines = [
        "word-bigram recall (mean / worst) / word recall",
        header,
        "|" + "---|" * (2 + len(report.readers)),
    ]
    for layout in report.layouts():
        docs = [d for d in report.docs if d.layout == layout]
        lines.append(f"| {layout} | {len(docs)} | " + " | ".join(cell(report.figures(r, docs)) for r in report.readers) + " |")
    lines.append(f"| **all** | {len(report.docs)} | " + " | ".join(cell(report.figures(r)) for r in report.readers) + " |")
    for doc in report.docs:
        for reader, error in doc.errors.items():
            lines.append(f"fout: {doc.file} ({reader}): {error}")
    return "\n".join(lines)
