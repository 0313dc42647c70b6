"""Re-tag the indexed passages with the tagger in use, without reading or embedding anything again.

After a switch of the tagger model (``wijkkennis tagger use``, or a model installed by
``wijkkennis train-tagger``) the areas, kinds and sentence kinds of every indexed passage are
refreshed from the passages' stored text and the vectors stored in Chroma: the trained tagger's
e5 block takes those vectors when the index was built with e5-small (``tag_model.
vectors_compatible``), as during ingest; only passages without a stored vector are embedded (for
the tagger, never for the index). Each document's pipeline fingerprint is set to the current one,
so the next ingest finds it "unchanged" and re-embeds nothing.

Per document: Chroma's metadata (the filter fields) first, then SQLite in one transaction with a
new generation (BM25 is rebuilt from it). A run killed between the two leaves that document with
its old tags and its old fingerprint in SQLite, so the next ``retag`` (or ``ingest --refresh``)
does it again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.config import Settings
from core.records import NON_FINDING_ROLES, DocumentMeta, Passage
from index.ingest import tag_findings
from index.store import Store, area_mask, kind_mask
from pipeline.cache import pipeline_fingerprint
from pipeline.tag import load_tagger


@dataclass
class RetagReport:
    documents: int = 0
    passages: int = 0
    changed: int = 0  # passages whose areas or kind changed
    embedded: int = 0  # passages embedded for the tagger (no stored e5 vector); never written to the index
    seconds: float = 0.0


def _meta(row: dict) -> DocumentMeta:
    return DocumentMeta(row["doc_id"], row["file"], row["sha256"], row["title"] or "", row["gemeente"] or "", row["gemeentecode"] or "",
                        row["year"], row["publisher"] or "", row["report_type"] or "", int(row["n_pages"] or 0), row["provincie"] or "",
                        row["grootteklasse"] or "", bool(row["g40"]))


def retag(settings: Settings, progress: Callable[[int, int, str], None] | None = None) -> RetagReport:
    """Re-tag every complete document of the index with ``load_tagger(settings.tagger, data_dir)``."""
    from pipeline.tag_model import vectors_compatible

    start = time.perf_counter()
    report = RetagReport()
    tagger = load_tagger(settings.tagger, data_dir=settings.data_dir)
    fingerprint = pipeline_fingerprint(settings)
    with Store(settings) as store:
        store.begin_writing()
        hand_over = bool(getattr(tagger, "uses_vectors", False)) and vectors_compatible(store.get_meta("embedder") or store.embedder_name)
        documents = [dict(row) for row in store.documents()]
        for number, document in enumerate(documents, start=1):
            rows = store.db.execute("SELECT * FROM passages WHERE doc_id = ? ORDER BY position", (document["doc_id"],)).fetchall()
            passages = [Passage(r["passage_id"], r["doc_id"], document["file"], int(r["page"]), r["heading"] or "", r["text"],
                                int(r["position"]), bool(r["ocr"]), r["role"] or "body") for r in rows]
            vectors = None
            if hand_over and passages:
                stored = store.vectors([p.passage_id for p in passages])
                missing = [p for p in passages if p.passage_id not in stored]
                if missing:
                    from pipeline.embed import embedding_text

                    embedded = tagger.embed([embedding_text(p) for p in missing])  # type: ignore[attr-defined]
                    stored.update(zip((p.passage_id for p in missing), embedded, strict=True))
                    report.embedded += len(missing)
                vectors = np.asarray([stored[p.passage_id] for p in passages], dtype=np.float32)
            elif getattr(tagger, "uses_vectors", False):  # an index of another embedder: the tagger embeds for itself
                report.embedded += sum(1 for p in passages if p.role not in NON_FINDING_ROLES)
            tagged = tag_findings(tagger, passages, vectors if vectors is not None else np.zeros((len(passages), 0)), vectors is not None)
            meta = _meta(document)
            if tagged:
                store.collection.update(ids=[t.passage.passage_id for t in tagged], metadatas=[store.chroma_metadata(meta, t) for t in tagged])
            before = {r["passage_id"]: (json.loads(r["areas"] or "[]"), r["kind"]) for r in rows}
            with store.transaction() as db:
                db.executemany(
                    """UPDATE passages SET areas = ?, area_mask = ?, area_scores = ?, kind = ?, kind_score = ?, sentence_kinds = ?,
                       kind_mask = ? WHERE passage_id = ?""",
                    [(json.dumps(list(t.areas)), area_mask(t.areas), json.dumps({str(k): round(v, 4) for k, v in t.area_scores.items()}),
                      t.kind, t.kind_score, json.dumps([[x.start, x.end, x.kind, round(x.score, 4)] for x in t.sentences]),
                      kind_mask(t.kinds), t.passage.passage_id)
                     for t in tagged],
                )
                db.execute("UPDATE documents SET pipeline = ? WHERE doc_id = ?", (fingerprint, document["doc_id"]))
                store._bump_generation()
            report.documents += 1
            report.passages += len(tagged)
            report.changed += sum(1 for t in tagged if before.get(t.passage.passage_id) != (list(t.areas), t.kind))
            if progress:
                progress(number, len(documents), document["file"])
        store.lexical_index()
    report.seconds = round(time.perf_counter() - start, 1)
    return report
