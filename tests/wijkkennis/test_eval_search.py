"""`wijkkennis eval search`: page-level metrics computed by hand, gold-file errors, the CLI end to end.

The CLI tests run on the session's demo index (real Chroma + BM25 + embedder, no mocks) with
gold queries whose outcome does not depend on ranking details, so the expected figures can be
worked out by hand below.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.config import Settings
from wijkkennis.cli import app
from wijkkennis.eval_search import (
    GoldFormatError,
    mrr_at_k,
    ndcg_at_k,
    page_key,
    parse_gold,
    recall_at_k,
)

runner = CliRunner()
R1, R2, R3 = ("a.pdf", 1), ("a.pdf", 2), ("b.pdf", 7)
X, Y = ("c.pdf", 1), ("c.pdf", 2)
APELDOORN = "apeldoorn-rekenkamerbrief-wijkteams-2023.pdf"
ZWOLLE = "zwolle-evaluatie-wijkteams-2019.pdf"


def test_ndcg_mrr_recall_by_hand() -> None:
    ranked = [R1, X, R2, R1, Y]  # R1 again at rank 4: an already credited page earns nothing
    relevant = {R1, R2, R3}
    # gains 1,0,1,0,0 → DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5
    # IDCG: three relevant pages at ranks 1–3 = 1 + 1/log2(3) + 1/log2(4) = 2.130930
    assert ndcg_at_k(ranked, relevant) == pytest.approx(1.5 / (1 + 1 / math.log2(3) + 0.5))
    assert ndcg_at_k(ranked, relevant) == pytest.approx(0.70392, abs=1e-5)
    assert mrr_at_k(ranked, relevant) == 1.0  # first relevant at rank 1
    assert recall_at_k(ranked, relevant) == pytest.approx(2 / 3)  # R1 and R2 of three listed


def test_first_relevant_at_rank_three() -> None:
    ranked = [X, Y, R1]
    # DCG = 1/log2(4) = 0.5; IDCG (one relevant page) = 1 → nDCG 0.5; MRR 1/3; recall 1
    assert ndcg_at_k(ranked, {R1}) == pytest.approx(0.5)
    assert mrr_at_k(ranked, {R1}) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, {R1}) == 1.0


def test_cut_off_at_k_and_more_relevant_pages_than_k() -> None:
    ranked = [("c.pdf", p) for p in range(1, 11)] + [R1]  # R1 at rank 11, outside the top 10
    assert ndcg_at_k(ranked, {R1}) == mrr_at_k(ranked, {R1}) == recall_at_k(ranked, {R1}) == 0.0
    many = {("d.pdf", p) for p in range(1, 13)}  # 12 relevant pages, 10 slots
    top = [("d.pdf", p) for p in range(1, 11)]
    # IDCG counts min(12, 10) pages, so a full top 10 scores 1; recall is 10 of 12
    assert ndcg_at_k(top, many) == pytest.approx(1.0)
    assert recall_at_k(top, many) == pytest.approx(10 / 12)
    assert ndcg_at_k([], {R1}) == mrr_at_k([], {R1}) == recall_at_k([], {R1}) == 0.0


def test_file_names_are_compared_without_folders() -> None:
    assert page_key("sub/map/rapport.pdf", 3) == page_key("rapport.pdf", 3) == ("rapport.pdf", 3)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"query": "x", "relevant": [{"file": "a.pdf", "pages": [1]}]}', "{niet json"], "regel 2: geen geldige JSON"),
        (['{"relevant": [{"file": "a.pdf", "pages": [1]}]}'], "regel 1: 'query'"),
        (['{"query": "x", "relevant": []}'], "regel 1: 'relevant'"),
        (['{"query": "x", "relevant": [{"file": "a.pdf", "pages": ["een"]}]}'], "regel 1: 'pages'"),
        (['{"query": "x", "relevant": [{"pages": [1]}]}'], "regel 1: elk item"),
        (["", '{"query": "x", "relevant": [{"file": "a.pdf", "pages": [1]}], "filters": {"wijk": 3}}'], "regel 2: onbekende filter"),
        (['{"query": "x", "relevant": [{"file": "a.pdf", "pages": [1]}], "filters": {"area": 12}}'], "regel 1: ongeldig filter"),
        (['{"query": "x", "relevant": [{"file": "a.pdf", "pages": [1]}], "filters": {"gemeente": "Atlantis"}}'], "regel 1: ongeldig filter"),
        (["# alleen commentaar", ""], "geen vragen"),
    ],
)
def test_malformed_gold_lines_name_the_line(lines: list[str], message: str) -> None:
    with pytest.raises(GoldFormatError, match=message):
        parse_gold(lines)


def test_gold_filters_and_single_page_are_accepted() -> None:
    (item,) = parse_gold(['{"query": " x ", "relevant": [{"file": "d/a.pdf", "pages": 4}], "filters": {"area": [3, "preventie"], "g40": true, "year_from": 2019}}'])
    assert item.query == "x" and item.relevant == {("a.pdf", 4)} and item.line == 1


def write_gold(path: Path, items: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n", encoding="utf-8")
    return path


# The four pages of the Apeldoorn letter all mention "sociale wijkteams", so with the Apeldoorn
# filter every ranker returns exactly those four pages (one hit per page), in some order.
ALL_APELDOORN = {"file": APELDOORN, "pages": [1, 2, 3, 4]}
GOLD = [
    # 1. four of the five listed pages come back, all in the top four:
    #    DCG = 1 + 1/log2(3) + 1/log2(4) + 1/log2(5) = 2.561606
    #    IDCG (5 pages) = 2.561606 + 1/log2(6) = 2.948459 → nDCG 0.868795; MRR 1; recall 4/5
    {"query": "sociale wijkteams", "relevant": [ALL_APELDOORN, {"file": ZWOLLE, "pages": [3]}], "filters": {"gemeente": "Apeldoorn"}},
    # 2. the relevant page is outside the filter: every metric is 0
    {"query": "kosten per cliënt", "relevant": [{"file": APELDOORN, "pages": [3]}], "filters": {"gemeente": "Tilburg"}},
    # 3. exactly the listed pages: nDCG, MRR and recall are 1
    {"query": "sociale wijkteams", "relevant": [ALL_APELDOORN], "filters": {"gemeente": "GM0200", "year_from": 2023}},
]
NDCG_1 = (1 + 1 / math.log2(3) + 0.5 + 1 / math.log2(5)) / (1 + 1 / math.log2(3) + 0.5 + 1 / math.log2(5) + 1 / math.log2(6))
EXPECTED = {"ndcg10": (NDCG_1 + 0 + 1) / 3, "mrr10": (1 + 0 + 1) / 3, "recall10": (0.8 + 0 + 1) / 3}


def test_cli_json_gives_the_hand_computed_scores(demo_settings: Settings, tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", GOLD)
    result = runner.invoke(app, ["eval", "search", str(gold), "--json", "--data-dir", str(demo_settings.data_dir)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["n"] == 3 and figures["missing_files"] == []
    assert round(NDCG_1, 6) == 0.868795
    for prefix in ("", "bm25_", "dense_"):
        for metric, value in EXPECTED.items():
            assert figures[prefix + metric] == pytest.approx(value, abs=1e-4), (prefix, metric)
    assert [q["line"] for q in figures["queries"]] == [1, 2, 3]
    assert figures["queries"][1]["ndcg10"] == 0.0


def test_cli_table_and_single_ranker(demo_settings: Settings, tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", GOLD[:1])
    result = runner.invoke(app, ["eval", "search", str(gold), "--ranker", "bm25", "--data-dir", str(demo_settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.stdout and "bm25" in result.stdout and "hybrid" not in result.stdout
    result = runner.invoke(app, ["eval", "search", str(gold), "--ranker", "bm25", "--json", "--data-dir", str(demo_settings.data_dir)])
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["bm25_ndcg10"] == pytest.approx(NDCG_1, abs=1e-4) and "ndcg10" not in figures


def test_cli_reports_a_malformed_line(demo_settings: Settings, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n{\"query\": \"x\", \"relevant\": \n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "search", str(gold), "--data-dir", str(demo_settings.data_dir)])
    assert result.exit_code == 2
    assert "regel 2" in result.output


def test_cli_refuses_an_empty_index(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", GOLD[:1])
    result = runner.invoke(app, ["eval", "search", str(gold), "--data-dir", str(tmp_path / "leeg")])
    assert result.exit_code == 2
    assert "leeg" in result.output and "wijkkennis ingest" in result.output


def test_cli_warns_about_gold_files_missing_from_the_index(demo_settings: Settings, tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", [{"query": "wachtlijsten", "relevant": [{"file": "onbekend.pdf", "pages": [1]}]}])
    result = runner.invoke(app, ["eval", "search", str(gold), "--json", "--data-dir", str(demo_settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "onbekend.pdf" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["missing_files"] == ["onbekend.pdf"]


def test_cli_fusion_option(demo_settings: Settings, tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", GOLD[:1])
    result = runner.invoke(app, ["eval", "search", str(gold), "--fusion", "weighted", "--json", "--data-dir", str(demo_settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "fusie: weighted" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["fusion"].startswith("weighted")
    result = runner.invoke(app, ["eval", "search", str(gold), "--fusion", "som", "--data-dir", str(demo_settings.data_dir)])
    assert result.exit_code == 2 and "onbekende fusie" in result.output


@pytest.mark.parametrize(("name", "minimum"), [("search_dev_demo.jsonl", 15), ("search_passages_demo.jsonl", 50)])
def test_the_public_demo_dev_sets_parse_and_list_indexed_files(demo_settings: Settings, name: str, minimum: int) -> None:
    from index.store import Store

    gold = parse_gold((Path(__file__).resolve().parents[2] / "eval" / name).read_text(encoding="utf-8").splitlines())
    assert len(gold) >= minimum
    files = {row["file"] for row in Store(demo_settings).documents()}
    assert {file for item in gold for file, _ in item.relevant} <= files


@pytest.mark.parametrize(("name", "minimum"), [("search_dev_shared.jsonl", 20), ("search_passages_shared.jsonl", 80)])
def test_the_shared_dev_sets_point_at_existing_pages(shared_corpus: Path, name: str, minimum: int) -> None:
    """The real-PDF dev sets name files in ../shared/corpus/sociaal-domein and pages they have."""
    import csv

    folder = shared_corpus / "sociaal-domein"
    with (folder / "manifest.csv").open(encoding="utf-8") as handle:
        pages = {row["file"]: int(row["pages"]) for row in csv.DictReader(handle)}
    gold = parse_gold((Path(__file__).resolve().parents[2] / "eval" / name).read_text(encoding="utf-8").splitlines())
    assert len(gold) >= minimum
    for item in gold:
        for file, page in item.relevant:
            assert (folder / file).is_file(), file
            assert 1 <= page <= pages[file], (file, page)
