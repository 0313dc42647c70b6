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
