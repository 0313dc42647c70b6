"""Tagging throughput (passages/s) of the trained tagger and the rule tagger. Not a test.

    python bench/bench_tagging.py [--n 400] [--rounds 3]

Passages: the labelled texts in training/tags/*.jsonl (synthetic and real report passages,
first ``--n`` in file order). Figures, best of ``--rounds`` after a warm-up:

- trained, incl. embedding: ``TrainedTagger.tag(passages)``: it embeds with e5-small itself;
- trained, vectors given:   ``TrainedTagger.tag(passages, vectors=...)``: what ingest pays when
  its search embedder is e5-small and it hands over the vectors it computes anyway;
- trained, text mode:       ``TrainedTagger.load(mode="text").tag(passages)``: no e5 block, no embedding;
- e5-small embedding alone: ``embed_passages`` of the same texts (for reference);
- rules:                    ``RuleTagger.tag(passages)``.

Besides wall-clock passages/s the script prints passages per CPU-second of this process (all
threads): on a shared 2-core machine other processes slow the wall clock, not the CPU cost. On an
otherwise idle machine the single-threaded parts run at about their per-CPU-second rate, the
embedder (two threads) at up to twice it. The load average is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.records import Passage  # noqa: E402
from pipeline.tag_model import TRAINING_DIR, TrainedTagger, embedding_text  # noqa: E402
from pipeline.tag_rules import RuleTagger  # noqa: E402
from pipeline.training_data import load_labelled  # noqa: E402


def best_rate(label: str, n: int, run: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Best wall-clock rate, and passages per CPU-second of this process (all its threads)."""
    walls, cpus = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    rate, cpu_rate = n / min(walls), n / min(cpus)
    print(f"{label:<34} {rate:>8.0f} passages/s   {cpu_rate:>8.0f} per CPU-second   (best of {rounds}: {min(walls):.2f} s for {n})", flush=True)
    return rate, cpu_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args()

    # Lines that point into ../shared are resolved (and skipped without it): the same texts as before.
    texts = [p.text for p in load_labelled(sorted(TRAINING_DIR.glob("*.jsonl"))).passages]
    texts = texts[: args.n]
    passages = [Passage(f"b:{i}", "bench", "bench.pdf", 1, "", text, i) for i, text in enumerate(texts)]
    n = len(passages)
    print(f"{n} passages, mean {sum(map(len, texts)) / n:.0f} characters; cpu_count={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)

    tagger, text_tagger, rules = TrainedTagger.load(), TrainedTagger.load(mode="text"), RuleTagger()
    vectors = TrainedTagger.embed([embedding_text(p) for p in passages])  # also warms the embedder
    tagger.tag(passages[:16], vectors=vectors[:16])
    rules.tag(passages[:16])
    text_tagger.tag(passages[:16])

    figures = {
        "trained_with_embedding": best_rate("trained, incl. e5-small embedding", n, lambda: tagger.tag(passages), args.rounds),
        "trained_given_vectors": best_rate("trained, vectors given", n, lambda: tagger.tag(passages, vectors=vectors), args.rounds),
        "trained_text_mode": best_rate("trained, text mode (no embedding)", n, lambda: text_tagger.tag(passages), args.rounds),
        "e5_embedding_only": best_rate("e5-small embedding alone", n, lambda: TrainedTagger.embed([embedding_text(p) for p in passages]), args.rounds),
        "rules": best_rate("rules", n, lambda: rules.tag(passages), args.rounds),
    }
    print(f"load average {os.getloadavg()[0]:.1f} at end", flush=True)
    if args.json:
        print(json.dumps({"n": n, **{k: round(v[0], 1) for k, v in figures.items()}, **{f"{k}_per_cpu_s": round(v[1], 1) for k, v in figures.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
