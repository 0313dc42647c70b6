"""Run the Wijkkennis benchmarks (not tests): ``python bench/run.py [--help]``, or ``wijkkennis bench``.

Measures ingest throughput per stage and query latency at 10k/100k/1M passages, prints the tables
and writes ``bench/results/bench-<timestamp>.json`` (see docs/performance-and-scale.md). The
tagging throughput benchmark is ``python bench/bench_tagging.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` and the project importable
    sys.path.insert(0, str(ROOT))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wijkkennis bench",
        description="Measure ingest throughput per stage and query latency at 10k/100k/1M passages (not a test). "
        "Prints tables and writes bench/results/bench-<timestamp>.json; see docs/performance-and-scale.md.",
    )
    p.add_argument("--corpus", action="append", type=Path, default=None,
                   help="Folder of PDFs to ingest (repeatable); default: corpus/ and ../shared/corpus/sociaal-domein when present.")
    p.add_argument("--scales", default="10000,100000,1000000", help="Synthetic index sizes for query latency, comma-separated; empty = none.")
    p.add_argument("--rounds", type=int, default=40, help="Timed queries per mode and scale (at least 5).")
    p.add_argument("--work-dir", type=Path, default=None, help="Where benchmark indexes go (default: DATA_DIR/bench).")
    p.add_argument("--out", type=Path, default=None, help="Folder for the JSON results (default: bench/results).")
    p.add_argument("--skip-ingest", action="store_true", help="Reuse the ingested corpora from an earlier run.")
    p.add_argument("--skip-queries", action="store_true", help="Ingest figures only.")
    p.add_argument("--no-rebuild-run", action="store_true", help="Skip the second, page-cache ingest.")
    p.add_argument("--fresh", action="store_true", help="Rebuild synthetic indexes even when a matching one exists.")
    p.add_argument("--compare-embedder", action="append", default=None, dest="compare_embedders",
                   help="Also time this embedder on 128 passages (repeatable).")
    p.add_argument("--workers", type=int, default=0, help="Extraction workers (0 = the setting, default one per core).")
    p.add_argument("--data-dir", type=Path, default=None, help="Data directory (index, cache, curation).")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.rounds < 5:
        parser().error("--rounds must be at least 5")
    from bench.ingest_and_queries import run
    from core.config import load_settings

    corpora = [(folder.name, folder) for folder in args.corpus] if args.corpus else None
    sizes = [int(part.replace("_", "")) for part in args.scales.split(",") if part.strip()]
    run(
        corpora=corpora, scales=sizes, work_dir=args.work_dir, out_dir=args.out, rounds=args.rounds,
        ingest=not args.skip_ingest, queries=not args.skip_queries, reuse=not args.fresh,
        rebuild_run=not args.no_rebuild_run, compare_embedders=args.compare_embedders or (),
        workers=args.workers, settings=load_settings(data_dir=args.data_dir),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
