"""Label lines that point into ../shared: resolved, checked, and skipped (with a warning) when gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.gold import text_fingerprint
from pipeline.tag_model import REAL_REPORTS
from pipeline.training_data import load_labelled

TEXT = "Titel\n\nDe samenwerking met huisartsen is een sterkte. Knelpunt is de versnipperde regie.\n"


def shared_with_text(tmp_path: Path) -> Path:
    folder = tmp_path / "shared" / "corpus" / "evaluaties" / "texts"
    folder.mkdir(parents=True)
    (folder / "r.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path / "shared"


def span_line(**changes: object) -> dict[str, object]:
    start = TEXT.index("De samenwerking")
    end = len(TEXT.rstrip())
    split = TEXT.index("Knelpunt")
    line = {"id": "ev-r-p01", "corpus": "evaluaties", "file": "texts/r.txt", "start": start, "end": end,
            "sha1": text_fingerprint(TEXT[start:end]), "areas": [3, 6], "kind": "knelpunt", "source": "evaluaties",
            "split": "dev", "sentences": [{"start": start, "end": split - 1, "areas": [3], "kind": "succesfactor"},
                                          {"start": split, "end": end, "areas": [6], "kind": "knelpunt"}]}
    line.update(changes)
    return line


def write(path: Path, *lines: dict[str, object]) -> Path:
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    return path


def test_a_span_resolves_with_its_sentences(tmp_path: Path) -> None:
    shared = shared_with_text(tmp_path)
    text_line = {"id": "s-1", "text": "Een synthetische passage.", "areas": [], "kind": "beschrijving", "source": "synthetic"}
    labelled = load_labelled(write(tmp_path / "l.jsonl", span_line(), text_line), shared=shared)
    assert not labelled.warnings
    passage = labelled.passages[0]
    assert passage.text.startswith("De samenwerking") and passage.text.endswith("regie.")
    assert [(s.kind, passage.text[s.start:s.end]) for s in passage.sentences] == [
        ("succesfactor", "De samenwerking met huisartsen is een sterkte."), ("knelpunt", "Knelpunt is de versnipperde regie.")]
    assert [s.id for s in labelled.sentences] == ["ev-r-p01-z1", "ev-r-p01-z2"]
    assert labelled.sentences[0].source == "evaluaties (zinnen)" and labelled.sentences[1].areas == (6,)
    assert [p.id for p in load_labelled(tmp_path / "l.jsonl", shared=shared, split="train").passages] == ["s-1"]


def test_changed_or_missing_text_is_skipped_with_a_warning(tmp_path: Path) -> None:
    shared = shared_with_text(tmp_path)
    changed = write(tmp_path / "l.jsonl", span_line(sha1="000000000000"), span_line(id="ev-r-p02", file="texts/weg.txt"))
    labelled = load_labelled(changed, shared=shared)
    assert labelled.passages == []
    assert any("veranderd" in w for w in labelled.warnings) and any("ontbreekt" in w for w in labelled.warnings)
    without = load_labelled(write(tmp_path / "m.jsonl", span_line()), shared=tmp_path / "nergens")
    assert without.passages == [] and "ontbreekt" in without.warnings[0]


def test_a_passage_of_a_pdf_resolves_through_the_projects_own_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pdf_factory import write_pdf

    from core.config import load_settings
    from pipeline.extract import extract_pages
    from pipeline.segment import segment

    monkeypatch.setenv("WIJKKENNIS_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "shared" / "corpus" / "sociaal-domein"
    folder.mkdir(parents=True)
    lines = ["# Bevindingen", "Het wijkteam werkt nauw samen met de huisartsen in de wijk en bespreekt elke maand",
             "de gezinnen waar zorgen over zijn. Die samenwerking wordt door beide partijen gewaardeerd.",
             "De wachtlijst voor ondersteuning is in het afgelopen jaar opgelopen tot twaalf weken."]
    pdf = write_pdf(folder / "rapport.pdf", [lines, lines])
    settings = load_settings()
    passage = segment("d", pdf.name, extract_pages(pdf)[0], settings.passage_min_chars, settings.passage_max_chars)[-1]
    line = {"id": "r-1", "corpus": "sociaal-domein", "file": pdf.name, "page": passage.page,
            "sha1": text_fingerprint(passage.text), "areas": [3], "kind": "succesfactor", "source": "sociaal-domein"}
    labelled = load_labelled(write(tmp_path / "l.jsonl", line), shared=tmp_path / "shared")
    assert [p.text for p in labelled.passages] == [passage.text] and not labelled.warnings


def test_the_real_report_labels_resolve(shared_corpus: Path) -> None:
    """training/real_reports: every line still points at its text; enough real units and reports."""
    labelled = load_labelled(REAL_REPORTS)
    assert not labelled.warnings, labelled.warnings[:3]
    reports = {p.id.rsplit("-p", 1)[0] for p in labelled.passages}
    assert len(labelled.passages) + len(labelled.sentences) >= 600 and len(reports) >= 40
    dev = {p.id.rsplit("-p", 1)[0] for p in labelled.passages if p.split == "dev"}
    train = {p.id.rsplit("-p", 1)[0] for p in labelled.passages if p.split == "train"}
    assert dev and train and not dev & train  # split by report
    import csv

    with (shared_corpus / "evaluaties" / "manifest.csv").open(encoding="utf-8") as handle:
        titles = {row["file"].removesuffix(".pdf"): row["title"].strip().lower() for row in csv.DictReader(handle)}
    with (shared_corpus / "evaluaties" / "held-out.csv").open(encoding="utf-8") as handle:
        held_out = {row["title"].strip().lower() for row in csv.DictReader(handle)}
    labelled_titles = {titles[report.removeprefix("ev-")] for report in reports}
    assert len(labelled_titles) == len(reports) and not labelled_titles & held_out  # never the held-out reports


def test_the_harvested_real_text_is_labelled_and_outside_shared_and_held_out(shared_corpus: Path) -> None:
    """Harvested passages: valid labels and sentences, one report per id prefix, none of the
    held-out reports and none of the reports already in ../shared/corpus/evaluaties."""
    import csv

    from core.taxonomy import AREAS, KINDS
    from pipeline.tag_model import HARVESTED_DIR

    files = sorted(HARVESTED_DIR.glob("*.jsonl")) + sorted((HARVESTED_DIR.parent / "not_trained").glob("*.jsonl"))
    assert files
    labelled = load_labelled(files)
    assert not labelled.warnings and len(labelled.passages) >= 100
    rows = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len({r["text"] for r in rows}) == len(rows)
    for row in rows:
        assert row["id"].startswith(f"hv-{row['report']}-p") and row["source"] == "harvested"
        assert set(row["areas"]) <= set(AREAS) and row["kind"] in KINDS
        spans = [(s["start"], s["end"]) for s in row["sentences"]]
        assert spans == sorted(spans) and all(0 <= a < b <= len(row["text"]) for a, b in spans)
        assert all(s["kind"] in KINDS and set(s["areas"]) <= set(AREAS) for s in row["sentences"])
    # A report is its title and gemeente: "Toegang tot de Wmo" of Ermelo is not the held-out one of Nijmegen.
    reports = {(r["title"].strip().lower(), (r.get("gemeente") or "").strip().lower()) for r in rows}
    urls = {u.strip() for r in rows for u in r["url"].split(";")}
    for name in ("held-out.csv", "manifest.csv"):
        with (shared_corpus / "evaluaties" / name).open(encoding="utf-8") as handle:
            for source in csv.DictReader(handle):
                assert (source["title"].strip().lower(), (source.get("gemeente") or "").strip().lower()) not in reports
                assert not {u.strip() for u in source.get("source_url", "").split(";") if u.strip()} & urls


def test_the_authors_labels_are_read_from_shared_by_report(tmp_path: Path) -> None:
    """The issue author's labelled passages: read where they are, filtered by report, grouped with it."""
    from pipeline.tag_model import Dataset
    from pipeline.training_data import author_labels

    shared = shared_with_text(tmp_path)
    write(shared / "corpus" / "evaluaties" / "labels.jsonl",
          {"id": "ev-e007", "file": "r.pdf", "text": "De samenwerking met huisartsen is een sterkte.", "areas": [3], "kind": "succesfactor", "why": "…"},
          {"id": "ev-e008", "file": "s.pdf", "text": "Wijkteams zijn onbekend.", "areas": [4], "kind": "knelpunt", "why": "…"})
    everything = author_labels(shared=shared)
    assert [(g.id, g.areas, g.kind, g.source) for g in everything] == [
        ("ev-r-a007", (3,), "succesfactor", "evaluaties"), ("ev-s-a008", (4,), "knelpunt", "evaluaties")]
    assert [g.id for g in author_labels({"texts/s.txt"}, shared=shared)] == ["ev-s-a008"]
    assert author_labels(shared=tmp_path / "elsewhere") == []
    ours = load_labelled(write(tmp_path / "labels.jsonl", span_line()), shared=shared).passages
    groups = Dataset.from_gold(ours + everything).groups
    assert groups == ["ev-r", "ev-r", "ev-s"]  # the author's passage of report r stays in r's fold


def test_the_authors_labels_cover_our_reports_and_no_held_out_one(shared_corpus: Path) -> None:
    from pipeline.tag_model import train_reports
    from pipeline.training_data import author_labels

    ours = {json.loads(line)["file"] for line in REAL_REPORTS.read_text(encoding="utf-8").splitlines() if line.strip()}
    theirs = author_labels()
    assert len(theirs) >= 60
    assert {"texts/" + g.id.removeprefix("ev-").rsplit("-a", 1)[0] + ".txt" for g in theirs} <= ours
    train = author_labels(train_reports(REAL_REPORTS))
    assert 0 < len(train) < len(theirs)  # the dev reports' passages are not trained on
