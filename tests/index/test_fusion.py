"""Fusion of dense and BM25 lists (rrf and the tuned weighted sum) and the tuning run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import Settings
from index import fusion
from index.query import Filters, QueryError, SearchService


def test_rrf_matches_hand_computed_scores() -> None:
    dense = [("a", 0.9), ("b", 0.8)]
    bm25 = [("b", 12.0), ("c", 3.0)]
    fused = fusion.rrf(dense, bm25, dense_weight=1.0, bm25_weight=0.6, k=60)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 0.6 / 61)
    assert fused["c"] == pytest.approx(0.6 / 62)
    assert sorted(fused, key=lambda p: -fused[p]) == ["b", "a", "c"]


def test_weighted_sum_uses_relative_bm25_and_the_dense_floor() -> None:
    dense = [("a", 0.90), ("b", 0.85), ("c", 0.80)]
    bm25 = [("c", 10.0), ("d", 5.0)]
    fused = fusion.weighted(dense, bm25, bm25_weight=0.2)
    assert fused["a"] == pytest.approx(0.90)
    assert fused["c"] == pytest.approx(0.80 + 0.2 * 1.0)
    # d was not in the dense list: it gets the lowest cosine of that list.
    assert fused["d"] == pytest.approx(0.80 + 0.2 * 0.5)
    assert sorted(fused, key=lambda p: -fused[p]) == ["c", "a", "d", "b"]


def test_weighted_sum_without_bm25_matches_is_the_dense_order() -> None:
    dense = [("a", 0.9), ("b", 0.7)]
    assert fusion.weighted(dense, [], 0.5) == {"a": 0.9, "b": 0.7}
    assert fusion.weighted([], [("x", 4.0), ("y", 2.0)], 0.5) == {"x": 0.5, "y": 0.25}


def test_resolve_methods_and_weights(tmp_path: Path) -> None:
    weights = tmp_path / "fusion.json"
    weights.write_text(json.dumps({"embedders": {"e5-small": {"bm25_weight": 0.04}}}))
    assert fusion.resolve("rrf", "e5-small", path=weights) == ("rrf", 0.0)
    assert fusion.resolve("weighted", "e5-small", path=weights) == ("weighted", 0.04)
    assert fusion.resolve("weighted", "e5-small", weight=0.1, path=weights) == ("weighted", 0.1)
    with pytest.raises(ValueError, match="tune-fusion"):
        fusion.resolve("weighted", "minilm", path=weights)
    with pytest.raises(ValueError, match="onbekende fusie"):
        fusion.resolve("sum", "e5-small", path=weights)


def test_shipped_weight_exists_for_the_default_embedder() -> None:
    entry = fusion.tuned_weights()["e5-small"]
    assert 0 < entry["bm25_weight"] <= max(fusion.WEIGHT_GRID)
    assert entry["queries"] >= 900, "tuned on the full set of synthetic-passage queries"


def test_training_queries_are_valid_and_point_at_training_passages() -> None:
    queries = fusion.load_queries()
    pool, tuning = fusion.tuning_pool(queries)
    assert len(queries) >= 1000
    assert len(tuning) >= 900
    assert all(q.passage_id in pool for q in tuning)
    # The queries of real passages are held out from tuning (they are eval/search_passages_*.jsonl).
    assert not any(q.passage_id.startswith("r-") for q in tuning)


def test_tune_on_a_small_pool_with_the_real_embedder(tmp_path: Path) -> None:
    from pipeline.embed import load_embedder

    pool, queries = fusion.tuning_pool(fusion.load_queries(), limit=25, max_passages=80)
    assert len(queries) == 25 and len(pool) == 80
    report = fusion.tune(load_embedder("e5-small"), pool, queries, grid=(0.0, 0.02, 0.05, 0.1))
    by_weight = report["mrr10_by_weight"]
    assert report["mrr10"] == max(by_weight.values()) == by_weight[str(report["best_weight"])]
    # Weight 0 ranks by cosine alone (BM25-only passages sit at the dense floor, after the dense list).
    assert by_weight["0.0"] == report["dense_mrr10"]
    assert 0 < report["bm25_mrr10"] <= 1 and 0 < report["rrf_mrr10"] <= 1
    target = tmp_path / "fusion.json"
    fusion.save(report, target)
    assert fusion.tuned_weight("e5-small", target) == report["best_weight"]


def test_service_with_weighted_fusion_orders_by_the_weighted_sum(demo_settings: Settings) -> None:
    service = SearchService(demo_settings.replace(fusion="weighted", bm25_fusion_weight=0.05))
    assert service.fusion_label.startswith("weighted")
    query = "wachtlijsten en werkdruk"
    dense = service.dense(query, 50, Filters())
    bm25 = service.bm25(query, 50, Filters())
    expected = fusion.weighted(dense, bm25, 0.05)
    ranked = service.ranked(query, 10, Filters(), "hybrid")
    assert [pid for pid, _, _ in ranked] == sorted(expected, key=lambda p: -expected[p])
    assert service.search(query, top_k=3)[0].file == "zwolle-evaluatie-wijkteams-2019.pdf"


def test_unknown_fusion_is_a_query_error(demo_settings: Settings) -> None:
    with pytest.raises(QueryError, match="onbekende fusie"):
        SearchService(demo_settings.replace(fusion="sum"))

