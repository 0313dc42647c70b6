"""Extraction: a PDF file → a Document of Pages of Blocks, with the usual PDF damage repaired.

pdfplumber gives words with positions and fonts. On top of that this module
- drops running headers/footers and page numbers (lines in the page margins that repeat),
- reads two-column pages column by column,
- keeps tables as rows ("cel | cel | cel") instead of word soup,
- rejoins words hyphenated across line ends ("wijk-" + "teams" → "wijkteams"),
- marks headings (larger or bold short lines) so passages know their section,
- normalises ligatures and odd code points (NFKC),
- reports pages without a text layer (OCR is done elsewhere, see ``pipeline.ocr``).
"""

from __future__ import annotations

import math
import re
import signal
import statistics
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.records import Block, Page
from pipeline.reading_order import blocks_in_order


class ExtractionError(Exception):
    """A file that cannot be read as a PDF; the message is shown to the user."""


class CorruptPDFError(ExtractionError):
    """pdfplumber/pdfminer could not read the file's structure; PDFium may still read its text."""


class ExtractionTimeout(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt
    """Raised by ``watchdog`` inside pdfminer code.

    A BaseException on purpose: pdfminer and pdfplumber catch ``Exception`` in many places
    (pdfplumber wraps it in PdfminerException) and must not swallow the time-out.
    """


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Raise ExtractionTimeout in this block after ``seconds`` (0: no limit).

    Uses SIGALRM, so it works in the main thread only (elsewhere it does nothing) and stops
    Python code only: a hang inside C code (PDFium, zlib) is left to the worker-process
    time-out in ``pipeline.read``. reference-cycle.pdf (tests/pdf_zoo.py) loops forever in
    pure-Python pdfminer code and is stopped here.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise ExtractionTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


PAGES_PER_TIME_BUDGET = 100


def file_time_limit(total_s: float, pages: int) -> float:
    """The time a file may take: ``total_s`` per started 100 pages (0: no limit)."""
    if total_s <= 0:
        return math.inf
    return total_s * max(1, math.ceil(pages / PAGES_PER_TIME_BUDGET))


@dataclass
class TimeBudget:
    """Time bounds for one file, checked inside the extraction (see ``pipeline.read``).

    ``page_s`` bounds opening the page tree and reading each page (OCR gets four times as
    long); ``total_s`` bounds the whole file per started 100 pages. ``progress(done, total)``
    is called when the page count is known and after every page, so a supervising process can
    tell a slow file from a stuck one.
    """

    page_s: float = 0.0
    total_s: float = 0.0
    progress: Callable[[int, int], None] | None = None
    started: float = field(default_factory=time.monotonic)
    pages: int = 0

    @property
    def deadline(self) -> float:
        return self.started + file_time_limit(self.total_s, self.pages)

    def exceeded(self) -> bool:
        return time.monotonic() > self.deadline

    def beat(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.pages = total
        if self.progress is not None:
            self.progress(done, self.pages)


MARGIN_FRACTION = 0.09  # top/bottom share of the page where running headers/footers live
WATERMARK_MIN_SIZE = 100.0  # points; a glyph this large and not diagonal is still a stamp, not text
MIN_TEXT_CHARS = 25  # fewer visible characters than this: the page has no usable text layer
PAGE_NUMBER_RE = re.compile(
    r"^(?:(?:pagina|page|blz\.?|p\.)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:van|/|of)\s*\d{1,4})?$",
    re.IGNORECASE,
)
BULLET_RE = re.compile(r"^(?:[•▪●◦■□‣⁃·\-–*]|\d{1,2}[.)]|[a-z][.)])\s+")
NUMBERED_HEADING_RE = re.compile(r"^(?:hoofdstuk\s+)?\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+\S", re.IGNORECASE)
CID_RE = re.compile(r"\(cid:\d+\)")
# Line-end hyphen that belongs to the word, not a split: "jeugd- en gezinsteam".
KEEP_HYPHEN_NEXT = {"en", "of", "tot", "noch", "als"}


@dataclass(frozen=True)
class Line:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    bold: bool

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class RawPage:
    """One page before document-level clean-up: lines in reading order, tables apart."""

    number: int
    height: float
    lines: tuple[Line, ...]
    tables: tuple[tuple[float, str], ...]  # (top, rendered rows) per table
    char_count: int
    cid_count: int


def normalise_text(text: str) -> str:
    """NFKC (ligatures ﬁ → fi), soft hyphens out, non-breaking spaces to spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufffe", "-")  # PDFium: U+FFFE = hyphen at a line end
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _words_to_lines(words: Sequence[dict]) -> list[Line]:
    """Group words into lines by their vertical position."""
    ordered = sorted(words, key=lambda w: (round(w["top"]), w["x0"]))
    groups: list[list[dict]] = []
    for word in ordered:
        if groups and abs(groups[-1][0]["top"] - word["top"]) <= max(2.0, 0.35 * (word["bottom"] - word["top"])):
            groups[-1].append(word)
        else:
            groups.append([word])
    lines = []
    for group in groups:
        group.sort(key=lambda w: w["x0"])
        parts = [group[0]["text"]]
        for prev, word in zip(group, group[1:], strict=False):
            gap = word["x0"] - prev["x1"]
            parts.append(" " if gap > 0.5 else "")
            parts.append(word["text"])
        sizes = [w.get("size", 0.0) for w in group]
        fonts = [str(w.get("fontname", "")) for w in group]
        lines.append(
            Line(
                text=normalise_text("".join(parts)),
                top=min(w["top"] for w in group),
                bottom=max(w["bottom"] for w in group),
                x0=group[0]["x0"],
                x1=group[-1]["x1"],
                size=round(statistics.median(sizes), 1) if sizes else 0.0,
                bold=all(("bold" in f.lower() or "black" in f.lower() or "heavy" in f.lower()) for f in fonts),
            )
        )
    return [line for line in lines if line.text]


def _table_rows(table: object) -> str:
    rows = []
    for row in table.extract():  # type: ignore[attr-defined]
        cells = [normalise_text((cell or "").replace("\n", " ")) for cell in row]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _inside(word: dict, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    cx = (word["x0"] + word["x1"]) / 2
    cy = (word["top"] + word["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def _is_watermark(char: dict, usual_size: float) -> bool:
    """A glyph of a stamp or watermark ("CONCEPT" across the page): set diagonally, or huge (over
    four times the page's usual size and over ``WATERMARK_MIN_SIZE``: a 36 pt "Bijlage 1" above a
    table of 8 pt text is a heading).

    Such glyphs merge into the words they overlap and close the gutters between columns.
    Text turned a quarter (a sidebar set vertically) is not diagonal and stays.
    """
    a, b, c, d = (abs(v) for v in char.get("matrix", (1, 0, 0, 1))[:4])
    diagonal = min(a, b) > 0.2 * max(a, b, 1e-9) or min(c, d) > 0.2 * max(c, d, 1e-9)
    return diagonal or char.get("size", 0.0) > max(4 * usual_size, WATERMARK_MIN_SIZE)


def read_raw_page(page: object, number: int) -> RawPage:
    """One pdfplumber page → lines in reading order (columns resolved) and tables."""
    sizes = [c.get("size", 0.0) for c in page.chars[:5000]]  # type: ignore[attr-defined]
    if sizes:
        usual = statistics.median(sizes)
        marks = {id(c) for c in page.chars if _is_watermark(c, usual)}  # type: ignore[attr-defined]
        if marks:
            page = page.filter(lambda obj: id(obj) not in marks)  # type: ignore[attr-defined]
    words = page.extract_words(  # type: ignore[attr-defined]
        extra_attrs=["size", "fontname"], keep_blank_chars=False, use_text_flow=False, return_chars=True
    )
    chars = page.chars  # type: ignore[attr-defined]
    position = {id(c): i for i, c in enumerate(chars)}  # the content stream's drawing order
    stream = {id(w): min((position.get(id(c), 0) for c in w.pop("chars")), default=0) for w in words}
    visible = sum(1 for c in chars if not c.get("text", " ").isspace())
    cid_count = sum(1 for w in words if CID_RE.search(w["text"]))
    tables: list[tuple[float, str]] = []
    try:
        found = page.find_tables()  # type: ignore[attr-defined]
    except Exception:  # table finding is a refinement; a failure must not lose the page
        found = []
    for table in found:
        # A "table" of one row or one column is usually a box around text, not a table.
        rows = table.extract()
        if len(rows) < 2 or max((len(r) for r in rows), default=0) < 2:
            continue
        words = [w for w in words if not _inside(w, table.bbox)]
        rendered = _table_rows(table)
        if rendered:
            tables.append((table.bbox[1], rendered))
    width = float(page.width)  # type: ignore[attr-defined]
    height = float(page.height)  # type: ignore[attr-defined]
    lines = [line for block in blocks_in_order(words, width, stream) for line in _words_to_lines(block)]
    return RawPage(number, height, tuple(lines), tuple(tables), visible, cid_count)


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def strip_running_lines(pages: Sequence[RawPage]) -> list[RawPage]:
    """Drop page numbers and lines that repeat in the top/bottom margins of many pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        keys = {_margin_key(ln.text) for ln in page.lines if _in_margin(ln, page.height)}
        counts.update(keys)
    threshold = max(2, int(0.4 * len(pages) + 0.5))
    repeated = {key for key, n in counts.items() if n >= threshold} if len(pages) >= 3 else set()
    cleaned = []
    for page in pages:
        kept = tuple(
            ln
            for ln in page.lines
            if not (
                _in_margin(ln, page.height)
                and (_margin_key(ln.text) in repeated or PAGE_NUMBER_RE.match(ln.text))
            )
        )
        cleaned.append(replace(page, lines=kept))
    return cleaned


def _in_margin(line: Line, height: float) -> bool:
    return line.top < height * MARGIN_FRACTION or line.bottom > height * (1 - MARGIN_FRACTION)


def body_font_size(pages: Iterable[RawPage]) -> float:
    weights: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def is_heading(line: Line, body_size: float) -> bool:
    text = line.text
    if len(text) > 120 or len(text) < 2 or text.endswith((".", ",", ";", ":")) and not NUMBERED_HEADING_RE.match(text):
        return False
    if BULLET_RE.match(text) and not NUMBERED_HEADING_RE.match(text):
        return False
    if not any(c.isalpha() for c in text):
        return False
    if line.size >= body_size * 1.15:
        return True
    return line.bold and len(text.split()) <= 14


def join_lines(lines: Sequence[str]) -> str:
    """Join the lines of one paragraph, rejoining words hyphenated at line ends."""
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
            continue
        match = re.search(r"(\w)-$", text)
        next_word = line.split(" ", 1)[0]
        if match and next_word[:1].islower() and next_word.strip(".,;:").lower() not in KEEP_HYPHEN_NEXT:
            text = text[:-1] + line
        elif text.endswith("-") and next_word[:1].isupper():
            text = text + line  # "Noord-" + "Brabant": keep the hyphen, no space
        else:
            text = f"{text} {line}"
    return text


def build_blocks(page: RawPage, body_size: float) -> tuple[Block, ...]:
    """Lines → heading / paragraph / table blocks, in reading order."""
    blocks: list[tuple[float, Block]] = []
    paragraph: list[Line] = []
    gaps = [
        b.top - a.bottom
        for a, b in zip(page.lines, page.lines[1:], strict=False)
        if 0 <= b.top - a.bottom < 3 * max(a.height, 1)
    ]
    usual_gap = statistics.median(gaps) if gaps else 2.0

    def flush() -> None:
        if paragraph:
            blocks.append((paragraph[0].top, Block("paragraph", join_lines([ln.text for ln in paragraph]))))
            paragraph.clear()

    for line in page.lines:
        if is_heading(line, body_size):
            flush()
            if blocks and blocks[-1][1].kind == "heading" and line.top - page.lines[0].top >= 0:
                previous_top, previous = blocks[-1]
                # A heading wrapped over two lines.
                if 0 <= line.top - previous_top < 3 * line.height and not NUMBERED_HEADING_RE.match(line.text):
                    blocks[-1] = (previous_top, Block("heading", f"{previous.text} {line.text}"))
                    continue
            blocks.append((line.top, Block("heading", line.text)))
            continue
        if paragraph:
            last = paragraph[-1]
            gap = line.top - last.bottom
            new_column = line.top < last.top - 1
            if new_column or gap > max(usual_gap * 1.8, usual_gap + 3) or BULLET_RE.match(line.text):
                flush()
        paragraph.append(line)
    flush()
    # Tables go where they stand: before the first block (in reading order) below them.
    for table_top, rendered in sorted(page.tables):
        position = next((i for i, (top, _) in enumerate(blocks) if top > table_top), len(blocks))
        blocks.insert(position, (table_top, Block("table", rendered)))
    ordered = [block for _, block in blocks]
    return tuple(ordered)


MEMORY_MESSAGE = "te veel geheugen nodig (geheugenlimiet; memory limit)"


def _pdfminer_cause(error: BaseException) -> BaseException:
    """pdfplumber wraps every pdfminer error in PdfminerException(original): unwrap it."""
    for _ in range(5):
        if type(error).__name__ == "PdfminerException" and error.args and isinstance(error.args[0], BaseException):
            error = error.args[0]
        else:
            break
    return error


def _corrupt_message(cause: BaseException) -> str:
    name, text = type(cause).__name__, str(cause)
    if name == "PSEOF":
        detail = "het bestand houdt onverwacht op (afgebroken download of kopie?)"
    elif "No /Root object" in text:
        detail = "geen geldige PDF-structuur (geen /Root-object)"
    elif isinstance(cause, RecursionError):
        detail = "te diep geneste objecten"
    else:
        detail = f"{name}: {text}" if text else name
    return f"beschadigd (corrupt) PDF: {detail}"[:300]


def open_pdf(path: Path, password: str = "") -> Any:
    """Open with pdfplumber, turning its many failure modes into one ExtractionError.

    pdfplumber raises every pdfminer error wrapped in ``PdfminerException`` (the original is
    ``args[0]``), so a password-protected file has to be recognised by unwrapping it.
    """
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        return pdfplumber.open(path, password=password)
    except Exception as error:  # pdfminer raises a zoo of types for broken files
        cause = _pdfminer_cause(error)
        if isinstance(cause, PDFPasswordIncorrect):
            raise ExtractionError(
                "versleuteld (wachtwoord nodig; encrypted): vraag de uitgever om een versie zonder wachtwoord"
            ) from error
        if isinstance(cause, PDFEncryptionError):
            raise ExtractionError(f"versleuteld (encrypted) op een manier die niet gelezen kan worden: {cause}"[:300]) from error
        if isinstance(cause, MemoryError):
            raise ExtractionError(MEMORY_MESSAGE) from error
        raise CorruptPDFError(_corrupt_message(cause)) from error


def close_pdf(pdf: Any, pages_read: bool) -> None:
    """Close a pdfplumber PDF and its file, whatever state it is in.

    ``PDF.close()`` walks ``pdf.pages`` again: after the page tree failed it raises the same
    error again (deeply-nested.pdf) or hangs again (reference-cycle.pdf), and the file stays
    open. So it is only called when the pages were read; the stream is closed directly.
    """
    if pages_read:
        with suppress(Exception):
            pdf.close()
    stream = getattr(pdf, "stream", None)
    if stream is not None and not getattr(pdf, "stream_is_external", False):
        with suppress(Exception):
            stream.close()


def sniff(path: Path, max_file_mb: int) -> None:
    """Cheap checks before parsing: empty, too large, not a PDF at all."""
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("leeg bestand (empty, 0 bytes)")
    if size > max_file_mb * 1024 * 1024:
        raise ExtractionError(f"te groot (too large): {size / 1e6:.0f} MB > {max_file_mb} MB")
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        kind = "een zip/Office-bestand" if head.startswith(b"PK") else "HTML" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "onbekend"
        raise ExtractionError(f"geen PDF (not a pdf; inhoud lijkt {kind})")


def plain_text_blocks(text: str) -> tuple[Block, ...]:
    """Plain page text (PDFium, OCR) → paragraph blocks: blank lines separate paragraphs."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [normalise_text(line) for line in chunk.splitlines() if line.strip()]
        if lines:
            joined = join_lines(lines)
            if sum(c.isalpha() for c in joined) >= 3:
                blocks.append(Block("paragraph", joined))
    return tuple(blocks)


def _visible(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def extract_pages(
    path: Path, max_pages: int = 2000, max_file_mb: int = 200, budget: TimeBudget | None = None
) -> tuple[list[Page], list[str]]:
    """Read every page of a PDF into cleaned Pages; return them with warnings for the user.

    pdfplumber reads the layout. Where it fails, PDFium (pypdfium2) is asked for the plain text:
    for the whole file when pdfplumber cannot read its structure (``CorruptPDFError``), and for
    single pages where pdfplumber found no characters but PDFium does (a content stream that
    pdfminer silently drops, see huge-stream-claim.pdf in tests/pdf_zoo.py). Both are reported
    as warnings. Raises ExtractionError when nothing usable is left.
    """
    path = Path(path)
    budget = budget or TimeBudget()
    sniff(path, max_file_mb)
    warnings: list[str] = []
    out_of_memory: set[int] = set()
    try:
        raw_pages = _read_with_pdfplumber(path, max_pages, budget, warnings, out_of_memory)
    except CorruptPDFError as error:
        return _pdfium_document(path, max_pages, budget, error)
    recovered = _recover_empty_pages(path, raw_pages, budget, warnings, out_of_memory)
    return assemble_pages(raw_pages, warnings, recovered, out_of_memory), warnings


def _read_with_pdfplumber(
    path: Path, max_pages: int, budget: TimeBudget, warnings: list[str], out_of_memory: set[int]
) -> list[RawPage]:
    pdf: Any = None
    pages_read = False
    try:
        try:
            with watchdog(budget.page_s):
                pdf = open_pdf(path)
                plumber_pages = list(pdf.pages)
        except ExtractionTimeout:
            raise CorruptPDFError(
                f"beschadigd (corrupt) PDF: vastgelopen in de paginaboom (langer dan {budget.page_s:g} s; "
                "mogelijk een verwijzingslus)"
            ) from None
        except ExtractionError:
            raise
        except MemoryError as error:
            raise ExtractionError(MEMORY_MESSAGE) from error
        except Exception as error:  # RecursionError (deeply-nested.pdf) and whatever pdfminer raises
            raise CorruptPDFError(_corrupt_message(_pdfminer_cause(error))) from error
        pages_read = True
        if len(plumber_pages) == 0:
            raise ExtractionError("geen pagina's (no pages)")
        if len(plumber_pages) > max_pages:
            raise ExtractionError(f"te veel pagina's (too many pages): {len(plumber_pages)} > {max_pages}")
        budget.beat(0, len(plumber_pages))
        raw_pages: list[RawPage] = []
        for index, plumber_page in enumerate(plumber_pages, start=1):
            if budget.exceeded():
                rest = list(range(index, len(plumber_pages) + 1))
                warnings.append(
                    f"pagina {_ranges(rest)} niet gelezen: tijdslimiet voor dit bestand bereikt "
                    f"({file_time_limit(budget.total_s, budget.pages):.0f} s)"
                )
                raw_pages.extend(RawPage(number, 842.0, (), (), 0, 0) for number in rest)
                break
            try:
                with watchdog(budget.page_s):
                    raw_pages.append(read_raw_page(plumber_page, index))
            except (ExtractionTimeout, Exception) as error:  # one bad page must not lose the others
                cause = _pdfminer_cause(error)  # pdfplumber wraps even a MemoryError
                if isinstance(cause, ExtractionTimeout):
                    warnings.append(f"pagina {index} niet gelezen: duurde langer dan {budget.page_s:g} s")
                elif isinstance(cause, MemoryError):
                    warnings.append(f"pagina {index} niet gelezen: {MEMORY_MESSAGE}")
                    out_of_memory.add(index)
                else:
                    warnings.append(f"pagina {index} onleesbaar: {type(cause).__name__}")
                raw_pages.append(RawPage(index, 842.0, (), (), 0, 0))
            finally:
                with suppress(Exception):
                    plumber_page.close()
            budget.beat(index)
        return raw_pages
    finally:
        if pdf is not None:
            close_pdf(pdf, pages_read)


def pdfium_texts(
    path: Path, numbers: Sequence[int] | None, budget: TimeBudget, max_pages: int = 0
) -> tuple[int, dict[int, str]]:
    """PDFium's page count and plain text per page (1-based) for ``numbers`` (None: all).

    Pages PDFium cannot load are left out; with ``numbers`` None and more than ``max_pages``
    pages nothing is read. Raises whatever pypdfium2 raises for the document.
    """
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        count = len(document)
        if numbers is None:
            if count == 0 or (max_pages and count > max_pages):
                return count, {}
            budget.beat(0, count)
        wanted = range(1, count + 1) if numbers is None else [n for n in numbers if 1 <= n <= count]
        texts: dict[int, str] = {}
        for number in wanted:
            if budget.exceeded():
                break
            try:
                with watchdog(budget.page_s):
                    page = document[number - 1]
                    textpage = page.get_textpage()
                    texts[number] = textpage.get_text_range()
                    textpage.close()
                    page.close()
            except (ExtractionTimeout, Exception):
                continue
            if numbers is None:
                budget.beat(number)
        return count, texts
    finally:
        document.close()


def _pdfium_document(path: Path, max_pages: int, budget: TimeBudget, error: CorruptPDFError) -> tuple[list[Page], list[str]]:
    """The whole file read by PDFium after pdfplumber failed; re-raises ``error`` when that fails too."""
    try:
        count, texts = pdfium_texts(path, None, budget, max_pages)
    except Exception:  # PDFium cannot open it either
        raise error from None
    pages = []
    for number in range(1, count + 1):
        text = texts.get(number, "")
        blocks = plain_text_blocks(text) if _visible(text) >= MIN_TEXT_CHARS else ()
        pages.append(Page(number=number, blocks=blocks, has_text_layer=bool(blocks)))
    if not any(page.blocks for page in pages):
        raise error
    warnings = [f"{error}; de tekst is zonder opmaak gelezen met PDFium (geen koppen of tabellen)"]
    no_text = [page.number for page in pages if not page.has_text_layer]
    if no_text:
        warnings.append(f"geen tekstlaag (no text layer) op pagina {_ranges(no_text)}")
    return pages, warnings


def _recover_empty_pages(
    path: Path, raw_pages: Sequence[RawPage], budget: TimeBudget, warnings: list[str], out_of_memory: set[int]
) -> dict[int, tuple[Block, ...]]:
    """Text for pages where pdfplumber found no characters but PDFium does.

    Not for pages that ran out of memory: PDFium would need as much, and it aborts the process
    when an allocation fails (decompression-bomb.pdf).
    """
    empty = [
        raw.number for raw in raw_pages
        if raw.char_count < MIN_TEXT_CHARS and not raw.cid_count and raw.number not in out_of_memory
    ]
    if not empty:
        return {}
    try:
        count, texts = pdfium_texts(path, empty, budget)
    except Exception:
        return {}
    if count != len(raw_pages):  # the two readers disagree on the page tree: page numbers would not match
        return {}
    recovered = {
        number: blocks
        for number, text in texts.items()
        if _visible(text) >= MIN_TEXT_CHARS and (blocks := plain_text_blocks(text))
    }
    if recovered:
        warnings.append(
            f"pagina {_ranges(sorted(recovered))}: pdfplumber las geen tekst (beschadigde inhoud?); "
            "de tekst is zonder opmaak gelezen met PDFium"
        )
    return recovered


def assemble_pages(
    raw_pages: Sequence[RawPage],
    warnings: list[str],
    recovered: dict[int, tuple[Block, ...]] | None = None,
    out_of_memory: set[int] | frozenset[int] = frozenset(),
) -> list[Page]:
    """Document-level clean-up of raw pages into final Pages; appends to ``warnings``.

    ``recovered`` holds blocks read by PDFium for pages pdfplumber found empty. Pages in
    ``out_of_memory`` stay empty and are not offered to OCR (``has_text_layer`` stays True):
    rendering them would need the same memory, and PDFium aborts the process when it lacks it.
    """
    recovered = recovered or {}
    cleaned = strip_running_lines(raw_pages)
    body_size = body_font_size(cleaned)
    pages = []
    no_text = []
    for raw in cleaned:
        if raw.number in recovered:
            pages.append(Page(number=raw.number, blocks=recovered[raw.number], has_text_layer=True))
            continue
        if raw.number in out_of_memory:
            pages.append(Page(number=raw.number, blocks=(), has_text_layer=True))
            continue
        has_text = raw.char_count >= MIN_TEXT_CHARS
        unreadable = bool(raw.cid_count and raw.cid_count * 3 > max(1, sum(len(ln.text.split()) for ln in raw.lines)))
        if unreadable:
            warnings.append(f"pagina {raw.number}: tekst onleesbaar (unreadable font encoding)")
            has_text = False
        blocks = build_blocks(raw, body_size) if has_text else ()
        blocks = tuple(Block(b.kind, CID_RE.sub("", b.text).strip()) for b in blocks if CID_RE.sub("", b.text).strip())
        if not has_text and not unreadable:
            no_text.append(raw.number)
        pages.append(Page(number=raw.number, blocks=blocks, has_text_layer=has_text))
    if no_text:
        if len(no_text) == len(raw_pages):
            warnings.append("geen tekstlaag (no text layer): alle pagina's zijn beeld (scan)")
        else:
            warnings.append(f"geen tekstlaag (no text layer) op pagina {_ranges(no_text)}")
    return pages


def _ranges(numbers: Sequence[int]) -> str:
    parts = []
    start = prev = numbers[0]
    for n in list(numbers[1:]) + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
