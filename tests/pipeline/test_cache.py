"""Ingest speed-ups: the per-page extraction cache, the background prefetch that overlaps
extraction with embedding, and handing ingest's e5 vectors to the trained tagger."""

from __future__ import annotations

import gzip
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS, make_settings

from core.records import Block, Page
from pipeline.cache import PageCache, extractor_fingerprint
from pipeline.prefetch import in_background

ZWOLLE = CORPUS / "zwolle-evaluatie-wijkteams-2019.pdf"


def test_pages_round_trip(tmp_path: Path) -> None:
    cache = PageCache(tmp_path, "f1")
    pages = [
        Page(1, (Block("heading", "1. Inleiding"), Block("paragraph", "Tekst met ë en — streepje.")), True, False),
        Page(2, (), False, False),
        Page(3, (Block("table", "a | b"),), True, True),
    ]
    assert cache.get("abc") is None
    assert cache.put("abc", pages, ["geen tekstlaag (no text layer) op pagina 2"])
    assert cache.get("abc") == (pages, ["geen tekstlaag (no text layer) op pagina 2"])
    assert (cache.hits, cache.misses) == (1, 1)


def test_incomplete_extractions_are_not_cached(tmp_path: Path) -> None:
    cache = PageCache(tmp_path, "f1")
    page = Page(1, (Block("paragraph", "x"),))
    assert not cache.put("a", [page], ["OCR overgeslagen: tesseract ontbreekt"])
    assert not cache.put("b", [], [])
    assert not cache.put("c", [page], ["pagina 2-9 niet gelezen: tijdslimiet voor dit bestand bereikt (300 s)"])
    assert not cache.put("d", [page], ["OCR van pagina 3 overgeslagen: tijdslimiet voor dit bestand bereikt"])
    assert all(cache.get(sha) is None for sha in "abcd")
    assert cache.put("e", [page], ["pagina 2 onleesbaar: KeyError"])  # the same next time


def test_a_damaged_entry_is_a_miss_and_removed(tmp_path: Path) -> None:
    cache = PageCache(tmp_path, "f1")
    cache.put("abc", [Page(1, (Block("paragraph", "x"),))], [])
    entry = tmp_path / "f1" / "abc.json.gz"
    entry.write_bytes(gzip.compress(b"{not json"))
    assert cache.get("abc") is None
    assert not entry.exists()


def test_fingerprint_follows_the_extraction_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert extractor_fingerprint(settings) == extractor_fingerprint(settings)
    assert extractor_fingerprint(settings) != extractor_fingerprint(settings.replace(ocr=not settings.ocr))
    assert extractor_fingerprint(settings) != extractor_fingerprint(settings.replace(max_pages=5))


def test_only_recent_fingerprints_are_kept(tmp_path: Path) -> None:
    for i in range(5):
        PageCache(tmp_path, f"f{i}").put("abc", [Page(1, (Block("paragraph", "x"),))], [])
        time.sleep(0.01)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f2", "f3", "f4"]


@pytest.mark.slow
def test_rebuild_reads_pages_from_the_cache_not_the_pdf(tmp_path: Path) -> None:
    from index.ingest import ingest
    from index.store import Store

    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(ZWOLLE, folder / ZWOLLE.name)
    shutil.copy(CORPUS / "manifest.csv", folder / "manifest.csv")
    settings = make_settings(tmp_path / "data")
    first = ingest([folder], settings)
    assert [o.status for o in first] == ["ok"]
    store = Store(settings)
    before = store.db.execute("SELECT passage_id, page, heading, text FROM passages ORDER BY position").fetchall()
    store.close()
    # With a 0 MB file limit the worker refuses to parse the PDF; --rebuild still works from the cache.
    again = ingest([folder], settings.replace(max_file_mb=0), rebuild=True)
    assert [(o.status, o.passages) for o in again] == [("ok", first[0].passages)]
    store = Store(settings)
    after = store.db.execute("SELECT passage_id, page, heading, text FROM passages ORDER BY position").fetchall()
    store.close()
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    # Without the cache the same run goes to the worker, which refuses the file.
    uncached = ingest([folder], settings.replace(max_file_mb=0, page_cache=False), rebuild=True)
    assert uncached[0].failed and "te groot" in uncached[0].reason


def test_prefetch_yields_in_order_and_runs_ahead() -> None:
    produced: list[int] = []

    def numbers():  # type: ignore[no-untyped-def]
        for i in range(10):
            produced.append(i)
            yield i

    iterator = in_background(numbers(), maxsize=3)
    assert next(iterator) == 0
    time.sleep(0.3)
    assert len(produced) >= 4  # the producer went ahead while the consumer was busy
    assert list(iterator) == list(range(1, 10))


def test_prefetch_passes_errors_on_and_stops_the_producer_early() -> None:
    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise RuntimeError("kapot")

    with pytest.raises(RuntimeError, match="kapot"):
        list(in_background(failing()))

    closed = threading.Event()

    def endless():  # type: ignore[no-untyped-def]
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    for i in in_background(endless(), maxsize=2):
        if i == 3:
            break
    assert closed.wait(5), "the source iterator was not closed"


def test_the_trained_tagger_gets_ingests_vectors_only_when_they_fit() -> None:
    from index.ingest import _tagger_takes_vectors
    from pipeline import tag_model
    from pipeline.tag_rules import RuleTagger

    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

    assert not _tagger_takes_vectors(RuleTagger(), Named("e5-small"))
    if not tag_model.model_available():
        pytest.skip("no trained tagger model in pipeline/models/tagger")
    trained = tag_model.TrainedTagger.load()
    assert _tagger_takes_vectors(trained, Named("e5-small"))
    assert not _tagger_takes_vectors(trained, Named("use-multilingual-v3"))
    assert not _tagger_takes_vectors(tag_model.TrainedTagger.load(mode="text"), Named("e5-small"))


@pytest.mark.slow
def test_handed_over_vectors_give_the_same_tags() -> None:
    from pipeline import tag_model
    from pipeline.embed import load_embedder
    from pipeline.extract import extract_pages
    from pipeline.segment import segment

    if not tag_model.model_available():
        pytest.skip("no trained tagger model in pipeline/models/tagger")
    pages, _ = extract_pages(ZWOLLE)
    passages = segment("d", ZWOLLE.name, pages, 250, 900)[:8]
    tagger = tag_model.TrainedTagger.load()
    vectors = load_embedder("e5-small").embed_passages([tag_model.embedding_text(p) for p in passages])
    assert tagger.tag(passages, vectors=vectors) == tagger.tag(passages)
