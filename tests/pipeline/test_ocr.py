"""OCR of pages without a text layer (Tesseract, Dutch), and the pipeline without Tesseract.

The scanned page is real: Dutch text drawn with DejaVuSans into a 300 dpi bitmap and placed as
the only content of a PDF page, next to a page with a normal text layer.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import make_settings

from index.ingest import ingest
from index.store import Store
from pipeline.ocr import ocr_available

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SCANNED = [
    "Het wijkteam in Oost werkt sinds 2022 nauw samen met de huisarts in de wijk.",
    "Bewoners met schulden krijgen binnen twee weken een eerste gesprek.",
    "De wachtlijst voor specialistische jeugdhulp is het grootste knelpunt.",
    "Professionals vragen om minder administratie en meer tijd voor gezinnen.",
    "De gemeente wil de toegang tot ondersteuning eenvoudiger maken.",
]
TYPED = [
    "Deze pagina heeft een gewone tekstlaag en hoeft niet door OCR.",
    "De evaluatie beschrijft de samenwerking tussen het sociaal team en het onderwijs.",
    "Scholen melden zorgen over leerlingen vaker en eerder bij het sociaal team.",
    "Ouders waarderen de korte lijnen met de vaste contactpersoon van de school.",
]
INSTALL = "OCR niet beschikbaar (installeer tesseract-ocr en tesseract-ocr-nld)"


def scanned_page_image(lines: list[str], dpi: int = 300) -> object:
    """An A4 page at ``dpi`` with the lines drawn as pixels (no text layer anywhere)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), size=int(11 / 72 * dpi))  # 11 pt
    y = dpi  # one inch from the top
    for line in lines:
        draw.text((dpi, y), line, font=font, fill=0)
        y += int(0.3 * dpi)
    return image


def write_mixed_pdf(path: Path, scanned_only: bool = False) -> Path:
    """Page 1 typed (text layer), page 2 scanned (image only); or only the scanned page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    if not scanned_only:
        pdf.setFont("Helvetica", 11)
        y = A4[1] - 72
        for line in TYPED:
            pdf.drawString(72, y, line)
            y -= 22
        pdf.showPage()
    pdf.drawImage(ImageReader(scanned_page_image(SCANNED)), 0, 0, A4[0], A4[1])
    pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


def rows(store: Store, file: str) -> list[dict[str, object]]:
    return [dict(row) for row in store.db.execute(
        "SELECT p.passage_id, p.page, p.text, p.ocr FROM passages p JOIN documents d USING (doc_id) "
        "WHERE d.file = ? ORDER BY p.position", (file,)
    )]


@pytest.mark.slow
def test_image_only_page_is_read_by_tesseract_and_marked(tmp_path: Path) -> None:
    available, why = ocr_available("nld")
    if not available:
        pytest.skip(f"Tesseract with Dutch (nld) is needed for this test: {why}")
    if not DEJAVU.exists():
        pytest.skip(f"font {DEJAVU} (fonts-dejavu-core) is needed to draw the scanned page")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    write_mixed_pdf(folder / "gemengd-rapport-2022.pdf")
    settings = make_settings(tmp_path / "index", ocr=True, tagger="rules")
    [outcome] = ingest([folder], settings)
    assert outcome.status == "ok_with_warnings", (outcome.reason, outcome.warnings)
    assert any("OCR (Tesseract, nld) toegepast op 1 pagina" in w for w in outcome.warnings)
    assert not any("geen tekstlaag" in w for w in outcome.warnings)

    with Store(settings) as store:
        passages = rows(store, outcome.file)
        typed = [p for p in passages if p["page"] == 1]
        scanned = [p for p in passages if p["page"] == 2]
        assert typed and scanned
        # Only the page without a text layer went through OCR, and only its passages say so.
        assert all(p["ocr"] == 0 for p in typed)
        assert all(p["ocr"] == 1 for p in scanned)
        recognised = " ".join(str(p["text"]) for p in scanned).lower()
        for word in ("wijkteam", "huisarts", "wachtlijst", "jeugdhulp", "schulden", "administratie"):
            assert word in recognised, (word, recognised)
        # The flag travels: the passage records and the Chroma metadata carry it too.
        records = store.passages([str(p["passage_id"]) for p in passages])
        assert {pid for pid, r in records.items() if r["ocr"]} == {p["passage_id"] for p in scanned}
        flagged = store.collection.get(where={"ocr": True}, include=["metadatas"])
        assert set(flagged["ids"]) == {p["passage_id"] for p in scanned}
        assert all(m["page"] == 2 for m in flagged["metadatas"])

    from index.query import SearchService

    hits = SearchService(settings).search("wachtlijst jeugdhulp", top_k=5)
    assert hits and hits[0].page == 2 and hits[0].ocr


def test_without_tesseract_the_pipeline_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No `tesseract` on PATH (the extraction workers inherit it): image-only pages are reported
    with an install hint, the typed pages of the same file are still ingested."""
    if not DEJAVU.exists():
        pytest.skip(f"font {DEJAVU} (fonts-dejavu-core) is needed to draw the scanned page")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    assert shutil.which("tesseract") is None
    folder = tmp_path / "pdfs"
    folder.mkdir()
    write_mixed_pdf(folder / "gemengd-rapport-2022.pdf")
    write_mixed_pdf(folder / "scan-rapport-2021.pdf", scanned_only=True)
    settings = make_settings(tmp_path / "index", ocr=True, tagger="rules", page_cache=False)
    outcomes = {o.file: o for o in ingest([folder], settings)}

    mixed = outcomes["gemengd-rapport-2022.pdf"]
    assert mixed.status == "ok_with_warnings" and mixed.passages > 0
    [warning] = [w for w in mixed.warnings if INSTALL in w]
    assert "geen tekstlaag" in warning and "pagina 2" in warning

    scan = outcomes["scan-rapport-2021.pdf"]
    assert scan.status == "failed"
    assert "geen tekstlaag" in scan.reason and INSTALL in scan.reason

    with Store(settings) as store:
        assert [p["page"] for p in rows(store, "gemengd-rapport-2022.pdf")] == [1] * len(rows(store, "gemengd-rapport-2022.pdf"))
        assert store.document_by_file("scan-rapport-2021.pdf") is None
