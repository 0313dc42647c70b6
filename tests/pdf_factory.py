"""Tiny real PDFs for tests, drawn with reportlab (one line of text per drawString)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def write_pdf(path: Path, pages: list[list[str]], header: str = "", footer: bool = True, heading_size: int = 15) -> Path:
    """Each page is a list of lines; a line starting with '# ' is drawn as a bold heading."""
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for number, lines in enumerate(pages, start=1):
        if header:
            pdf.setFont("Helvetica", 8)
            pdf.drawString(72, height - 40, header)
        if footer:
            pdf.setFont("Helvetica", 8)
            pdf.drawString(width / 2 - 30, 30, f"Pagina {number} van {len(pages)}")
        y = height - 90
        for line in lines:
            if line.startswith("# "):
                y -= 8
                pdf.setFont("Helvetica-Bold", heading_size)
                pdf.drawString(72, y, line[2:])
                y -= 24
            elif line == "":
                y -= 10
            else:
                pdf.setFont("Helvetica", 10.5)
                pdf.drawString(72, y, line)
                y -= 14
        pdf.showPage()
    pdf.save()
    return path
