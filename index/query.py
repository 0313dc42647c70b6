"""The query API: the one entry point the CLI, the app, the evaluation and the tests call.

Hybrid ranking fuses dense (Chroma) and BM25 results with weighted reciprocal rank fusion;
BM25 only joins when it matched something, so a paraphrase query with no shared words is not
dragged down by BM25 noise. Results are diversified (at most N passages per document).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from index import lexical
from index.store import KIND_CODES, Store
from wijkkennis.config import Settings
from wijkkennis.taxonomy import AREAS, KINDS

Ranker = Literal["hybrid", "bm25", "dense"]
RRF_K = 60


class QueryError(ValueError):
    """A query or filter the user must correct; the message says how."""


@dataclass(frozen=True)
class Filters:
    areas: tuple[int, ...] = ()  # any of these areas
    kind: str | None = None
    gemeenten: tuple[str, ...] = ()  # gemeentecodes or names
    provincie: str | None = None
    grootteklasse: str | None = None
    g40: bool | None = None
    year_from: int | None = None
    year_to: int | None = None
    publisher: str | None = None
    exclude_doc: str | None = None
    exclude_gemeentecode: str | None = None

    def is_empty(self) -> bool:
        return self == Filters()

    def validated(self) -> Filters:
        for area in self.areas:
            if area not in AREAS:
                raise QueryError(f"aandachtsgebied {area} bestaat niet (1–10)")
        if self.kind is not None and self.kind not in KINDS:
            raise QueryError(f"soort uitspraak {self.kind!r} bestaat niet (kies uit {', '.join(KINDS)})")
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise QueryError("jaar vanaf ligt na jaar tot en met")
        return self


@dataclass
class Hit:
    passage_id: str
    doc_id: str
    text: str
    snippet: str
    file: str
    page: int
    heading: str
    title: str
    gemeente: str
    gemeentecode: str
    provincie: str
    year: int | None
    publisher: str
    areas: list[int]
    kind: str
    ocr: bool
    score: float
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_gemeente_codes(values: Sequence[str]) -> tuple[str, ...]:
    from wijkkennis import reference

    codes = []
    for value in values:
        if re.fullmatch(r"GM\d{4}", value.strip().upper()):
            codes.append(value.strip().upper())
            continue
        gemeente = reference.resolve(value)
        if gemeente is None:
            raise QueryError(f"onbekende gemeente: {value!r}")
        codes.append(gemeente.code)
    return tuple(codes)


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.areas:
        area_clauses = [{f"area_{a}": True} for a in filters.areas]
        clauses.append(area_clauses[0] if len(area_clauses) == 1 else {"$or": area_clauses})
    if filters.kind:
        clauses.append({"kind": filters.kind})
    if filters.gemeenten:
        clauses.append({"gemeentecode": {"$in": list(filters.gemeenten)}})
    if filters.provincie:
        clauses.append({"provincie": filters.provincie})
    if filters.grootteklasse:
        clauses.append({"grootteklasse": filters.grootteklasse})
    if filters.g40 is not None:
        clauses.append({"g40": filters.g40})
    if filters.year_from:
        clauses.append({"year": {"$gte": filters.year_from}})
    if filters.year_to:
        clauses.append({"year": {"$lte": filters.year_to}})
    if filters.publisher:
        clauses.append({"publisher": filters.publisher})
    if filters.exclude_doc:
        clauses.append({"doc_id": {"$ne": filters.exclude_doc}})
    if filters.exclude_gemeentecode:
        clauses.append({"gemeentecode": {"$ne": filters.exclude_gemeentecode}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def lexical_mask(index: lexical.LexicalIndex, filters: Filters) -> np.ndarray | None:
    """The same filters as ``chroma_where``, as a boolean mask over the BM25 rows."""
    if filters.is_empty():
        return None
    columns = index.columns
    mask = np.ones(len(index.passage_ids), dtype=bool)
    if filters.areas:
        wanted = 0
        for area in filters.areas:
            wanted |= 1 << area
        mask &= (columns["area_mask"] & wanted) != 0
    if filters.kind:
        mask &= columns["kind"] == KIND_CODES[filters.kind]
    if filters.gemeenten:
        mask &= np.isin(columns["gemeentecode"], list(filters.gemeenten))
    if filters.provincie:
        mask &= columns["provincie"] == filters.provincie
    if filters.grootteklasse:
        mask &= columns["grootteklasse"] == filters.grootteklasse
    if filters.g40 is not None:
        mask &= columns["g40"] == int(filters.g40)
    if filters.year_from:
        mask &= columns["year"] >= filters.year_from
    if filters.year_to:
        mask &= columns["year"] <= filters.year_to
    if filters.publisher:
        mask &= columns["publisher"] == filters.publisher
    if filters.exclude_doc:
        mask &= columns["doc"] != filters.exclude_doc
    if filters.exclude_gemeentecode:
        mask &= columns["gemeentecode"] != filters.exclude_gemeentecode
    return mask


def highlight(text: str, query: str, width: int = 320) -> str:
    """A snippet around the best-matching stretch with query terms marked as **term**."""
    query_stems = set(lexical.tokenize(query))
    words = list(re.finditer(r"\w[\w-]*", text))
    marked = [i for i, m in enumerate(words) if set(lexical.tokenize(m.group(0))) & query_stems]
    start = 0
    if marked and len(text) > width:
        start = max(0, words[marked[0]].start() - width // 4)
    end = min(len(text), start + width)
    pieces, cursor = [], start
    for i in marked:
        m = words[i]
        if m.start() < start or m.end() > end:
            continue
        pieces.append(text[cursor : m.start()])
        pieces.append(f"**{m.group(0)}**")
        cursor = m.end()
    pieces.append(text[cursor:end])
    snippet = "".join(pieces).strip()
    return ("… " if start > 0 else "") + snippet + (" …" if end < len(text) else "")


def snippet_html(snippet: str) -> str:
    escaped = html.escape(snippet)
    return re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", escaped)


class SearchService:
    """Search over one index; cheap to keep around (the app caches one per process)."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        from pipeline.embed import load_embedder

        self.settings = settings
        self.store = store or Store(settings)
        self.embedder = load_embedder(settings.embedder, settings.query_prefix, settings.passage_prefix)
        self.bm25_weight = float(settings.extra.get("bm25_weight", 0.6))
        self.dense_weight = float(settings.extra.get("dense_weight", 1.0))

    # --------------------------------------------------------------- rankers
    def dense(self, query: str, k: int, filters: Filters, vector: np.ndarray | None = None) -> list[tuple[str, float]]:
        if self.store.count_vectors() == 0:
            return []
        vector = self.embedder.embed_query(query) if vector is None else vector
        result = self.store.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=chroma_where(filters),
            include=["distances"],
        )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [(pid, 1.0 - float(d)) for pid, d in zip(ids, distances, strict=False)]

    def bm25(self, query: str, k: int, filters: Filters) -> list[tuple[str, float]]:
        index = self.store.lexical_index()
        return index.search(query, k, lexical_mask(index, filters))

    def ranked(self, query: str, k: int, filters: Filters, ranker: Ranker) -> list[tuple[str, float, dict[str, float]]]:
        """(passage id, fused score, per-ranker scores) best first, before diversification."""
        depth = max(50, k * 5)
        dense = self.dense(query, depth, filters) if ranker in ("hybrid", "dense") else []
        bm25 = self.bm25(query, depth, filters) if ranker in ("hybrid", "bm25") else []
        scores: dict[str, dict[str, float]] = {}
        fused: dict[str, float] = {}
        for weight, name, results in ((self.dense_weight, "dense", dense), (self.bm25_weight, "bm25", bm25)):
            for rank, (pid, score) in enumerate(results):
                scores.setdefault(pid, {})[name] = round(score, 4)
                fused[pid] = fused.get(pid, 0.0) + weight / (RRF_K + rank + 1)
        order = sorted(fused, key=lambda pid: -fused[pid])
        return [(pid, fused[pid], scores[pid]) for pid in order]

    # ------------------------------------------------------------------- api
    def search(
        self,
        query: str,
        filters: Filters | None = None,
        top_k: int = 10,
        ranker: Ranker = "hybrid",
        max_per_document: int | None = None,
    ) -> list[Hit]:
        query = (query or "").strip()
        if not query:
            raise QueryError("lege zoekvraag")
        if len(query) > self.settings.max_query_chars:
            raise QueryError(f"zoekvraag te lang ({len(query)} tekens, maximaal {self.settings.max_query_chars})")
        if ranker not in ("hybrid", "bm25", "dense"):
            raise QueryError(f"onbekende ranker {ranker!r}")
        filters = (filters or Filters()).validated()
        per_doc = self.settings.max_per_document if max_per_document is None else max_per_document
        candidates = self.ranked(query, top_k, filters, ranker)
        return self._hits(candidates, query, top_k, per_doc)

    def _hits(self, candidates: list[tuple[str, float, dict[str, float]]], query: str, top_k: int, per_doc: int) -> list[Hit]:
        records = self.store.passages([pid for pid, _, _ in candidates[: max(top_k * 10, 100)]])
        hits: list[Hit] = []
        per_document: dict[str, int] = {}
        for pid, fused, ranker_scores in candidates:
            record = records.get(pid)
            if record is None:  # a document still being written, or gone
                continue
            if per_doc and per_document.get(record["doc_id"], 0) >= per_doc:
                continue
            per_document[record["doc_id"]] = per_document.get(record["doc_id"], 0) + 1
            hits.append(self._hit(record, query, fused, ranker_scores))
            if len(hits) >= top_k:
                break
        return hits

    @staticmethod
    def _hit(record: dict[str, Any], query: str, fused: float, ranker_scores: dict[str, float]) -> Hit:
        return Hit(
            passage_id=record["passage_id"],
            doc_id=record["doc_id"],
            text=record["text"],
            snippet=highlight(record["text"], query) if query else record["text"][:320],
            file=record["file"],
            page=record["page"],
            heading=record["heading"] or "",
            title=record["title"] or "",
            gemeente=record["gemeente"] or "",
            gemeentecode=record["gemeentecode"] or "",
            provincie=record["provincie"] or "",
            year=record["year"],
            publisher=record["publisher"] or "",
            areas=list(record["areas"]),
            kind=record["kind"] or "",
            ocr=bool(record["ocr"]),
            score=round(fused, 6),
            scores={**ranker_scores, "fused": round(fused, 6)},
        )

    def more_like_this(self, passage_id: str, top_k: int = 10, other_gemeenten: bool = True) -> list[Hit]:
        """Findings similar to a passage, from other documents (and other gemeenten by default)."""
        source = self.store.passages([passage_id]).get(passage_id)
        if source is None:
            raise QueryError(f"passage {passage_id!r} niet gevonden")
        vector = self.store.vectors([passage_id]).get(passage_id)
        if vector is None:
            raise QueryError(f"passage {passage_id!r} heeft geen vector")
        filters = Filters(
            exclude_doc=source["doc_id"],
            exclude_gemeentecode=source["gemeentecode"] if other_gemeenten and source["gemeentecode"] else None,
        )
        dense = self.dense("", top_k * 5, filters, vector=vector)
        candidates = [(pid, score, {"dense": round(score, 4)}) for pid, score in dense]
        return self._hits(candidates, source["text"], top_k, self.settings.max_per_document)

    def passage(self, passage_id: str) -> dict[str, Any] | None:
        return self.store.passages([passage_id]).get(passage_id)

    def stats(self) -> dict[str, Any]:
        return self.store.stats()
