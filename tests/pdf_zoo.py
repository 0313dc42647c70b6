"""Bad-PDF zoo: small, deterministic, broken (and awkward-but-fine) files for reliability tests.

``build_zoo(directory)`` writes every specimen and returns ``ZooSpecimen`` records saying what
the ingest should do with it (``expected``) and a word its skip reason / warning should contain
(``reason_hint``; empty for plain "ingested"). ``good_pdf_bytes(text)`` makes a valid text PDF
to put beside the bad ones. Hand-written files are assembled by ``assemble_pdf`` with a correct
xref table, so the intended defect is their only one. Building the whole zoo takes ~1.5 s
(mostly compressing the decompression bomb).

Observed behaviour, pdfplumber 0.11.10 / pdfminer.six 20260107 / pypdfium2 5 (``probe()``: a
child process with a 20 s timeout and RLIMIT_AS 2 GB that opens the file, lists ``pdf.pages``
and extracts words, tables and text of the first pages). "PdfminerException(X)" means
``pdfplumber.utils.exceptions.PdfminerException`` with the pdfminer exception X as ``args[0]``:
pdfplumber.open wraps *every* pdfminer error, PDFPasswordIncorrect included.

=========================== ============================================== ========================
specimen                    what pdfplumber does                           expected (reason_hint)
=========================== ============================================== ========================
truncated.pdf               open: PdfminerException(PSEOF: Unexpected EOF) skipped ("corrupt")
random-bytes.pdf            open: PdfminerException(PDFSyntaxError: No     skipped ("not a pdf")
                            /Root object! - Is this really a PDF?)
empty.pdf                   open: the same 'No /Root object!'              skipped ("empty")
                            PDFSyntaxError
encrypted-user-password.pdf open: PdfminerException(PDFPasswordIncorrect), skipped ("encrypted")
                            empty message; `except PDFPasswordIncorrect`
                            does NOT catch it - unwrap error.args[0]
owner-restricted.pdf        opens with password ''; full text; the         ingested
                            permission bits are ignored
no-pages.pdf                opens; pdf.pages == [], no exception           skipped ("no pages")
image-only.pdf              1 page, no chars, extract_text() == ''         ingested_with_warnings
                                                                           ("ocr"; without OCR:
                                                                           skipped "no text layer")
huge-page-count-claim.pdf   /Count 5000 ignored (Kids are walked): 1 page, ingested
                            text OK; pypdfium2 says 5000 pages
too-many-pages.pdf          2001 real pages; len(pdf.pages) in ~0.25 s     skipped ("too many pages")
huge-stream-claim.pdf       /Length 2e8: reads to EOF (no memory blow-up), ingested_with_warnings
                            finds no endobj, page /Contents becomes None:  ("pdfium": text read
                                                                           by PDFium)
                            1 page, NO text, no exception (silent loss;
                            pypdfium2 recovers the text)
ligatures.pdf               chars hold U+FB01/U+FB02; extract_text /       ingested
                            extract_words already expand them
                            (expand_ligatures=True by default)
looping-references.pdf      Pages node in its own Kids and own Parent:     ingested
                            pdfminer keeps a visited set; 1 page, text OK,
                            no hang
reference-cycle.pdf         /Resources is obj 6, which is "7 0 R", and obj ingested_with_warnings
                                                                           ("corrupt"; watchdog,
                                                                           then PDFium)
                            7 is "6 0 R": HANGS forever in pdfminer
                            resolve1 (PDFPage.__init__ via pdf.pages);
                            100% CPU, flat 35 MB RSS; killed at 20 s
deeply-nested.pdf           /MediaBox nested 10,000 arrays deep: pdf.pages ingested_with_warnings
                                                                           ("corrupt"; PDFium)
                            raises RecursionError (pdfplumber resolve_all)
                            in 0.1 s; pdf.close() raises it again
docx-renamed.pdf            open: the same 'No /Root object!'              skipped ("not a pdf")
                            PDFSyntaxError
html-renamed.pdf            open: the same 'No /Root object!'              skipped ("not a pdf")
                            PDFSyntaxError
unicode-broken.pdf          1 page, 44 chars; every word is                skipped ("unreadable";
                            '(cid:40)(cid:89)...' (Identity-H font, no     OCR junk rejected)
                            ToUnicode), no exception
decompression-bomb.pdf      0.6 MB; content stream inflates to 600 MB:     skipped ("geheugen")
                            MemoryError under a worker memory limit
=========================== ============================================== ========================

Findings for the ingest's per-file error handling:

* ``pdfplumber.PDF.close()`` re-reads ``self.pages``: when ``pdf.pages`` failed, ``close()``
  (and ``with pdfplumber.open(...)``'s exit) raises the same error again (deeply-nested) or
  hangs again (reference-cycle), and the file handle stays open. Guard ``close()`` with
  try/except and close ``pdf.stream`` yourself.
* Only a watchdog stops reference-cycle.pdf: parse in a child process with a timeout, or
  ``signal.setitimer`` in the main thread (the loop is pure Python, so SIGALRM interrupts it).
* A chain of 5,000 indirect references (``/Contents`` -> 5 0 R -> ... -> stream) is resolved
  fine by pdfplumber (0.16 s; pypdfium2 gives an empty text) - not in the zoo because its
  classic xref table makes the file > 200 KB. Deep nesting in /Info metadata is harmless:
  pdfplumber only logs a warning for metadata it cannot resolve.
* pypdfium2 (for rendering/OCR) disagrees on page counts: it trusts /Count (5000 for
  huge-page-count-claim, 2 for looping-references) and refuses no-pages.pdf at open.

Run ``python tests/pdf_zoo.py`` to rebuild the zoo in a temporary directory and re-probe it
(about 25 s; reference-cycle.pdf uses up its 20 s timeout).
"""

from __future__ import annotations

import io
import json
import random
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

IMAGE_ONLY_TEXT = (
    "Het wijkteam in Oost werkt sinds 2022 nauw samen met de huisartsen.\n"
    "Bewoners met schulden krijgen binnen twee weken een eerste gesprek.\n"
    "De wachtlijst voor jeugdhulp is in het afgelopen jaar gehalveerd."
)

LIGATURE_TEXT = "\ufb01nanciering van het \ufb02exibele wijkteam"


@dataclass(frozen=True)
class ZooSpecimen:
    name: str  # file name inside the zoo directory, e.g. "truncated.pdf"
    expected: str  # "ingested" | "ingested_with_warnings" | "skipped"
    reason_hint: str  # lowercase word the skip reason / warning mentions ("" for "ingested")
    note: str  # what the file is and what pdfplumber did with it


# --------------------------------------------------------------------------- helpers


def _obj_bytes(body: bytes | str) -> bytes:
    return body.encode("latin-1") if isinstance(body, str) else body


def _stream(data: bytes, length: int | None = None) -> bytes:
    """A stream object body; ``length`` overrides the true /Length (for lying files)."""
    declared = len(data) if length is None else length
    return b"<< /Length %d >>\nstream\n" % declared + data + b"\nendstream"


def assemble_pdf(
    objects: list[bytes | str], *, root: int = 1, info: int | None = None, version: str = "1.4"
) -> bytes:
    """Objects 1..n (bodies, in order) → a PDF with a correct xref table and trailer."""
    out = bytearray(b"%PDF-" + version.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + _obj_bytes(body) + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    extra = b" /Info %d 0 R" % info if info is not None else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\n" % (len(objects) + 1, root, extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _helvetica_page_objects(text: str) -> list[bytes | str]:
    """Objects 1-5 (Catalog, Pages, Page, Contents, Font) of a one-page Helvetica PDF.

    ``text`` must be plain Latin-1 without parentheses or backslashes.
    """
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    return [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        _stream(content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]


def _register_dejavu() -> str:
    """Register DejaVuSans with reportlab (once); fall back to Helvetica without the file."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not DEJAVU_SANS.exists():
        return "Helvetica"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU_SANS)))
    return "DejaVuSans"


def _canvas(buffer: io.BytesIO, **kwargs: Any) -> Any:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    return canvas.Canvas(buffer, pagesize=A4, invariant=1, **kwargs)


def good_pdf_bytes(text: str, **canvas_kwargs: Any) -> bytes:
    """A valid small text PDF (reportlab, DejaVuSans) with ``text``; paragraphs on '\\n'."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit

    font = _register_dejavu()
    size, leading, margin = 11, 15, 72
    width, height = A4
    buffer = io.BytesIO()
    pdf = _canvas(buffer, **canvas_kwargs)
    y = height - margin
    for paragraph in text.split("\n"):
        for line in simpleSplit(paragraph, font, size, width - 2 * margin) or [""]:
            if y < margin:
                pdf.showPage()
                y = height - margin
            pdf.setFont(font, size)
            pdf.drawString(margin, y, line)
            y -= leading
        y -= leading / 2
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


REPORT_TEXT = (
    "Evaluatie sociale wijkteams gemeente Voorbeeld 2023\n"
    "Het wijkteam ondersteunt bewoners bij zorg, werk, schulden en opvoeding. "
    "In 2023 meldden zich 1.240 huishoudens; de gemiddelde doorlooptijd was zes weken. "
    "Samenwerking met huisartsen en het onderwijs is verbeterd, maar de wachtlijst voor "
    "specialistische jeugdhulp blijft een knelpunt.\n"
    "Aanbevelingen: investeer in preventie, maak de toegang eenvoudiger en evalueer jaarlijks."
)


# --------------------------------------------------------------------------- specimens


def _truncated() -> bytes:
    whole = good_pdf_bytes(REPORT_TEXT)
    return whole[: int(len(whole) * 0.4)]


def _random_bytes() -> bytes:
    return random.Random(20240501).randbytes(4096)


def _encrypted(user_password: str) -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption

    encryption = StandardEncryption(
        user_password,
        ownerPassword="eigenaar",
        canPrint=0,
        canModify=0,
        canCopy=0,
        canAnnotate=0,
    )
    return good_pdf_bytes(REPORT_TEXT, encrypt=encryption)


def _no_pages() -> bytes:
    return assemble_pdf(
        ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"]
    )


def _image_only() -> bytes:
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader

    dpi, margin_px, line_px = 200, 20, 44
    font = (
        ImageFont.truetype(str(DEJAVU_SANS), 28)
        if DEJAVU_SANS.exists()
        else ImageFont.load_default(28)
    )
    lines = IMAGE_ONLY_TEXT.split("\n")
    width = max(int(font.getlength(line)) for line in lines) + 2 * margin_px
    image = Image.new("L", (width, 2 * margin_px + line_px * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((margin_px, margin_px + index * line_px), line, font=font, fill=0)
    page_height = A4[1]
    shown_width = image.width * 72 / dpi
    shown_height = image.height * 72 / dpi
    buffer = io.BytesIO()
    pdf = _canvas(buffer)
    pdf.drawImage(
        ImageReader(image), 72, page_height - 72 - shown_height, shown_width, shown_height
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _count_claim() -> bytes:
    objects = _helvetica_page_objects("Deze pagina hoort bij het rapport over het wijkteam.")
    objects[1] = "<< /Type /Pages /Kids [3 0 R] /Count 5000 >>"
    return assemble_pdf(objects)


def _too_many_pages(count: int = 2001) -> bytes:
    """``count`` real pages sharing one content stream; MediaBox/Resources inherited."""
    first_page = 5
    kids = " ".join(f"{first_page + i} 0 R" for i in range(count))
    content = b"BT /F1 12 Tf 72 720 Td (Bijlage bij de evaluatie van het wijkteam.) Tj ET"
    objects: list[bytes | str] = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Count {count} /MediaBox [0 0 595 842] "
        f"/Resources << /Font << /F1 4 0 R >> >> /Kids [{kids}] >>",
        _stream(content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    objects += ["<</Type/Page/Parent 2 0 R/Contents 3 0 R>>"] * count
    return assemble_pdf(objects)


def _stream_claim() -> bytes:
    text = "Tekst over het wijkteam in een stream met een valse lengte."
    objects = _helvetica_page_objects(text)
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects[3] = _stream(content, length=200_000_000)
    return assemble_pdf(objects)


def _ligatures() -> bytes:
    font = _register_dejavu()
    buffer = io.BytesIO()
    pdf = _canvas(buffer)
    pdf.setFont(font, 12)
    pdf.drawString(72, 760, "Rapport over de " + LIGATURE_TEXT + ".")
    pdf.drawString(
        72, 740, "De \ufb01nanciering en de \ufb02exibiliteit van het wijkteam zijn besproken."
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _looping_tree() -> bytes:
    objects = _helvetica_page_objects("Een lus in de paginaboom van het wijkteamrapport.")
    # The Pages node lists itself among its Kids and is its own Parent.
    objects[1] = "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 /Parent 2 0 R >>"
    return assemble_pdf(objects)


def _reference_cycle() -> bytes:
    objects = _helvetica_page_objects("Een verwijzingslus in de resources van het wijkteam.")
    # /Resources 6 0 R; object 6 is just "7 0 R" and object 7 is "6 0 R".
    objects[2] = str(objects[2]).replace(
        "/Resources << /Font << /F1 5 0 R >> >>", "/Resources 6 0 R"
    )
    objects += ["7 0 R", "6 0 R"]
    return assemble_pdf(objects)


def _deeply_nested(depth: int = 10_000) -> bytes:
    objects = _helvetica_page_objects("Diep geneste arrays in het rapport van het wijkteam.")
    nested = "[" * depth + "0 0 595 842" + "]" * depth
    objects[2] = str(objects[2]).replace("/MediaBox [0 0 595 842]", "/MediaBox " + nested)
    return assemble_pdf(objects)


BOMB_MB = 600


def _decompression_bomb(megabytes: int = BOMB_MB) -> bytes:
    """One page whose FlateDecode content stream inflates to ``megabytes`` MB (spaces)."""
    import zlib

    packer = zlib.compressobj(9)
    chunks = [packer.compress(b"BT /F1 12 Tf 72 720 Td (Een geheugenbom voor het wijkteam.) Tj ET\n")]
    block = b" " * (1 << 20)
    chunks += [packer.compress(block) for _ in range(megabytes)]
    chunks.append(packer.flush())
    data = b"".join(chunks)
    objects = _helvetica_page_objects("niet gebruikt")
    objects[3] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return assemble_pdf(objects)


def _docx() -> bytes:
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Evaluatie van het wijkteam: samenwerking met huisartsen."
            "</w:t></w:r></w:p></w:body></w:document>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def _html() -> bytes:
    return (
        b'<!DOCTYPE html>\n<html lang="nl">\n<head><meta charset="utf-8">'
        b"<title>Evaluatie wijkteams</title></head>\n<body>\n"
        b"<h1>Evaluatie wijkteams 2023</h1>\n"
        b"<p>Het wijkteam werkt samen met huisartsen; de wachtlijst is korter geworden.</p>\n"
        b"</body>\n</html>\n"
    )


def _unicode_broken() -> bytes:
    """A Type0/Identity-H font with no /ToUnicode and no embedded font file."""
    words = ["Evaluatie", "van", "het", "wijkteam", "in", "de", "gemeente", "Voorbeeld"]
    # Glyph ids in the usual TrueType order ('a' = 68 = ord('a') - 29); meaningless without
    # the font, which is the point: nothing maps these codes back to Unicode.
    pieces = " -1800 ".join(
        "<" + "".join(f"{ord(ch) - 29:04X}" for ch in word) + ">" for word in words
    )
    content = f"BT /F1 12 Tf 72 720 Td [{pieces}] TJ ET".encode("latin-1")
    objects: list[bytes | str] = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        _stream(content),
        "<< /Type /Font /Subtype /Type0 /BaseFont /ZooSans /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] >>",
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ZooSans /DW 600 "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        "/FontDescriptor 7 0 R /CIDToGIDMap /Identity >>",
        "<< /Type /FontDescriptor /FontName /ZooSans /Flags 32 /FontBBox [0 -200 1000 900] "
        "/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ]
    return assemble_pdf(objects)


# name → (builder, expected, reason_hint, note). Each note records what pdfplumber 0.11.10 on
# pdfminer.six 20260107 did with the file (probe(): open, pages, words + tables + text).
_SPECIMENS: list[tuple[str, Callable[[], bytes], str, str, str]] = [
    (
        "truncated.pdf",
        _truncated,
        "skipped",
        "corrupt",
        "A valid 1-page reportlab PDF cut to 40% of its bytes (no xref, trailer or %%EOF). "
        "pdfplumber.open raises PdfminerException wrapping PSEOF('Unexpected EOF'), 0.06 s.",
    ),
    (
        "random-bytes.pdf",
        _random_bytes,
        "skipped",
        "not a pdf",
        "4096 bytes from random.Random(20240501); no %PDF- header. pdfplumber.open raises "
        "PdfminerException wrapping PDFSyntaxError('No /Root object! - Is this really a PDF?').",
    ),
    (
        "empty.pdf",
        bytes,
        "skipped",
        "empty",
        "Zero bytes. pdfplumber.open raises PdfminerException wrapping "
        "PDFSyntaxError('No /Root object! - Is this really a PDF?').",
    ),
    (
        "encrypted-user-password.pdf",
        lambda: _encrypted("geheim"),
        "skipped",
        "encrypted",
        "reportlab StandardEncryption (RC4, 40 bit) with user password 'geheim'. "
        "pdfplumber.open(path) raises PdfminerException wrapping PDFPasswordIncorrect() (empty "
        "message): the pdfminer exception is NOT raised bare, it is args[0] / __context__ of "
        "pdfplumber.utils.exceptions.PdfminerException. pdfplumber.open(path, password='geheim') "
        "reads it.",
    ),
    (
        "owner-restricted.pdf",
        lambda: _encrypted(""),
        "ingested",
        "",
        "Encrypted with an empty user password and owner password 'eigenaar'; print, modify, "
        "copy and annotate not permitted. pdfplumber opens it with password '' and extracts "
        "all text; the permission bits are not enforced.",
    ),
    (
        "no-pages.pdf",
        _no_pages,
        "skipped",
        "no pages",
        "Valid hand-written PDF whose page tree is /Kids [] /Count 0. pdfplumber opens it, "
        "pdf.pages == [] (no exception). (pypdfium2 refuses to open it: 'Failed to load "
        "document (PDFium: Success)'.)",
    ),
    (
        "image-only.pdf",
        _image_only,
        "ingested_with_warnings",
        "ocr",
        "One A4 page with only a raster image (grey, 200 dpi, DejaVuSans 28 px) of "
        "IMAGE_ONLY_TEXT, placed at 72 pt from the top-left. pdfplumber: 1 page, no chars, "
        "extract_text() == ''. OCR of the page rendered at 200 dpi should recover the text.",
    ),
    (
        "huge-page-count-claim.pdf",
        _count_claim,
        "ingested",
        "",
        "Hand-written PDF, one real page, but the Pages node says /Count 5000. pdfplumber "
        "ignores /Count (it walks the Kids): len(pdf.pages) == 1 and the text extracts, so a "
        "page limit on len(pdf.pages) does not fire and the file is ingested. (pypdfium2 "
        "believes /Count: len(doc) == 5000, doc[1] fails.)",
    ),
    (
        "too-many-pages.pdf",
        _too_many_pages,
        "skipped",
        "too many pages",
        "2001 real pages (one shared content stream; MediaBox/Resources inherited), just over "
        "the default 2000-page limit. pdfplumber: len(pdf.pages) == 2001 in about 0.25 s; "
        "every page has the line of text.",
    ),
    (
        "huge-stream-claim.pdf",
        _stream_claim,
        "ingested_with_warnings",
        "pdfium",
        "Hand-written 1-page PDF whose content stream says /Length 200000000 (real data 81 "
        "bytes). pdfminer reads to end of file (no memory blow-up), finds no endobj, and the "
        "page's /Contents resolves to None: pdfplumber gives 1 page, no chars, "
        "extract_text() == '' and no exception - silent text loss, reported by the ingest as "
        "a page without text layer. (pypdfium2 recovers the text.)",
    ),
    (
        "ligatures.pdf",
        _ligatures,
        "ingested",
        "",
        "Two lines in embedded DejaVuSans containing U+FB01 'fi' and U+FB02 'fl' (reportlab "
        "ToUnicode maps the glyphs to those code points). page.chars holds '\\ufb01'; "
        "extract_text()/extract_words() already expand them ('financiering', 'flexibele') "
        "because expand_ligatures defaults to True; with expand_ligatures=False they stay "
        "ligatures.",
    ),
    (
        "looping-references.pdf",
        _looping_tree,
        "ingested",
        "",
        "Hand-written 1-page PDF whose Pages node lists itself in /Kids and is its own "
        "/Parent (/Count 2). pdfminer's page walk keeps a visited set: pdfplumber gives 1 "
        "page with its text, no hang (0.06 s). (pypdfium2: 2 pages, trusting /Count.)",
    ),
    (
        "reference-cycle.pdf",
        _reference_cycle,
        "ingested_with_warnings",
        "corrupt",
        "Hand-written 1-page PDF whose /Resources is '6 0 R', object 6 is '7 0 R' and object "
        "7 is '6 0 R'. pdfplumber HANGS forever (100% CPU, no memory growth) on pdf.pages: "
        "pdfminer.pdftypes.resolve1 loops 'while isinstance(x, PDFObjRef)' inside "
        "PDFPage.__init__ (pdf.close() walks pdf.pages and hangs again). Killed after 20 s. "
        "Only a watchdog (subprocess with timeout, or signal.alarm in the main thread - the "
        "loop is pure Python) can stop it. (pypdfium2 opens it and reads the text.)",
    ),
    (
        "deeply-nested.pdf",
        _deeply_nested,
        "ingested_with_warnings",
        "corrupt",
        "Hand-written 1-page PDF whose /MediaBox is the box nested in 10,000 arrays. "
        "pdfminer parses it (iterative stack) but pdfplumber's Page.__init__ "
        "resolve_all(MediaBox) recurses: pdf.pages raises RecursionError ('maximum recursion "
        "depth exceeded ...') after 0.1 s; no crash, no memory blow-up. pdf.close() walks "
        "pdf.pages again and raises the RecursionError a second time. (pypdfium2 reads the "
        "text.)",
    ),
    (
        "docx-renamed.pdf",
        _docx,
        "skipped",
        "not a pdf",
        "A minimal real .docx (zip: [Content_Types].xml, _rels/.rels, word/document.xml) "
        "named .pdf; starts with 'PK'. pdfplumber.open raises PdfminerException wrapping "
        "PDFSyntaxError('No /Root object! - Is this really a PDF?').",
    ),
    (
        "html-renamed.pdf",
        _html,
        "skipped",
        "not a pdf",
        "An HTML page ('<!DOCTYPE html><html lang=\"nl\">...') named .pdf. pdfplumber.open "
        "raises PdfminerException wrapping PDFSyntaxError('No /Root object! - Is this really "
        "a PDF?').",
    ),
    (
        "unicode-broken.pdf",
        _unicode_broken,
        "skipped",
        "unreadable",
        "Hand-written 1-page PDF with a Type0/Identity-H CIDFontType2 font, no /ToUnicode "
        "and no embedded font file; 8 words spaced by TJ. pdfplumber: 1 page, 44 chars, every "
        "word is '(cid:NN)...' junk, e.g. '(cid:40)(cid:89)(cid:68)...', no exception. "
        "PDFium's text is junk too ('(YDOXDWLH ...'); Tesseract on the rendered page reads junk "
        "('9jU iUhlY jub ...', mean confidence 45, 46 % word-like), which the ingest rejects.",
    ),
    (
        "decompression-bomb.pdf",
        _decompression_bomb,
        "skipped",
        "geheugen",
        f"Hand-written 1-page PDF (~0.6 MB) whose FlateDecode content stream inflates to {BOMB_MB} MB "
        "of spaces after one line of text. pdfminer inflates it in one zlib.decompress call: with "
        "a worker memory limit below that (tests use worker_memory_mb=512) it raises MemoryError, "
        "reported as 'te veel geheugen nodig'; PDFium then fails to read the page as well.",
    ),
]


def specimen_names() -> list[str]:
    """File names of all specimens, without building them."""
    return [name for name, *_ in _SPECIMENS]


def build_zoo(directory: Path) -> list[ZooSpecimen]:
    """Write every specimen into ``directory`` (created if needed); return their descriptions."""
    directory.mkdir(parents=True, exist_ok=True)
    specimens = []
    for name, build, expected, hint, note in _SPECIMENS:
        (directory / name).write_bytes(build())
        specimens.append(ZooSpecimen(name, expected, hint, note))
    return specimens


# --------------------------------------------------------------------------- probing


_PROBE_SCRIPTS = {
    "pdfplumber": """
import json, logging, sys, time
logging.disable(logging.CRITICAL)


def say(error):
    inner = error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
    if inner is not None:
        return "%s(%s: %s)" % (type(error).__name__, type(inner).__name__, str(inner)[:160])
    return "%s: %s" % (type(error).__name__, str(error)[:160])


result = {"stage": "import"}
start = time.monotonic()
pdf = None
try:
    import pdfplumber
    result["stage"] = "open"
    pdf = pdfplumber.open(sys.argv[1])
    result["stage"] = "pages"
    pages = pdf.pages
    result["pages"] = len(pages)
    texts, errors = [], []
    for page in pages[:3]:
        result["stage"] = "page %d" % page.page_number
        try:
            page.extract_words(extra_attrs=["size", "fontname"])
            page.find_tables()
            texts.append(page.extract_text() or "")
        except Exception as error:
            errors.append("p%d %s" % (page.page_number, say(error)))
    result["text"] = " / ".join(texts)
    result["page_errors"] = errors
    result["stage"] = "done"
except BaseException as error:
    result["error"] = say(error)
finally:
    if pdf is not None:
        try:
            pdf.close()
        except BaseException as error:
            result["close_error"] = say(error)
result["seconds"] = round(time.monotonic() - start, 2)
print(json.dumps(result))
""",
    "pypdfium2": """
import json, sys, time
result = {"stage": "import"}
start = time.monotonic()
try:
    import pypdfium2 as pdfium
    result["stage"] = "open"
    doc = pdfium.PdfDocument(sys.argv[1])
    result["stage"] = "pages"
    result["pages"] = len(doc)
    if len(doc):
        result["stage"] = "page 1"
        result["text"] = doc[0].get_textpage().get_text_range()
    result["stage"] = "done"
except BaseException as error:
    result["error"] = "%s: %s" % (type(error).__name__, str(error)[:160])
result["seconds"] = round(time.monotonic() - start, 2)
print(json.dumps(result))
""",
}


def _limit_memory(limit_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def probe(
    path: Path, library: str = "pdfplumber", timeout: float = 20.0, memory_gb: float = 2.0
) -> dict[str, object]:
    """Open ``path`` with pdfplumber (or pypdfium2) in a child process, bounded in time and memory.

    Mimics the ingest: open, list the pages, then words + tables + text of the first three
    pages. Returns the child's JSON report (keys: stage, pages, text, page_errors, error,
    seconds), or ``{"hang": ...}`` / ``{"crash": ...}`` when the child did not report.
    """
    limit = int(memory_gb * 1024**3)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _PROBE_SCRIPTS[library], str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=lambda: _limit_memory(limit),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"hang": f"no answer within {timeout:.0f} s (killed)"}
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = completed.stderr.strip().splitlines()[-1:] or [""]
        return {"crash": f"exit status {completed.returncode}: {tail[0][:160]}"}
    return json.loads(lines[-1])


def describe(report: dict[str, object]) -> str:
    """One line for a probe report."""
    if "hang" in report or "crash" in report:
        return str(report.get("hang") or report.get("crash"))
    if "close_error" in report:
        extra = f"; pdf.close() raises again: {report['close_error']}"
    else:
        extra = ""
    if "error" in report:
        return f"{report['error']} (at {report['stage']}, {report['seconds']} s){extra}"
    text = " ".join(str(report.get("text", "")).split())
    errors = report.get("page_errors") or []
    extra += f"; page errors: {errors}" if errors else ""
    return f"{report['pages']} page(s), text {text[:60]!r}{extra} ({report['seconds']} s)"


def _main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for specimen in build_zoo(directory):
            path = directory / specimen.name
            observed = describe(probe(path))
            print(
                f"{specimen.name:28} {path.stat().st_size:>7} B  {specimen.expected:23} "
                f"{specimen.reason_hint!r:18} pdfplumber: {observed}"
            )


if __name__ == "__main__":
    _main()
