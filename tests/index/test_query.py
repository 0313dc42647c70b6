"""Search over the demo corpus in a real on-disk chromadb + BM25 index."""

from __future__ import annotations

import pytest

from core.config import Settings
from index.query import Filters, QueryError, SearchService

ZWOLLE = "zwolle-evaluatie-wijkteams-2019.pdf"


def test_known_passage_found_with_provenance(demo_service: SearchService) -> None:
    hits = demo_service.search("wachtlijsten en werkdruk", top_k=5)
    top = hits[0]
    assert (top.file, top.page) == (ZWOLLE, 3)
    assert top.heading == "2.1 Werkdruk en wachtlijsten"
    assert (top.gemeente, top.gemeentecode, top.year) == ("Zwolle", "GM0193", 2019)
    assert 2 in top.areas  # werkdruk/wachtlijsten is aandachtsgebied 2
    assert "**" in top.snippet  # query terms highlighted
    assert set(top.scores) >= {"dense", "bm25", "fused"}


@pytest.mark.parametrize("ranker", ["bm25", "dense"])
def test_single_rankers_find_the_known_passage(demo_service: SearchService, ranker: str) -> None:
    hits = demo_service.search("wachtlijsten en werkdruk", top_k=3, ranker=ranker)  # type: ignore[arg-type]
    assert (ZWOLLE, 3) in {(h.file, h.page) for h in hits}


def test_running_headers_footers_and_page_numbers_are_stripped(demo_settings: Settings) -> None:
    from index.store import Store

    store = Store(demo_settings)
    rows = store.db.execute("SELECT text FROM passages").fetchall()
    assert rows
    for row in rows:
        assert "Evaluatie sociale wijkteams Zwolle 2019" not in row["text"]
        assert "Pagina " not in row["text"]


def test_hyphenated_words_are_rejoined(demo_service: SearchService) -> None:
    hits = demo_service.search("wachtlijsten", filters=Filters(gemeenten=("GM0193",)), top_k=10, ranker="bm25")
    page3 = " ".join(h.text for h in hits if h.page == 3)
    assert "wachtlijsten" in page3
    assert "wacht-" not in page3 and "wacht- lijsten" not in page3
    tilburg = demo_service.search("ketenpartners", filters=Filters(gemeenten=("GM0855",)), ranker="bm25")
    assert any("ketenpartners" in h.text for h in tilburg if h.page == 3)


def test_two_column_page_is_read_left_column_first(demo_settings: Settings) -> None:
    from index.store import Store

    store = Store(demo_settings)
    rows = store.db.execute(
        "SELECT p.text FROM passages p JOIN documents d USING (doc_id) WHERE d.file = ? AND p.page = 4 ORDER BY p.position",
        (ZWOLLE,),
    ).fetchall()
    text = "\n".join(r["text"] for r in rows)
    left = text.index("In de linkerkolom eindigt het verhaal over de toegang tot het wijkteam.")
    right = text.index("De rechterkolom begint met de samenwerking met huisartsen.")
    assert left < right


def test_table_rows_are_kept_as_rows(demo_settings: Settings) -> None:
    from index.store import Store

    rows = Store(demo_settings).db.execute("SELECT p.text FROM passages p JOIN documents d USING (doc_id) WHERE d.file LIKE 'tilburg%' AND p.page = 4").fetchall()
    text = "\n".join(r["text"] for r in rows)
    assert "Wijk | Aantal meldingen | Gemiddelde wachttijd (weken)" in text
    assert "Reeshof | 312 | 6" in text


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(areas=(3,)), lambda h: 3 in h.areas),
        (Filters(gemeenten=("GM0855",)), lambda h: h.gemeente == "Tilburg"),
        (Filters(year_from=2021, year_to=2022), lambda h: 2021 <= h.year <= 2022),
        (Filters(provincie="Overijssel"), lambda h: h.provincie == "Overijssel"),
        (Filters(publisher="Gemeente Geldermalsen"), lambda h: h.publisher == "Gemeente Geldermalsen"),
        (Filters(grootteklasse="50-100k"), lambda h: h.gemeente in {"West Betuwe", "Súdwest-Fryslân"}),
        (Filters(g40=True), lambda h: h.gemeente in {"Apeldoorn", "Tilburg", "Zwolle"}),
        (Filters(g40=False), lambda h: h.gemeente in {"West Betuwe", "Súdwest-Fryslân"}),
        (Filters(areas=(5, 7)), lambda h: 5 in h.areas or 7 in h.areas),
        (Filters(areas=(3,), g40=True, year_from=2020), lambda h: 3 in h.areas and h.year >= 2020),
    ],
)
@pytest.mark.parametrize("ranker", ["hybrid", "bm25", "dense"])
def test_filters_return_only_matching_passages(demo_service: SearchService, filters: Filters, check, ranker: str) -> None:  # type: ignore[no-untyped-def]
    hits = demo_service.search("samenwerking in het wijkteam", filters=filters, top_k=20, ranker=ranker, max_per_document=0)  # type: ignore[arg-type]
    assert hits, filters
    assert all(check(h) for h in hits)


def test_kind_filter(demo_service: SearchService) -> None:
    everything = demo_service.search("wijkteam", top_k=50, max_per_document=0)
    kinds = {h.kind for h in everything}
    assert len(kinds) >= 2
    for kind in kinds:
        hits = demo_service.search("wijkteam", filters=Filters(kind=kind), top_k=50, max_per_document=0)
        # the passage's main kind, or the kind of one of its sentences
        assert hits and all(kind in h.kinds for h in hits)
        # every page shown for a passage of that main kind is still shown (one hit per page: by
        # that passage or by another one of the page that has the kind too)
        main = {(h.file, h.page) for h in everything if h.kind == kind}
        assert main <= {(h.file, h.page) for h in hits}


def test_results_are_one_per_page_and_diversified_over_documents(demo_service: SearchService) -> None:
    hits = demo_service.search("wijkteam", top_k=10, max_per_document=2)
    assert len(hits) == 10
    assert len({(h.file, h.page) for h in hits}) == len(hits)  # one hit per page
    # The demo corpus has five documents that mention wijkteams: the first four places hold at
    # most two hits of any one document (further hits of a document are moved down, not dropped).
    first = [h.doc_id for h in hits[:4]]
    assert max(first.count(doc) for doc in first) <= 2
    undiversified = demo_service.search("wijkteam", top_k=10, max_per_document=0)
    assert len({(h.file, h.page) for h in undiversified}) == len(undiversified)


def test_diversify_moves_extra_hits_of_a_document_down() -> None:
    from index.query import diversify

    keys = [("A", 1), ("A", 1), ("A", 2), ("A", 3), ("B", 1), ("C", 1), ("C", 2), ("D", 1), ("E", 1)]
    # One hit per page: A1 A2 A3 B1 C1 C2 D1 E1 (places 0–7; the second A1 passage is dropped).
    # With N = 2 the 3rd hit of A moves 2 places down (place 4, after C1 which was not moved).
    order = diversify(keys, top_k=10, max_per_document=2)
    assert [keys[i] for i in order] == [("A", 1), ("A", 2), ("B", 1), ("C", 1), ("A", 3), ("C", 2), ("D", 1), ("E", 1)]
    assert order[:2] == [0, 2]  # positions into keys: the first passage of a page stands for it
    # N = 1: A2 ranks as if at place 1 + 1 = 2, A3 at 2 + 2 = 4 (after C1, not moved), C2 at 5 + 1.
    order = diversify(keys, top_k=6, max_per_document=1)
    assert [keys[i] for i in order] == [("A", 1), ("A", 2), ("B", 1), ("C", 1), ("A", 3), ("D", 1)]
    # 0 = no diversification; top_k cuts the list.
    assert [keys[i] for i in diversify(keys, top_k=3, max_per_document=0)] == [("A", 1), ("A", 2), ("A", 3)]


def test_more_like_this_comes_from_other_gemeenten(demo_service: SearchService) -> None:
    source = demo_service.search("wachtlijsten en werkdruk", top_k=1)[0]
    similar = demo_service.more_like_this(source.passage_id, top_k=5)
    assert similar
    assert all(h.gemeentecode != source.gemeentecode for h in similar)


@pytest.mark.parametrize(
    ("query", "filters", "message"),
    [
        ("", Filters(), "lege zoekvraag"),
        ("x" * 501, Filters(), "te lang"),
        ("wijkteam", Filters(areas=(11,)), "bestaat niet"),
        ("wijkteam", Filters(kind="roddel"), "bestaat niet"),
        ("wijkteam", Filters(year_from=2023, year_to=2020), "jaar"),
    ],
)
def test_bad_queries_get_a_clear_error(demo_service: SearchService, query: str, filters: Filters, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        demo_service.search(query, filters)


DENSE_FILTER_PATHS = {
    "overfetch-and-mask": {"BROAD_FILTER_SHARE": 0.0},
    "chroma-ids": {"BROAD_FILTER_SHARE": 1.01},
    "chroma-where": {"BROAD_FILTER_SHARE": 1.01, "MAX_ID_LIST": 0},
}


@pytest.mark.parametrize("path", ["overfetch-and-mask", "chroma-ids"])
@pytest.mark.parametrize(
    "filters",
    [Filters(areas=(3,)), Filters(gemeenten=("GM0855",)), Filters(kind="aanbeveling"), Filters(g40=False, year_to=2018)],
)
def test_dense_filter_paths_agree(demo_service: SearchService, monkeypatch: pytest.MonkeyPatch, filters: Filters, path: str) -> None:
    """Broad filters are answered by an unfiltered HNSW query plus the BM25 mask, narrow ones by
    Chroma's query(ids=…) with the mask's passage ids; both must return exactly what Chroma's own
    where clause returns: the matching passages, best first."""
    import index.query as query_module
    from index.store import Store

    def dense_via(name: str) -> list[tuple[str, float]]:
        with monkeypatch.context() as patch:
            for attribute, value in DENSE_FILTER_PATHS[name].items():
                patch.setattr(query_module, attribute, value)
            return demo_service.dense("samenwerking met ketenpartners", 30, filters)

    dense, reference = dense_via(path), dense_via("chroma-where")
    assert dense and [pid for pid, _ in dense] == [pid for pid, _ in reference]
    assert [score for _, score in dense] == pytest.approx([score for _, score in reference], abs=1e-5)
    records = Store(demo_service.settings).passages([pid for pid, _ in dense])
    where = query_module.chroma_where(filters)
    matching = set(demo_service.store.collection.get(where=where, include=[])["ids"])
    assert {pid for pid, _ in dense} <= matching
    assert len(dense) == min(30, len(matching)) and len(records) == len(dense)
