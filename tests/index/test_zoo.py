"""The bad-PDF zoo (tests/pdf_zoo.py) and good PDFs in one folder through the real ingest.

Every broken file gets an outcome with a reason a user can act on; nothing crashes, hangs or
eats the machine (the bounds are short here: 3 s per page, 512 MB per worker); the good files
end up in the index exactly as a clean ingest of the good files alone puts them there.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS, make_settings
from pdf_zoo import (
    LIGATURE_TEXT,
    REPORT_TEXT,
    ZooSpecimen,
    build_zoo,
    good_pdf_bytes,
    specimen_names,
)

from core.config import Settings
from index.ingest import FileOutcome, find_pdfs, ingest
from index.store import Store
from pipeline.extract import ExtractionError, extract_pages
from pipeline.ocr import ocr_available
from pipeline.read import ExtractTask, extract_in_workers

GOOD_FROM_CORPUS = ["zwolle-evaluatie-wijkteams-2019.pdf", "tilburg-evaluatie-sociale-wijkteams-2021.pdf"]
GOOD_GENERATED = "goed-rapport-2023.pdf"
BOUNDS = {"page_timeout_s": 3, "extract_timeout_s": 30, "worker_memory_mb": 512, "tagger": "rules"}
STATUS = {"ingested": "ok", "ingested_with_warnings": "ok_with_warnings", "skipped": "failed"}


class ZooRun:
    def __init__(self, specimens: list[ZooSpecimen], outcomes: list[FileOutcome], settings: Settings,
                 clean: Settings, good: list[str], ocr: bool) -> None:
        self.specimens, self.settings, self.clean, self.good, self.ocr = specimens, settings, clean, good, ocr
        self.outcomes = {o.file: o for o in outcomes}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> ZooRun:
    root = tmp_path_factory.mktemp("zoo")
    folder, clean_folder = root / "pdfs", root / "good-only"
    specimens = build_zoo(folder)
    clean_folder.mkdir()
    for name in GOOD_FROM_CORPUS:
        shutil.copy(CORPUS / name, folder / name)
    (folder / GOOD_GENERATED).write_bytes(good_pdf_bytes(REPORT_TEXT))
    good = GOOD_FROM_CORPUS + [GOOD_GENERATED] + [s.name for s in specimens if s.expected == "ingested"]
    for name in good:
        shutil.copy(folder / name, clean_folder / name)
    ocr = ocr_available("nld")[0]  # OCR is on as by default; without Tesseract the outcome says so
    settings = make_settings(root / "index", ocr=True, **BOUNDS)
    outcomes = ingest([folder], settings)
    clean = make_settings(root / "clean-index", ocr=True, **BOUNDS)
    clean_outcomes = ingest([clean_folder], clean)
    assert all(o.status == "ok" for o in clean_outcomes), [(o.file, o.status, o.reason) for o in clean_outcomes]
    return ZooRun(specimens, outcomes, settings, clean, good, ocr)


def text_of(outcome: FileOutcome) -> str:
    return " ".join([outcome.reason, *outcome.warnings]).lower()


def test_every_file_has_one_outcome(zoo: ZooRun) -> None:
    assert set(zoo.outcomes) == {s.name for s in zoo.specimens} | set(GOOD_FROM_CORPUS) | {GOOD_GENERATED}


@pytest.mark.parametrize("name", specimen_names())
def test_specimen_outcome(zoo: ZooRun, name: str) -> None:
    specimen = next(s for s in zoo.specimens if s.name == name)
    outcome = zoo.outcomes[name]
    expected, hint = STATUS[specimen.expected], specimen.reason_hint
    if name == "image-only.pdf" and not zoo.ocr:
        expected, hint = "failed", "ocr niet beschikbaar (installeer tesseract-ocr en tesseract-ocr-nld)"
    assert outcome.status == expected, (outcome.status, outcome.reason, outcome.warnings)
    assert hint.lower() in text_of(outcome), (hint, outcome.reason, outcome.warnings)
    if expected == "failed":
        assert outcome.reason and outcome.passages == 0
    else:
        assert outcome.passages > 0 and not outcome.reason


def test_good_files_are_ingested_exactly_as_without_the_zoo(zoo: ZooRun) -> None:
    for name in zoo.good:
        assert zoo.outcomes[name].status == "ok", (name, zoo.outcomes[name].warnings)

    def passages(settings: Settings) -> dict[str, list[tuple[str, int, str]]]:
        with Store(settings) as store:
            rows = store.db.execute(
                "SELECT d.file, p.passage_id, p.page, p.text FROM passages p JOIN documents d USING (doc_id) "
                "WHERE d.status = 'complete' ORDER BY d.file, p.position"
            ).fetchall()
        result: dict[str, list[tuple[str, int, str]]] = {}
        for row in rows:
            result.setdefault(row["file"], []).append((row["passage_id"], row["page"], row["text"]))
        return result

    in_zoo, alone = passages(zoo.settings), passages(zoo.clean)
    assert set(alone) == set(zoo.good)
    for name in zoo.good:
        assert in_zoo[name] == alone[name], name
        assert zoo.outcomes[name].passages == len(alone[name])


def test_the_index_is_consistent_after_the_zoo(zoo: ZooRun) -> None:
    with Store(zoo.settings) as store:
        report = store.consistency()
        ingested = {name for name, o in zoo.outcomes.items() if not o.failed}
        assert {row["file"] for row in store.documents()} == ingested
    assert report["pending_documents"] == []
    assert report["missing_vectors"] == report["hidden_vectors"] == []
    assert report["bm25_extra"] == report["bm25_missing"] == []
    assert report["passages"] == sum(o.passages for o in zoo.outcomes.values())


def test_ligatures_and_odd_code_points_are_normalised(zoo: ZooRun) -> None:
    with Store(zoo.settings) as store:
        texts = [row[0] for row in store.db.execute(
            "SELECT p.text FROM passages p JOIN documents d USING (doc_id) WHERE d.file = 'ligatures.pdf'"
        )]
    joined = " ".join(texts)
    assert "financiering van het flexibele wijkteam" in joined
    assert "\ufb01" not in joined and "\ufb02" not in joined and "\ufb01" in LIGATURE_TEXT


def test_bounds_are_reported_not_fatal(zoo: ZooRun) -> None:
    # The pure-Python hang in pdfminer is stopped by the page watchdog, after 3 s, not 30.
    assert "vastgelopen in de paginaboom (langer dan 3 s" in text_of(zoo.outcomes["reference-cycle.pdf"])
    # 600 MB inflated in a 512 MB worker: a MemoryError, or PDFium's abort on it; the run goes on.
    assert "geheugen" in text_of(zoo.outcomes["decompression-bomb.pdf"])
    assert "2001 > 2000" in zoo.outcomes["too-many-pages.pdf"].reason
    # A text layer pdfminer silently drops is read by PDFium instead of being called a scan.
    assert "no text layer" not in text_of(zoo.outcomes["huge-stream-claim.pdf"])


def test_pdf_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "groot.pdf"
    path.write_bytes(good_pdf_bytes(REPORT_TEXT * 200))
    with pytest.raises(ExtractionError, match="te groot"):
        extract_pages(path, max_file_mb=0)


def test_nothing_outside_the_named_folder_is_read(tmp_path: Path) -> None:
    inside, outside = tmp_path / "map", tmp_path / "elders"
    (inside / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "geheim.pdf").write_bytes(good_pdf_bytes(REPORT_TEXT))
    (inside / "sub" / "eigen.pdf").write_bytes(good_pdf_bytes(REPORT_TEXT))
    (inside / "link-naar-geheim.pdf").symlink_to(outside / "geheim.pdf")
    (inside / "link-naar-map").symlink_to(outside, target_is_directory=True)
    (inside / "link-binnen.pdf").symlink_to(inside / "sub" / "eigen.pdf")
    rejected: list[tuple[Path, str]] = []
    found = find_pdfs([inside], rejected)
    assert sorted(p.name for p in found) == ["eigen.pdf", "link-binnen.pdf"]
    assert [(p.name, "buiten" in reason) for p, reason in rejected] == [("link-naar-geheim.pdf", True)]
    os.mkfifo(tmp_path / "pijp.pdf")
    with pytest.raises(FileNotFoundError, match="geen gewoon bestand"):
        find_pdfs([tmp_path / "pijp.pdf"])


def test_a_worker_stuck_outside_python_is_killed(tmp_path: Path) -> None:
    """The watchdog inside the worker cannot stop C code; the supervisor kills a worker that
    reports no progress for 5 × page_timeout_s + 5 s (here it is frozen with SIGSTOP)."""
    path = tmp_path / "rapport.pdf"
    path.write_bytes(good_pdf_bytes(REPORT_TEXT))
    task = ExtractTask(path, 2000, 200, False, "nld", page_timeout_s=0.5, total_timeout_s=60)
    results: list[tuple[object, object, str]] = []
    runner = threading.Thread(target=lambda: results.extend(extract_in_workers([task], 1, 60, 512, page_timeout_s=0.5)))
    runner.start()
    deadline = time.monotonic() + 30
    while not multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal.SIGSTOP)  # type: ignore[arg-type]
    runner.join(timeout=60)
    assert not runner.is_alive()
    assert len(results) == 1 and results[0][1] is None
    assert "geen voortgang in 8 s" in results[0][2]
