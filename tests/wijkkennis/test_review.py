"""The review queue's parts without the app: decisions in the curation database, the uncertainty
order, curator labels overriding shipped ones, choosing a model version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.metrics import GoldPassage
from pipeline import tag_model, tag_versions
from wijkkennis import curation
from wijkkennis.curation import CurationError, CurationStore
from wijkkennis.review import Progress, QueueItem, pending, progress
from wijkkennis.tagger_versions import curator_units, held_back

PASSAGE = {"passage_id": "d1:3:0", "file": "rapport.pdf", "page": 3, "heading": "Bevindingen",
           "text": "Huisartsen weten het wijkteam slecht te vinden; er is geen vaste contactpersoon."}


def test_decisions_are_added_never_overwritten_and_the_latest_counts(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "curation.sqlite")
    first = store.decide(PASSAGE, by="anna", areas=[3], kind="knelpunt", model_areas=[3], model_kind="knelpunt", model_version="shipped")
    second = store.decide(PASSAGE, by="bram", areas=[3, 4], kind="knelpunt", model_areas=[3], model_kind="knelpunt")
    assert (first.action, second.action) == (curation.ACCEPTED, curation.CORRECTED)
    assert [d.decided_by for d in store.decisions()] == ["anna", "bram"]  # both kept, with who and when
    assert all(d.decided_at for d in store.decisions())
    [latest] = store.latest_decisions()
    assert (latest.decided_by, latest.areas) == ("bram", [3, 4])
    assert store.decision_records()[0]["areas"] == [3, 4]
    assert [h.action for h in store.history()][-2:] == ["beoordeeld: geaccepteerd", "beoordeeld: gecorrigeerd"]
    with pytest.raises(CurationError):
        store.decide(PASSAGE, by="anna", areas=[1, 2, 3, 4], kind="knelpunt")


def test_decisions_survive_backup_and_restore(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "curation.sqlite")
    store.decide(PASSAGE, by="anna", areas=[3], kind="knelpunt")
    saved = curation.backup(store.path, tmp_path / "backup.sqlite")
    store.decide({**PASSAGE, "text": "Een tweede passage."}, by="anna", areas=[], kind="beschrijving")
    curation.restore(saved, store.path)
    assert [d.text for d in CurationStore(store.path).decisions()] == [PASSAGE["text"]]
    # the database before the restore is kept beside it, with both decisions
    kept = next(tmp_path.glob("curation.voor-herstel-*.sqlite"))
    assert len(CurationStore(kept).decisions()) == 2


def item(name: str, unsure: float, areas: tuple[int, ...] = (), kind: str = "beschrijving") -> QueueItem:
    return QueueItem({"passage_id": name, "text": name}, name, {}, {}, areas, kind, unsure)


def test_queue_order_skips_last_filters_and_progress() -> None:
    items = [item("a", 0.9, (3,), "knelpunt"), item("b", 0.7), item("c", 0.6, (3,)), item("d", 0.2)]
    assert [i.text_hash for i in pending(items, labelled={"a"}, skipped={"b"})] == ["c", "d", "b"]
    assert [i.text_hash for i in pending(items, labelled=set(), area=3)] == ["a", "c"]
    assert [i.text_hash for i in pending(items, labelled=set(), kind="knelpunt")] == ["a"]
    # left: b (0.7, at the cut) and c (0.6, below it)
    assert progress(items, labelled={"a", "d"}, cut=0.7) == Progress(reviewed=2, left_above_cut=1, left=2)


def test_uncertainty_is_highest_near_a_threshold_with_an_even_kind_distribution() -> None:
    thresholds = np.full(10, 0.4)
    sure_areas = np.array([[0.95] + [0.01] * 9])
    unsure_areas = np.array([[0.41] + [0.01] * 9])
    sure_kind, even_kind = np.array([[0.97, 0.01, 0.01, 0.01]]), np.full((1, 4), 0.25)
    sure = tag_model.uncertainty(sure_areas, thresholds, sure_kind)[0]
    assert tag_model.uncertainty(unsure_areas, thresholds, sure_kind)[0] > sure
    assert tag_model.uncertainty(sure_areas, thresholds, even_kind)[0] > sure
    assert tag_model.uncertainty(unsure_areas, thresholds, even_kind)[0] == pytest.approx(0.5 * (1 - 0.01 / 0.6) + 0.5, abs=1e-6)


def test_a_curator_label_replaces_the_shipped_label_of_the_same_text() -> None:
    shipped = [GoldPassage(1, "s1", "Wachtlijsten  bij de GGZ.", (7,), "beschrijving"), GoldPassage(2, "s2", "Iets anders.", (), "beschrijving")]
    decided = [GoldPassage(0, "beslissing-1", "Wachtlijsten bij de GGZ.", (3, 4), "knelpunt", source="curatie")]
    units, overridden = tag_model.merge_units(shipped, decided, drop={"Iets anders."})
    assert overridden == 1
    assert [(u.id, u.areas, u.kind) for u in units] == [("beslissing-1", (3, 4), "knelpunt")]


def test_curator_units_take_the_latest_decision_over_a_lesson(tmp_path: Path) -> None:
    store = CurationStore(tmp_path / "curation.sqlite")
    store.accept(PASSAGE, by="anna", areas=[3], kind="succesfactor")
    store.decide(PASSAGE, by="bram", areas=[3, 6], kind="knelpunt")
    [unit] = curator_units(store)
    assert (unit.areas, unit.kind, unit.source) == ((3, 6), "knelpunt", "curatie")
    # the held-back fifth is fixed by the text: the same answer every time
    assert held_back(unit.text) == held_back(unit.text)
    shares = [held_back(f"passage {i}") for i in range(2000)]
    assert 0.15 < sum(shares) / len(shares) < 0.25


def test_the_shipped_model_is_the_fallback_for_a_missing_or_broken_version(tmp_path: Path) -> None:
    assert tag_versions.active_version(tmp_path) == tag_versions.SHIPPED
    with pytest.raises(ValueError):
        tag_versions.set_active(tmp_path, "bestaat-niet")
    broken = tag_versions.version_dir(tmp_path, "v1")
    broken.mkdir(parents=True)
    (broken / "model.json").write_text(json.dumps({}), encoding="utf-8")
    (tag_versions.versions_dir(tmp_path) / "active").write_text("v1\n", encoding="utf-8")
    assert tag_versions.active_version(tmp_path) == tag_versions.SHIPPED  # weights.npz missing
    assert tag_versions.active_model_dir(tmp_path) == tag_versions.SHIPPED_DIR
    with pytest.raises(ValueError):
        tag_versions.version_dir(tmp_path, "../elders")
