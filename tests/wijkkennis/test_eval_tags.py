from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import tag_model
from wijkkennis.cli import app


def _write_gold(path: Path) -> Path:
    rows = [
        {"text": "De wachtlijst bij het wijkteam is opgelopen en de werkdruk van de medewerkers is hoog.", "areas": [2], "kind": "knelpunt"},
        {"text": "Wij adviseren de gemeente de samenwerking met huisartsen en de POH-GGZ te versterken.", "areas": [3], "kind": "aanbeveling"},
        {"text": "Dit rapport bestaat uit vijf hoofdstukken; hoofdstuk 2 beschrijft de aanpak van het onderzoek.", "areas": [], "kind": "beschrijving"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_cli_rules_json_last_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "tags", str(_write_gold(tmp_path / "g.jsonl")), "--tagger", "rules", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("areas_macro_f1", "areas_micro_f1", "kind_macro_f1", "kind_accuracy", "baseline_areas_macro_f1", "baseline_kind_macro_f1"):
        assert 0.0 <= data[key] <= 1.0
    assert data["n"] == 3 and data["tagger"] == "rules"


@pytest.mark.skipif(not tag_model.model_available(), reason="no trained tagger packaged")
def test_cli_trained_table_and_json(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "g.jsonl")
    result = CliRunner().invoke(app, ["eval", "tags", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["tagger"] == "trained" and data["baseline"] == "rules" and data["n"] == 3
    assert set(data["areas_f1"]) == {str(a) for a in range(1, 11)}
    table = CliRunner().invoke(app, ["eval", "tags", str(gold)])
    assert table.exit_code == 0 and "macro-F1" in table.stdout and "rules P/R/F1" in table.stdout


def test_cli_malformed_gold_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "areas": [], "kind": "beschrijving"}\n{"text": "y", "areas": [0], "kind": "knelpunt"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "tags", str(path), "--tagger", "rules"])
    assert result.exit_code == 2
    assert "regel 2" in result.output and "aandachtsgebied 0" in result.output


def test_cli_scores_per_source_by_hand(tmp_path: Path) -> None:
    """The rule tagger gives (2,) knelpunt and (3,) aanbeveling to these two lines (tests/pipeline/test_tag_rules.py)."""
    rows = [
        {"text": "De wachtlijsten bij het wijkteam zijn opgelopen en de werkdruk en caseload zijn hoog.", "areas": [2], "kind": "knelpunt", "source": "echt"},
        {"text": "Wij adviseren de gemeente de samenwerking met huisartsen en de POH-GGZ te versterken.", "areas": [4], "kind": "succesfactor", "source": "synthetisch"},
    ]
    gold = tmp_path / "g.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "tags", str(gold), "--tagger", "rules", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    # echt: area 2 TP, kind right → 1.0 / 1.0. synthetisch: area 3 FP, area 4 FN, kind wrong → 0 / 0.
    assert data["by_source"]["echt"] == {**data["by_source"]["echt"], "n": 1, "areas_macro_f1": 1.0, "kind_macro_f1": 1.0}
    assert data["by_source"]["synthetisch"]["areas_macro_f1"] == 0.0 and data["by_source"]["synthetisch"]["kind_macro_f1"] == 0.0
    # together: areas 2 → 1, 3 → 0, 4 → 0: 1/3; kinds knelpunt 1, aanbeveling 0, succesfactor 0: 1/3
    assert data["areas_macro_f1"] == pytest.approx(1 / 3, abs=1e-4) and data["kind_macro_f1"] == pytest.approx(1 / 3, abs=1e-4)
    assert "per bron" in result.stderr


def test_cli_split_and_pointer_lines_without_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKKENNIS_SHARED", str(tmp_path / "nergens"))
    lines = [{"id": "x", "corpus": "evaluaties", "file": "texts/r.txt", "start": 0, "end": 10, "sha1": "abc", "areas": [], "kind": "beschrijving", "split": "dev"},
             {"text": "De wachtlijsten bij het wijkteam zijn opgelopen.", "areas": [2], "kind": "knelpunt", "split": "dev"},
             {"text": "Wij adviseren de gemeente de samenwerking te versterken.", "areas": [3], "kind": "aanbeveling", "split": "train"}]
    gold = tmp_path / "g.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "tags", str(gold), "--tagger", "rules", "--split", "dev", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["n"] == 1
    assert "ontbreekt" in result.stderr
