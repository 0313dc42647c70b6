"""The query API: the one entry point the CLI, the app, the evaluation and the tests call.

Hybrid ranking fuses dense (Chroma) and BM25 results (``index.fusion``): weighted reciprocal
rank fusion by default, or a weighted sum of cosine and relative BM25 score whose weight was
tuned on labelled queries. BM25 only joins when it matched something, so a paraphrase query with no
shared words is not dragged down by BM25 noise.

Result lists are built for a reader who is sent to a file and a page:

- **one hit per page** — the best passage of a page stands for it; a second passage from the
  same page adds nothing a reader would not see there anyway;
- **findings first** — passages from a title page, colofon, table of contents or reference list
  (``core.records.NON_FINDING_ROLES``, see ``pipeline.roles``) share a query's words without
  answering it: after fusion they go behind every other passage that matched, in their own order,
  in every ranker (hybrid, bm25, dense). They are not dropped: when nothing else matches they are
  still shown;
- **diversified, not truncated** — after ``max_per_document`` (N) hits from one document, the
  document's next hits get a rank penalty: the (N+i)-th ranks as if it stood i·N places lower
  (with N = 3 the 4th hit of a document 3 places, the 5th 6 places, …). Other documents come
  first when they are comparably relevant, but a document that is the only good source is not
  replaced by weak hits from elsewhere. ``max_per_document=0`` switches diversification off.

Filters apply to both rankers. BM25 uses numpy masks over columns aligned with its rows; the
dense side never makes Chroma evaluate the filter itself. Chroma's ``where`` clause is evaluated
on its metadata table and then every matching vector is compared with the query: exact, but
slow at scale (1M passages: p95 1.4 s for an area filter keeping 2.4 %; see the README,
"Performance and scale"). Instead:

- a broad filter (≥ 5 % of the passages, measured on the BM25 mask) is answered by an unfiltered
  HNSW query that over-fetches ``1.5 × depth / share`` neighbours (at most 5,000) and keeps the
  ones the mask allows;
- a narrow filter, or an over-fetch that kept too few, passes the allowed passage ids (from the
  same mask) to Chroma's ``query(ids=…)`` (1M passages: p95 0.17 s for the same filter). Only an
  allowed set larger than ``MAX_ID_LIST`` falls back to ``where``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from core.config import Settings
from core.records import NON_FINDING_ROLES
from core.taxonomy import AREAS, KINDS
from index import fusion, lexical
from index.store import KIND_CODES, ROLE_CODES, Store

Ranker = Literal["hybrid", "bm25", "dense"]
BROAD_FILTER_SHARE = 0.05  # filters keeping at least this share of passages: over-fetch + mask
MAX_OVERFETCH = 5000
MAX_ID_LIST = 100_000  # larger allowed sets are sent as a where clause instead of an id list
DEMOTED_ROLE_CODES = np.array(sorted(ROLE_CODES[role] for role in NON_FINDING_ROLES), dtype=np.int8)


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
    kind: str  # the passage's main statement
    ocr: bool
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    role: str = "body"  # the role of its page (core.records.PageRole): "samenvatting", "bijlage", …
    sentences: list[dict[str, Any]] = field(default_factory=list)  # {"start", "end", "kind", "text"}

    @property
    def kinds(self) -> list[str]:
        """Every kind the passage makes, the main kind first."""
        return [self.kind, *sorted({s["kind"] for s in self.sentences} - {self.kind})]

    def sentences_of(self, kind: str) -> list[str]:
        """The sentences of this kind (when the tagger gave kinds per sentence)."""
        return [s["text"] for s in self.sentences if s["kind"] == kind]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kinds": self.kinds}


def resolve_gemeente_codes(values: Sequence[str]) -> tuple[str, ...]:
    from core import reference

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


def sentence_list(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored kinds per sentence of a passage record, with the sentences' text."""
    text = record["text"]
    return [{"start": start, "end": end, "kind": kind, "text": text[start:end]}
            for start, end, kind, *_ in record.get("sentence_kinds") or [] if 0 <= start < end <= len(text)]


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.areas:
        area_clauses = [{f"area_{a}": True} for a in filters.areas]
        clauses.append(area_clauses[0] if len(area_clauses) == 1 else {"$or": area_clauses})
    if filters.kind:  # the passage's main kind, or the kind of one of its sentences
        clauses.append({"$or": [{"kind": filters.kind}, {f"kinds_{filters.kind}": True}]})
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
        if "kind_mask" in columns:  # main kind or a sentence's kind
            mask &= (columns["kind_mask"] & (1 << KIND_CODES[filters.kind])) != 0
        else:  # BM25 saved by an older version
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


def diversify(keys: Sequence[tuple[str, Any]], top_k: int, max_per_document: int) -> list[int]:
    """Positions into ``keys`` ((document, page) per candidate, best first) for a result list.

    One hit per page (the first, i.e. best, candidate of a page). The (N+i)-th hit of a document
    (N = ``max_per_document`` > 0) ranks as if it stood i·N places lower in the list of pages; at
    an equal place a hit that was not moved goes first.
    """
    seen: set[tuple[str, Any]] = set()
    per_document: dict[str, int] = {}
    placed: list[tuple[int, bool, int, int]] = []  # (place, moved, order, position in keys)
    for position, key in enumerate(keys):
        if key in seen:
            continue
        seen.add(key)
        document = key[0]
        earlier = per_document.get(document, 0)
        per_document[document] = earlier + 1
        moved = bool(max_per_document) and earlier >= max_per_document
        place = len(placed) + (max_per_document * (earlier - max_per_document + 1) if moved else 0)
        placed.append((place, moved, len(placed), position))
    placed.sort()
    return [entry[-1] for entry in placed[:top_k]]


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
        self.embedder = load_embedder(settings.embedder, settings.query_prefix, settings.passage_prefix, settings.embed_device)
        self.bm25_weight = float(settings.extra.get("bm25_weight", fusion.RRF_BM25_WEIGHT))  # rrf only
        self.dense_weight = float(settings.extra.get("dense_weight", fusion.RRF_DENSE_WEIGHT))
        try:
            self.fusion, self.fusion_weight = fusion.resolve(settings.fusion, self.embedder.name, settings.bm25_fusion_weight)
        except ValueError as error:
            raise QueryError(str(error)) from error

    @property
    def fusion_label(self) -> str:
        return f"weighted (BM25-gewicht {self.fusion_weight:g})" if self.fusion == "weighted" else "rrf"

    # --------------------------------------------------------------- rankers
    def dense(self, query: str, k: int, filters: Filters, vector: np.ndarray | None = None) -> list[tuple[str, float]]:
        total = self.store.count_vectors()
        if total == 0:
            return []
        vector = np.asarray(self.embedder.embed_query(query) if vector is None else vector, dtype=np.float32)
        if filters.is_empty():
            return self._chroma_query(vector, min(k, total), None)
        index = self.store.lexical_index()
        mask = lexical_mask(index, filters)
        allowed = int(np.count_nonzero(mask)) if mask is not None else len(index.passage_ids)
        if allowed == 0:
            return []
        share = allowed / max(len(index.passage_ids), 1)
        if mask is not None and share >= BROAD_FILTER_SHARE:
            fetch = min(total, MAX_OVERFETCH, max(k, int(np.ceil(k / share * 1.5))))
            rows = index.rows
            kept = [
                (pid, score) for pid, score in self._chroma_query(vector, fetch, None)
                if (row := rows.get(pid)) is not None and mask[row]
            ]
            if len(kept) >= min(k, allowed) or fetch >= total:
                return kept[:k]
        if mask is not None and allowed <= MAX_ID_LIST:
            ids = [index.passage_ids[row] for row in np.flatnonzero(mask)]
            return self._chroma_query(vector, min(k, allowed), None, ids=ids)
        return self._chroma_query(vector, min(k, total), chroma_where(filters))

    def _chroma_query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None,
                      ids: list[str] | None = None) -> list[tuple[str, float]]:
        result = self.store.collection.query(query_embeddings=[vector], n_results=n, where=where, ids=ids, include=["distances"])
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
        for name, results in (("dense", dense), ("bm25", bm25)):
            for pid, score in results:
                scores.setdefault(pid, {})[name] = round(score, 4)
        if self.fusion == "weighted":
            fused = fusion.weighted(dense, bm25, self.fusion_weight)
        else:
            fused = fusion.rrf(dense, bm25, self.dense_weight, self.bm25_weight)
        order = sorted(fused, key=lambda pid: -fused[pid])
        return [(pid, fused[pid], scores[pid]) for pid in self.findings_first(order)]

    def findings_first(self, order: list[str]) -> list[str]:
        """``order`` with the passages of non-finding roles (cover, colofon, inhoud, literatuur)
        moved behind all others, each group keeping its order (see the module docstring)."""
        if not order:
            return order
        index = self.store.lexical_index()
        roles = index.columns.get("role")
        if roles is None:
            return order
        rows = index.rows
        demoted = {pid for pid in order if (row := rows.get(pid)) is not None and roles[row] in DEMOTED_ROLE_CODES}
        if not demoted:
            return order
        return [pid for pid in order if pid not in demoted] + [pid for pid in order if pid in demoted]

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
        """One hit per page, diversified over documents (see the module docstring)."""
        records = self.store.passages([pid for pid, _, _ in candidates[: max(top_k * 10, 100)]])
        # A document still being written, or gone, has no record: skip it.
        kept = [(records[pid], fused, scores) for pid, fused, scores in candidates if pid in records]
        order = diversify([(record["doc_id"], record["page"]) for record, _, _ in kept], top_k, per_doc)
        return [self._hit(kept[i][0], query, kept[i][1], kept[i][2]) for i in order]

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
            sentences=sentence_list(record),
            role=record.get("role") or "body",
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
        dense = dict(self.dense("", top_k * 5, filters, vector=vector))
        candidates = [(pid, dense[pid], {"dense": round(dense[pid], 4)}) for pid in self.findings_first(list(dense))]
        return self._hits(candidates, source["text"], top_k, self.settings.max_per_document)

    def passage(self, passage_id: str) -> dict[str, Any] | None:
        return self.store.passages([passage_id]).get(passage_id)

    def stats(self) -> dict[str, Any]:
        return self.store.stats()


# ------------------------------------------------------------------ browsing and counts (the app)
def browse(service: SearchService, filters: Filters, limit: int = 50) -> tuple[list[Hit], int]:
    """Passages matching the filters without a query (the app's overview click-through).

    Returns (the first ``limit`` hits ordered by gemeente, year, document and position, total).
    Only those ``limit`` passages are read from SQLite, however many match.
    """
    filters = filters.validated()
    index = service.store.lexical_index()
    mask = lexical_mask(index, filters)
    rows = np.arange(len(index.passage_ids)) if mask is None else np.flatnonzero(mask)
    columns = index.columns
    order = rows[np.lexsort((rows, columns["doc"][rows], columns["year"][rows], columns["gemeentecode"][rows]))]
    ids = [index.passage_ids[i] for i in order[:limit]]
    records = service.store.passages(ids)
    return [SearchService._hit(records[pid], "", 0.0, {}) for pid in ids if pid in records], len(rows)


def passage_hits(service: SearchService, passage_ids: Sequence[str]) -> list[Hit]:
    """The passages with these ids, in this order, as hits (the Lessen page's link to a theme's
    passages); ids no longer in the index are left out."""
    ids = list(dict.fromkeys(passage_ids))
    records = service.store.passages(ids)
    return [SearchService._hit(records[pid], "", 0.0, {}) for pid in ids if pid in records]


def facet_counts(service: SearchService) -> list[dict[str, Any]]:
    """Passage counts grouped by gemeente, year, area set and kind (complete documents only)."""
    rows = service.store.db.execute(
        """SELECT d.gemeente, d.gemeentecode, d.provincie, d.year, p.areas, p.kind, COUNT(*) AS n
           FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete'
           GROUP BY d.gemeente, d.gemeentecode, d.provincie, d.year, p.areas, p.kind"""
    ).fetchall()
    return [{**dict(row), "areas": json.loads(row["areas"] or "[]")} for row in rows]


def document_passages(store: Store, file: str) -> list[dict[str, Any]]:
    """All passages of one complete document, in reading order (curation re-anchoring)."""
    rows = store.db.execute(
        """SELECT p.passage_id, p.page, p.position, p.heading, p.text FROM passages p
           JOIN documents d USING (doc_id) WHERE d.file = ? AND d.status = 'complete' ORDER BY p.position""",
        (file,),
    ).fetchall()
    return [dict(row) for row in rows]
