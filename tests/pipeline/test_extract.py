"""Extraction on real PDFs: the demo corpus (made with real layout features) and tiny fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CORPUS
from pdf_factory import write_pdf

from pipeline.extract import ExtractionError, extract_pages, join_lines

ZWOLLE = CORPUS / "zwolle-evaluatie-wijkteams-2019.pdf"
TILBURG = CORPUS / "tilburg-evaluatie-sociale-wijkteams-2021.pdf"


def page_text(path: Path, number: int) -> str:
    pages, _ = extract_pages(path)
    return pages[number - 1].text


def test_running_header_and_page_numbers_are_stripped() -> None:
    pages, warnings = extract_pages(ZWOLLE)
    assert warnings == []
    for page in pages[1:]:
        assert "Evaluatie sociale wijkteams Zwolle 2019" not in page.text.split("\n")[0] or page.number == 1
        assert not re.search(r"Pagina \d+ van \d+", page.text)
    # The header text does not survive as a line of its own anywhere after the title page.
    assert all("Pagina" not in block.text for page in pages for block in page.blocks)


def test_hyphenated_word_is_rejoined() -> None:
    text = page_text(ZWOLLE, 3)
    assert "wachtlijsten" in text
    assert "wacht-" not in text and "wacht- lijsten" not in text


def test_ketenpartners_hyphenation_rejoined_in_tilburg() -> None:
    pages, _ = extract_pages(TILBURG)
    full = "\n".join(page.text for page in pages)
    assert "ketenpartners" in full
    assert "keten-" not in full


def test_two_column_page_is_read_left_column_first() -> None:
    text = page_text(ZWOLLE, 4)
    left = text.find("In de linkerkolom eindigt het verhaal over de toegang tot het wijkteam.")
    right = text.find("De rechterkolom begint met de samenwerking met huisartsen.")
    assert left != -1 and right != -1
    assert left < right


def test_table_is_kept_as_rows() -> None:
    pages, _ = extract_pages(TILBURG)
    tables = [block.text for page in pages for block in page.blocks if block.kind == "table"]
    assert tables, "the Tilburg table was not found"
    rows = tables[0].split("\n")
    assert rows[0].startswith("Wijk | Aantal meldingen")
    assert any(row.startswith("Reeshof | ") for row in rows)


def test_headings_are_marked() -> None:
    pages, _ = extract_pages(ZWOLLE)
    headings = [block.text for page in pages for block in page.blocks if block.kind == "heading"]
    assert "2.1 Werkdruk en wachtlijsten" in headings


def test_fixture_pdf_header_footer_and_hyphen(tmp_path: Path) -> None:
    body = ["# 1 Inleiding", "Het sociale wijk-", "team van de gemeente werkt goed samen met jeugd- en", "gezinscoaches in de wijk."]
    path = write_pdf(tmp_path / "rapport.pdf", [body, body, body], header="Rekenkamer Testdorp — Rapport 2020")
    pages, warnings = extract_pages(path)
    assert warnings == []
    for page in pages:
        assert "Rekenkamer Testdorp" not in page.text
        assert "Pagina" not in page.text
        assert "wijkteam van de gemeente" in page.text
        assert "jeugd- en gezinscoaches" in page.text
        assert page.blocks[0].kind == "heading"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["de wijk-", "teams"], "de wijkteams"),
        (["jeugd-", "en gezinsteam"], "jeugd- en gezinsteam"),
        (["Noord-", "Brabant"], "Noord-Brabant"),
        (["gewoon", "door"], "gewoon door"),
    ],
)
def test_join_lines(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


def test_empty_and_non_pdf_files_get_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "leeg.pdf"
    empty.write_bytes(b"")
    html = tmp_path / "pagina.pdf"
    html.write_text("<!DOCTYPE html><html><body>hallo</body></html>")
    with pytest.raises(ExtractionError, match="empty"):
        extract_pages(empty)
    with pytest.raises(ExtractionError, match="not a pdf"):
        extract_pages(html)


def test_image_only_pages_are_reported(shared_corpus: Path) -> None:
    pages, warnings = extract_pages(shared_corpus / "sociaal-domein" / "vng-burgerpeiling-vertrouwen-bijlage.pdf")
    assert [p.number for p in pages if not p.has_text_layer] == [2, 3, 4, 5, 6]
    assert any("no text layer" in w for w in warnings)


def test_pdfium_line_end_hyphen_marker_is_rejoined() -> None:
    """PDFium writes a hyphen at a line end as U+FFFE; pages read by PDFium must not keep it."""
    from pipeline.extract import plain_text_blocks

    blocks = plain_text_blocks("het voeren van een transparan\ufffe\r\nte bedrijfsvoering")
    assert [b.text for b in blocks] == ["het voeren van een transparante bedrijfsvoering"]


def test_a_diagonal_watermark_is_dropped_and_a_large_heading_kept(tmp_path: Path) -> None:
    """A "CONCEPT" stamp across the page merged into the words it crossed and closed the gutter
    between columns; a 36 pt heading above small table text is no stamp."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "concept.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setFont("Helvetica-Bold", 36)
    pdf.drawString(56, 760, "Bijlage 1")
    pdf.setFont("Helvetica", 8)
    for x, words in ((56, "Links regel {} over de samenwerking in de wijk"), (320, "Rechts regel {} over de wachttijden bij het team")):
        for i in range(40):  # a column at a time, as word processors draw them
            pdf.drawString(x, 720 - 14 * i, words.format(i))
    pdf.saveState()
    pdf.setFillGray(0.85)
    pdf.setFont("Helvetica-Bold", 200)
    pdf.translate(120, 200)
    pdf.rotate(40)
    pdf.drawString(0, 0, "CONCEPT")
    pdf.restoreState()
    pdf.showPage()
    pdf.save()
    text = extract_pages(path)[0][0].text
    assert text.startswith("Bijlage 1")
    assert "CONCEPT" not in text and "C O N" not in text
    lines = text.split("\n")
    assert all(f"Links regel {i} over" in text for i in range(40))
    left_done = max(i for i, line in enumerate(lines) if "Links regel" in line)
    assert left_done < min(i for i, line in enumerate(lines) if "Rechts regel" in line)
