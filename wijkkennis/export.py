"""Result lists and curated lessons as CSV and XLSX (pure functions: rows in, bytes out).

CSV is written the way Dutch Excel opens it directly: UTF-8 with a byte-order mark and ``;`` as
separator. Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``) are written as text: prefixed with ``'`` in CSV, typed as a string in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from core.taxonomy import AREA_SHORT, KIND_LABELS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"

# Per statement kind, the sentences that make it (a passage can hold a knelpunt and a succesfactor).
SENTENCE_COLUMNS = {"knelpunt": "Knelpunten (zinnen)", "succesfactor": "Succesfactoren (zinnen)",
                    "aanbeveling": "Aanbevelingen (zinnen)"}
HIT_COLUMNS = ("Gemeente", "Jaar", "Soort uitspraak", "Aandachtsgebieden", "Tekst", "Bestand", "Pagina",
               "Kop", "Titel rapport", "Uitgever", "Passage-id", *SENTENCE_COLUMNS.values())
LESSON_COLUMNS = ("Les", "Titel", "Gemeente", "Jaar", "Soort uitspraak", "Aandachtsgebieden", "Notitie", "Tekst",
                  "Bestand", "Pagina", "Status", "Reden herziening", "Vastgelegd door", "Vastgelegd op",
                  "Gewijzigd door", "Gewijzigd op")


class HitLike(Protocol):
    passage_id: str
    text: str
    file: str
    page: int
    heading: str
    title: str
    gemeente: str
    year: int | None
    publisher: str
    areas: list[int]
    kind: str
    sentences: list[dict[str, Any]]


class LessonLike(Protocol):
    lesson_id: int
    title: str
    gemeente: str
    year: int | None
    kind: str
    areas: list[int]
    note: str
    text: str
    file: str
    page: int
    status: str
    review_reason: str
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str


def areas_text(areas: Iterable[int]) -> str:
    return ", ".join(f"{a}. {AREA_SHORT.get(a, '?')}" for a in areas)


def hit_rows(hits: Sequence[HitLike]) -> list[dict[str, Any]]:
    return [
        {
            "Gemeente": hit.gemeente, "Jaar": hit.year, "Soort uitspraak": KIND_LABELS.get(hit.kind, hit.kind),
            "Aandachtsgebieden": areas_text(hit.areas), "Tekst": hit.text, "Bestand": hit.file, "Pagina": hit.page,
            "Kop": hit.heading, "Titel rapport": hit.title, "Uitgever": hit.publisher, "Passage-id": hit.passage_id,
            **{column: " | ".join(s["text"] for s in hit.sentences if s["kind"] == kind) for kind, column in SENTENCE_COLUMNS.items()},
        }
        for hit in hits
    ]


def lesson_rows(lessons: Sequence[LessonLike]) -> list[dict[str, Any]]:
    from wijkkennis.curation import STATUS_LABELS

    return [
        {
            "Les": lesson.lesson_id, "Titel": lesson.title, "Gemeente": lesson.gemeente, "Jaar": lesson.year,
            "Soort uitspraak": KIND_LABELS.get(lesson.kind, lesson.kind), "Aandachtsgebieden": areas_text(lesson.areas),
            "Notitie": lesson.note, "Tekst": lesson.text, "Bestand": lesson.file, "Pagina": lesson.page,
            "Status": STATUS_LABELS.get(lesson.status, lesson.status), "Reden herziening": lesson.review_reason,
            "Vastgelegd door": lesson.created_by, "Vastgelegd op": lesson.created_at,
            "Gewijzigd door": lesson.updated_by, "Gewijzigd op": lesson.updated_at,
        }
        for lesson in lessons
    ]


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """Rows as CSV bytes (UTF-8 with BOM, ``;``-separated, header row always present)."""
    columns = list(columns or (rows[0].keys() if rows else ()))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _safe_text(row.get(c)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, sheet: str = "Wijkkennis") -> bytes:
    """Rows as an XLSX workbook: bold frozen header, sensible widths, long texts wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = list(columns or (rows[0].keys() if rows else ()))
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet[:31]
    worksheet.append(columns)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(columns, start=1):
            value = row.get(column)
            cell = worksheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if len(value) > 60:
                    cell.alignment = wrap
    for c, column in enumerate(columns, start=1):
        longest = max([len(str(column))] + [len(str(row.get(column) or "")) for row in rows])
        worksheet.column_dimensions[get_column_letter(c)].width = min(80, max(8, longest + 2))
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
