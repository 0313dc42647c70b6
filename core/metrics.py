"""Tag scores: aandachtsgebieden (multi-label) and statement kind against a gold set.

Shared by tagger training (``pipeline.tag_model``: threshold tuning, dev scores) and the
evaluation command (``wijkkennis eval tags``, which formats the report), so it lives below both.

A gold file is JSON Lines, one labelled passage per line (the format of ``training/tags/``)::

    {"id": "g-001", "text": "...", "areas": [2, 7], "kind": "knelpunt"}

``id``, ``heading``, ``source`` and ``split`` are optional; other keys are ignored. ``areas`` may
be empty (a passage about none of the ten areas). Blank lines and lines starting with ``#`` are
skipped. Lines that point into ``../shared`` instead of holding their text, and their labelled
sentences, are resolved by ``pipeline.training_data``.

Conventions:

- **Per area** (1–10), over all gold passages: TP = area in gold and predicted, FP = predicted
  only, FN = gold only. Precision = TP / (TP + FP), recall = TP / (TP + FN), each 0.0 when its
  denominator is 0; F1 = 2·TP / (2·TP + FP + FN).
- **Areas macro-F1** is the unweighted mean of the per-area F1 over the areas that occur in the
  gold set *or* in the predictions. An area absent from both (nothing to find, nothing found) is
  left out of the mean and shown as "—": counting it as 1.0 would reward a small gold set for
  what it does not contain, counting it as 0.0 would punish a tagger for a correct silence. An
  area that is in the gold set but never predicted (or predicted but never in the gold set)
  counts with F1 = 0. On a gold set that covers all ten areas this is the plain mean over 10.
- **Areas micro-F1** = 2·ΣTP / (2·ΣTP + ΣFP + ΣFN) over all areas and passages.
- **Kind**: accuracy = share of passages whose kind is right; kind macro-F1 is the mean of the
  per-kind F1 (one-vs-rest, same formula) over the four kinds, with the same rule for a kind
  absent from both gold and predictions.
- Scores are computed from the tagger's final decisions (``TaggedPassage.areas`` / ``.kind``),
  not from its confidences.
- **Per source**: the same figures over the gold passages of each ``source``.
- **Sentence kinds**: each labelled gold sentence against the predicted sentence that overlaps it
  most (the passage's kind where the tagger gives none); kind macro-F1 and accuracy as above.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.gold import GoldFormatError, fail, parse_lines, read_lines
from core.records import Passage, TaggedPassage, Tagger
from core.taxonomy import AREAS, KINDS


@dataclass(frozen=True)
class GoldSentence:
    """A labelled sentence of a gold passage: characters ``start:end`` of the passage's text."""

    start: int
    end: int
    kind: str
    areas: tuple[int, ...] = ()


@dataclass(frozen=True)
class GoldPassage:
    line: int
    id: str
    text: str
    areas: tuple[int, ...]
    kind: str
    heading: str = ""
    source: str = ""  # where the text comes from ("synthetic", "evaluaties", …): scores per source
    split: str = ""  # "train" or "dev" in files that hold both
    sentences: tuple[GoldSentence, ...] = ()  # labelled sentences, when the file has them


@dataclass(frozen=True)
class Labels:
    """What a tagger decided for one passage (or what the gold set says)."""

    areas: tuple[int, ...]
    kind: str


# -------------------------------------------------------------- gold file
def gold_passage(number: int, data: dict[str, Any]) -> GoldPassage:
    """One gold line (a JSON object with its text) as a GoldPassage; errors name the line."""
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail(number, "'text' ontbreekt of is leeg")
    areas = data.get("areas")
    if not isinstance(areas, list):
        raise fail(number, "'areas' moet een lijst zijn met aandachtsgebieden (1–10), eventueel leeg")
    for area in areas:
        if isinstance(area, bool) or not isinstance(area, int) or area not in AREAS:
            raise fail(number, f"aandachtsgebied {area!r} bestaat niet (kies gehele getallen 1–10)")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise fail(number, f"onbekende soort uitspraak {kind!r} (kies uit {', '.join(KINDS)})")
    identifier = data.get("id", f"regel-{number}")
    heading = data.get("heading") or ""
    if not isinstance(heading, str):
        raise fail(number, "'heading' moet tekst zijn")
    source, split = data.get("source") or "", data.get("split") or ""
    if not isinstance(source, str) or not isinstance(split, str):
        raise fail(number, "'source' en 'split' moeten tekst zijn")
    return GoldPassage(number, str(identifier), text, tuple(sorted(set(areas))), kind, heading, source, split)


def parse_gold(lines: Iterable[str]) -> list[GoldPassage]:
    """Gold passages from JSON Lines; blank lines and lines starting with # are skipped."""
    return parse_lines(lines, gold_passage, "passages")


def load_gold(path: Path) -> list[GoldPassage]:
    lines = read_lines(path)
    try:
        return parse_gold(lines)
    except GoldFormatError as error:
        raise GoldFormatError(f"{Path(path).name}, {error}") from error


# ------------------------------------------------------------------ metrics
@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def present(self) -> bool:
        """In the gold set or in the predictions (otherwise left out of macro averages)."""
        return self.tp + self.fp + self.fn > 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


def _macro(counts: Iterable[Counts]) -> float:
    present = [c.f1 for c in counts if c.present]
    return sum(present) / len(present) if present else 0.0


@dataclass
class TagScores:
    n: int
    areas: dict[int, Counts]
    kinds: dict[str, Counts]
    kind_correct: int

    @property
    def areas_macro_f1(self) -> float:
        return _macro(self.areas.values())

    @property
    def areas_micro_f1(self) -> float:
        tp = sum(c.tp for c in self.areas.values())
        fp = sum(c.fp for c in self.areas.values())
        fn = sum(c.fn for c in self.areas.values())
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0

    @property
    def kind_macro_f1(self) -> float:
        return _macro(self.kinds.values())

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.n if self.n else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "areas_macro_f1": round(self.areas_macro_f1, 4),
            "areas_micro_f1": round(self.areas_micro_f1, 4),
            "kind_macro_f1": round(self.kind_macro_f1, 4),
            "kind_accuracy": round(self.kind_accuracy, 4),
        }


def score(gold: Sequence[Labels], predicted: Sequence[Labels]) -> TagScores:
    """Per-area and per-kind counts for predictions against gold (same order, same length)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold-passages maar {len(predicted)} voorspellingen")
    areas = {area: Counts() for area in AREAS}
    kinds = {kind: Counts() for kind in KINDS}
    correct = 0
    for truth, guess in zip(gold, predicted, strict=True):
        for area in AREAS:
            in_gold, in_guess = area in truth.areas, area in guess.areas
            if in_gold and in_guess:
                areas[area].tp += 1
            elif in_guess:
                areas[area].fp += 1
            elif in_gold:
                areas[area].fn += 1
        if truth.kind == guess.kind:
            correct += 1
            kinds[truth.kind].tp += 1
        else:
            kinds[truth.kind].fn += 1
            if guess.kind in kinds:
                kinds[guess.kind].fp += 1
    return TagScores(len(gold), areas, kinds, correct)


# -------------------------------------------------------------- evaluation
@dataclass
class TaggerResult:
    name: str
    scores: TagScores
    seconds: float
    by_source: dict[str, TagScores] = field(default_factory=dict)
    sentences: TagScores | None = None  # sentence kinds, on gold passages with labelled sentences


@dataclass
class EvalReport:
    n: int
    main: TaggerResult
    baseline: TaggerResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def source_sizes(self) -> dict[str, int]:
        """Gold passages per source (empty when the gold lines name none)."""
        return {source: scores.n for source, scores in self.main.by_source.items()}

    @property
    def n_sentences(self) -> int:
        return self.main.sentences.n if self.main.sentences is not None else 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tagger": self.main.name, "n": self.n, **self.main.scores.summary()}
        data["areas_f1"] = {str(a): round(c.f1, 4) for a, c in self.main.scores.areas.items()}
        data["kind_f1"] = {k: round(c.f1, 4) for k, c in self.main.scores.kinds.items()}
        if self.baseline is not None:
            data["baseline"] = self.baseline.name
            for key, value in self.baseline.scores.summary().items():
                data[f"baseline_{key}"] = value
            data["baseline_areas_f1"] = {str(a): round(c.f1, 4) for a, c in self.baseline.scores.areas.items()}
        if self.source_sizes:
            data["by_source"] = {}
            for source, n in self.source_sizes.items():
                entry: dict[str, Any] = {"n": n, **self.main.by_source[source].summary()}
                entry["areas_f1"] = {str(a): round(c.f1, 4) for a, c in self.main.by_source[source].areas.items()}
                entry["kind_f1"] = {k: round(c.f1, 4) for k, c in self.main.by_source[source].kinds.items()}
                if self.baseline is not None:
                    entry.update({f"baseline_{k}": v for k, v in self.baseline.by_source[source].summary().items()})
                data["by_source"][source] = entry
        if self.main.sentences is not None:
            sentences = self.main.sentences
            data["sentences"] = {"n": self.n_sentences, "kind_macro_f1": round(sentences.kind_macro_f1, 4),
                                 "kind_accuracy": round(sentences.kind_accuracy, 4),
                                 "kind_f1": {k: round(c.f1, 4) for k, c in sentences.kinds.items()}}
            if self.baseline is not None and self.baseline.sentences is not None:
                data["sentences"]["baseline_kind_macro_f1"] = round(self.baseline.sentences.kind_macro_f1, 4)
        data["seconds"] = round(self.main.seconds, 2)
        return data


def as_passages(gold: Sequence[GoldPassage]) -> list[Passage]:
    """Gold lines as pipeline Passages, so any Tagger can tag them."""
    return [Passage(passage_id=g.id, doc_id="gold", file="gold", page=0, heading=g.heading, text=g.text, position=i) for i, g in enumerate(gold)]


def predict(tagger: Tagger, gold: Sequence[GoldPassage]) -> tuple[list[TaggedPassage], float]:
    start = time.perf_counter()
    tagged = tagger.tag(as_passages(gold))
    return tagged, time.perf_counter() - start


def sentence_labels(gold: Sequence[GoldPassage], tagged: Sequence[TaggedPassage]) -> tuple[list[Labels], list[Labels]]:
    """Gold and predicted kinds of every labelled sentence.

    A predicted sentence is matched to a gold sentence by the most overlapping characters; where
    the tagger gives no sentences (or none overlaps), its passage kind counts for the sentence.
    """
    truth: list[Labels] = []
    guesses: list[Labels] = []
    for passage, result in zip(gold, tagged, strict=True):
        for sentence in passage.sentences:
            best, overlap = result.kind, 0
            for predicted in result.sentences:
                common = min(sentence.end, predicted.end) - max(sentence.start, predicted.start)
                if common > overlap:
                    best, overlap = predicted.kind, common
            truth.append(Labels((), sentence.kind))
            guesses.append(Labels((), best))
    return truth, guesses


def _result(name: str, gold: Sequence[GoldPassage], tagged: Sequence[TaggedPassage], seconds: float) -> TaggerResult:
    truth = [Labels(g.areas, g.kind) for g in gold]
    guesses = [Labels(tuple(t.areas), t.kind) for t in tagged]
    result = TaggerResult(name, score(truth, guesses), seconds)
    for source in sorted({g.source for g in gold if g.source}):
        rows = [i for i, g in enumerate(gold) if g.source == source]
        result.by_source[source] = score([truth[i] for i in rows], [guesses[i] for i in rows])
    if any(g.sentences for g in gold):
        result.sentences = score(*sentence_labels(gold, tagged))
    return result


def evaluate(gold: Sequence[GoldPassage], tagger: Tagger, baseline: Tagger | None = None) -> EvalReport:
    """Scores of ``tagger`` (and ``baseline``) on the gold passages; per source when the gold
    lines name one, and for the sentence kinds when they list labelled sentences."""
    tagged, seconds = predict(tagger, gold)
    report = EvalReport(len(gold), _result(tagger.name, gold, tagged, seconds))
    if baseline is not None:
        base_tagged, base_seconds = predict(baseline, gold)
        report.baseline = _result(baseline.name, gold, base_tagged, base_seconds)
    return report
