"""The Dutch BM25 index: tokenisation, masked (filtered) search, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index import lexical

TEXTS = [
    "De wachtlijsten bij de sociale wijkteams zijn fors gestegen.",
    "Een wachtlijst voor jeugdhulp ontstaat door personeelstekort.",
    "Huisartsen en praktijkondersteuners verwijzen naar het wijkteam.",
    "Mantelzorgers in de kleine kernen zijn zwaar belast.",
    "De wachtlijst in Noord is het langst; in Berkel-Enschot wachten inwoners drie weken.",
]


def make_index(generation: int = 7) -> lexical.LexicalIndex:
    ids = [f"doc:{i}" for i in range(len(TEXTS))]
    columns = {"year": np.array([2019, 2020, 2021, 2022, 2023], dtype=np.int16)}
    return lexical.build(ids, [lexical.tokenize(t) for t in TEXTS], columns, generation)


def test_tokenize_folds_drops_stop_words_and_stems() -> None:
    tokens = lexical.tokenize("De wachtlijsten bij het Wijkteam: cliënten en de wachtlijst")
    assert "de" not in tokens and "het" not in tokens and "bij" not in tokens
    assert tokens.count(lexical.tokenize("wachtlijst")[0]) == 2  # plural and singular meet
    assert lexical.tokenize("cliënten") == lexical.tokenize("clienten")  # diacritics folded
    assert lexical.tokenize("WIJKTEAM") == lexical.tokenize("wijkteam")


def test_hyphenated_compounds_give_the_whole_and_the_parts() -> None:
    tokens = lexical.tokenize("Berkel-Enschot")
    assert len(tokens) == 3
    assert set(lexical.tokenize("Enschot")) <= set(tokens)


def test_search_ranks_matching_passages_and_respects_k() -> None:
    index = make_index()
    hits = index.search("wachtlijst", k=10)
    assert {pid for pid, _ in hits} == {"doc:0", "doc:1", "doc:4"}
    assert all(score > 0 for _, score in hits)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert len(index.search("wachtlijst", k=2)) == 2
    assert index.search("parkeervergunning", k=5) == []  # no shared word: nothing, not noise
    assert index.search("de het een", k=5) == []  # only stop words


def test_masked_search_returns_only_allowed_rows() -> None:
    index = make_index()
    mask = index.columns["year"] >= 2021
    hits = index.search("wachtlijst", k=10, mask=mask)
    assert [pid for pid, _ in hits] == ["doc:4"]
    assert index.search("wachtlijst", k=10, mask=np.zeros(len(TEXTS), dtype=bool)) == []
    assert index.rows == {f"doc:{i}": i for i in range(len(TEXTS))}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = make_index(generation=42)
    target = tmp_path / "bm25"
    lexical.save(index, target)
    loaded = lexical.load(target)
    assert loaded is not None
    assert loaded.generation == 42 and loaded.passage_ids == index.passage_ids
    assert np.array_equal(loaded.columns["year"], index.columns["year"])
    assert loaded.search("huisartsen verwijzen", k=3) == index.search("huisartsen verwijzen", k=3)
    assert lexical.load(tmp_path / "missing") is None


def test_empty_index_answers_nothing(tmp_path: Path) -> None:
    empty = lexical.build([], [], {"year": np.array([], dtype=np.int16)}, 0)
    assert empty.search("wachtlijst", k=5) == []
    lexical.save(empty, tmp_path / "bm25")
    loaded = lexical.load(tmp_path / "bm25")
    assert loaded is not None and loaded.search("wachtlijst", k=5) == []
