from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_settings


def test_pyproject_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.wijkkennis]\ndata_dir = "store"\nmax_pages = 10\nbm25_weight = 0.3\n')
    monkeypatch.setenv("WIJKKENNIS_CONFIG", str(config))
    monkeypatch.setenv("WIJKKENNIS_MAX_PAGES", "20")
    monkeypatch.setenv("WIJKKENNIS_OCR", "false")
    settings = load_settings()
    assert settings.data_dir == (tmp_path / "store").resolve()
    assert settings.max_pages == 20
    assert settings.ocr is False
    assert settings.extra == {"bm25_weight": 0.3}
