"""BM25 updates at scale (not a test): what adding or replacing one report costs a large index.

``python -m bench.lexical_updates --scales 100000,1000000 [--base SQLITE …] [--work-dir DIR]``

For each scale, a synthetic index of ``n`` passages is written to SQLite (no vectors: this measures
BM25 alone, so 1M passages build in minutes instead of Chroma's 15). The passages vary real ones
the way ``bench.ingest_and_queries.build_synthetic`` does (tokens of a real passage, ~15 % dropped,
two random ones added; real tags; random gemeenten, years, publishers; 100 passages per document).
Then, in one process:

- a full build of BM25 (``Store.rebuild_lexical``: what every changing ingest did before);
- a reader opening the saved index (cold) and BM25 query latency (``LexicalIndex.search`` with
  the query path's filter masks: unfiltered and four filters, 50 results, no query embedding);
- **adding one report** of 150 passages (a 30-page report) through SQL rows plus a new generation,
  then the writer's ``lexical_index()`` (log, rows, new segment, save) and a reader's (it loads
  only the new segment), and the first query after it;
- **replacing** an existing report (re-ingest: its old rows deleted, 150 new ones), the same way;
- query latency again, and the process's peak memory.

Writes ``bench/results/bm25-updates-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.ingest_and_queries import (
    PASSAGES_PER_DOCUMENT,
    REPO,
    _synthetic_documents,
    load_queries,
    machine_facts,
    process_memory,
)
from core.config import Settings, load_settings

REPORT_PASSAGES = 150


def load_rows(bases: Sequence[Path]) -> list[sqlite3.Row]:
    rows: list[sqlite3.Row] = []
    for path in bases:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        rows += db.execute("SELECT heading, text, lex, areas, area_mask, kind, kind_mask, role FROM passages").fetchall()
        db.close()
    if not rows:
        raise SystemExit("no base passages: ingest a corpus first and pass its wijkkennis.sqlite with --base")
    return rows


def passage_rows(doc_id: str, count: int, base: list[sqlite3.Row], vocabulary: list[str], rng: np.random.Generator) -> list[tuple]:
    out = []
    for position, b in enumerate(rng.integers(len(base), size=count).tolist()):
        t = base[int(rng.integers(len(base)))]
        tokens = [tok for tok in (base[b]["lex"] or "").split() if rng.random() > 0.15]
        tokens += [vocabulary[int(j)] for j in rng.integers(len(vocabulary), size=2)]
        out.append((f"{doc_id}-{position:03d}", doc_id, position, 1 + position // 5, base[b]["heading"], base[b]["text"], t["areas"],
                    t["area_mask"], "{}", t["kind"], 0.5, 0, " ".join(tokens), t["kind_mask"] or 0, t["role"] or "body"))
    return out


INSERT_PASSAGES = """INSERT INTO passages(passage_id, doc_id, position, page, heading, text, areas, area_mask, area_scores, kind,
                     kind_score, ocr, lex, kind_mask, role) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""
INSERT_DOCUMENT = """INSERT INTO documents(doc_id, file, sha256, title, gemeente, gemeentecode, provincie, grootteklasse, g40,
                     year, publisher, report_type, n_pages, n_passages, status, warnings, ingested_at)
                     VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'complete', '[]', '')"""


def document_row(d: dict[str, Any], n_passages: int) -> tuple:
    return (d["doc_id"], d["file"], d["doc_id"], f"Synthetisch rapport {d['gemeente']} {d['year']}", d["gemeente"], d["gemeentecode"],
            d["provincie"], d["grootteklasse"], int(d["g40"]), d["year"], d["publisher"], "evaluatie", 30, n_passages)


def build_sqlite(directory: Path, n: int, base: list[sqlite3.Row], settings: Settings, seed: int = 7) -> dict[str, Any]:
    from index.store import Store

    shutil.rmtree(directory, ignore_errors=True)
    rng = np.random.default_rng(seed)
    vocabulary = sorted({t for r in base for t in (r["lex"] or "").split()}) or ["_"]
    docs = _synthetic_documents(math.ceil(n / PASSAGES_PER_DOCUMENT), rng)
    began = time.perf_counter()
    store = Store(settings)
    with store.transaction() as db:
        db.executemany(INSERT_DOCUMENT, [document_row(d, PASSAGES_PER_DOCUMENT) for d in docs])
        for i, d in enumerate(docs):
            count = min(PASSAGES_PER_DOCUMENT, n - i * PASSAGES_PER_DOCUMENT)
            db.executemany(INSERT_PASSAGES, passage_rows(d["doc_id"], count, base, vocabulary, rng))
        store._set_meta("generation", "1")
        store._set_meta("embedder", settings.embedder)
    store.close()
    return {"sqlite_seconds": round(time.perf_counter() - began, 1), "documents": len(docs)}


def query_latency(store: Any, queries: Sequence[str], rounds: int) -> dict[str, Any]:
    from bench.ingest_and_queries import filter_mix
    from index.query import Filters, lexical_mask

    class _Service:  # filter_mix needs only .store
        pass

    service = _Service()
    service.store = store  # type: ignore[attr-defined]
    mix = [("none", Filters())] + filter_mix(service)
    samples: dict[str, list[float]] = {label: [] for label, _ in mix}
    cpu_began = time.process_time()
    for i in range(rounds):
        for label, filters in mix:
            query = queries[i % len(queries)]
            began = time.perf_counter()
            index = store.lexical_index()
            index.search(query, 50, lexical_mask(index, filters))
            samples[label].append((time.perf_counter() - began) * 1000)
    cpu_ms = (time.process_time() - cpu_began) * 1000
    everything = [x for values in samples.values() for x in values]
    return {
        "cpu_ms_per_query": round(cpu_ms / len(everything), 2),  # less sensitive to other jobs than wall time
        "p50_ms": round(float(np.percentile(everything, 50)), 2),
        "p95_ms": round(float(np.percentile(everything, 95)), 2),
        "unfiltered_p95_ms": round(float(np.percentile(samples["none"], 95)), 2),
        "per_filter_p95_ms": {label: round(float(np.percentile(v, 95)), 2) for label, v in samples.items()},
        "n": len(everything),
    }


def timed(call: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    result = call()
    return round(time.perf_counter() - began, 3), result


def bench_scale(n: int, base: list[sqlite3.Row], work: Path, rounds: int, reuse: bool) -> dict[str, Any]:
    from index.store import Store

    directory = work / f"bm25-{n}"
    settings = load_settings(data_dir=directory, chroma_host="", ocr=False)
    result: dict[str, Any] = {"n": n}
    if not (reuse and (directory / "wijkkennis.sqlite").is_file()):
        print(f"  {n:,}: writing SQLite rows", flush=True)
        result["build"] = build_sqlite(directory, n, base, settings)
    writer = Store(settings)
    writer.begin_writing()
    result["full_build_s"], index = timed(writer.rebuild_lexical)
    print(f"  {n:,}: full BM25 build {result['full_build_s']:.1f} s ({len(index.segments)} segment)", flush=True)
    writer._lexical = index
    result["memory_after_full_build"] = process_memory()
    reader = Store(settings)
    result["reader_cold_open_s"], _ = timed(reader.lexical_index)
    queries = load_queries(40)
    query_latency(reader, queries, 3)  # warm-up
    result["queries_before"] = query_latency(reader, queries, rounds)
    rng = np.random.default_rng(99)
    vocabulary = sorted({t for r in base for t in (r["lex"] or "").split()})
    doc = _synthetic_documents(1, rng)[0] | {"doc_id": "nieuw0000001", "file": "nieuw-rapport.pdf"}
    with writer.transaction() as db:  # a 30-page report arrives (what write_document does to SQLite)
        db.execute(INSERT_DOCUMENT, document_row(doc, REPORT_PASSAGES))
        db.executemany(INSERT_PASSAGES, passage_rows(doc["doc_id"], REPORT_PASSAGES, base, vocabulary, rng))
        writer._bump_generation()
    result["add_report_writer_s"], added = timed(writer.lexical_index)
    result["add_report_reader_s"], _ = timed(reader.lexical_index)
    result["add_report_first_query_ms"] = round(timed(lambda: reader.lexical_index().search(queries[0], 50))[0] * 1000, 1)
    result["segments_after_add"] = [len(s) for s in added.segments]
    print(f"  {n:,}: add one report ({REPORT_PASSAGES} passages): writer {result['add_report_writer_s']:.2f} s, "
          f"reader {result['add_report_reader_s']:.2f} s", flush=True)
    replaced = "syn0000003"
    with writer.transaction() as db:  # a re-ingest of an existing report: old rows out, new rows in
        db.execute("DELETE FROM passages WHERE doc_id = ?", (replaced,))
        db.executemany(INSERT_PASSAGES, passage_rows(replaced, REPORT_PASSAGES, base, vocabulary, rng))
        writer._bump_generation()
    result["replace_report_writer_s"], after = timed(writer.lexical_index)
    result["replace_report_reader_s"], _ = timed(reader.lexical_index)
    result["segments_after_replace"] = [len(s) for s in after.segments]
    result["deleted_rows_after_replace"] = sum(len(v) for v in after.deleted.values())
    print(f"  {n:,}: replace one report: writer {result['replace_report_writer_s']:.2f} s, reader {result['replace_report_reader_s']:.2f} s",
          flush=True)
    result["queries_after"] = query_latency(reader, queries, rounds)
    result["passages_after"] = after.size
    result["memory"] = process_memory()
    result["bm25_bytes"] = sum(p.stat().st_size for p in (directory / "index" / "bm25").rglob("*") if p.is_file())
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    q0, q1 = result["queries_before"], result["queries_after"]
    print(f"  {n:,}: BM25 query p50/p95 ms before {q0['p50_ms']}/{q0['p95_ms']}, after {q1['p50_ms']}/{q1['p95_ms']}; "
          f"peak RSS {result['memory']['peak_rss_mib'] / 1024:.2f} GiB", flush=True)
    reader.close()
    writer.close()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lexical_updates", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="100000,1000000")
    parser.add_argument("--base", action="append", type=Path, default=None, help="wijkkennis.sqlite of an ingested corpus (repeatable).")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="Reuse the SQLite rows of an earlier run.")
    args = parser.parse_args(argv)
    settings = load_settings()
    work = args.work_dir or settings.data_dir / "bench"
    bases = args.base or sorted(work.glob("*-index/wijkkennis.sqlite"))
    base = load_rows(bases)
    result: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine_facts(),
                              "base": [str(b) for b in bases], "base_passages": len(base), "scales": []}
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bm25-updates-{result['started'].replace(':', '').replace('-', '')[:15]}.json"
    for n in [int(x) for x in args.scales.split(",") if x.strip()]:
        result["scales"].append(bench_scale(n, base, work, args.rounds, args.reuse))
        path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
