"""What the default embedder is tuned on (``pipeline.e5_finetune``): the team's search queries of
synthetic passages only, with a fixed held-out part. The tuning itself runs when the embedder is
built (tests/pipeline/test_e5_openvino.py checks the built model)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from pipeline import e5_finetune

ROOT = Path(__file__).resolve().parents[2]


def test_trains_only_on_queries_of_synthetic_passages() -> None:
    training, held, passages = e5_finetune.pairs()
    assert len(training) > 800 and len(held) > 100
    used = {pid for _, pid in training + held}
    assert all(pid.startswith(("a-", "b-")) and pid in passages for pid in used)
    dev_ids = {json.loads(line)["id"] for line in (ROOT / "training" / "tags" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not used & dev_ids
    gold_queries = set()
    for path in (ROOT / "eval").glob("search_*.jsonl"):
        gold_queries |= {json.loads(line).get("query", "").strip() for line in path.read_text(encoding="utf-8").splitlines()
                         if line.strip() and not line.lstrip().startswith("#")}
    assert not {q.strip() for q, _ in training} & gold_queries
    # held out by passage: no passage has queries on both sides, and the split is fixed
    assert not {pid for _, pid in training} & {pid for _, pid in held}
    assert e5_finetune.pairs()[1] == held


def test_batches_never_hold_two_queries_of_one_passage() -> None:
    pairs = [(f"vraag {i}", f"a-{i % 7}") for i in range(40)]
    batches = e5_finetune.batches(pairs, 8, random.Random(1))
    assert all(len({pid for _, pid in batch}) == len(batch) <= 8 for batch in batches)
    assert sorted(p for batch in batches for p in batch) == sorted(pairs)


def test_the_build_fingerprint_follows_the_training_data(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = e5_finetune.inputs_digest()
    copy = tmp_path / "queries.jsonl"
    copy.write_text(e5_finetune.QUERIES.read_text(encoding="utf-8") + '{"id": "a-0001", "query": "extra"}\n', encoding="utf-8")
    monkeypatch.setattr(e5_finetune, "QUERIES", copy)
    assert e5_finetune.inputs_digest() != before
