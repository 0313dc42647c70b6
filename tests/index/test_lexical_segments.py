"""BM25 that updates instead of rebuilding (index/lexical.py segments, Store.update_lexical).

The reference is what the index did before: one bm25s index built over all complete passages in
rowid order. After adds, a re-ingest that replaces a document, a delete and merges, the segmented
index must give the same rows, the same scores (to the bit; bm25s to float tolerance) and the same
result lists, filtered or not. A process killed while it writes a segment leaves the previous
manifest in force, and the next update catches up.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import bm25s
import numpy as np
import pytest
from conftest import REPO, make_settings
from test_store import document

from core.config import Settings
from index import lexical
from index.query import Filters, lexical_mask
from index.store import LEXICAL_COLUMNS, Store

WORDS = ["wachtlijst", "jeugdhulp", "wijkteam", "huisarts", "mantelzorg", "schulden", "privacy", "onderwijs", "werkdruk",
         "generalist", "regie", "gezin", "preventie", "signalering", "ouderen", "eenzaamheid", "budget", "sturing", "monitor",
         "inwoner", "professional", "casus", "toegang", "specialistisch", "keukentafel"]
QUERIES = ["wachtlijst jeugdhulp", "huisarts en wijkteam", "mantelzorg mantelzorg ouderen", "regie over het gezin",
           "schulden preventie signalering", "de het een", "parkeervergunning", "budget sturing monitor wijkteam casus"]
FILTERS = [Filters(), Filters(areas=(3,)), Filters(kind="knelpunt"), Filters(year_from=2021), Filters(exclude_doc="x")]


def texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = [" ".join(rng.choice(WORDS[: rng.randint(3, len(WORDS))]) for _ in range(rng.randint(1, 25))) for _ in range(n)]
    out[0] = "de het een"  # only stop words: no tokens (bm25s gets one placeholder token)
    return out


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def bm25s_reference(store: Store) -> tuple[list[str], bm25s.BM25]:
    """The former index: one bm25s index over the complete passages in rowid order."""
    rows = store._lexical_rows()
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([(r["lex"] or "").split() or ["_"] for r in rows], show_progress=False)
    return [r["passage_id"] for r in rows], retriever


def assert_equals_a_rebuild(store: Store, index: lexical.LexicalIndex) -> None:
    rebuilt = store._build_lexical()
    ids, retriever = bm25s_reference(store)
    assert index.passage_ids == rebuilt.passage_ids == ids
    assert index.size == len(ids) == store.count_passages()
    for key in LEXICAL_COLUMNS:
        assert np.array_equal(index.columns[key], rebuilt.columns[key]), key
    for query in QUERIES:
        scores = index.scores(query)
        assert np.array_equal(scores, rebuilt.scores(query))
        tokens = [t for t in lexical.tokenize(query) if t in retriever.vocab_dict]
        expected = retriever.get_scores(tokens) if tokens else np.zeros(len(ids), dtype=np.float32)
        np.testing.assert_allclose(scores, expected, rtol=1e-6, atol=1e-7)
        for filters in FILTERS:
            mine, theirs = lexical_mask(index, filters), lexical_mask(rebuilt, filters)
            assert index.search(query, 20, mine) == rebuilt.search(query, 20, theirs)


def test_segments_with_deletions_score_like_one_bm25s_index() -> None:
    """Global document frequencies and average length over the live rows of all segments: the
    scores are bm25s's over the same rows, bit for bit; merging keeps them."""
    rng = random.Random(11)
    vocabulary = [f"w{i}" for i in range(200)]
    docs = [[rng.choice(vocabulary[: rng.randint(4, 200)]) for _ in range(rng.randint(0, 30))] for _ in range(1500)]
    ids = [f"d{i // 10}:{i}" for i in range(len(docs))]
    bounds = [(0, 700), (700, 1200), (1200, 1450), (1450, 1500)]
    segments = [lexical.build_segment(ids[a:b], docs[a:b], {"row": np.arange(a, b)}) for a, b in bounds]
    deleted = {segments[0].name: np.arange(0, 700, 3), segments[2].name: np.arange(10, 60)}
    index = lexical.LexicalIndex(segments, 5, deleted)
    live = [i for i in range(len(docs)) if not (i < 700 and i % 3 == 0) and not 1210 <= i < 1260]
    assert index.passage_ids == [ids[i] for i in live]
    assert index.columns["row"].tolist() == live
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([docs[i] or ["_"] for i in live], show_progress=False)
    merged = lexical.LexicalIndex([lexical.merge(index._parts)], 5)
    compacted = index.compacted()
    assert segments[0].name not in compacted.deleted and segments[0] not in compacted.segments  # a third deleted: rewritten
    for _ in range(100):
        query = [rng.choice(vocabulary) for _ in range(rng.randint(1, 6))]
        text = " ".join(query)
        expected = retriever.get_scores(query)
        for candidate in (index, merged, compacted):
            assert candidate.passage_ids == [ids[i] for i in live]
            assert np.array_equal(candidate.scores(text), expected)  # "w12" tokenises to itself


def test_store_updates_bm25_incrementally_and_equals_a_rebuild(settings: Settings) -> None:
    files = [f"rapport-{i}.pdf" for i in range(6)]
    with Store(settings) as store:
        for i, file in enumerate(files[:4]):
            store.write_document(*document(file, texts(i, 6 + i)))
        first = store.lexical_index()  # no saved index yet: a full build
        assert len(first.segments) == 1
        assert_equals_a_rebuild(store, first)

        for i, file in enumerate(files[4:], start=4):  # adds
            store.write_document(*document(file, texts(i, 5)))
        added = store.lexical_index()
        assert added.segments[0] is first.segments[0] and len(added.segments) == 2  # the old segment kept, not rebuilt
        assert_equals_a_rebuild(store, added)

        store.write_document(*document(files[1], texts(100, 4), sha="v2"))  # a re-ingest replaces a document
        replaced = store.lexical_index()
        assert replaced.deleted  # its old rows are tombstoned, not rewritten
        assert_equals_a_rebuild(store, replaced)

        store.delete_document(document(files[2], [])[0].doc_id)  # a delete
        removed = store.lexical_index()
        assert not {pid for pid in removed.passage_ids if pid.startswith(document(files[2], [])[0].doc_id)}
        assert_equals_a_rebuild(store, removed)

        merged = lexical.LexicalIndex([lexical.merge(removed._parts)], removed.generation, log_position=removed.log_position)
        assert not merged.deleted and len(merged.segments) == 1
        assert_equals_a_rebuild(store, merged)

        reader = Store(settings)  # a reader holding this view ...
        assert reader.lexical_index().generation == removed.generation
        held = {segment.name: segment for segment in reader.lexical_index().segments}
        store.write_document(*document("nieuw.pdf", texts(200, 7)))
        store.write_document(*document(files[3], texts(201, 3), sha="v2"))
        latest = store.lexical_index()
        seen = reader.lexical_index()  # ... loads only the new segments
        assert [s.name for s in seen.segments] == [s.name for s in latest.segments]
        assert all(segment is held[segment.name] for segment in seen.segments if segment.name in held)
        assert_equals_a_rebuild(store, seen)
        reader.close()

        fresh = Store(settings)  # a new process: everything from disk
        assert_equals_a_rebuild(store, fresh.lexical_index())
        fresh.close()
        assert store.consistency()["bm25_missing"] == store.consistency()["bm25_extra"] == []


def test_many_small_updates_stay_few_segments_and_equal_a_rebuild(settings: Settings) -> None:
    """One document per update (what a reader sees during an ingest): the merge policy keeps the
    segment count logarithmic, and the index equals a rebuild after every update."""
    with Store(settings) as store:
        for i in range(12):
            store.write_document(*document(f"klein-{i}.pdf", texts(300 + i, 3 + i % 4)))
            if i % 5 == 4:
                store.write_document(*document(f"klein-{i - 2}.pdf", texts(400 + i, 2), sha="v2"))
            index = store.lexical_index()
            assert len(index.segments) <= 1 + np.log2(index.size)
        assert len(index.segments) <= 4
        assert_equals_a_rebuild(store, index)
        assert not store.db.execute("SELECT 1 FROM lexical_log WHERE seq <= ?", (index.log_position,)).fetchall()  # a writer prunes the log


CRASH = """
import os, signal, sys
import numpy as np
from core.config import load_settings
from index import lexical
from index.store import Store

point = sys.argv[2]
if point == "segment":  # killed while the segment's files are written
    calls = []
    real_save = np.save
    def save(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_save(*args, **kwargs)
    np.save = save
else:  # killed after the segment and tombstones are written, before the manifest is swapped in
    real_write = lexical._atomic_write
    def atomic_write(path, write):
        if path.name == lexical.MANIFEST:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_write(path, write)
    lexical._atomic_write = atomic_write
Store(load_settings(data_dir=sys.argv[1], workers=1, ocr=False)).lexical_index()
"""


@pytest.mark.parametrize("point", ["segment", "manifest"])
def test_a_kill_while_writing_a_segment_leaves_the_index_usable(settings: Settings, point: str) -> None:
    with Store(settings) as store:
        for i in range(3):
            store.write_document(*document(f"rapport-{i}.pdf", texts(i, 6)))
        before = store.lexical_index()
        store.write_document(*document("rapport-1.pdf", texts(50, 5), sha="v2"))
        store.write_document(*document("rapport-9.pdf", texts(51, 5)))
    run = subprocess.run([sys.executable, "-c", CRASH, str(settings.data_dir), point], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert run.returncode == -9, run.stderr[-2000:]
    folder = settings.index_dir / "bm25"
    on_disk = lexical.load(folder)
    assert on_disk is not None and on_disk.generation == before.generation  # the previous manifest, intact
    assert [s.name for s in on_disk.segments] == [s.name for s in before.segments]
    assert any(path.name.endswith(".tmp") or path.name.startswith("seg-") and path.name[4:] not in {s.name for s in before.segments}
               for path in folder.iterdir())  # the interrupted write's leftovers
    with Store(settings) as reader:  # the next process catches up from the log and cleans up
        index = reader.lexical_index()
        assert index.generation == reader.generation
        assert_equals_a_rebuild(reader, index)
        named = {f"seg-{s.name}" for s in index.segments} | {"manifest.json"} | {p.name for p in folder.glob("deleted-*")}
        assert {path.name for path in folder.iterdir()} == named
