"""The trained tagger: aandachtsgebieden (multi-label, with confidence) and statement kind.

Design (chosen by measurement, see training/README.md):

- Feature blocks, each with its own logistic-regression heads:
  ``e5``   multilingual-e5-small passage vectors (the project's default search embedder, so
           ingest can hand over the vectors it computes anyway);
  ``word`` TF-IDF over lemma uni- and bigrams (the project's spaCy pipeline, ``pipeline.nlp``);
  ``char`` TF-IDF over character 2–5-grams within words (robust to compounds and PDF noise);
  ``rule`` the rule tagger's cue counts per area and per kind (13 numbers).
- Areas: per area the mean of the blocks' probabilities (e5, word, char, rule); an area is
  assigned when it reaches that area's threshold, tuned by 5-fold cross-validation on the
  training files only; at most three areas (the labelling guidelines' limit).
- Kind: the mean of the e5 and word blocks' softmax probabilities; the most probable kind.
- ``area_scores`` holds the mean probability of every area, ``kind_score`` that of the kind.
- ``TrainedTagger.load(mode="text")`` (name "trained-text") uses only the word, char and rule
  blocks, with its own cross-validated thresholds: no embedding, ~100× faster when no e5 vectors
  are at hand, and a few points lower (dev figures in model.json and training/README.md).

The model is plain numbers in ``pipeline/models/tagger/`` (``model.json``, ``weights.npz``,
``vocab_word.json``, ``vocab_char.json``): no pickles; loading needs numpy, scipy and
scikit-learn's ``CountVectorizer`` with a fixed vocabulary.

Retrain the shipped model with ``wijkkennis train-tagger --ship`` or ``python -m pipeline.tag_model train``:
it reads ``training/tags/*.jsonl`` except ``dev.jsonl``, writes the model and prints dev scores.
``wijkkennis train-tagger`` (``wijkkennis.tagger_versions``) trains a version per data directory
from curator decisions too (``train(extra=...)``), see docs/curation.md.

Precomputed vectors: ``TrainedTagger.tag(passages, vectors=...)`` accepts the e5-small passage
vectors of ``embedding_text(p)`` (= what ingest embeds when its embedder is e5-small, see
``vectors_compatible``); without them the tagger embeds with e5-small itself, whatever embedder
search is configured with.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from core.metrics import GoldPassage, Labels, evaluate, score
from core.records import Passage, SentenceKind, TaggedPassage
from core.taxonomy import AREAS, KINDS
from pipeline.embed import embedding_text
from pipeline.nlp import sentence_spans
from pipeline.training_data import SENTENCE_SOURCE_SUFFIX, Labelled, author_labels, load_labelled

MODEL_DIR = Path(__file__).parent / "models" / "tagger"
TRAINING_DIR = Path(__file__).resolve().parent.parent / "training" / "tags"
DEV_FILE = "dev.jsonl"
# Real evaluation reports, labelled per passage and per sentence, pointing into ../shared (the
# "train" reports are trained on, the "dev" reports scored).
REAL_REPORTS = TRAINING_DIR.parent / "real_reports" / "labels.jsonl"
# More real report text, harvested from published reports outside ../shared and labelled per
# passage and sentence (training/real_reports/README.md): trained on, all of it.
HARVESTED_DIR = TRAINING_DIR.parent / "real_reports" / "harvested"
FEATURE_EMBEDDER = "e5-small"
FORMAT_VERSION = 1
AREA_LIST: tuple[int, ...] = tuple(AREAS)
BLOCKS: tuple[str, ...] = ("e5", "word", "char", "rule")
# Which blocks' probabilities are averaged, for the areas and for the kind, per mode. "full" is the
# model; "text" leaves out the e5 block (no embedding at all), for when speed matters more.
MODES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "full": (("e5", "word", "char", "rule"), ("e5", "word")),
    "text": (("word", "char", "rule"), ("word", "char", "rule")),
}
MAX_AREAS = 3
# Regularisation per block (inverse strength), picked by cross-validation on the training files.
BLOCK_C: dict[str, float] = {"e5": 8.0, "word": 16.0, "char": 16.0, "rule": 4.0}
# Real report text (every source but "synthetic", and ids "r-…") weighs this much more than the
# synthetic passages when fitting; a labelled sentence of a real report counts for this much of a
# passage. The area thresholds maximise the mean of the F1 on real and on synthetic units
# (``tune_thresholds``): tuned on real text, without giving up the synthetic dev text.
REAL_WEIGHT = 2.0
# The area thresholds maximise this share × F1 on real units + the rest × F1 on synthetic units.
REAL_THRESHOLD_SHARE = 1.0
SENTENCE_WEIGHT = 0.5
# Areas read per sentence too (measured, not adopted; docs/tagging.md, "Areas per sentence"):
# with TRAIN_ON_SENTENCES the labelled sentences of real reports are training units of the area
# heads (weight REAL_WEIGHT × SENTENCE_WEIGHT; the kind heads learn from passages only), and a
# passage's area probability becomes SENTENCE_AREA_SHARE × the best of its sentences' + the rest ×
# its own. A quick harness of ours measured +0.04 areas macro-F1 on the 51 evaluaties reports, but
# ``bench/tagging_cv.py`` (the yardstick) measured 0.570 → 0.537, so both are off.
TRAIN_ON_SENTENCES = False
SENTENCE_AREA_SHARE = 0.0
# The issue author's 62 labelled passages of ../shared/corpus/evaluaties (the convention of the
# held-out test) are trained on for the reports that ``real_reports`` puts in "train"; those of
# the dev reports are never trained on (bench/tagging_cv.py scores them out of fold).
TRAIN_ON_AUTHOR_LABELS = False
# Sentence kinds: the blocks that score a sentence per mode ("full" embeds each sentence of a
# passage with more than one), and how much of the passage's own kind distribution is mixed in
# (context: "Dat leidt tot lange wachttijden" after a sentence on staffing).
SENTENCE_KIND_BLOCKS: dict[str, tuple[str, ...]] = {"full": ("e5", "word"), "text": ("word", "char", "rule")}
SENTENCE_CONTEXT = 0.3
# A passage's kind: this share × its own kind distribution + the rest × the most decided of its
# sentences (per kind the highest probability among its sentences, renormalised). A real passage
# often states its finding in one sentence among context; read whole, it looks like description.
# Measured on bench/tagging_cv.py (docs/tagging.md, "Passage kind from its sentences").
KIND_PASSAGE_SHARE = 0.5
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
CHAR_MAX_FEATURES = 30_000
KIND_RULE_ORDER = ("aanbeveling", "knelpunt", "succesfactor")
REPORT_UNIT = re.compile(r"-[ap]\d+(-z\d+)?$")  # the unit part of a real report's ids


def model_available(model_dir: Path = MODEL_DIR) -> bool:
    return (model_dir / "model.json").is_file() and (model_dir / "weights.npz").is_file()


def vectors_compatible(embedder_name: str) -> bool:
    """Whether vectors from this (configured) embedder can be handed to ``TrainedTagger.tag``."""
    from pipeline.embed import E5_ALIASES

    return embedder_name in E5_ALIASES


# ------------------------------------------------------------------ features
class TextAnalyser:
    """Lemma strings and rule-cue features from one pass of the project's spaCy pipeline."""

    def __init__(self) -> None:
        from pipeline.tag_rules import KIND_CUES, RuleTagger

        self.rules = RuleTagger()
        self.kind_patterns = [re.compile("|".join(KIND_CUES[kind]), re.IGNORECASE) for kind in KIND_RULE_ORDER]

    def analyse(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        nlp, matcher, strings = self.rules.nlp, self.rules.matcher, self.rules.nlp.vocab.strings
        lemma_texts: list[str] = []
        cues = np.zeros((len(texts), len(AREA_LIST) + len(KIND_RULE_ORDER)), dtype=np.float32)
        for row, doc in enumerate(nlp.pipe(texts, batch_size=64)):
            lemma_texts.append(" ".join(t.lemma_ for t in doc if not t.is_space and not t.is_punct).lower())
            counts = np.zeros(len(AREA_LIST), dtype=np.float32)
            for match_id, _start, _end in matcher(doc):
                counts[int(strings[match_id].split("_")[1]) - 1] += 1
            cues[row, : len(AREA_LIST)] = np.minimum(1.0, counts / 3)
            for j, pattern in enumerate(self.kind_patterns):
                cues[row, len(AREA_LIST) + j] = min(3, len(pattern.findall(texts[row]))) / 3
        return lemma_texts, cues


@dataclass
class TfidfBlock:
    """TF-IDF with a fixed vocabulary: sublinear tf × smoothed idf, L2-normalised (sklearn's formula)."""

    analyzer: str
    ngram_range: tuple[int, int]
    vocabulary: list[str]
    idf: np.ndarray

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        self._counter = CountVectorizer(analyzer=self.analyzer, ngram_range=self.ngram_range,
                                        vocabulary={term: i for i, term in enumerate(self.vocabulary)}, dtype=np.float32)

    @classmethod
    def fit(cls, docs: Sequence[str], analyzer: str, ngram_range: tuple[int, int], min_df: int, max_features: int | None = None) -> TfidfBlock:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, min_df=min_df, max_features=max_features, sublinear_tf=True)
        vectorizer.fit(docs)
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(analyzer, ngram_range, vocabulary, vectorizer.idf_.astype(np.float32))

    def transform(self, docs: Sequence[str]) -> sparse.csr_matrix:
        counts = self._counter.transform(docs).tocsr().astype(np.float32)
        np.log(counts.data, out=counts.data)
        counts.data += 1.0
        weighted = counts.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weighted)


@dataclass
class Features:
    e5: np.ndarray | None  # None in "text" mode
    word: sparse.csr_matrix
    char: sparse.csr_matrix
    rule: np.ndarray

    def block(self, name: str) -> np.ndarray | sparse.csr_matrix:
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"kenmerkblok {name!r} ontbreekt")
        return value

    def rows(self, index: np.ndarray) -> Features:
        return Features(None if self.e5 is None else self.e5[index], self.word[index], self.char[index], self.rule[index])


@dataclass
class LinearHead:
    """Logistic-regression weights: ``binary`` = one sigmoid per output, ``softmax`` = one distribution."""

    coef: np.ndarray  # (outputs, features)
    intercept: np.ndarray  # (outputs,)
    mode: str

    def probabilities(self, x: np.ndarray | sparse.csr_matrix) -> np.ndarray:
        logits = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept
        if self.mode == "binary":
            return 1.0 / (1.0 + np.exp(-logits))
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def _fit_heads(x: np.ndarray | sparse.csr_matrix, areas: np.ndarray, kinds: np.ndarray, weights: np.ndarray, c: float,
               kind_rows: np.ndarray | None = None) -> tuple[LinearHead, LinearHead]:
    """One logistic regression per area and one for the kind; ``kind_rows``: the rows the kind
    head learns from (default all)."""
    from sklearn.linear_model import LogisticRegression

    coefs, intercepts = [], []
    for column in range(areas.shape[1]):
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, areas[:, column], sample_weight=weights)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    area_head = LinearHead(np.array(coefs, dtype=np.float32), np.array(intercepts, dtype=np.float32), "binary")
    rows = np.arange(len(kinds)) if kind_rows is None else kind_rows
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x[rows], kinds[rows], sample_weight=weights[rows])
    return area_head, LinearHead(model.coef_.astype(np.float32), model.intercept_.astype(np.float32), "softmax")


# ------------------------------------------------------------------ the model
def _max_per_passage(units: Sequence[tuple[int, int, int]], values: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """Per passage of ``rows`` (in that order), the element-wise maximum of its sentences' ``values``
    (``units``: (passage row, start, end) per sentence, aligned with ``values``)."""
    position = {row: i for i, row in enumerate(rows)}
    best = np.full((len(rows), values.shape[1]), -np.inf)
    for (row, _start, _end), value in zip(units, values, strict=True):
        best[position[row]] = np.maximum(best[position[row]], value)
    return best


def decide_areas(probabilities: np.ndarray, thresholds: np.ndarray, max_areas: int = MAX_AREAS) -> list[tuple[int, ...]]:
    """Areas at or above their threshold, the most probable ``max_areas`` of them, sorted."""
    decided = []
    for row in probabilities:
        chosen = [i for i in np.argsort(-row) if row[i] >= thresholds[i]][:max_areas]
        decided.append(tuple(sorted(AREA_LIST[i] for i in chosen)))
    return decided


class TrainedTagger:
    """The trained tagger; ``mode="text"`` (name "trained-text") skips the e5 block and never embeds."""

    def __init__(self, word: TfidfBlock, char: TfidfBlock, area_heads: dict[str, LinearHead], kind_heads: dict[str, LinearHead],
                 thresholds: dict[str, np.ndarray], meta: dict[str, Any] | None = None, mode: str = "full") -> None:
        if mode not in MODES:
            raise ValueError(f"onbekende modus {mode!r} (kies uit {', '.join(MODES)})")
        self.word, self.char = word, char
        self.area_heads, self.kind_heads = area_heads, kind_heads
        self.all_thresholds = {m: np.asarray(t, dtype=np.float64) for m, t in thresholds.items()}
        self.meta = meta or {}
        self.mode = mode
        self.name = "trained" if mode == "full" else f"trained-{mode}"
        self._analyser: TextAnalyser | None = None

    def with_mode(self, mode: str) -> TrainedTagger:
        """The same model read in another mode (shares the weights)."""
        return self if mode == self.mode else TrainedTagger(self.word, self.char, self.area_heads, self.kind_heads, self.all_thresholds, self.meta, mode)

    @property
    def thresholds(self) -> np.ndarray:
        return self.all_thresholds[self.mode]

    @property
    def uses_vectors(self) -> bool:
        return "e5" in MODES[self.mode][0] + MODES[self.mode][1]

    # ---- features
    @property
    def analyser(self) -> TextAnalyser:
        if self._analyser is None:
            self._analyser = TextAnalyser()
        return self._analyser

    @staticmethod
    def embed(texts: Sequence[str]) -> np.ndarray:
        from pipeline.embed import load_embedder

        return load_embedder(FEATURE_EMBEDDER).embed_passages(list(texts))

    def features(self, texts: Sequence[str], vectors: np.ndarray | None) -> Features:
        lemma_texts, cues = self.analyser.analyse(texts)
        e5 = None if vectors is None else np.asarray(vectors, dtype=np.float32)
        return Features(e5, self.word.transform(lemma_texts), self.char.transform([t.lower() for t in texts]), cues)

    def probabilities(self, features: Features, mode: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        area_blocks, kind_blocks = MODES[mode or self.mode]
        areas = np.mean([self.area_heads[b].probabilities(features.block(b)) for b in area_blocks], axis=0)
        kinds = np.mean([self.kind_heads[b].probabilities(features.block(b)) for b in kind_blocks], axis=0)
        return areas, kinds

    # ---- tagging
    def tag(self, passages: Sequence[Passage], vectors: np.ndarray | None = None) -> list[TaggedPassage]:
        """Tag passages; ``vectors``: their e5-small vectors of ``embedding_text(p)``, if already computed.

        In "text" mode no vectors are used (and ``vectors`` is ignored).
        """
        if not passages:
            return []
        if not self.uses_vectors:
            vectors = None
        elif vectors is None:
            vectors = self.embed([embedding_text(p) for p in passages])
        if vectors is not None and np.shape(vectors) != (len(passages), self.area_heads["e5"].coef.shape[1]):
            raise ValueError(f"vectoren hebben vorm {vectors.shape}; verwacht ({len(passages)}, {self.area_heads['e5'].coef.shape[1]}) "
                             f"van {FEATURE_EMBEDDER}")
        texts = [p.text for p in passages]
        area_p, kind_p, per_sentence = self.passage_probabilities(texts, self.features(texts, vectors))
        decided = decide_areas(area_p, self.thresholds)
        tagged = []
        for passage, areas, row, kinds, sentences in zip(passages, decided, area_p, kind_p, per_sentence, strict=True):
            best = int(np.argmax(kinds))
            scores = {area: round(float(row[i]), 4) for i, area in enumerate(AREA_LIST)}
            tagged.append(TaggedPassage(passage, areas, scores, KINDS[best], round(float(kinds[best]), 4), sentences))
        return tagged

    def sentence_features(self, sentences: Sequence[str]) -> Features:
        """Features of sentences: the e5 block only when this mode reads it (one embedding pass)."""
        area_blocks, _ = MODES[self.mode]
        needs_e5 = "e5" in area_blocks or "e5" in SENTENCE_KIND_BLOCKS[self.mode]
        return self.features(sentences, self.embed(sentences) if needs_e5 else None)

    def passage_probabilities(self, texts: Sequence[str], features: Features,
                              sentence_features: Callable[[Sequence[str]], Features] | None = None,
                              sentence_kinds: bool = True,
                              ) -> tuple[np.ndarray, np.ndarray, list[tuple[SentenceKind, ...]]]:
        """Area and kind probabilities of passages (``features``: theirs) and, with
        ``sentence_kinds``, the kind of every sentence of passages with more than one.

        Areas: ``SENTENCE_AREA_SHARE`` × the highest probability among a passage's sentences + the
        rest × the passage's own. Kind: ``KIND_PASSAGE_SHARE`` × the passage's own distribution +
        the rest × the strongest of its sentences'. Sentence kinds: the ``SENTENCE_KIND_BLOCKS`` of
        the sentence, mixed with its passage's own kind distribution (``SENTENCE_CONTEXT``).
        Sentences are only featurised (and embedded) when one of these needs them."""
        area_p, kind_p = self.probabilities(features)
        if not sentence_kinds and SENTENCE_AREA_SHARE == 0 and KIND_PASSAGE_SHARE == 1:
            return area_p, kind_p, [()] * len(texts)
        spans = sentence_spans(texts)
        units = [(row, start, end) for row, found in enumerate(spans) if len(found) > 1 for start, end in found]
        result: list[list[SentenceKind]] = [[] for _ in texts]
        if not units:
            return area_p, kind_p, [()] * len(texts)
        sentences = [texts[row][start:end] for row, start, end in units]
        found = (sentence_features or self.sentence_features)(sentences)
        rows = sorted({row for row, _, _ in units})
        pooled = area_p
        if SENTENCE_AREA_SHARE > 0:
            sentence_areas, _ = self.probabilities(found)
            pooled = area_p.copy()
            pooled[rows] = (1 - SENTENCE_AREA_SHARE) * area_p[rows] + SENTENCE_AREA_SHARE * _max_per_passage(units, sentence_areas, rows)
        own = np.mean([self.kind_heads[b].probabilities(found.block(b)) for b in SENTENCE_KIND_BLOCKS[self.mode]], axis=0)
        passage_kinds = kind_p.copy()
        if KIND_PASSAGE_SHARE < 1:
            strongest = _max_per_passage(units, own, rows)
            strongest /= strongest.sum(axis=1, keepdims=True)
            passage_kinds[rows] = KIND_PASSAGE_SHARE * kind_p[rows] + (1 - KIND_PASSAGE_SHARE) * strongest
        if not sentence_kinds:
            return pooled, passage_kinds, [()] * len(texts)
        for (row, start, end), probabilities in zip(units, own, strict=True):
            mixed = (1 - SENTENCE_CONTEXT) * probabilities + SENTENCE_CONTEXT * kind_p[row]
            chosen = int(np.argmax(mixed))
            result[row].append(SentenceKind(start, end, KINDS[chosen], round(float(mixed[chosen]), 4)))
        return pooled, passage_kinds, [tuple(r) for r in result]

    # ---- persistence
    def save(self, model_dir: Path = MODEL_DIR) -> None:
        model_dir.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"idf_word": self.word.idf, "idf_char": self.char.idf}
        for mode, thresholds in self.all_thresholds.items():
            arrays[f"thresholds_{mode}"] = thresholds.astype(np.float32)
        for block, head in self.area_heads.items():
            arrays[f"areas_{block}_coef"], arrays[f"areas_{block}_intercept"] = head.coef, head.intercept
        for block, head in self.kind_heads.items():
            arrays[f"kind_{block}_coef"], arrays[f"kind_{block}_intercept"] = head.coef, head.intercept
        np.savez_compressed(model_dir / "weights.npz", **arrays)
        (model_dir / "vocab_word.json").write_text(json.dumps(self.word.vocabulary, ensure_ascii=False), encoding="utf-8")
        (model_dir / "vocab_char.json").write_text(json.dumps(self.char.vocabulary, ensure_ascii=False), encoding="utf-8")
        meta = {**self.meta, "format": FORMAT_VERSION, "embedder": FEATURE_EMBEDDER, "areas": list(AREA_LIST), "kinds": list(KINDS),
                "blocks": list(BLOCKS), "modes": {m: {"areas": list(a), "kind": list(k)} for m, (a, k) in MODES.items()},
                "max_areas": MAX_AREAS, "word_ngrams": list(WORD_NGRAMS), "char_ngrams": list(CHAR_NGRAMS),
                "thresholds": {m: {str(a): round(float(t), 4) for a, t in zip(AREA_LIST, th, strict=True)} for m, th in self.all_thresholds.items()}}
        (model_dir / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR, mode: str = "full") -> TrainedTagger:
        if not model_available(model_dir):
            raise FileNotFoundError(f"geen getraind model in {model_dir}; train het met `wijkkennis train-tagger`")
        meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION or meta.get("kinds") != list(KINDS) or meta.get("areas") != list(AREA_LIST):
            raise ValueError(f"model in {model_dir} past niet bij deze versie (format {meta.get('format')}); train opnieuw")
        with np.load(model_dir / "weights.npz") as data:
            arrays = {key: data[key] for key in data.files}
        word = TfidfBlock("word", tuple(meta["word_ngrams"]), json.loads((model_dir / "vocab_word.json").read_text(encoding="utf-8")), arrays["idf_word"])  # type: ignore[arg-type]
        char = TfidfBlock("char_wb", tuple(meta["char_ngrams"]), json.loads((model_dir / "vocab_char.json").read_text(encoding="utf-8")), arrays["idf_char"])  # type: ignore[arg-type]
        area_heads = {b: LinearHead(arrays[f"areas_{b}_coef"], arrays[f"areas_{b}_intercept"], "binary") for b in BLOCKS}
        kind_heads = {b: LinearHead(arrays[f"kind_{b}_coef"], arrays[f"kind_{b}_intercept"], "softmax") for b in BLOCKS}
        thresholds = {m: arrays[f"thresholds_{m}"] for m in MODES}
        return cls(word, char, area_heads, kind_heads, thresholds, meta, mode)


# ------------------------------------------------------------------ uncertainty
def uncertainty(area_probabilities: np.ndarray, thresholds: np.ndarray, kind_probabilities: np.ndarray) -> np.ndarray:
    """How unsure the tagger is of each passage, 0 (sure) … 1 (a coin toss): the mean of

    - the **area margin**: 1 − the smallest distance of any area's probability to that area's
      threshold, scaled so that 0 and 1 are the farthest a probability can be (0 = right on a
      threshold: one area could go either way);
    - the **kind entropy**: the entropy of the kind distribution over log(4) (1 = all four kinds
      equally likely).
    """
    area_p = np.asarray(area_probabilities, dtype=np.float64)
    t = np.asarray(thresholds, dtype=np.float64)[None, :]
    room = np.where(area_p >= t, 1.0 - t, t)
    margins = np.abs(area_p - t) / np.maximum(room, 1e-9)
    area_part = 1.0 - np.clip(margins.min(axis=1), 0.0, 1.0)
    kind_p = np.clip(np.asarray(kind_probabilities, dtype=np.float64), 1e-12, 1.0)
    kind_part = -(kind_p * np.log(kind_p)).sum(axis=1) / np.log(kind_p.shape[1])
    return 0.5 * area_part + 0.5 * kind_part


# ------------------------------------------------------------------ feature cache
class FeatureCache:
    """The e5 vectors and the spaCy analysis (lemma text, rule cues) of texts, each computed once.

    Embedding is the slow part of training, so repeated training (the curation simulation,
    ``train-tagger`` runs) hands ``embed``/``analyse`` of one cache to ``train``. With ``path`` the
    vectors are also kept on disk (``.npz``, keyed by a hash of the e5 runtime's name and the text;
    plain numbers, no pickles) for the next run.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        self._analysed: dict[str, tuple[str, np.ndarray]] = {}
        self._analyser: TextAnalyser | None = None
        self._identity: str | None = None
        if path is not None and path.is_file():
            with np.load(path) as data:
                if "keys" in data.files and "vectors" in data.files:
                    self._vectors = dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))

    @staticmethod
    def embedder() -> str:
        """Which vectors ``TrainedTagger.embed`` makes (the e5-small runtime in use): part of the key,
        so vectors of another runtime are never mixed in."""
        from pipeline import embed

        identity = getattr(embed, "embedder_identity", None)
        return str(identity(FEATURE_EMBEDDER)) if identity is not None else FEATURE_EMBEDDER

    def key(self, text: str) -> str:
        if self._identity is None:
            self._identity = self.embedder()
        return hashlib.sha1(f"{self._identity}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        if missing:
            vectors = TrainedTagger.embed(list(missing.values()))
            self._vectors.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
            self.save()
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def analyse(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._analysed))
        if missing:
            if self._analyser is None:
                self._analyser = TextAnalyser()
            lemma_texts, cues = self._analyser.analyse(missing)
            self._analysed.update(zip(missing, zip(lemma_texts, cues, strict=True), strict=True))
        return [self._analysed[t][0] for t in texts], np.array([self._analysed[t][1] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def save(self) -> None:
        if self.path is None or not self._vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        partial = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(partial, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        partial.replace(self.path)


def cached_features(tagger: TrainedTagger, texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray] | None,
                    analyse: Callable[[Sequence[str]], tuple[list[str], np.ndarray]], vector_texts: Sequence[str] | None = None) -> Features:
    """Features of texts with vectors (of ``vector_texts``, default the texts) and analyses from
    caching functions (``FeatureCache.embed``/``analyse``); no e5 block without ``embed``."""
    lemma_texts, cues = analyse(texts)
    vectors = embed(list(vector_texts if vector_texts is not None else texts)) if embed is not None else None
    return Features(vectors, tagger.word.transform(lemma_texts), tagger.char.transform([t.lower() for t in texts]), cues)


def predict_probabilities(tagger: TrainedTagger, gold: Sequence[GoldPassage], cache: FeatureCache) -> tuple[np.ndarray, np.ndarray]:
    """Area and kind probabilities of labelled units as ``tag`` decides them (areas pooled over
    sentences), with vectors and analyses from ``cache`` (the e5 vector of ``heading\ntext``, as
    ingest embeds a passage)."""
    texts = [g.text for g in gold]
    embed = cache.embed if tagger.uses_vectors else None
    features = cached_features(tagger, texts, embed, cache.analyse, [f"{g.heading}\n{g.text}" if g.heading else g.text for g in gold])
    area_p, kind_p, _ = tagger.passage_probabilities(texts, features, lambda sentences: cached_features(tagger, sentences, embed, cache.analyse),
                                                     sentence_kinds=False)
    return area_p, kind_p


def predict_labels(tagger: TrainedTagger, gold: Sequence[GoldPassage], cache: FeatureCache) -> list[Labels]:
    """The tagger's passage labels (areas and main kind; no sentence kinds) for labelled units."""
    if not gold:
        return []
    area_p, kind_p = predict_probabilities(tagger, gold, cache)
    return [Labels(areas, KINDS[int(np.argmax(k))]) for areas, k in zip(decide_areas(area_p, tagger.thresholds), kind_p, strict=True)]


# ------------------------------------------------------------------ training
def training_files(directory: Path = TRAINING_DIR, harvested: Path = HARVESTED_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.jsonl") if p.name != DEV_FILE) + sorted(harvested.glob("*.jsonl"))


@dataclass
class Dataset:
    ids: list[str]
    texts: list[str]
    areas: np.ndarray  # (n, 10) 0/1
    kinds: np.ndarray  # (n,) index into KINDS
    sources: list[str]  # "synthetic" for lines that name no source

    @classmethod
    def from_gold(cls, gold: Sequence[GoldPassage]) -> Dataset:
        areas = np.array([[a in g.areas for a in AREA_LIST] for g in gold], dtype=np.int64).reshape(len(gold), len(AREA_LIST))
        return cls([g.id for g in gold], [g.text for g in gold], areas, np.array([KINDS.index(g.kind) for g in gold], dtype=np.int64),
                   [g.source or "synthetic" for g in gold])

    @classmethod
    def load(cls, files: Sequence[Path], split: str | None = None, sentences: bool = False, log: Any = None) -> Dataset:
        """The labelled units of the files (text resolved from ../shared where they point to it);
        ``sentences``: the labelled sentences of real reports as units of their own too."""
        labelled = load_labelled(list(files), split=split)
        for warning in labelled.warnings:
            if log:
                log(f"let op: {warning}")
        return cls.from_gold(labelled.passages + (labelled.sentences if sentences else []))

    @property
    def real(self) -> np.ndarray:
        return np.array([s != "synthetic" or i.startswith("r-") for i, s in zip(self.ids, self.sources, strict=True)])

    @property
    def sentence(self) -> np.ndarray:
        """Which units are labelled sentences of a real report (not passages)."""
        return np.array([s.endswith(SENTENCE_SOURCE_SUFFIX) for s in self.sources], dtype=bool)

    @property
    def weights(self) -> np.ndarray:
        return np.where(self.real, REAL_WEIGHT, 1.0) * np.where(self.sentence, SENTENCE_WEIGHT, 1.0)

    @property
    def groups(self) -> list[str]:
        """Cross-validation groups: a real report's units stay together (``ev-``/``hv-<report>-pNN…``,
        the author's ``ev-<report>-aNNN``)."""
        return [REPORT_UNIT.sub("", i) if i.startswith(("ev-", "hv-")) else i for i in self.ids]

    def subset(self, rows: np.ndarray) -> Dataset:
        return Dataset([self.ids[i] for i in rows], [self.texts[i] for i in rows], self.areas[rows], self.kinds[rows],
                       [self.sources[i] for i in rows])


def _fit(data: Dataset, features: Features, word: TfidfBlock, char: TfidfBlock, thresholds: dict[str, np.ndarray]) -> TrainedTagger:
    area_heads: dict[str, LinearHead] = {}
    kind_heads: dict[str, LinearHead] = {}
    for block in BLOCKS:
        area_heads[block], kind_heads[block] = _fit_heads(features.block(block), data.areas, data.kinds, data.weights, BLOCK_C[block],
                                                          np.flatnonzero(~data.sentence))
    return TrainedTagger(word, char, area_heads, kind_heads, thresholds)


def _featurise(texts: Sequence[str], lemma_texts: Sequence[str], cues: np.ndarray, vectors: np.ndarray, fit_on: np.ndarray) -> tuple[Features, TfidfBlock, TfidfBlock]:
    """TF-IDF vocabularies fitted on the rows ``fit_on`` only; features for all rows."""
    word = TfidfBlock.fit([lemma_texts[i] for i in fit_on], "word", WORD_NGRAMS, min_df=2)
    char = TfidfBlock.fit([texts[i].lower() for i in fit_on], "char_wb", CHAR_NGRAMS, min_df=3, max_features=CHAR_MAX_FEATURES)
    features = Features(vectors, word.transform(lemma_texts), char.transform([t.lower() for t in texts]), cues)
    return features, word, char


def tune_thresholds(probabilities: np.ndarray, truth: np.ndarray, groups: np.ndarray | None = None,
                    share: float = 0.5) -> np.ndarray:
    """Per area, the threshold on the grid 0.05–0.95 with the best F1 (ties: the lowest).

    ``groups`` (a boolean per row, e.g. "real report text"): the best weighted mean of the F1
    within the group (weight ``share``) and outside it (``1 - share``), so neither kind of text
    decides alone.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    if groups is None:
        masks, weights = [np.ones(len(truth), dtype=bool)], [1.0]
    else:
        pairs = [(m, w) for m, w in ((groups, share), (~groups, 1.0 - share)) if m.any() and w > 0]
        masks, weights = [m for m, _ in pairs], [w for _, w in pairs]
    best = []
    for column in range(truth.shape[1]):
        y = truth[:, column].astype(bool)
        f1s = []
        for threshold in grid:
            guess = probabilities[:, column] >= threshold
            per_group = []
            for mask in masks:
                tp = int(np.sum(guess[mask] & y[mask]))
                denominator = int(np.sum(guess[mask])) + int(np.sum(y[mask]))
                per_group.append(2 * tp / denominator if denominator else 0.0)
            f1s.append(float(np.average(per_group, weights=weights)))
        best.append(grid[int(np.argmax(f1s))])
    return np.array(best)


def train_reports(real_reports: Path) -> set[str]:
    """The reports (``file`` of the pointer lines) that ``real_reports`` puts in "train"."""
    if not real_reports.is_file():
        return set()
    lines = (json.loads(line) for line in real_reports.read_text(encoding="utf-8").splitlines() if line.strip())
    return {line["file"] for line in lines if line.get("split") == "train"}


def text_key(text: str) -> str:
    """How units are matched across label sources: the whitespace-normalised text."""
    return " ".join(text.split())


def merge_units(shipped: Sequence[GoldPassage], extra: Sequence[GoldPassage], drop: Collection[str] = ()) -> tuple[list[GoldPassage], int]:
    """The shipped units plus ``extra`` (e.g. curator decisions); an extra unit replaces every
    shipped unit with the same text (``text_key``), and units whose text is in ``drop`` go.
    Returns the units and how many shipped units were overridden."""
    extra_keys = {text_key(g.text) for g in extra}
    kept = [g for g in shipped if text_key(g.text) not in extra_keys and text_key(g.text) not in drop]
    overridden = sum(1 for g in shipped if text_key(g.text) in extra_keys)
    return kept + [g for g in extra if text_key(g.text) not in drop], overridden


def train(files: Sequence[Path] | None = None, folds: int = 5, log: Any = print, real_reports: Path | None = REAL_REPORTS,
          embed: Callable[[Sequence[str]], np.ndarray] | None = None, extra: Sequence[GoldPassage] = (),
          drop: Collection[str] = (), analyse: Callable[[Sequence[str]], tuple[list[str], np.ndarray]] | None = None,
          ) -> tuple[TrainedTagger, dict[str, Any]]:
    """Fit the tagger on the training files plus the "train" reports of ``real_reports`` (their
    passages and their labelled sentences). Area thresholds: ``folds``-fold cross-validation,
    a real report's units kept in one fold, tuned on the real units only. ``embed``: the e5
    vectors of texts (default ``TrainedTagger.embed``; a caching one for repeated training,
    ``FeatureCache``), ``analyse`` likewise for the lemma texts and rule cues.

    ``extra``: more labelled units (curator decisions); one replaces the shipped label of the
    same text. ``drop``: texts (``text_key``) left out of training altogether (e.g. dev texts, or
    the pool of a simulation)."""
    from sklearn.model_selection import GroupKFold

    files = list(files) if files is not None else training_files()
    label_files = [*files, *([real_reports] if real_reports is not None and real_reports.is_file() else [])]
    # Lines without a split (the training files) count as train; the real reports' dev lines drop out.
    labelled = load_labelled(label_files, split="train") if label_files else Labelled()
    for warning in labelled.warnings:
        log(f"let op: {warning}")
    authored = author_labels(train_reports(real_reports)) if TRAIN_ON_AUTHOR_LABELS and real_reports is not None else []
    units, overridden = merge_units(labelled.passages + authored + (labelled.sentences if TRAIN_ON_SENTENCES else []), extra, drop)
    data = Dataset.from_gold(units)
    start = time.perf_counter()
    log(f"{len(data.texts)} eenheden ({int(data.real.sum())} echte rapporttekst, {len(extra)} extra, "
        f"{overridden} vervangen); embedden met {FEATURE_EMBEDDER} …")
    if embed is None or analyse is None:
        cache = FeatureCache()  # sentences of the passages are featurised in every fold: once each
        embed, analyse = embed or cache.embed, analyse or cache.analyse
    vectors = embed(data.texts)
    lemma_texts, cues = analyse(data.texts)
    log(f"kenmerken klaar ({time.perf_counter() - start:.0f} s); drempels via {folds}-voudige kruisvalidatie …")
    # Thresholds and the cross-validated figures are about passages: the sentence units are trained on only.
    passage_rows = np.flatnonzero(~data.sentence)
    out_of_fold = {mode: np.zeros(data.areas.shape) for mode in MODES}
    kind_oof = {mode: np.zeros((len(data.texts), len(KINDS))) for mode in MODES}
    for train_rows, test_rows in GroupKFold(folds, shuffle=True, random_state=0).split(data.texts, groups=data.groups):
        features, word, char = _featurise(data.texts, lemma_texts, cues, vectors, train_rows)
        model = _fit(data.subset(train_rows), features.rows(train_rows), word, char, {m: np.full(len(AREA_LIST), 0.5) for m in MODES})
        rows = np.intersect1d(test_rows, passage_rows)
        texts = [data.texts[i] for i in rows]
        for mode in MODES:
            view = model.with_mode(mode)
            uses_e5 = view.uses_vectors or "e5" in SENTENCE_KIND_BLOCKS[mode]
            out_of_fold[mode][rows], kind_oof[mode][rows], _ = view.passage_probabilities(
                texts, features.rows(rows), lambda sentences, view=view, uses_e5=uses_e5: cached_features(view, sentences, embed if uses_e5 else None, analyse),
                sentence_kinds=False)
    passages = data.subset(passage_rows)
    real = passages.real
    balance = real if 50 <= real.sum() < len(real) else None
    thresholds = {mode: tune_thresholds(out_of_fold[mode][passage_rows], passages.areas, balance, REAL_THRESHOLD_SHARE) for mode in MODES}
    all_rows = np.arange(len(data.texts))
    features, word, char = _featurise(data.texts, lemma_texts, cues, vectors, all_rows)
    tagger = _fit(data, features, word, char, thresholds)
    truth = [Labels(tuple(a for a, on in zip(AREA_LIST, row, strict=True) if on), KINDS[k]) for row, k in zip(passages.areas, passages.kinds, strict=True)]
    cv = {}
    for mode in MODES:
        guesses = [Labels(areas, KINDS[int(np.argmax(k))]) for areas, k in
                   zip(decide_areas(out_of_fold[mode][passage_rows], thresholds[mode]), kind_oof[mode][passage_rows], strict=True)]
        cv[mode] = score(truth, guesses).summary()
        rows = np.flatnonzero(real)
        cv[f"{mode}_real"] = score([truth[i] for i in rows], [guesses[i] for i in rows]).summary()
    tagger.meta = {
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "training_files": {p.name: sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip()) for p in label_files},
        "n_train": len(data.texts), "n_real": int(data.real.sum()), "n_extra": len(extra), "n_overridden": overridden,
        "real_weight": REAL_WEIGHT,
        "n_author": len(authored), "sentence_weight": SENTENCE_WEIGHT, "train_on_sentences": TRAIN_ON_SENTENCES, "sentence_area_share": SENTENCE_AREA_SHARE,
        "block_c": BLOCK_C,
        "thresholds_tuned_on": f"{REAL_THRESHOLD_SHARE:g} x F1 on real + {1 - REAL_THRESHOLD_SHARE:g} x F1 on synthetic" if balance is not None else "all", "cv": cv,
        "sentence_kind_blocks": {m: list(b) for m, b in SENTENCE_KIND_BLOCKS.items()}, "sentence_context": SENTENCE_CONTEXT,
        "seconds": round(time.perf_counter() - start, 1),
    }
    log(f"kruisvalidatie (train): {cv}")
    return tagger, tagger.meta


def dev_sets(dev_file: Path = TRAINING_DIR / DEV_FILE, real_reports: Path | None = REAL_REPORTS) -> dict[str, list[GoldPassage]]:
    """The dev gold sets: the fixed dev split, and the "dev" reports of the real evaluation reports."""
    sets = {}
    if dev_file.is_file():
        sets["dev"] = load_labelled(dev_file).passages
    if real_reports is not None and real_reports.is_file():
        passages = load_labelled(real_reports, split="dev").passages
        if passages:
            sets["evaluaties_dev"] = passages
    return sets


def evaluate_dev(tagger: TrainedTagger, dev_file: Path = TRAINING_DIR / DEV_FILE, real_reports: Path | None = REAL_REPORTS) -> dict[str, Any]:
    """Scores of this tagger (each mode) and of the rule baseline on the dev sets (per source)."""
    from pipeline.tag_rules import RuleTagger

    results: dict[str, Any] = {}
    for name, gold in dev_sets(dev_file, real_reports).items():
        scores = evaluate(gold, tagger, RuleTagger()).to_json()
        for mode in MODES:
            if mode != tagger.mode:
                scores[f"mode_{mode}"] = evaluate(gold, tagger.with_mode(mode)).main.scores.summary()
        results[name] = scores
    return results


def dev_summary(scores: dict[str, Any]) -> dict[str, Any]:
    """The headline dev figures (no per-area tables) for model.json, per dev set."""
    keep = ("mode_", "by_source", "sentences")
    return {name: {k: v for k, v in figures.items() if not isinstance(v, dict) or k.startswith(keep)}
            for name, figures in scores.items()}


def retrain(save: bool = True, log: Any = print) -> tuple[TrainedTagger, dict[str, Any] | None]:
    """``train()``, then the dev scores (also recorded in model.json) and, with ``save``, the
    model written to MODEL_DIR. The dev scores are None when there is no dev file."""
    tagger, _ = train(log=log)
    scores = evaluate_dev(tagger) or None
    if scores is not None:
        tagger.meta["dev"] = dev_summary(scores)
    if save:
        tagger.save()
    return tagger, scores


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["train"]:
        print("gebruik: python -m pipeline.tag_model train [--no-save]", file=sys.stderr)
        return 2
    save = "--no-save" not in args
    tagger, scores = retrain(save=save)
    if scores is not None:
        print(json.dumps(tagger.meta["dev"], ensure_ascii=False))
    if save:
        print(f"model opgeslagen in {MODEL_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
