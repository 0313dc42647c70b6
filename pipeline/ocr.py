"""OCR for pages without a text layer: render with pypdfium2, read with Tesseract (Dutch).

Optional: when the ``tesseract`` program or its Dutch data is missing, ``ocr_available`` says
why and the pipeline reports such pages as having no text layer.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from wijkkennis.records import Block


@cache
def ocr_available(language: str = "nld") -> tuple[bool, str]:
    """(available, reason) for OCR in ``language``."""
    binary = shutil.which("tesseract")
    if not binary:
        return False, "Tesseract is niet geïnstalleerd (apt-get install tesseract-ocr tesseract-ocr-nld)"
    try:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return False, f"Tesseract werkt niet: {error}"
    if language not in listed.split():
        return False, f"Tesseract mist taaldata {language!r} (apt-get install tesseract-ocr-{language})"
    return True, ""


def ocr_page(pdf_path: Path, page_number: int, language: str = "nld", dpi: int = 300, timeout: int = 120) -> str:
    """Recognised text of one page (1-based)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        image = document[page_number - 1].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()
    with tempfile.TemporaryDirectory() as folder:
        image_path = Path(folder) / "page.png"
        image.save(image_path)
        result = subprocess.run(
            ["tesseract", str(image_path), "stdout", "-l", language, "--psm", "3"],
            capture_output=True, text=True, timeout=timeout,
        )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[:200] or "tesseract faalde")
    return result.stdout


def text_to_blocks(text: str) -> tuple[Block, ...]:
    """OCR text → paragraph blocks (blank lines separate paragraphs; hyphenation rejoined)."""
    from pipeline.extract import join_lines, normalise_text

    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [normalise_text(line) for line in chunk.splitlines() if line.strip()]
        if lines:
            joined = join_lines(lines)
            if sum(c.isalpha() for c in joined) >= 3:
                blocks.append(Block("paragraph", joined))
    return tuple(blocks)
