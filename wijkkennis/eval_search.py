"""Search evaluation: nDCG@10, MRR@10 and Recall@10 against a page-level gold set.

A gold file is JSON Lines, one labelled query per line::

    {"query": "...", "relevant": [{"file": "rapport.pdf", "pages": [12, 13]}], "filters": {"area": 3}}

``filters`` is optional (keys: area, kind, gemeente, provincie, grootteklasse, g40, year_from,
year_to, publisher). Relevance is judged per page, because a reader is pointed to a file and a
page, not to one of our passages.

Conventions (the same for every ranker):

- **Binary gain.** A hit is relevant when its file name and page are listed in the gold line.
  File names are compared by their last path component, so ``sub/rapport.pdf`` in the index
  matches ``rapport.pdf`` in the gold file.
- **Each relevant page counts once.** Several passages from the same relevant page can appear in
  a result list; the first is credited (gain 1), later ones get gain 0, so returning one page
  three times does not score three times.
- **IDCG** is the DCG of ``min(#relevant pages, k)`` relevant results at ranks 1, 2, …; nDCG is
  therefore 1 only when every listed page (up to k) is at the top.
- **MRR@k**: 1 / rank of the first relevant hit within the first k, else 0.
- **Recall@k**: relevant pages found in the first k / relevant pages listed.
- The result lists are what a user sees: ``SearchService.search`` with the configured
  ``max_per_document`` (default 3) unless ``max_per_document`` is given (0 = no limit). A
  limit per document caps Recall@10 when more than that many relevant pages sit in one
  document; the report states which limit was used.
- Scores are means over all gold queries (a query whose pages are never found scores 0).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from core.gold import GoldFormatError, fail, parse_lines, read_lines  # noqa: F401 (GoldFormatError: re-exported)

if TYPE_CHECKING:
    from index.query import Filters, SearchService

RANKERS: tuple[str, ...] = ("hybrid", "bm25", "dense")
FILTER_KEYS = ("area", "kind", "gemeente", "provincie", "grootteklasse", "g40", "year_from", "year_to", "publisher")

PageKey = tuple[str, int]


class EvalError(RuntimeError):
    """The evaluation cannot run (for example: the index is empty)."""


@dataclass(frozen=True)
class GoldQuery:
    line: int
    query: str
    relevant: frozenset[PageKey]
    filters: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ metrics
def page_key(file: str, page: int) -> PageKey:
    return (PurePath(str(file).replace("\\", "/")).name, int(page))


def gains(ranked: Sequence[PageKey], relevant: Iterable[PageKey], k: int = 10) -> list[int]:
    """Binary gain per rank (first k); a relevant page already credited earns 0 again."""
    wanted = set(relevant)
    seen: set[PageKey] = set()
    result = []
    for key in ranked[:k]:
        hit = key in wanted and key not in seen
        result.append(1 if hit else 0)
        seen.add(key)
    return result


def dcg(gain_list: Sequence[int]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gain_list, 1))


def ndcg_at_k(ranked: Sequence[PageKey], relevant: Iterable[PageKey], k: int = 10) -> float:
    wanted = set(relevant)
    if not wanted:
        return 0.0
    ideal = dcg([1] * min(len(wanted), k))
    return dcg(gains(ranked, wanted, k)) / ideal


def mrr_at_k(ranked: Sequence[PageKey], relevant: Iterable[PageKey], k: int = 10) -> float:
    for rank, g in enumerate(gains(ranked, relevant, k), 1):
        if g:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranked: Sequence[PageKey], relevant: Iterable[PageKey], k: int = 10) -> float:
    wanted = set(relevant)
    if not wanted:
        return 0.0
    return sum(gains(ranked, wanted, k)) / len(wanted)


# -------------------------------------------------------------- gold file
def _parse_line(number: int, data: dict[str, Any]) -> GoldQuery:
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise fail(number, "'query' ontbreekt of is leeg")
    relevant_list = data.get("relevant")
    if not isinstance(relevant_list, list) or not relevant_list:
        raise fail(number, "'relevant' moet een niet-lege lijst zijn van {\"file\": ..., \"pages\": [...]}")
    relevant: set[PageKey] = set()
    for item in relevant_list:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not item["file"].strip():
            raise fail(number, "elk item in 'relevant' heeft een 'file' (tekst) nodig")
        pages = item.get("pages")
        if isinstance(pages, int) and not isinstance(pages, bool):
            pages = [pages]
        if not isinstance(pages, list) or not pages or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in pages):
            raise fail(number, f"'pages' van {item['file']!r} moet een lijst paginanummers (≥ 1) zijn")
        relevant.update(page_key(item["file"], p) for p in pages)
    filters = data.get("filters") or {}
    if not isinstance(filters, dict):
        raise fail(number, "'filters' moet een JSON-object zijn")
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise fail(number, f"onbekende filter(s) {', '.join(unknown)} (toegestaan: {', '.join(FILTER_KEYS)})")
    try:
        to_filters(filters)
    except ValueError as error:
        raise fail(number, f"ongeldig filter: {error}") from error
    return GoldQuery(number, query.strip(), frozenset(relevant), dict(filters))


def parse_gold(lines: Iterable[str]) -> list[GoldQuery]:
    """Gold queries from JSON Lines; blank lines and lines starting with # are skipped."""
    return parse_lines(lines, _parse_line, "vragen")


def load_gold(path: Path) -> list[GoldQuery]:
    return parse_gold(read_lines(path))


def to_filters(raw: dict[str, Any]) -> Filters:
    """Gold-file filters → ``Filters`` (raises ValueError/QueryError with a Dutch message)."""
    from core.taxonomy import parse_area, parse_kind
    from index.query import Filters, resolve_gemeente_codes

    def as_list(value: Any) -> list[Any]:
        return list(value) if isinstance(value, list | tuple) else [value]

    def as_int(key: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            raise ValueError(f"{key} moet een jaartal zijn, niet {value!r}")
        return int(value)

    g40 = raw.get("g40")
    if g40 is not None and not isinstance(g40, bool):
        raise ValueError(f"g40 moet true of false zijn, niet {g40!r}")
    filters = Filters(
        areas=tuple(parse_area(a) for a in as_list(raw["area"])) if raw.get("area") is not None else (),
        kind=parse_kind(str(raw["kind"])) if raw.get("kind") else None,
        gemeenten=resolve_gemeente_codes([str(g) for g in as_list(raw["gemeente"])]) if raw.get("gemeente") else (),
        provincie=raw.get("provincie") or None,
        grootteklasse=raw.get("grootteklasse") or None,
        g40=g40,
        year_from=as_int("year_from"),
        year_to=as_int("year_to"),
        publisher=raw.get("publisher") or None,
    )
    return filters.validated()


# ---------------------------------------------------------------- runner
@dataclass
class QueryResult:
    line: int
    query: str
    n_relevant: int
    scores: dict[str, dict[str, float]]  # ranker → {"ndcg10": …, "mrr10": …, "recall10": …}
    top: dict[str, list[PageKey]]  # ranker → ranked (file, page) of the first k hits


@dataclass
class EvalReport:
    k: int
    max_per_document: int
    results: list[QueryResult]
    rankers: tuple[str, ...]
    seconds: float
    missing_files: list[str]
    means: dict[str, dict[str, float]] = field(default_factory=dict)
    fusion: str = ""

    def summary(self) -> dict[str, Any]:
        """Flat figures: hybrid as ndcg10/mrr10/recall10, other rankers prefixed (bm25_ndcg10, …)."""
        flat: dict[str, Any] = {"n": len(self.results), "k": self.k, "max_per_document": self.max_per_document, "fusion": self.fusion}
        for ranker, figures in self.means.items():
            prefix = "" if ranker == "hybrid" else f"{ranker}_"
            for name, value in figures.items():
                flat[f"{prefix}{name}"] = round(value, 4)
        flat["missing_files"] = self.missing_files
        flat["seconds"] = round(self.seconds, 2)
        return flat

    def to_json(self) -> dict[str, Any]:
        data = self.summary()
        data["queries"] = [
            {"line": r.line, "query": r.query, "n_relevant": r.n_relevant,
             **{f"{'' if rk == 'hybrid' else rk + '_'}{m}": round(v, 4) for rk, figs in r.scores.items() for m, v in figs.items()}}
            for r in self.results
        ]
        return data


def evaluate(
    service: SearchService,
    gold: Sequence[GoldQuery],
    rankers: Sequence[str] = RANKERS,
    k: int = 10,
    max_per_document: int | None = None,
) -> EvalReport:
    """Run every gold query through every ranker and score the first k hits."""
    if service.store.count_documents() == 0 or service.store.count_passages() == 0:
        raise EvalError(
            f"de index in {service.settings.data_dir} is leeg: lees eerst documenten in met "
            "`wijkkennis ingest PAD` (of geef --data-dir op)"
        )
    per_doc = service.settings.max_per_document if max_per_document is None else max_per_document
    indexed = {PurePath(str(row["file"])).name for row in service.store.documents()}
    missing = sorted({file for q in gold for file, _ in q.relevant} - indexed)
    started = time.perf_counter()
    results = []
    for item in gold:
        filters = to_filters(item.filters)
        scores: dict[str, dict[str, float]] = {}
        tops: dict[str, list[PageKey]] = {}
        for ranker in rankers:
            hits = service.search(item.query, filters, top_k=k, ranker=ranker, max_per_document=per_doc)  # type: ignore[arg-type]
            ranked = [page_key(h.file, h.page) for h in hits]
            tops[ranker] = ranked
            scores[ranker] = {
                "ndcg10": ndcg_at_k(ranked, item.relevant, k),
                "mrr10": mrr_at_k(ranked, item.relevant, k),
                "recall10": recall_at_k(ranked, item.relevant, k),
            }
        results.append(QueryResult(item.line, item.query, len(item.relevant), scores, tops))
    report = EvalReport(k, per_doc, results, tuple(rankers), time.perf_counter() - started, missing, fusion=service.fusion_label)
    for ranker in rankers:
        report.means[ranker] = {
            metric: sum(r.scores[ranker][metric] for r in results) / len(results)
            for metric in ("ndcg10", "mrr10", "recall10")
        }
    return report


def format_table(report: EvalReport) -> str:
    """A small fixed-width table of the means per ranker."""
    k = report.k
    lines = [f"{'ranker':<8} {f'nDCG@{k}':>8} {f'MRR@{k}':>8} {f'Recall@{k}':>10}"]
    for ranker in report.rankers:
        m = report.means[ranker]
        lines.append(f"{ranker:<8} {m['ndcg10']:>8.3f} {m['mrr10']:>8.3f} {m['recall10']:>10.3f}")
    per_doc = report.max_per_document or "geen"
    fused = f" · fusie: {report.fusion}" if report.fusion and "hybrid" in report.rankers else ""
    lines.append(f"{len(report.results)} vragen · paginaniveau · max. per document: {per_doc}{fused} · {report.seconds:.1f} s")
    return "\n".join(lines)
