"""Themes: findings of many reports grouped into recurring lessons, extractively.

A *finding* is one statement of kind knelpunt, succesfactor or aanbeveling (a run of sentences
of that kind inside a passage). ``group_findings`` groups findings into *themes*: narrower than
an aandachtsgebied ("wijkteams zijn bij veel inwoners onbekend"), each of one kind (the kind most
of its findings have), each shared by
at least ``min_reports`` reports. Findings that fit no theme stay unthemed.

The method (tuned on ``eval/themes_dev_evaluaties.jsonl``, checked on ``eval/themes_check_
evaluaties.jsonl``; figures in docs/lessons.md):
1. ``annotate``: the trained tagger reads each finding's own text for its kind (the most probable
   of the three finding kinds), its probability per finding kind and per aandachtsgebied;
2. similarity of two findings = 0.15 × e5 cosine + 0.3 × cosine of character 4–5-gram TF-IDF over
   their Dutch content lemmas (compounds such as "privacyregels" / "privacywetgeving" share
   parts) + 0.3 × cosine of their squared area probabilities + 0.25 × cosine of their squared
   kind probabilities — the tags and terms carry what sentence vectors alone miss. The kind is a
   soft part of the similarity, not a wall between groups: the tagger reads the kind of a lone
   finding sentence right about three times in four, and a wall splits a theme at every misread;
3. average-linkage agglomerative clustering (scikit-learn) cut at distance 0.5; more than
   ``block`` findings are first cut into k-means blocks, so memory stays bounded at 100k findings.
   A group's kind is the one with the most probability over its findings; a finding that gives
   that kind less than ``kind_floor`` leaves the group (a plain knelpunt never sits among
   aanbevelingen; one the tagger was unsure of may);
4. groups smaller than ``min_size`` or from fewer than ``min_reports`` reports are dissolved
   (a lesson recurs across reports);
5. each theme is labelled by class-based TF-IDF over lemmas (BERTopic's c-TF-IDF) and by its
   most central finding of its kind whose first sentence stands alone (``stands_alone``: not a
   fragment, not "Daarin …"); its findings are ordered by centrality (that one first).

Pure: vectors come in, themes go out; the index layer (``index.themes``) feeds it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np

FINDING_KINDS: tuple[str, ...] = ("knelpunt", "succesfactor", "aanbeveling")
METHOD_VERSION = "themes-3"  # bump when the method or its defaults change: cached themes are recomputed


@dataclass(frozen=True)
class Finding:
    """One statement of a report, with where it comes from."""

    finding_id: str  # stable across re-ingest: a hash of the normalised text and the report
    text: str
    kind: str
    areas: tuple[int, ...] = ()
    area_scores: tuple[float, ...] = ()  # the tagger's probability per area 1–10 for this text (``annotate``)
    kind_scores: tuple[float, ...] = ()  # its probability per finding kind (FINDING_KINDS order; ``annotate``)
    passage_id: str = ""
    doc_id: str = ""  # the report; findings of one report count once for "shared by"
    file: str = ""
    page: int = 0
    title: str = ""
    gemeente: str = ""
    year: int | None = None
    provincie: str = ""
    grootteklasse: str = ""
    role: str = "body"


@dataclass
class Theme:
    theme_id: str
    kind: str
    areas: tuple[int, ...]  # areas of at least AREA_SHARE of its findings, most shared first
    label: str  # its most central finding of its kind, shortened (curators may rename it)
    central: str  # its most central finding of its kind
    finding_ids: list[str]  # ordered by centrality
    n_reports: int = 0
    n_gemeenten: int = 0
    years: list[int] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # its most telling words (c-TF-IDF)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Theme:
        return cls(**{**data, "areas": tuple(data.get("areas") or ())})


@dataclass(frozen=True)
class ThemeParams:
    """The method's settings (defaults tuned on the dev gold; see the module doc)."""

    distance: float = 0.50  # agglomerative cut: 1 - mixed similarity
    term_weight: float = 0.3  # share of the lexical (TF-IDF) cosine in the mixed similarity
    area_weight: float = 0.3  # share of the cosine of the findings' squared area probabilities
    kind_weight: float = 0.25  # share of the cosine of the findings' squared finding-kind probabilities
    kind_floor: float = 0.3  # a finding leaves a group whose kind it gives less probability than this
    center: bool = False  # subtract the findings' mean vector first (e5 cosines crowd near 0.85)
    lexical: str = "char"  # "char": character 4–5-grams of the lemmas (compounds share parts); "word": lemmas
    by_kind: bool = False  # group each statement kind apart (a wall; the default weighs kinds softly instead)
    clusterer: str = "agglomerative"  # or "hdbscan" (scikit-learn's, on the same distances; measured, not better)
    min_samples: int = 1  # hdbscan: neighbours a core finding needs
    selection: str = "leaf"  # hdbscan: "leaf" (many small clusters) or "eom" (the most stable ones)
    min_size: int = 2
    min_reports: int = 2
    block: int = 3000  # partitions larger than this are first cut into k-means blocks


DEFAULT_PARAMS = ThemeParams()
AREA_SHARE = 0.4
LABEL_TERMS = 4


def finding_key(text: str, doc_id: str = "") -> str:
    """The id of a finding: the same sentence in the same report keeps its id across re-ingest."""
    normal = " ".join(text.lower().split())
    return hashlib.sha1(f"{doc_id}\n{normal}".encode()).hexdigest()[:16]


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.nl.stop_words import STOP_WORDS

    extra = {"wijkteam", "wijkteams", "team", "teams", "sociaal", "sociale", "gemeente", "gemeenten", "worden",
             "zijn", "hebben", "kunnen", "moeten", "zullen", "blijken", "geven", "komen", "gaan", "maken",
             "onderzoek", "rekenkamer", "aanbeveling", "conclusie", "jaar", "goed", "veel", "meer", "wel"}
    return frozenset(STOP_WORDS) | extra


_WORD = re.compile(r"^[a-zà-ÿ][a-zà-ÿ\-]{2,}$")


def content_words(texts: Sequence[str]) -> list[list[tuple[str, str]]]:
    """Per text, its content words as (lemma, surface form), lower case; stop words and short
    tokens dropped."""
    from pipeline.nlp import build_nlp

    nlp, stop = build_nlp(with_entities=False), _stop_words()
    result = []
    for doc in nlp.pipe(texts, batch_size=64):
        words = []
        for token in doc:
            lemma = (token.lemma_ or token.text).lower()
            if _WORD.match(lemma) and lemma not in stop and token.lower_ not in stop:
                words.append((lemma, token.lower_))
        result.append(words)
    return result


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(clean_quote(text), maxsplit=1)[0]


def short_label(text: str, limit: int = 110) -> str:
    """A finding as a theme label: its first sentence, cut at a word boundary."""
    return _shortened(_first_sentence(text), limit)


def _shortened(first: str, limit: int = 110) -> str:
    if len(first) <= limit:
        return first.rstrip(",;:")
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


_BULLET = re.compile(r"^(?:[-–—•·*▪●◦]|\d{1,2}[.)])\s+")
_ELISION = re.compile(r"^(?:[\[(](?:\.\.\.|…)[\])]|\.\.\.|…)\s*")  # "[...] In gemeenten …": the report's own cut


def clean_quote(text: str) -> str:
    """A finding as it is quoted: one line, without a leading list bullet, number or elision mark."""
    return _ELISION.sub("", _BULLET.sub("", " ".join(text.split())))


def without_lead_in(text: str) -> str:
    """A finding without a closing sentence that only announces a list ("Als oorzaken noemen de
    professionals:"): the list's items are findings of their own, often in the next passage, and
    the announcement states nothing. "" when nothing else is left."""
    stripped = text.rstrip()
    if not stripped.endswith(":"):
        return text
    sentences = _SENTENCE_END.split(stripped)
    return " ".join(sentences[:-1]).strip() if len(sentences) > 1 else ""


# Words that tie a sentence to the one before it ("Daarin is weinig veranderd."): such a sentence
# does not stand on its own as a theme's label.
_LEANING = frozenset({
    "daarin", "daarnaast", "daarbij", "daarmee", "daardoor", "daarom", "daarvoor", "daarover", "hierdoor", "hierbij",
    "hiermee", "hiervoor", "hierin", "dit", "dat", "deze", "die", "dus", "ook", "echter", "toch", "verder", "bovendien",
    "tevens", "vervolgens", "tegelijkertijd", "zij", "ze", "hij", "zo", "en", "maar", "want", "of", "wel", "dan",
})


def stands_alone(text: str) -> bool:
    """Whether a finding's first sentence reads as a label on its own: it starts a sentence (a
    capital or a number, not a fragment cut from the page before), has at least five words, does
    not lean on the sentence before it ("Daarin …", "Ook …", "Deze afspraken …") and does not end in
    a colon (the lead-in of a list)."""
    sentence = _first_sentence(text)
    if sentence.rstrip().endswith(":"):
        return False  # "Als oorzaken noemen de professionals:" — the list it opens is elsewhere
    first = _shortened(sentence).lstrip("‘’“”\"'")
    words = first.split()
    if len(words) < 5 or not (first[:1].isupper() or first[:1].isdigit()):
        return False
    return words[0].lower().strip(",;:") not in _LEANING


def _term_matrix(lemmas: Sequence[Sequence[str]], lexical: str = "word") -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if lexical == "char":
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 5), sublinear_tf=True, norm="l2")
        lemmas = [" ".join(words) for words in lemmas]  # type: ignore[misc]
    else:
        vectorizer = TfidfVectorizer(analyzer=lambda words: list(words), sublinear_tf=True, min_df=1, norm="l2")
    try:
        return vectorizer.fit_transform(lemmas)
    except ValueError:  # no terms at all
        from scipy import sparse

        return sparse.csr_matrix((len(lemmas), 1), dtype=np.float32)


def similarity(vectors: np.ndarray, terms: Any, areas: np.ndarray, params: ThemeParams,
               kinds: np.ndarray | None = None) -> np.ndarray:
    """The mixed similarity of every pair: e5 cosine, lemma TF-IDF cosine, area overlap and kind
    overlap (``areas``, ``kinds``: rows of ``_sharpened`` probabilities), weighted
    (1 - term_weight - area_weight - kind_weight) : term_weight : area_weight : kind_weight."""
    kind_weight = params.kind_weight if kinds is not None else 0.0
    dense_weight = 1.0 - params.term_weight - params.area_weight - kind_weight
    result = dense_weight * (vectors @ vectors.T)
    if params.term_weight:
        result += params.term_weight * (terms @ terms.T).toarray()
    if params.area_weight:
        result += params.area_weight * (areas @ areas.T)
    if kind_weight:
        result += kind_weight * (kinds @ kinds.T)
    return result.astype(np.float32)


def _area_matrix(findings: Sequence[Finding]) -> np.ndarray:
    """Per finding its area probabilities, or its decided areas when it has no probabilities,
    sharpened (``_sharpened``)."""
    matrix = np.zeros((len(findings), 10), dtype=np.float32)
    for row, finding in enumerate(findings):
        if finding.area_scores:
            matrix[row] = finding.area_scores
        for area in () if finding.area_scores else finding.areas:
            matrix[row, area - 1] = 1.0
    return _sharpened(matrix)


def kind_probabilities(findings: Sequence[Finding]) -> np.ndarray:
    """Per finding its probability per finding kind (``kind_scores``), or its kind as one-hot
    when it has none."""
    matrix = np.zeros((len(findings), len(FINDING_KINDS)), dtype=np.float32)
    for row, finding in enumerate(findings):
        if len(finding.kind_scores) == len(FINDING_KINDS):
            matrix[row] = finding.kind_scores
        elif finding.kind in FINDING_KINDS:
            matrix[row, FINDING_KINDS.index(finding.kind)] = 1.0
    return matrix


def _sharpened(probabilities: np.ndarray) -> np.ndarray:
    """Squared probabilities (the leading ones count), L2-normalised rows: cosines of these are
    the area and kind overlaps of the similarity."""
    squared = probabilities.astype(np.float32) ** 2
    return squared / np.maximum(np.linalg.norm(squared, axis=1, keepdims=True), 1e-12)


def _kind_pure(labels: np.ndarray, kinds: np.ndarray, floor: float) -> np.ndarray:
    """``labels`` with every finding that gives its group's kind (the most probable over the
    group) less than ``floor`` moved out, into a group per its own most probable kind."""
    result = labels.copy()
    next_label = int(labels.max()) + 1 if len(labels) else 0
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        if len(rows) < 2:
            continue
        leaving = rows[kinds[rows, int(np.argmax(kinds[rows].sum(axis=0)))] < floor]
        own = np.argmax(kinds[leaving], axis=1)
        for kind in np.unique(own):
            result[leaving[own == kind]] = next_label
            next_label += 1
    return result


def _centered(vectors: np.ndarray) -> np.ndarray:
    centered = vectors - vectors.mean(axis=0, keepdims=True)
    return centered / np.maximum(np.linalg.norm(centered, axis=1, keepdims=True), 1e-12)


def _agglomerate(sim: np.ndarray, distance: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    if len(sim) < 2:
        return np.zeros(len(sim), dtype=int)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=distance)
    return model.fit_predict(np.clip(1.0 - sim, 0.0, 2.0))


def _hdbscan(sim: np.ndarray, params: ThemeParams) -> np.ndarray:
    """scikit-learn's HDBSCAN on the mixed distances; its noise points become groups of one (so
    they stay unthemed)."""
    from sklearn.cluster import HDBSCAN

    if len(sim) <= max(params.min_size, params.min_samples):
        return np.arange(len(sim))
    distances = np.clip(1.0 - sim, 0.0, 2.0).astype(np.float64)
    np.fill_diagonal(distances, 0.0)
    labels = HDBSCAN(min_cluster_size=max(2, params.min_size), min_samples=params.min_samples, metric="precomputed",
                     cluster_selection_method=params.selection, copy=True).fit_predict(distances)
    noise = np.flatnonzero(labels < 0)
    labels[noise] = labels.max() + 1 + np.arange(len(noise))
    return labels


def _group(sim: np.ndarray, params: ThemeParams) -> np.ndarray:
    if params.clusterer == "hdbscan":
        return _hdbscan(sim, params)
    if params.clusterer != "agglomerative":
        raise ValueError(f"unknown clusterer {params.clusterer!r} (agglomerative or hdbscan)")
    return _agglomerate(sim, params.distance)


def _blocks(vectors: np.ndarray, size: int, seed: int = 0) -> list[np.ndarray]:
    """Rows cut into k-means blocks of about ``size`` (one block when it fits)."""
    n = len(vectors)
    if n <= size:
        return [np.arange(n)]
    from sklearn.cluster import MiniBatchKMeans

    k = math.ceil(n / (size * 0.7))
    labels = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048).fit_predict(vectors)
    return [np.flatnonzero(labels == label) for label in range(k) if (labels == label).any()]


def cluster(vectors: np.ndarray, terms: Any, areas: np.ndarray, kinds: Sequence[str], params: ThemeParams,
            kind_scores: np.ndarray | None = None) -> np.ndarray:
    """A group label per finding (-1: unthemed before the report filter). ``kinds`` partition the
    findings when ``params.by_kind``; ``kind_scores`` (``kind_probabilities``) weigh them softly
    and keep each group to one kind (``_kind_pure``)."""
    soft = _sharpened(kind_scores) if kind_scores is not None else None
    labels = np.full(len(kinds), -1, dtype=int)
    next_label = 0
    partitions: dict[str, list[int]] = {}
    for row, kind in enumerate(kinds):
        partitions.setdefault(kind if params.by_kind else "", []).append(row)
    for rows in partitions.values():
        index = np.asarray(rows)
        for block in _blocks(vectors[index], params.block):
            members = index[block]
            found = _group(similarity(vectors[members], terms[members], areas[members], params,
                                      soft[members] if soft is not None else None), params)
            if kind_scores is not None:
                found = _kind_pure(found, kind_scores[members], params.kind_floor)
            for label in np.unique(found):
                labels[members[found == label]] = next_label
                next_label += 1
    return labels


def ctfidf_terms(groups: Sequence[Sequence[Sequence[str]]], top: int = LABEL_TERMS) -> list[list[str]]:
    """BERTopic's class-based TF-IDF: per group, the terms most frequent in it and rare elsewhere.

    ``groups[-1]`` may be the unthemed findings (as BERTopic's outlier class): it counts for the
    term frequencies of the collection but its own terms are computed like any other group's.
    """
    counts = [Counter(word for words in group for word in words) for group in groups]
    total = Counter()
    for count in counts:
        total.update(count)
    average = sum(total.values()) / max(1, len(groups))
    result = []
    for count in counts:
        size = sum(count.values()) or 1
        scored = {word: (n / size) * math.log(1 + average / total[word]) for word, n in count.items() if n >= 2 or size < 12}
        result.append([w for w, _ in sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:top]])
    return result


def reads_findings(tagger: Any) -> bool:
    """Whether ``annotate`` can read findings with this tagger (it gives kind and area probabilities)."""
    return hasattr(tagger, "probabilities") and hasattr(tagger, "features")


def annotate(findings: Sequence[Finding], tagger: Any, vectors: np.ndarray | None = None) -> list[Finding]:
    """Each finding with its kind and area probabilities read from its own text by the trained
    tagger: the kind is the most probable of the three finding kinds (a finding is never a
    "beschrijving"), ``kind_scores`` their probabilities renormalised over the three.
    ``vectors``: the tagger's e5 vectors of the texts, when already computed.
    A tagger without probabilities (the rule tagger) leaves the findings as they are."""
    from dataclasses import replace

    from core.taxonomy import KINDS

    if not findings or not reads_findings(tagger):
        return list(findings)
    texts = [f.text for f in findings]
    if getattr(tagger, "uses_vectors", False):
        vectors = tagger.embed(texts) if vectors is None else vectors
    else:
        vectors = None
    area_p, kind_p = tagger.probabilities(tagger.features(texts, vectors))
    columns = [KINDS.index(kind) for kind in FINDING_KINDS]
    finding_p = kind_p[:, columns] / np.maximum(kind_p[:, columns].sum(axis=1, keepdims=True), 1e-12)
    return [
        replace(f, kind=FINDING_KINDS[int(np.argmax(kinds))], area_scores=tuple(round(float(x), 4) for x in areas),
                kind_scores=tuple(round(float(x), 4) for x in kinds))
        for f, areas, kinds in zip(findings, area_p, finding_p, strict=True)
    ]


def theme_id(finding_ids: Sequence[str]) -> str:
    return "t" + hashlib.sha1("\n".join(sorted(finding_ids)).encode()).hexdigest()[:10]


def group_findings(findings: Sequence[Finding], vectors: np.ndarray, params: ThemeParams = DEFAULT_PARAMS
                   ) -> tuple[list[Theme], list[str]]:
    """The themes among ``findings`` (sorted by how many gemeenten/reports share them) and the ids
    of the findings that fit none. ``vectors`` are the findings' L2-normalised e5 vectors."""
    if not findings:
        return [], []
    vectors = np.asarray(vectors, dtype=np.float32)
    words = content_words([f.text for f in findings])
    lemmas = [[lemma for lemma, _ in w] for w in words]
    surface: dict[str, Counter[str]] = {}
    for lemma, form in (pair for w in words for pair in w):
        surface.setdefault(lemma, Counter())[form] += 1
    terms = _term_matrix(lemmas, params.lexical)
    features = _centered(vectors) if params.center else vectors
    kinds = kind_probabilities(findings)
    labels = cluster(features, terms, _area_matrix(findings), [f.kind for f in findings], params, kinds)
    groups: list[np.ndarray] = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        reports = {findings[r].doc_id or findings[r].finding_id for r in rows}
        if len(rows) >= params.min_size and len(reports) >= params.min_reports:
            groups.append(rows)
    themed = np.zeros(len(findings), dtype=bool)
    for rows in groups:
        themed[rows] = True
    rest = np.flatnonzero(~themed)
    labels_terms = ctfidf_terms([[lemmas[r] for r in rows] for rows in groups] + [[lemmas[r] for r in rest]])
    shown = [[surface[t].most_common(1)[0][0] for t in group_terms] for group_terms in labels_terms]
    themes = [_theme(findings, vectors, kinds, rows, terms_) for rows, terms_ in zip(groups, shown, strict=False)]
    themes.sort(key=lambda t: (-t.n_gemeenten, -t.n_reports, -len(t.finding_ids), t.theme_id))
    return themes, [findings[r].finding_id for r in rest]


def theme_areas(members: Sequence[Finding]) -> tuple[int, ...]:
    """The areas of a theme, most probable first: with area probabilities, those whose mean
    over the findings is at least ``AREA_SHARE`` (always the leading one); without, the areas
    decided for at least ``AREA_SHARE`` of its findings."""
    if all(len(f.area_scores) == 10 for f in members):
        mean = np.mean([f.area_scores for f in members], axis=0)
        order = np.argsort(-mean, kind="stable")
        return tuple(int(i) + 1 for rank, i in enumerate(order) if rank == 0 or mean[i] >= AREA_SHARE)
    counts = Counter(a for f in members for a in f.areas)
    return tuple(a for a, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= AREA_SHARE * len(members))


def _theme(findings: Sequence[Finding], vectors: np.ndarray, kinds: np.ndarray, rows: np.ndarray, terms: list[str]) -> Theme:
    """``kinds``: ``kind_probabilities`` of ``findings``."""
    centroid = vectors[rows].mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    order = rows[np.argsort(-(vectors[rows] @ centroid), kind="stable")]
    members = [findings[r] for r in order]
    areas = theme_areas(members)
    kind = FINDING_KINDS[int(np.argmax(kinds[rows].sum(axis=0)))]
    # The label is the most central finding of the theme's own kind (a finding of uncertain kind
    # may sit in the theme, but an aanbevelingen theme is not labelled with a knelpunt) whose first
    # sentence stands alone; the most central of its kind when none does.
    own = [f for f in members if f.kind == kind] or members
    lead = next((f for f in own if stands_alone(f.text)), own[0])
    members = [lead, *(f for f in members if f is not lead)]
    return Theme(
        theme_id=theme_id([f.finding_id for f in members]),
        kind=kind,
        areas=areas,
        label=short_label(members[0].text),
        central=members[0].text,
        finding_ids=[f.finding_id for f in members],
        n_reports=len({f.doc_id or f.finding_id for f in members}),
        n_gemeenten=len({f.gemeente for f in members if f.gemeente}),
        years=sorted({f.year for f in members if f.year}),
        terms=terms,
    )
