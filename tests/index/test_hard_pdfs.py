"""The real hard PDFs in ``../shared/corpus/hard-pdfs`` (scans, handwriting, broken unicode,
tables) through the real ingest, OCR on as by default.

What must hold for every one of them: one clear outcome per file, no crash or hang, and an index
that is consistent afterwards. Files with a text layer are ingested; the scans without one are
read by Tesseract (their passages marked ``ocr``) or, without Tesseract, reported as having no
text layer with the install hint. Skips when ../shared is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import make_settings

from core.config import Settings
from index.ingest import FileOutcome, ingest
from index.store import Store
from pipeline.ocr import ocr_available

pytestmark = pytest.mark.slow


class HardRun:
    def __init__(self, folder: Path, outcomes: list[FileOutcome], settings: Settings, ocr: bool) -> None:
        self.folder, self.settings, self.ocr = folder, settings, ocr
        self.outcomes = {o.file: o for o in outcomes}
        with (folder / "manifest.csv").open(encoding="utf-8") as handle:
            self.manifest = {row["file"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def hard(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> HardRun:
    folder = shared_corpus / "hard-pdfs"
    if not (folder / "manifest.csv").is_file():
        pytest.skip(f"{folder} has no manifest.csv")
    settings = make_settings(tmp_path_factory.mktemp("hard-index"), ocr=True, tagger="rules", page_timeout_s=60)
    return HardRun(folder, ingest([folder], settings), settings, ocr_available("nld")[0])


def test_every_hard_pdf_has_one_outcome(hard: HardRun) -> None:
    assert set(hard.outcomes) == {p.name for p in hard.folder.glob("*.pdf")}
    for name, outcome in hard.outcomes.items():
        assert outcome.status in {"ok", "ok_with_warnings", "failed"}, (name, outcome.status)
        assert outcome.failed == bool(outcome.reason), (name, outcome.reason)


def test_files_with_a_text_layer_are_ingested(hard: HardRun) -> None:
    with_text = [name for name, row in hard.manifest.items() if row["text_layer"] == "yes"]
    assert with_text
    for name in with_text:
        outcome = hard.outcomes[name]
        assert not outcome.failed and outcome.passages > 0, (name, outcome.reason, outcome.warnings)


def test_scans_are_read_by_ocr_or_reported(hard: HardRun) -> None:
    scans = [name for name, row in hard.manifest.items() if row["text_layer"] == "no"]
    assert scans
    with Store(hard.settings) as store:
        for name in scans:
            outcome = hard.outcomes[name]
            said = " ".join([outcome.reason, *outcome.warnings]).lower()
            if not hard.ocr:
                # Without Tesseract a scan fails, or (text on some of its pages) is kept with a
                # warning; either way the missing text layer and the package to install are named.
                assert "geen tekstlaag" in said and "tesseract-ocr" in said, (name, said)
                assert outcome.failed or "ocr overgeslagen" in said, (name, said)
                continue
            if outcome.failed:  # OCR ran, but what it read was rejected as junk: said so
                assert "ocr" in said, (name, said)
                continue
            assert "ocr" in said, (name, said)
            flags = store.db.execute(
                "SELECT p.ocr FROM passages p JOIN documents d USING (doc_id) WHERE d.file = ?", (name,)
            ).fetchall()
            # "no" in the manifest means no text layer on (some of) its pages: those pages are OCR'd,
            # a page that has one (ezk-kernenergie-fragment page 2) keeps its own text
            assert flags and any(row["ocr"] for row in flags), name
    if hard.ocr:
        assert sum(not hard.outcomes[name].failed for name in scans) >= len(scans) - 1, "OCR read almost none of the scans"


def test_ocr_text_of_a_scan_is_dutch(hard: HardRun) -> None:
    if not hard.ocr:
        pytest.skip("Tesseract with Dutch (tesseract-ocr-nld) is not installed")
    name = "toezeggingen-commissie-bme-scan.pdf"
    if name not in hard.outcomes or hard.outcomes[name].failed:
        pytest.skip(f"{name} absent or not read")
    with Store(hard.settings) as store:
        text = " ".join(row[0] for row in store.db.execute(
            "SELECT p.text FROM passages p JOIN documents d USING (doc_id) WHERE d.file = ?", (name,)))
    words = set(text.lower().split())
    assert len(words & {"de", "het", "van", "een", "en", "commissie"}) >= 4, text[:500]


def test_the_index_is_consistent_after_the_hard_pdfs(hard: HardRun) -> None:
    with Store(hard.settings) as store:
        report = store.consistency()
        assert {row["file"] for row in store.documents()} == {n for n, o in hard.outcomes.items() if not o.failed}
    assert report["pending_documents"] == [] and report["missing_vectors"] == [] and report["hidden_vectors"] == []
    assert report["bm25_extra"] == report["bm25_missing"] == []
    assert report["passages"] == sum(o.passages for o in hard.outcomes.values())
