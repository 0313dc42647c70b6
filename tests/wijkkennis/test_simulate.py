"""The curation simulation on a small real run: real training, real e5 vectors (cached), a split by
report that never lets a scored report be curated, curves for both orders, the PNG and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from typer.testing import CliRunner

from pipeline.training_data import load_labelled
from wijkkennis import simulate
from wijkkennis.cli import app

pytestmark = pytest.mark.slow
TAGS = REPO / "training" / "tags"


def labels_file(tmp_path: Path, n: int = 48, per_report: int = 4) -> Path:
    """``n`` labelled passages of part_b, dealt into made-up reports of ``per_report`` passages."""
    units = load_labelled(TAGS / "part_b.jsonl").passages[:n]
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps({"id": f"ev-rapport{i // per_report}-p{i % per_report:02d}", "text": u.text,
                                        "areas": list(u.areas), "kind": u.kind, "source": "test"}, ensure_ascii=False) + "\n"
                            for i, u in enumerate(units)), encoding="utf-8")
    return path


def test_simulation_curates_the_pool_and_scores_other_reports(tmp_path: Path) -> None:
    labels = labels_file(tmp_path)
    base = tmp_path / "base.jsonl"
    base.write_text("".join((TAGS / "part_a.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:120]), encoding="utf-8")
    units = load_labelled(labels).passages
    pool, rest = simulate.split_by_report(units, 0.34, seed=0)
    assert not {simulate.report_of(u) for u in pool} & {simulate.report_of(u) for u in rest}
    assert len(pool) + len(rest) == len(units) and rest

    result = simulate.run([labels], [8, 16], files=[base], cache_path=tmp_path / "cache.npz", folds=3, log=lambda line: None)
    assert (result.n_pool, result.n_rest) == (len(pool), len(rest))
    assert [c.strategy for c in result.curves] == ["uncertainty", "random"]
    for curve in result.curves:
        assert [p.curated for p in curve.points] == [0, 8, 16]
        assert all(0.0 <= p.areas_macro_f1 <= 1.0 and 0.0 <= p.kind_macro_f1 <= 1.0 for p in curve.points)
    # both start from the same model, trained without any text of the labels file
    assert result.curves[0].points[0] == result.curves[1].points[0]
    assert len(result.train_seconds) == 1 + 2 + 2
    assert (tmp_path / "cache.npz").is_file()
    data = result.to_json(target=0.0)
    assert data["mean"]["uncertainty"]["reached_target_at"] == 0
    picture = simulate.plot(result, tmp_path / "curve.png")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = simulate.format_table(result)
    assert "onzekerste eerst" in table and "willekeurige volgorde" in table


def test_queue_order_puts_the_most_uncertain_first(tmp_path: Path) -> None:
    from pipeline import tag_model

    units = load_labelled(TAGS / "part_b.jsonl").passages[:30]
    model = tag_model.TrainedTagger.load()
    cache = tag_model.FeatureCache(tmp_path / "cache.npz")
    order = simulate.queue_order(model, units, cache)
    area_p, kind_p = tag_model.predict_probabilities(model, units, cache)
    unsure = tag_model.uncertainty(area_p, model.thresholds, kind_p)
    assert sorted(order) == list(range(30))
    assert [round(float(unsure[i]), 9) for i in order] == sorted((round(float(u), 9) for u in unsure), reverse=True)


def test_cli_refuses_an_unknown_strategy(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate-curation", str(labels_file(tmp_path)), "--strategy", "alfabetisch"])
    assert result.exit_code == 2 and "uncertainty, random of both" in result.output
