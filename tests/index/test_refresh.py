"""Documents read by an older pipeline are found, reported and read again with ``refresh``."""

from __future__ import annotations

from pathlib import Path

from conftest import CORPUS, make_settings, write_old_index

from index.ingest import OLDER_PIPELINE, ingest
from index.store import Store
from pipeline.cache import pipeline_fingerprint

PDF = CORPUS / "geldermalsen-evaluatie-sociaal-team-2017.pdf"


def test_a_document_read_by_an_older_pipeline_is_reported_and_refreshed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    [first] = ingest([PDF], settings)
    assert first.status == "ok"
    with Store(settings) as store:
        assert store.document_by_file(PDF.name)["pipeline"] == pipeline_fingerprint(settings)
        [same] = ingest([PDF], settings)
        assert (same.status, same.warnings) == ("unchanged", [])
        with store.db:
            store.db.execute("UPDATE documents SET pipeline = 'oud'")
    [older] = ingest([PDF], settings)
    assert (older.status, older.warnings) == ("unchanged", [OLDER_PIPELINE])
    [refreshed] = ingest([PDF], settings, refresh=True)
    assert refreshed.status == "ok" and refreshed.passages == first.passages
    with Store(settings) as store:
        assert store.document_by_file(PDF.name)["pipeline"] == pipeline_fingerprint(settings)


def test_the_fingerprint_follows_passage_sizes_and_tagger(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert pipeline_fingerprint(settings) == pipeline_fingerprint(settings)
    assert pipeline_fingerprint(settings) != pipeline_fingerprint(settings.replace(passage_max_chars=500))
    assert pipeline_fingerprint(settings) != pipeline_fingerprint(settings.replace(tagger="rules"))


def test_an_index_from_before_pipeline_stamps_counts_as_older(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    write_old_index(settings)
    with Store(settings) as store:
        assert store.document_by_file("oud.pdf")["pipeline"] == ""
