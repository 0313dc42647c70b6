"""Theme computation at scale: ``python -m bench.themes_scale [--sizes 10000,100000] [--json]``.

Times the grouping of ``pipeline.themes`` (lemmas, TF-IDF, k-means blocks, agglomerative
clustering, labels) on N findings, and the per-finding cost of the two model steps measured on a
sample (embedding and the tagger's reading), which a first computation pays once per finding
(finding vectors are cached in ``data_dir/themes/vectors.sqlite``; a recomputation after an
ingest embeds only the new findings).

The findings are the sentences of the project's labelled passages (``training/tags``), repeated
with their vectors jittered (Gaussian noise, σ 0.02 per dimension, renormalised) until N — real
text and a realistic spread of vectors, not real themes. Peak memory is the process's max RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

from core.config import load_settings
from pipeline.embed import load_embedder
from pipeline.nlp import sentences
from pipeline.tag import load_tagger
from pipeline.themes import FINDING_KINDS, Finding, annotate, finding_key, group_findings

TRAINING = Path(__file__).resolve().parents[1] / "training" / "tags"


def base_sentences(limit: int) -> list[str]:
    texts = []
    for path in sorted(TRAINING.glob("part_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            data = json.loads(line) if line.strip() else {}
            if isinstance(data.get("text"), str):
                texts += [s for s in sentences(data["text"]) if len(s) > 40]
            if len(texts) >= limit:
                return texts[:limit]
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--base", type=int, default=2000, help="Distinct sentences embedded and tagged (the sample).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    texts = base_sentences(args.base)
    embedder = load_embedder(settings.embedder)
    started = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    embed_s = (time.perf_counter() - started) / len(texts)
    raw = [Finding(finding_key(t, f"d{i % 400}"), t, FINDING_KINDS[i % 3], doc_id=f"d{i % 400}") for i, t in enumerate(texts)]
    started = time.perf_counter()
    annotated = annotate(raw, load_tagger(settings.tagger), vectors)
    tag_s = (time.perf_counter() - started) / len(texts)
    rng = np.random.default_rng(0)
    results = {"embedder": embedder.name, "sample": len(texts), "embed_ms_per_finding": round(embed_s * 1000, 2),
               "tagger_ms_per_finding": round(tag_s * 1000, 2), "sizes": []}
    print(f"sample {len(texts)} sentences: embedding {embed_s * 1000:.1f} ms/finding, tagger reading {tag_s * 1000:.1f} ms/finding ({embedder.name})")
    for size in (int(s) for s in args.sizes.split(",")):
        rows = np.arange(size) % len(texts)
        jittered = vectors[rows] + rng.normal(0, 0.02, (size, vectors.shape[1])).astype(np.float32)
        jittered /= np.linalg.norm(jittered, axis=1, keepdims=True)
        findings = [Finding(f"{i}", annotated[r].text, annotated[r].kind, area_scores=annotated[r].area_scores,
                            doc_id=f"d{i % (size // 30 + 1)}") for i, r in enumerate(rows)]
        started = time.perf_counter()
        themes, unthemed = group_findings(findings, jittered)
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        first = seconds + size * (embed_s + tag_s)
        results["sizes"].append({"findings": size, "group_s": round(seconds, 1), "themes": len(themes),
                                 "unthemed": len(unthemed), "first_computation_s": round(first, 1), "max_rss_mb": round(rss)})
        print(f"{size:>7} findings: grouping {seconds:7.1f} s, {len(themes)} themes, {len(unthemed)} unthemed; "
              f"first computation incl. embedding + tagger ≈ {first:.0f} s; max RSS {rss:.0f} MB")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
