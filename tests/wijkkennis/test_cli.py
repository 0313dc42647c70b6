"""The `wijkkennis` CLI end to end: ingest a folder with good and bad files, then search."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from wijkkennis.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two good demo PDFs beside a non-PDF, an empty file and a truncated PDF."""
    folder = tmp_path_factory.mktemp("mixed")
    for name in ("zwolle-evaluatie-wijkteams-2019.pdf", "apeldoorn-rekenkamerbrief-wijkteams-2023.pdf"):
        shutil.copy(CORPUS / name, folder / name)
    shutil.copy(CORPUS / "manifest.csv", folder / "manifest.csv")
    (folder / "notulen.pdf").write_text("<html><body>Dit is geen PDF</body></html>", encoding="utf-8")
    (folder / "leeg.pdf").write_bytes(b"")
    good = (CORPUS / "tilburg-evaluatie-sociale-wijkteams-2021.pdf").read_bytes()
    (folder / "afgebroken.pdf").write_bytes(good[: len(good) // 3])
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-data")


@pytest.fixture(scope="module")
def ingest_result(mixed_folder: Path, data_dir: Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["ingest", str(mixed_folder), "--data-dir", str(data_dir), "--json"])


def test_bad_files_are_reported_per_file_and_the_rest_is_ingested(ingest_result) -> None:  # type: ignore[no-untyped-def]
    assert ingest_result.exit_code == 1, ingest_result.output
    report = json.loads(ingest_result.stdout.strip().splitlines()[-1])  # --json: the last line is one object
    outcomes = {o["file"]: o for o in report["files"]}
    assert (report["failed"], report["ok"] + report["ok_with_warnings"]) == (3, 2)
    assert outcomes["zwolle-evaluatie-wijkteams-2019.pdf"]["status"] == "ok"
    assert outcomes["apeldoorn-rekenkamerbrief-wijkteams-2023.pdf"]["status"] == "ok"
    assert outcomes["zwolle-evaluatie-wijkteams-2019.pdf"]["passages"] > 5
    for bad, reason in (("notulen.pdf", "geen pdf"), ("leeg.pdf", "leeg"), ("afgebroken.pdf", "beschadigd")):
        assert outcomes[bad]["status"] == "failed"
        assert reason in outcomes[bad]["reason"].lower(), outcomes[bad]["reason"]


def test_search_json_returns_provenance(ingest_result, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["search", "wachtlijsten en werkdruk", "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout.strip().splitlines()[-1])["hits"]
    top = hits[0]
    assert (top["file"], top["page"], top["gemeente"], top["year"]) == ("zwolle-evaluatie-wijkteams-2019.pdf", 3, "Zwolle", 2019)
    assert 2 in top["areas"]


def test_search_filters_on_cli(ingest_result, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app, ["search", "kosten", "--gemeente", "Apeldoorn", "--year-from", "2020", "--json", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout.strip().splitlines()[-1])["hits"]
    assert hits and {h["gemeente"] for h in hits} == {"Apeldoorn"}


def test_search_with_unknown_gemeente_is_a_clear_error(ingest_result, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["search", "wijkteam", "--gemeente", "Atlantis", "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    assert "onbekende gemeente" in result.output


def test_reingest_unchanged_is_a_no_op(ingest_result, mixed_folder: Path, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["ingest", str(mixed_folder / "zwolle-evaluatie-wijkteams-2019.pdf"), "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["files"][0]["status"] == "unchanged"


def test_stats(ingest_result, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["stats", "--json", "--data-dir", str(data_dir)])
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["documents"] == 2
    assert figures["passages"] == figures["vectors"] > 0


def test_help_explains_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "search", "stats", "serve", "eval"):
        assert command in result.output


def test_tune_fusion_reports_without_saving() -> None:
    from index import fusion

    before = fusion.FUSION_FILE.read_bytes()
    result = runner.invoke(app, ["tune-fusion", "--no-save", "--limit", "10", "--max-passages", "40", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["queries"], report["passages"]) == (10, 40)
    assert report["mrr10"] == max(report["mrr10_by_weight"].values())
    assert "MRR@10" in result.stderr and "rrf" in result.stderr
    assert fusion.FUSION_FILE.read_bytes() == before


def test_bench_is_a_thin_command_over_bench_run() -> None:
    """``wijkkennis bench`` forwards its arguments to bench/run.py (the benchmarks live in bench/)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "wijkkennis.cli", "bench", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: wijkkennis bench" in result.stdout
    for option in ("--corpus", "--scales", "--skip-queries", "--compare-embedder"):
        assert option in result.stdout
    bad = subprocess.run([sys.executable, "-m", "wijkkennis.cli", "bench", "--rounds", "2", "--skip-ingest", "--scales", ""],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--rounds must be at least 5" in bad.stderr


def test_search_marks_findings_from_the_summary(roles_settings) -> None:  # type: ignore[no-untyped-def]
    query = "ruimte om zelf te beslissen over lichte ondersteuning"
    as_json = runner.invoke(app, ["search", query, "--json", "--data-dir", str(roles_settings.data_dir)])
    assert as_json.exit_code == 0, as_json.output
    hits = json.loads(as_json.stdout.strip().splitlines()[-1])["hits"]
    assert (hits[0]["page"], hits[0]["role"]) == (5, "samenvatting") and all("role" in h for h in hits)
    as_text = runner.invoke(app, ["search", query, "--data-dir", str(roles_settings.data_dir)])
    first = as_text.stdout.splitlines()[0]
    assert "p. 5 · uit de samenvatting ·" in first, first
    assert not any("uit de samenvatting" in line for line in as_text.stdout.splitlines() if " p. 7 " in line)
