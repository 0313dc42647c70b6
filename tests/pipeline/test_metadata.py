from __future__ import annotations

from pathlib import Path

from pdf_factory import write_pdf

from pipeline.extract import extract_pages
from pipeline.metadata import build_metadata, read_manifest


def test_manifest_row_is_used_and_former_gemeente_mapped(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(
        "file,title,gemeente,year,publisher,report_type\nr.pdf,Evaluatie sociaal team,Geldermalsen,2017,Gemeente Geldermalsen,evaluatie\n"
    )
    row = read_manifest(tmp_path)["r.pdf"]
    meta = build_metadata("r.pdf", "abc", [], row)
    assert (meta.gemeente, meta.gemeentecode, meta.year) == ("West Betuwe", "GM1960", 2017)
    assert meta.provincie == "Gelderland" and meta.title == "Evaluatie sociaal team"


def test_metadata_inferred_without_manifest(tmp_path: Path) -> None:
    lines = ["# Evaluatie sociale wijkteams Deventer", "Rekenkamer Deventer, maart 2018", "", "In de gemeente Deventer werken vier wijkteams sinds 2015."]
    path = write_pdf(tmp_path / "deventer.pdf", [lines], footer=False)
    pages, _ = extract_pages(path)
    meta = build_metadata("deventer.pdf", "abc", pages, None)
    assert meta.title == "Evaluatie sociale wijkteams Deventer"
    assert meta.gemeente == "Deventer" and meta.gemeentecode.startswith("GM")
    assert meta.year == 2018
    assert meta.publisher == "Rekenkamer Deventer"
    assert meta.report_type == "evaluatie"
