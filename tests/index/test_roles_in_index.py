"""Page roles in the index: stored with every passage (SQLite, Chroma, BM25), untagged where a page
holds no findings, and ranked behind every finding in all rankers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import make_settings, write_old_index
from report_factory import COVER_TITLE, EXPECTED_ROLES

from core.config import Settings
from core.records import NON_FINDING_ROLES, Passage, TaggedPassage
from index import lexical
from index.ingest import tag_findings
from index.query import SearchService
from index.store import ROLE_CODES, Store
from pipeline.tag import load_tagger

FILE = "woerden-evaluatie-wijkteams-2017.pdf"


@pytest.fixture(scope="module")
def service(roles_settings: Settings) -> SearchService:
    return SearchService(roles_settings)


def _rows(settings: Settings) -> list[sqlite3.Row]:
    with Store(settings) as store:
        return store.db.execute("SELECT * FROM passages ORDER BY position").fetchall()


def test_every_passage_is_stored_with_its_role(roles_settings: Settings) -> None:
    rows = _rows(roles_settings)
    by_page = {}
    for row in rows:
        by_page.setdefault(row["page"], set()).add(row["role"])
    assert {page: roles for page, roles in by_page.items() if page != 8} == {p: {r} for p, r in EXPECTED_ROLES.items() if p != 8}
    assert by_page[8] == {"body", "bijlage"}  # "Bijlage 1" starts mid-page
    with Store(roles_settings) as store:
        got = store.collection.get(include=["metadatas"])
        chroma = {pid: meta["role"] for pid, meta in zip(got["ids"], got["metadatas"], strict=True)}
        assert chroma == {row["passage_id"]: row["role"] for row in rows}
        index = store.lexical_index()
        codes = {pid: int(index.columns["role"][i]) for i, pid in enumerate(index.passage_ids)}
        assert codes == {row["passage_id"]: ROLE_CODES[row["role"]] for row in rows}


def test_pages_without_findings_are_not_tagged(roles_settings: Settings) -> None:
    rows = _rows(roles_settings)
    skipped = [row for row in rows if row["role"] in NON_FINDING_ROLES]
    assert {row["role"] for row in skipped} == set(NON_FINDING_ROLES)
    for row in skipped:
        assert (row["areas"], row["kind"], row["sentence_kinds"], row["area_mask"]) == ("[]", "beschrijving", "[]", 0)
        assert (row["area_scores"], row["kind_score"]) == ("{}", 0.0)  # never seen by the tagger
    assert any(row["areas"] != "[]" for row in rows if row["role"] not in NON_FINDING_ROLES)
    # … which would have scored them
    tagger = load_tagger(roles_settings.tagger)
    rescored = tagger.tag([Passage(r["passage_id"], r["doc_id"], FILE, r["page"], r["heading"], r["text"], 0) for r in skipped])
    assert all(t.area_scores and t.kind_score > 0 for t in rescored)


class RecordingTagger:
    name = "recording"
    uses_vectors = True

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.vectors: list[float] = []

    def tag(self, passages: list[Passage], vectors: np.ndarray | None = None) -> list[TaggedPassage]:
        self.seen += [p.passage_id for p in passages]
        self.vectors += [] if vectors is None else [float(v[0]) for v in vectors]
        return [TaggedPassage(p, (2,), {2: 0.9}, "knelpunt", 0.8) for p in passages]


def test_tag_findings_hands_the_tagger_only_findings_with_their_own_vectors() -> None:
    roles = ["cover", "samenvatting", "inhoud", "body", "literatuur", "bijlage", "colofon"]
    passages = [Passage(f"d:{i}:0", "d", "r.pdf", i, "", f"tekst {i}", i, role=role) for i, role in enumerate(roles)]  # type: ignore[arg-type]
    vectors = np.arange(len(roles), dtype=np.float32).reshape(-1, 1)
    tagger = RecordingTagger()
    tagged = tag_findings(tagger, passages, vectors, hand_over_vectors=True)  # type: ignore[arg-type]
    assert tagger.seen == ["d:1:0", "d:3:0", "d:5:0"] and tagger.vectors == [1.0, 3.0, 5.0]
    assert [t.passage for t in tagged] == passages
    assert [t.kind for t in tagged] == ["beschrijving", "knelpunt", "beschrijving", "knelpunt", "beschrijving", "knelpunt", "beschrijving"]
    assert [t.areas for t in tagged if t.passage.role in NON_FINDING_ROLES] == [()] * 4


@pytest.mark.parametrize("ranker", ["hybrid", "bm25", "dense"])
def test_a_cover_that_shares_the_query_words_ranks_below_the_body(service: SearchService, ranker: str) -> None:
    hits = service.search(COVER_TITLE, top_k=10, ranker=ranker)  # type: ignore[arg-type]
    pages = [h.page for h in hits]
    assert 1 in pages and 7 in pages, pages  # the cover is demoted, not dropped
    cover, body = hits[pages.index(1)], hits[pages.index(7)]
    assert cover.role == "cover" and body.role == "body"
    assert pages.index(7) < pages.index(1)
    if ranker != "dense":  # the title matches the cover best: without the demotion it would lead
        assert cover.scores["fused"] > body.scores["fused"]
    roles = [h.role for h in hits]
    first_demoted = next(i for i, role in enumerate(roles) if role in NON_FINDING_ROLES)
    assert all(role in NON_FINDING_ROLES for role in roles[first_demoted:]), roles


def test_a_cover_is_still_found_when_nothing_else_matches(service: SearchService) -> None:
    hits = service.search("Bureau Statistiek", top_k=3, ranker="bm25")  # words only the cover has
    assert [(h.page, h.role) for h in hits] == [(1, "cover")]


def test_hits_say_when_they_come_from_the_summary(service: SearchService) -> None:
    hits = service.search("ruimte om zelf te beslissen over lichte ondersteuning", top_k=3)
    assert (hits[0].page, hits[0].role) == (5, "samenvatting")
    assert hits[0].to_dict()["role"] == "samenvatting"


def test_an_index_from_before_roles_reads_as_body_and_its_bm25_is_rebuilt(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    write_old_index(
        settings,
        "sentence_kinds TEXT DEFAULT '[]', kind_mask INTEGER DEFAULT 0",
        """INSERT INTO passages(passage_id, doc_id, text, areas, kind, lex) VALUES ('d:1:0', 'd', 'tekst', '[]', 'knelpunt', 'tekst');
           CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
           INSERT INTO meta VALUES ('generation', '3');""",
    )
    with Store(settings) as store:
        assert store.passages(["d:1:0"])["d:1:0"]["role"] == "body"
        old = store.rebuild_lexical()
        # a BM25 index saved by the older version (no role column) at the current generation
        lexical.save(lexical.build(old.passage_ids, [["tekst"]], {k: v for k, v in old.columns.items() if k != "role"}, 3),
                     store.lexical_dir)
        assert "role" not in lexical.load(store.lexical_dir).columns  # type: ignore[union-attr]
        store._lexical = None
        assert store.lexical_index().columns["role"].tolist() == [ROLE_CODES["body"]]
