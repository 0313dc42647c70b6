"""`wijkkennis eval extraction`: reading order scored against known source text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pdf_factory import write_pdf
from typer.testing import CliRunner

from wijkkennis.cli import app
from wijkkennis.eval_extraction import ExtractionEvalError, evaluate, find_pairs, score

SOURCE = "Het wijkteam werkt goed samen met de huisarts. De wachttijden zijn te lang voor gezinnen."


def test_interleaved_reading_loses_bigrams_but_not_words() -> None:
    left, right = "het wijkteam werkt goed samen", "de wachttijden zijn te lang"
    interleaved = "het wijkteam de wachttijden werkt goed zijn te samen lang"
    bigram, word = score(f"{left} {right}", interleaved)
    assert word == 1.0
    assert bigram < 0.6
    assert score(f"{left} {right}", f"{left}\n{right}") == (1.0, 1.0)


def test_scoring_counts_repeats_and_forgives_hyphenation_and_extra_text() -> None:
    assert score("de de de", "de")[1] == pytest.approx(1 / 3)
    assert score("gewenste kosten- beheersing", "gewenste kostenbeheersing") == (1.0, 1.0)
    assert score(SOURCE, "Pagina 3 van 9\n" + SOURCE) == (1.0, 1.0)


def test_pairs_beside_the_pdf_or_in_texts(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    for name in ("a", "b", "c"):
        write_pdf(tmp_path / f"{name}.pdf", [[SOURCE]])
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "texts" / "b.txt").write_text(SOURCE, encoding="utf-8")
    assert [pdf.name for pdf, _ in find_pairs(tmp_path)] == ["a.pdf", "b.pdf"]
    with pytest.raises(ExtractionEvalError):
        evaluate(tmp_path / "texts")


def test_cli_prints_a_table_and_one_json_line(tmp_path: Path) -> None:
    write_pdf(tmp_path / "one-column__1.pdf", [["Inleiding", "", SOURCE]])
    (tmp_path / "one-column__1.txt").write_text("Inleiding\n\n" + SOURCE, encoding="utf-8")
    write_pdf(tmp_path / "wrong__1.pdf", [["Iets heel anders op deze pagina."]])
    (tmp_path / "wrong__1.txt").write_text(SOURCE, encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "extraction", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["n"] == 2 and data["pdfium"]["n"] == 2 and data["pdfminer"]["n"] == 2
    assert data["per_layout"]["one-column"]["project"]["bigram_recall"] == 1.0
    assert data["per_layout"]["wrong"]["project"]["word_recall"] < 0.2
    assert data["worst_bigram_recall"] < 0.2 and data["worst"][0]["file"] == "wrong__1.pdf"
    empty = CliRunner().invoke(app, ["eval", "extraction", str(tmp_path / "nergens")])
    assert empty.exit_code == 2 and "geen paren" in empty.output


def test_real_report_pdfs_are_read_in_order(shared_corpus: Path) -> None:
    """The evaluaties PDFs (every third one in two columns) beside their source text."""
    report = evaluate(shared_corpus / "evaluaties", readers=("project",))
    figures = report.figures("project")
    assert figures["n"] >= 50
    assert figures["bigram_recall"] >= 0.995
    assert figures["worst_bigram_recall"] >= 0.97
    assert figures["word_recall"] >= 0.995
