"""Shared fixtures: the demo corpus ingested once per test session into a real on-disk index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import Settings, load_settings, shared_dir

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHARED = shared_dir()

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WIJKKENNIS_THEMES_AFTER_INGEST", "0")  # no background theme processes from CLI tests


def make_settings(data_dir: Path, **changes: object) -> Settings:
    """Settings for a test: its own data dir, no OCR unless asked, two workers."""
    base = {"data_dir": data_dir, "workers": 2, "ocr": False}
    base.update(changes)
    return load_settings(**base)


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from index.ingest import ingest

    settings = make_settings(tmp_path_factory.mktemp("demo-index"))
    outcomes = ingest([CORPUS], settings)
    assert all(o.status == "ok" for o in outcomes), [(o.file, o.reason) for o in outcomes]
    return settings


@pytest.fixture(scope="session")
def demo_service(demo_settings: Settings):  # type: ignore[no-untyped-def]
    from index.query import SearchService

    return SearchService(demo_settings)


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    folder = SHARED / "corpus"
    if not folder.is_dir():
        pytest.skip(f"../shared/corpus not present ({folder})")
    return folder


@pytest.fixture(scope="session")
def roles_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A generated report with every page role (tests/report_factory.py) ingested into a real index."""
    from report_factory import write_report

    from index.ingest import ingest

    folder = tmp_path_factory.mktemp("roles-report")
    write_report(folder / "woerden-evaluatie-wijkteams-2017.pdf")
    settings = make_settings(tmp_path_factory.mktemp("roles-index"))
    outcomes = ingest([folder], settings)
    assert [o.status for o in outcomes] == ["ok"], [(o.file, o.reason) for o in outcomes]
    return settings


OLD_DOCUMENTS_TABLE = """CREATE TABLE documents (doc_id TEXT PRIMARY KEY, file TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    title TEXT, gemeente TEXT, gemeentecode TEXT, provincie TEXT, grootteklasse TEXT, g40 INTEGER DEFAULT 0, year INTEGER,
    publisher TEXT, report_type TEXT, n_pages INTEGER, n_passages INTEGER DEFAULT 0, status TEXT NOT NULL,
    warnings TEXT DEFAULT '[]', ingested_at TEXT);
    INSERT INTO documents(doc_id, file, sha256, status) VALUES ('d', 'oud.pdf', 'x', 'complete');"""
OLD_PASSAGE_COLUMNS = """passage_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, position INTEGER, page INTEGER, heading TEXT,
    text TEXT NOT NULL, areas TEXT, area_mask INTEGER DEFAULT 0, area_scores TEXT, kind TEXT, kind_score REAL,
    ocr INTEGER DEFAULT 0, lex TEXT"""


def write_old_index(settings: Settings, extra_columns: str = "", script: str = "") -> None:
    """An index database as an older version wrote it: document 'd' (oud.pdf) and a passages table
    with the columns of the first version plus ``extra_columns``; ``script`` adds rows."""
    import sqlite3

    database = sqlite3.connect(settings.database_path)
    columns = OLD_PASSAGE_COLUMNS + (f", {extra_columns}" if extra_columns else "")
    database.executescript(f"{OLD_DOCUMENTS_TABLE}\nCREATE TABLE passages ({columns});\n{script}")
    database.commit()
    database.close()
