"""The review queue ("Te beoordelen" on the Curatie page): indexed passages the tagger is least
sure of first, for curators to accept or correct.

Uncertainty is ``pipeline.tag_model.uncertainty``: the mean of how close any area's probability
is to that area's threshold and of the entropy of the kind distribution, each 0–1. The queue
scores the indexed finding passages (not title pages, colofons, tables of contents, reference
lists) with the model in use for the data directory, reusing the vectors stored in the index
(no embedding when the index was built with e5-small). Decisions are stored by
``wijkkennis.curation.CurationStore.decide``/``skip``; a passage with a labelled decision leaves
the queue, a skipped one goes to its end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.records import NON_FINDING_ROLES
from core.taxonomy import AREAS, KINDS
from index.store import Store
from pipeline import tag_model
from pipeline.embed import embedding_text
from pipeline.tag_versions import active_model_dir
from wijkkennis.curation import text_hash

# "Left above the uncertainty cut" in the progress line: passages at least this unsure (on the demo
# index about the most uncertain third; the median is 0.64).
UNCERTAINTY_CUT = 0.7
# Keys of the queue's keyboard shortcuts: digits toggle areas (0 = area 10), letters set the kind.
AREA_KEYS: dict[int, str] = {area: str(area % 10) for area in AREAS}
KIND_KEYS: dict[str, str] = {"knelpunt": "K", "succesfactor": "S", "aanbeveling": "A", "beschrijving": "B"}
SAVE_KEY = "Enter"
SKIP_KEY = "O"  # overslaan


@dataclass(frozen=True)
class QueueItem:
    """One passage in the queue: its index record and what the tagger makes of it."""

    passage: dict[str, Any]
    text_hash: str
    area_probabilities: dict[int, float]
    kind_probabilities: dict[str, float]
    areas: tuple[int, ...]
    kind: str
    uncertainty: float

    @property
    def passage_id(self) -> str:
        return str(self.passage["passage_id"])


@dataclass(frozen=True)
class Progress:
    reviewed: int  # passages of the queue with a labelled decision
    left_above_cut: int  # not yet reviewed, uncertainty >= UNCERTAINTY_CUT
    left: int  # not yet reviewed at all


def load_model(data_dir: Any) -> tag_model.TrainedTagger:
    """The trained tagger in use for this data directory (a curator-trained version or the shipped one)."""
    return tag_model.TrainedTagger.load(active_model_dir(data_dir))


def finding_passages(store: Store, files: Collection[str] = ()) -> list[dict[str, Any]]:
    """The complete passages that can hold findings (optionally of some files only), in report order."""
    roles = ",".join("?" * len(NON_FINDING_ROLES))
    sql = (f"SELECT p.passage_id FROM passages p JOIN documents d USING (doc_id) WHERE d.status = 'complete' "
           f"AND COALESCE(p.role, 'body') NOT IN ({roles})")
    args: list[Any] = sorted(NON_FINDING_ROLES)
    if files:
        sql += f" AND d.file IN ({','.join('?' * len(files))})"
        args += sorted(files)
    ids = [row[0] for row in store.db.execute(sql + " ORDER BY d.file, p.position", args)]
    records = store.passages(ids)
    return [records[i] for i in ids if i in records]


def score_records(records: Sequence[dict[str, Any]], tagger: tag_model.TrainedTagger, vectors: dict[str, np.ndarray]) -> list[QueueItem]:
    """The tagger's probabilities and uncertainty for index records; ``vectors``: stored e5 vectors
    by passage id (records without one are embedded)."""
    if not records:
        return []
    from core.records import Passage

    passages = [Passage(r["passage_id"], r["doc_id"], r["file"], int(r["page"]), r.get("heading") or "", r["text"], int(r.get("position") or 0))
                for r in records]
    missing = [i for i, r in enumerate(records) if r["passage_id"] not in vectors]
    matrix = None
    if tagger.uses_vectors:
        embedded = dict(zip(missing, tagger.embed([embedding_text(passages[i]) for i in missing]), strict=True)) if missing else {}
        matrix = np.asarray([vectors[r["passage_id"]] if i not in embedded else embedded[i] for i, r in enumerate(records)], dtype=np.float32)
    texts = [p.text for p in passages]
    area_p, kind_p, _ = tagger.passage_probabilities(texts, tagger.features(texts, matrix), sentence_kinds=False)
    decided = tag_model.decide_areas(area_p, tagger.thresholds)
    unsure = tag_model.uncertainty(area_p, tagger.thresholds, kind_p)
    items = []
    for record, areas, a_row, k_row, u in zip(records, decided, area_p, kind_p, unsure, strict=True):
        items.append(QueueItem(
            passage=record, text_hash=text_hash(record["text"]),
            area_probabilities={area: round(float(a_row[i]), 4) for i, area in enumerate(AREAS)},
            kind_probabilities={kind: round(float(k_row[i]), 4) for i, kind in enumerate(KINDS)},
            areas=areas, kind=KINDS[int(np.argmax(k_row))], uncertainty=round(float(u), 4),
        ))
    return items


def build_queue(store: Store, tagger: tag_model.TrainedTagger, files: Collection[str] = ()) -> list[QueueItem]:
    """Every finding passage (one per distinct text), most uncertain first."""
    from pipeline.tag_model import vectors_compatible

    records = finding_passages(store, files)
    seen: set[str] = set()
    unique = []
    for record in records:
        key = text_hash(record["text"])
        if key not in seen:
            seen.add(key)
            unique.append(record)
    compatible = vectors_compatible(store.get_meta("embedder") or store.embedder_name)
    vectors = store.vectors([r["passage_id"] for r in unique]) if compatible and tagger.uses_vectors else {}
    items = score_records(unique, tagger, vectors)
    return sorted(items, key=lambda item: (-item.uncertainty, item.passage_id))


def pending(items: Sequence[QueueItem], labelled: Collection[str], skipped: Collection[str] = (),
            area: int | None = None, kind: str | None = None) -> list[QueueItem]:
    """What is left to review, in queue order: not yet decided, skipped ones last; ``area``/``kind``:
    only passages the tagger gives that area / kind."""
    chosen = [i for i in items if i.text_hash not in labelled and (area is None or area in i.areas) and (kind is None or i.kind == kind)]
    return [i for i in chosen if i.text_hash not in skipped] + [i for i in chosen if i.text_hash in skipped]


def progress(items: Sequence[QueueItem], labelled: Collection[str], cut: float = UNCERTAINTY_CUT) -> Progress:
    left = [i for i in items if i.text_hash not in labelled]
    return Progress(len(items) - len(left), sum(1 for i in left if i.uncertainty >= cut), len(left))
