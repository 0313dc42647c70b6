"""Curators teach the tagger, end to end on real parts: decisions made in the app's review queue
(AppTest) are the training data of the next ``train-tagger``; a worse model (trained on shuffled
labels) is refused and kept aside; switching versions re-tags the on-disk index (chromadb)
without embedding, and the next ingest finds every document unchanged."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, REPO, make_settings
from streamlit.testing.v1 import AppTest

from core.config import Settings
from core.records import Passage
from index.ingest import OLDER_PIPELINE, ingest
from index.store import Store
from pipeline import tag_model
from pipeline.tag_versions import SHIPPED, active_version
from pipeline.training_data import load_labelled
from wijkkennis import tagger_versions
from wijkkennis.curation import CurationStore

CURATIE = "app_pages/curatie.py"
REPORT = "tilburg-evaluatie-sociale-wijkteams-2021.pdf"  # not one of the dev reports (training/tags/dev.jsonl)

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(demo_settings: Settings, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_settings.data_dir, target, ignore=shutil.ignore_patterns("curation.sqlite*", "taggers"))
    return target


def queue(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("WIJKKENNIS_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.session_state["curator"] = "anna"  # signing in is tested in test_app.py
    at.query_params = {"weergave": "beoordelen"}
    at.switch_page(CURATIE).run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def shuffled_labels(source: Path, target: Path, lines: int, seed: int = 0) -> Path:
    """The first ``lines`` units of a training file with their labels dealt out at random."""
    units = load_labelled(source).passages[:lines]
    labels = [(list(u.areas), u.kind) for u in units]
    random.Random(seed).shuffle(labels)
    target.write_text("".join(json.dumps({"id": u.id, "text": u.text, "areas": a, "kind": k}, ensure_ascii=False) + "\n"
                              for u, (a, k) in zip(units, labels, strict=True)), encoding="utf-8")
    return target


def index_tags(settings: Settings) -> dict[str, tuple[list[int], str, str]]:
    with Store(settings) as store:
        return {r["passage_id"]: (json.loads(r["areas"]), r["kind"], r["sentence_kinds"])
                for r in store.db.execute("SELECT passage_id, areas, kind, sentence_kinds FROM passages")}


def test_queue_decisions_train_the_next_model_and_a_worse_one_is_refused(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = queue(data_dir, monkeypatch)
    assert any("**0** beoordeeld" in c.value for c in at.caption)
    at.multiselect(key="rq_bestanden").set_value([REPORT]).run()
    seen = []
    for _ in range(6):
        card = at.session_state["rq_item"]
        seen.append(card)
        before = list(at.session_state["rq_areas"])
        click(at, "rq_gebied_3")  # toggle area 3
        assert (3 in at.session_state["rq_areas"]) != (3 in before)
        click(at, "rq_soort_knelpunt")
        click(at, "rq_opslaan")
        assert at.session_state["rq_item"] != card, "Enter/Opslaan opens the next passage"
    skipped = at.session_state["rq_item"]
    click(at, "rq_overslaan")
    assert at.session_state["rq_item"] != skipped
    assert any("**6** beoordeeld" in c.value for c in at.caption)

    curation = CurationStore(data_dir / "curation.sqlite")
    decisions = curation.latest_decisions()
    assert len(decisions) == 6 and {d.decided_by for d in decisions} == {"anna"}
    assert all(d.kind == "knelpunt" and d.file == REPORT for d in decisions)
    assert [d.action for d in curation.decisions()].count("overgeslagen") == 1
    # the queue showed the most uncertain passage first
    first = curation.decisions()[0]
    assert first.uncertainty == max(d.uncertainty for d in curation.decisions())

    # the next training: a small training file with shuffled labels (a deliberately worse model)
    files = [shuffled_labels(REPO / "training" / "tags" / "part_b.jsonl", tmp_path / "geschud.jsonl", 160)]
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join((REPO / "training" / "tags" / "dev.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:90]), encoding="utf-8")
    settings = make_settings(data_dir)
    result = tagger_versions.train_from_decisions(settings, files=files, real_reports=None, dev_file=dev)
    training = result.report["training"]
    ids = {f"beslissing-{d.decision_id}" for d in decisions}
    assert set(training["curator_ids"]) | set(training["held_back_ids"]) == ids
    assert training["trained_on"] == len(training["curator_ids"]) >= 1
    model = tag_model.TrainedTagger.load(data_dir / "taggers" / result.version)
    assert model.meta["n_extra"] == training["trained_on"]
    assert model.meta["curation"]["training"]["curator_ids"] == training["curator_ids"]

    # refused: worse on the dev set than the shipped model; kept aside with the reason
    assert not result.installed
    assert "slechter" in result.reason and "ontwikkelset" in result.reason
    dev_row = result.report["comparison"]["dev"]
    assert dev_row["new"]["combined"] < dev_row["current"]["combined"] - tagger_versions.TOLERANCE
    assert active_version(data_dir) == SHIPPED
    listed = {v.version: v for v in tagger_versions.list_versions(data_dir)}
    assert listed[result.version].status == tagger_versions.ASIDE and listed[SHIPPED].active

    # a curator may still choose it: the index is re-tagged from its stored vectors, nothing embedded
    before = index_tags(settings)
    report = tagger_versions.use(settings, result.version)
    assert report.embedded == 0 and report.passages == len(before)
    after = index_tags(settings)
    assert after != before
    with Store(settings) as store:
        pid = next(p for p, (areas, _, _) in after.items() if areas)
        row = store.db.execute("SELECT * FROM passages WHERE passage_id = ?", (pid,)).fetchone()
        vector = store.vectors([pid])[pid]
        # the Chroma filter fields follow the new tags
        meta = store.collection.get(ids=[pid], include=["metadatas"])["metadatas"][0]
    assert [a for a in range(1, 11) if meta[f"area_{a}"]] == after[pid][0]
    passage = Passage(pid, row["doc_id"], "", row["page"], row["heading"] or "", row["text"], row["position"], role=row["role"])
    assert list(model.tag([passage], vectors=np.asarray([vector]))[0].areas) == after[pid][0]

    # the next ingest finds every document unchanged (no re-reading, no re-embedding)
    outcomes = ingest([CORPUS], settings)
    assert {o.status for o in outcomes} == {"unchanged"}
    assert not any(OLDER_PIPELINE in o.warnings for o in outcomes)

    # and back to the shipped model: the tags are what they were
    tagger_versions.use(settings, SHIPPED)
    assert index_tags(settings) == before


def test_training_from_beheer_is_for_curators_only(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKKENNIS_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.switch_page("app_pages/beheer.py").run()
    assert not at.exception, at.exception
    assert "Nieuwe versie trainen" not in [b.label for b in at.button]
    at.session_state["curator"] = "anna"
    at.run()
    assert "Nieuwe versie trainen" in [b.label for b in at.button]
    versions = next(frame.value for frame in at.dataframe if "Versie" in frame.value.columns)
    assert versions.iloc[0]["Versie"] == SHIPPED and versions.iloc[0]["In gebruik"] == "ja"
