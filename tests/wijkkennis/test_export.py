"""Exports: result lists and curated lessons as CSV (Dutch Excel) and XLSX, formulas defused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from index.query import Hit
from wijkkennis import export
from wijkkennis.curation import CurationStore


def hit(**changes: object) -> Hit:
    base: dict[str, object] = {
        "passage_id": "d1:3:0", "doc_id": "d1", "text": "Wachtlijsten; werkdruk en \"caseload\"\nnemen toe.", "snippet": "",
        "file": "sudwest-fryslan-monitor-2022.pdf", "page": 3, "heading": "2 Bereik", "title": "Monitor gebiedsteams",
        "gemeente": "Súdwest-Fryslân", "gemeentecode": "GM1900", "provincie": "Fryslân", "year": 2022,
        "publisher": "Onderzoeksbureau Noord", "areas": [2, 4], "kind": "knelpunt", "ocr": False, "score": 0.5,
    }
    base.update(changes)
    return Hit(**base)  # type: ignore[arg-type]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "a BOM, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_results_as_csv_keep_text_accents_and_separators() -> None:
    rows = read_csv(export.to_csv(export.hit_rows([hit(), hit(passage_id="d1:4:0", page=4, year=None)]), export.HIT_COLUMNS))
    assert rows[0] == list(export.HIT_COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Gemeente"] == "Súdwest-Fryslân" and first["Jaar"] == "2022" and first["Pagina"] == "3"
    assert first["Tekst"] == "Wachtlijsten; werkdruk en \"caseload\"\nnemen toe."
    assert first["Soort uitspraak"] == "Knelpunt" and first["Aandachtsgebieden"] == "2. Werkwijze, 4. Bereikbaarheid"
    assert rows[2][rows[0].index("Jaar")] == "", "a missing year is an empty cell"
    assert len(rows) == 3


def test_formulas_are_written_as_text() -> None:
    rows = export.hit_rows([hit(text="=HYPERLINK(\"http://x\";\"klik\")", heading="+31 6 1234", title="@SUM(A1)")])
    parsed = read_csv(export.to_csv(rows, export.HIT_COLUMNS))[1]
    assert parsed[export.HIT_COLUMNS.index("Tekst")] == "'=HYPERLINK(\"http://x\";\"klik\")"
    assert parsed[export.HIT_COLUMNS.index("Kop")] == "'+31 6 1234"
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(rows, export.HIT_COLUMNS))).active
    assert sheet is not None
    cell = sheet.cell(row=2, column=export.HIT_COLUMNS.index("Tekst") + 1)
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\";\"klik\")"


def test_results_as_xlsx() -> None:
    data = export.to_xlsx(export.hit_rows([hit(), hit(page=5)]), export.HIT_COLUMNS, "Resultaten")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Resultaten"]
    assert [c.value for c in sheet[1]] == list(export.HIT_COLUMNS)
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[2]][:4] == ["Súdwest-Fryslân", 2022, "Knelpunt", "2. Werkwijze, 4. Bereikbaarheid"]
    assert sheet.cell(row=3, column=export.HIT_COLUMNS.index("Pagina") + 1).value == 5, "numbers stay numbers"
    assert sheet.max_row == 3


def test_empty_exports_still_have_a_header() -> None:
    assert read_csv(export.to_csv([], export.LESSON_COLUMNS)) == [list(export.LESSON_COLUMNS)]
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx([], export.LESSON_COLUMNS))).active
    assert sheet is not None and sheet.max_row == 1 and sheet["A1"].value == "Les"


def test_curated_lessons_export_with_status_and_audit_fields(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "c.sqlite")
    passage = {"passage_id": "d1:3:0", "file": "zwolle.pdf", "page": 3, "text": "De wachtlijsten lopen op.", "areas": [2],
               "kind": "knelpunt", "gemeente": "Zwolle", "gemeentecode": "GM0193", "year": 2019}
    lesson = store.accept(passage, by="anna", title="Wachtlijsten", note="Zie ook Tilburg.", areas=[2, 9], kind="aanbeveling")
    store.update(lesson.lesson_id, by="bram", title="Wachtlijsten terugdringen")
    rows = export.lesson_rows(store.lessons())
    parsed = read_csv(export.to_csv(rows, export.LESSON_COLUMNS))
    record = dict(zip(parsed[0], parsed[1], strict=True))
    assert record["Titel"] == "Wachtlijsten terugdringen" and record["Notitie"] == "Zie ook Tilburg."
    assert record["Soort uitspraak"] == "Aanbeveling / verbeterpunt" and record["Aandachtsgebieden"] == "2. Werkwijze, 9. Effectiviteit"
    assert (record["Status"], record["Vastgelegd door"], record["Gewijzigd door"]) == ("actief", "anna", "bram")
    assert (record["Bestand"], record["Pagina"], record["Gemeente"], record["Jaar"]) == ("zwolle.pdf", "3", "Zwolle", "2019")
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(rows, export.LESSON_COLUMNS, "Lessen")))["Lessen"]
    assert sheet.cell(row=2, column=2).value == "Wachtlijsten terugdringen"


def test_results_say_which_sentence_is_which_kind() -> None:
    text = "De samenwerking met huisartsen is een sterkte. Knelpunt is de versnipperde regie."
    sentences = [{"start": 0, "end": 46, "kind": "succesfactor", "text": text[:46]},
                 {"start": 47, "end": len(text), "kind": "knelpunt", "text": text[47:]}]
    rows = read_csv(export.to_csv(export.hit_rows([hit(text=text, sentences=sentences)]), export.HIT_COLUMNS))
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Succesfactoren (zinnen)"] == "De samenwerking met huisartsen is een sterkte."
    assert first["Knelpunten (zinnen)"] == "Knelpunt is de versnipperde regie."
    assert first["Aanbevelingen (zinnen)"] == ""
