"""``wijkkennis eval themes GOLD.jsonl``: how well the theme method groups labelled findings.

A gold line is ``{"id", "text", "theme"}`` (``theme`` "" for a one-off finding); instead of
``text`` it may point into ``shared/`` like the tagging labels (``corpus``, ``file``, ``start``,
``end``, ``sha1``). The gold texts are tagged and embedded exactly as ingest does and grouped by
``pipeline.themes.group_findings`` with the app's settings. The grouping is compared with the
gold by V-measure and adjusted Rand index (scikit-learn), where every text with an empty gold
theme is its own class and every unthemed text its own cluster. Beside it the plain baseline:
TF-IDF + k-means with k = the number of gold themes.

When a gold line names its report (``file``), the "shared by at least two reports" rule of the
app applies; otherwise every text counts as a report of its own.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.gold import GoldFormatError, fail, read_lines
from core.records import Passage
from pipeline.themes import (
    DEFAULT_PARAMS,
    FINDING_KINDS,
    Finding,
    Theme,
    ThemeParams,
    annotate,
    group_findings,
    reads_findings,
)


@dataclass(frozen=True)
class GoldText:
    id: str
    text: str
    theme: str
    report: str = ""


@dataclass
class ThemeEval:
    n: int
    gold_themes: int
    themes_found: int
    v_measure: float
    ari: float
    homogeneity: float
    completeness: float
    baseline_v_measure: float
    baseline_ari: float
    unthemed: int
    warnings: list[str] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {key: (round(value, 4) if isinstance(value, float) else value) for key, value in self.__dict__.items()}


def load_gold(path: Path, shared: Path | None = None) -> tuple[list[GoldText], list[str]]:
    """Gold texts (pointer lines resolved) and warnings for lines whose text is not there."""
    from pipeline.training_data import TextGone, is_pointer, pointer_text

    texts, warnings, seen = [], [], set()
    for number, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise fail(number, f"geen geldige JSON ({error.msg})") from error
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("theme", ""), str):
            raise fail(number, "een gold-regel heeft 'id' (tekst) en 'theme' (tekst, leeg voor een losse bevinding)")
        if data["id"] in seen:
            raise fail(number, f"id {data['id']!r} komt twee keer voor")
        seen.add(data["id"])
        if is_pointer(data):
            try:
                text = pointer_text(data, shared, number)
            except TextGone as error:
                warnings.append(f"{error}: overgeslagen")
                continue
        elif isinstance(data.get("text"), str) and data["text"].strip():
            text = data["text"]
        else:
            raise fail(number, "een gold-regel heeft 'text' of verwijst met 'corpus'/'file'/'start'/'end' naar shared/")
        texts.append(GoldText(data["id"], text, data.get("theme", "").strip(), str(data.get("file", ""))))
    if not texts:
        raise GoldFormatError(f"{path}: geen bruikbare gold-regels")
    return texts, warnings


def finding_kind(kind: str, sentence_kinds: Sequence[str]) -> str:
    """The finding kind of a tagged text: its main kind, else the most frequent finding kind among
    its sentences, else "beschrijving" (the tagger sees no finding in it)."""
    if kind in FINDING_KINDS:
        return kind
    counts = Counter(k for k in sentence_kinds if k in FINDING_KINDS)
    return counts.most_common(1)[0][0] if counts else kind


def as_findings(gold: Sequence[GoldText], tagger: Any, vectors: np.ndarray | None = None) -> list[Finding]:
    """The gold texts as findings, read the way ``index.themes`` reads the index's findings: kind
    and area probabilities from ``annotate``; a tagger without probabilities (the rule tagger)
    tags them instead (decided areas, main or sentence kind)."""
    if reads_findings(tagger):
        plain = [Finding(finding_id=g.id, text=g.text, kind="", doc_id=g.report, file=g.report, gemeente=g.report) for g in gold]
        return annotate(plain, tagger, vectors)
    passages = [Passage(g.id, g.report, g.report, 0, "", g.text, i) for i, g in enumerate(gold)]
    return [
        Finding(finding_id=g.id, text=g.text, kind=finding_kind(t.kind, [s.kind for s in t.sentences]),
                areas=tuple(t.areas), doc_id=g.report, file=g.report, gemeente=g.report)
        for g, t in zip(gold, tagger.tag(passages), strict=True)
    ]


def _labels_true(gold: Sequence[GoldText]) -> list[str]:
    return [g.theme if g.theme else f"\0one-off:{g.id}" for g in gold]


def score(gold: Sequence[GoldText], themes: Sequence[Theme]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    cluster_of = {fid: theme.theme_id for theme in themes for fid in theme.finding_ids}
    predicted = [cluster_of.get(g.id, f"\0alone:{g.id}") for g in gold]
    truth = _labels_true(gold)
    homogeneity, completeness, v = homogeneity_completeness_v_measure(truth, predicted)
    return {"v_measure": float(v), "ari": float(adjusted_rand_score(truth, predicted)),
            "homogeneity": float(homogeneity), "completeness": float(completeness)}


def baseline(gold: Sequence[GoldText], seed: int = 0) -> tuple[float, float]:
    """TF-IDF + k-means, k = the number of gold themes: (V-measure, ARI)."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    k = max(1, len({g.theme for g in gold if g.theme}))
    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform([g.text for g in gold])
    predicted = KMeans(n_clusters=min(k, len(gold)), n_init=10, random_state=seed).fit_predict(matrix)
    truth = _labels_true(gold)
    return float(v_measure_score(truth, predicted)), float(adjusted_rand_score(truth, predicted))


def evaluate(gold: Sequence[GoldText], findings: Sequence[Finding], vectors: np.ndarray,
             params: ThemeParams = DEFAULT_PARAMS) -> ThemeEval:
    themes, unthemed = group_findings(findings, vectors, params)
    scores = score(gold, themes)
    base_v, base_ari = baseline(gold)
    by_id = {g.id: g for g in gold}
    return ThemeEval(
        n=len(gold), gold_themes=len({g.theme for g in gold if g.theme}), themes_found=len(themes),
        baseline_v_measure=base_v, baseline_ari=base_ari, unthemed=len(unthemed), **scores,
        themes=[{"label": t.label, "kind": t.kind, "n": len(t.finding_ids),
                 "gold": dict(Counter(by_id[f].theme or "(los)" for f in t.finding_ids).most_common(3))} for t in themes],
    )


def run(path: Path, settings: Any, params: ThemeParams = DEFAULT_PARAMS, shared: Path | None = None) -> ThemeEval:
    """The whole evaluation as the CLI runs it: the app's tagger and embedder."""
    from pipeline.embed import load_embedder
    from pipeline.tag import load_tagger

    gold, warnings = load_gold(path, shared)
    embedder = load_embedder(settings.embedder)
    vectors = embedder.embed_passages([g.text for g in gold])
    tagger = load_tagger(settings.tagger)
    findings = as_findings(gold, tagger, vectors if tagger_reads(embedder.name) else None)
    result = evaluate(gold, findings, vectors, params)
    result.warnings = warnings
    return result


def tagger_reads(embedder_name: str) -> bool:
    """Whether the trained tagger can reuse vectors of this embedder (else it embeds itself)."""
    from pipeline.tag_model import vectors_compatible

    return vectors_compatible(embedder_name)


def format_table(result: ThemeEval) -> str:
    lines = [
        f"{result.n} bevindingen, {result.gold_themes} gold-thema's; gevonden: {result.themes_found} thema's, "
        f"{result.unthemed} zonder thema",
        f"{'':22}{'V-measure':>10}{'ARI':>8}",
        f"{'thema-methode':22}{result.v_measure:>10.3f}{result.ari:>8.3f}"
        f"   (homogeniteit {result.homogeneity:.3f}, volledigheid {result.completeness:.3f})",
        f"{'TF-IDF + k-means':22}{result.baseline_v_measure:>10.3f}{result.baseline_ari:>8.3f}",
    ]
    lines += [f"waarschuwing: {w}" for w in result.warnings]
    return "\n".join(lines)
