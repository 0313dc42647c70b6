"""OCR for pages without a text layer: render with pypdfium2, read with Tesseract (Dutch).

Optional: when the ``tesseract`` program or its Dutch data is missing, ``ocr_available`` says
why and the ingest reports such pages on the file's outcome ("geen tekstlaag; OCR niet
beschikbaar (installeer tesseract-ocr en tesseract-ocr-nld)"). Only pages without a usable text
layer are OCR'd; passages from them carry ``ocr=True`` through segment, SQLite and Chroma.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

INSTALL_HINT = "installeer tesseract-ocr en tesseract-ocr-nld"


@cache
def ocr_available(language: str = "nld") -> tuple[bool, str]:
    """(available, reason) for OCR in ``language``; the reason is a Dutch user message."""
    binary = shutil.which("tesseract")
    if not binary:
        return False, f"OCR niet beschikbaar ({INSTALL_HINT})"
    try:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return False, f"OCR niet beschikbaar: Tesseract werkt niet ({error}; {INSTALL_HINT})"
    if language not in listed.split():
        return False, f"OCR niet beschikbaar: Tesseract mist de taal {language!r} (installeer tesseract-ocr-{language})"
    return True, ""


def render_page(pdf_path: Path, page_number: int, dpi: int = 300) -> object:
    """One page (1-based) as a greyscale PIL image."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        page = document[page_number - 1]
        try:
            return page.render(scale=dpi / 72).to_pil().convert("L")
        finally:
            page.close()
    finally:
        document.close()


MIN_CONFIDENCE = 60.0  # mean Tesseract word confidence (0-100), weighted by word length
MIN_WORDLIKE = 0.5  # share of recognised tokens that look like words or numbers
WORDLIKE_RE = re.compile(
    r"^[(\"'„“‘]*(?:[A-Za-zÀ-ÖØ-öø-ÿ][a-zà-öø-ÿ]*(?:[-'’][A-Za-zÀ-ÖØ-öø-ÿ]+)*|[A-ZÀ-ÖØ-Þ]{2,}|\d+(?:[.,:/-]\d+)*%?)"
    r"[)\"'”’.,;:!?]*$"
)


@dataclass(frozen=True)
class OcrResult:
    """Recognised text of a page and how much to trust it."""

    text: str
    confidence: float  # 0-100
    wordlike: float  # 0-1

    @property
    def usable(self) -> bool:
        """False for junk: a page Tesseract read as random glyphs (e.g. a font it renders wrongly)."""
        return bool(self.text.strip()) and self.confidence >= MIN_CONFIDENCE and self.wordlike >= MIN_WORDLIKE


def parse_tsv(tsv: str) -> OcrResult:
    """Tesseract's TSV output → text (lines, blank line between paragraphs) and its quality."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    weighted = weight = 0.0
    wordlike = words = 0
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or not cells[11].strip():
            continue
        try:
            block, paragraph, line, confidence = int(cells[2]), int(cells[3]), int(cells[4]), float(cells[10])
        except ValueError:
            continue
        word = cells[11].strip()
        lines.setdefault((block, paragraph, line), []).append(word)
        if confidence >= 0:
            weighted += confidence * len(word)
            weight += len(word)
        words += 1
        wordlike += bool(WORDLIKE_RE.match(word))
    parts: list[str] = []
    previous: tuple[int, int] | None = None
    for (block, paragraph, _line), tokens in sorted(lines.items()):
        if previous is not None and previous != (block, paragraph):
            parts.append("")
        parts.append(" ".join(tokens))
        previous = (block, paragraph)
    return OcrResult("\n".join(parts), weighted / weight if weight else 0.0, wordlike / words if words else 0.0)


def ocr_page(pdf_path: Path, page_number: int, language: str = "nld", dpi: int = 300, timeout: float = 120) -> OcrResult:
    """Recognise one page (1-based); raises RuntimeError or TimeoutExpired on failure."""
    image = render_page(pdf_path, page_number, dpi)
    with tempfile.TemporaryDirectory() as folder:
        image_path = Path(folder) / "page.png"
        image.save(image_path)  # type: ignore[attr-defined]
        result = subprocess.run(
            ["tesseract", str(image_path), "stdout", "-l", language, "--psm", "3", "tsv"],
            capture_output=True, text=True, timeout=timeout,
        )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[:200] or "tesseract faalde")
    return parse_tsv(result.stdout)
