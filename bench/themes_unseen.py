"""Theme grouping read by a tagger that never saw the gold's reports. Not a test.

    python -m bench.themes_unseen [GOLD.jsonl ...] [--sentences] [--json]

The shipped tagger is trained on most of the real reports the theme gold sets are cut from (70 of
the 101 dev findings and 35 of the 49 check findings come from its train reports), so
``wijkkennis eval themes`` reads those findings with a tagger that has seen their labels. The
held-out theme gold is cut from other reports. This trains a tagger (``tag_model.train``, the
shipped set-up) with every report that holds a finding of the given gold sets left out, and scores
each gold set with it: the same grouping, settings and embedder as the app. ``--sentences`` also
scores a tagger whose area heads learn from the labelled sentences (``TRAIN_ON_SENTENCES``), since
themes read single finding sentences. ``--gold-readings`` also scores the grouping with the gold's
own areas, and with its own kinds, in place of the tagger's reading of each finding: how much
each reading costs. ``--similarity-embedder`` groups with another embedder's vectors (the tagger
still reads the findings with the app's); ``--param clusterer=hdbscan`` (repeatable) changes a
setting of the grouping. Needs ``../shared``; a few minutes per tagger on 2 cores.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from bench.tagging_cv import embedder_build, jsonl_rows, split_by_report
from core.config import load_settings
from pipeline import tag_model
from pipeline.embed import load_embedder
from pipeline.themes import DEFAULT_PARAMS, FINDING_KINDS, Finding, ThemeParams
from wijkkennis.eval_themes import as_findings, evaluate, load_gold

ROOT = Path(__file__).resolve().parent.parent
GOLDS = (ROOT / "eval" / "themes_dev_evaluaties.jsonl", ROOT / "eval" / "themes_check_evaluaties.jsonl")


def gold_reports(paths: list[Path]) -> set[str]:
    """The report files (``texts/<report>.txt``) the gold sets point into."""
    return {row["file"] for path in paths for row in jsonl_rows(path) if "file" in row}


def gold_readings(path: Path) -> dict[str, tuple[list[int], str]]:
    """Per gold id its labelled areas and kind (lines that carry them)."""
    return {row["id"]: (list(row.get("areas") or []), row.get("kind", "")) for row in jsonl_rows(path)}


def read_as_gold(findings: list[Finding], readings: dict[str, tuple[list[int], str]], what: str) -> list[Finding]:
    """The findings with the gold's areas (``what="areas"``) or kinds (``"kinds"``) instead of the tagger's."""
    result = []
    for finding in findings:
        areas, kind = readings.get(finding.finding_id, ([], ""))
        if what == "areas":
            result.append(replace(finding, area_scores=tuple(float(a in areas) for a in range(1, 11))))
        elif kind in FINDING_KINDS:
            result.append(replace(finding, kind=kind, kind_scores=tuple(float(k == kind) for k in FINDING_KINDS)))
        else:
            result.append(finding)
    return result


def theme_params(changes: list[str]) -> ThemeParams:
    """``DEFAULT_PARAMS`` with ``NAME=VALUE`` changes, each value read as its field's type."""
    params = DEFAULT_PARAMS
    for change in changes:
        name, _, value = change.partition("=")
        current = getattr(params, name)  # an unknown name stops the run here
        typed = value.lower() in ("1", "true", "yes") if isinstance(current, bool) else type(current)(value)
        params = replace(params, **{name: typed})
    return params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", type=Path, help="Theme gold sets (default: dev and check of eval/).")
    parser.add_argument("--sentences", action="store_true", help="Also a tagger whose area heads learn from labelled sentences.")
    parser.add_argument("--gold-readings", action="store_true", help="Also score with the gold's own areas, and kinds, per finding.")
    parser.add_argument("--similarity-embedder", default="",
                        help="Group with this embedder's vectors (e.g. use-multilingual-v3) instead of the app's; the tagger still reads with the app's.")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="Group with this ThemeParams field changed (e.g. clusterer=hdbscan); repeatable.")
    parser.add_argument("--json", action="store_true", help="End with one line of JSON.")
    args = parser.parse_args(argv)
    paths = list(args.gold) or list(GOLDS)
    params = theme_params(args.param)
    if not tag_model.REAL_REPORTS.is_file():
        print("fout: training/real_reports/labels.jsonl ontbreekt")
        return 2
    left_out = gold_reports(paths)
    kept = tag_model.train_reports(tag_model.REAL_REPORTS) - left_out
    build = embedder_build()
    print(f"{len(left_out)} rapporten met gold-bevindingen weggelaten; {len(kept)} echte trainrapporten over; {build}")
    embedder = load_embedder(load_settings().embedder)
    golds = {path.stem: load_gold(path, None)[0] for path in paths}
    labelled = {path.stem: gold_readings(path) for path in paths} if args.gold_readings else {}
    vectors = {name: embedder.embed_passages([g.text for g in gold]) for name, gold in golds.items()}
    grouping = load_embedder(args.similarity_embedder) if args.similarity_embedder else embedder
    similar = {name: grouping.embed_passages([g.text for g in gold]) for name, gold in golds.items()} if grouping is not embedder else vectors
    cache = tag_model.FeatureCache()
    rows = []
    with split_by_report(lambda report: "train" if report in kept else "dev") as labels:
        shipped = tag_model.TRAIN_ON_SENTENCES
        try:
            for sentences in (False, True) if args.sentences else (shipped,):
                tag_model.TRAIN_ON_SENTENCES = sentences
                tagger, _ = tag_model.train(log=lambda *_: None, real_reports=labels, embed=cache.embed, analyse=cache.analyse)
                for name, gold in golds.items():
                    findings = as_findings(gold, tagger, vectors[name])
                    readings = {"tagger": findings}
                    if name in labelled:
                        readings |= {f"gold-{what}": read_as_gold(findings, labelled[name], what) for what in ("areas", "kinds")}
                    for reading, read in readings.items():
                        result = evaluate(gold, read, similar[name], params)
                        row = {"gold": name, "sentences": sentences, "reading": reading, "n": result.n,
                               "v_measure": round(result.v_measure, 4), "ari": round(result.ari, 4), "themes_found": result.themes_found}
                        rows.append(row)
                        print(f"{name:28} {'zinnen' if sentences else 'passages':9} {reading:11} V {row['v_measure']:.3f}  "
                              f"ARI {row['ari']:.3f}  thema's {row['themes_found']}")
        finally:
            tag_model.TRAIN_ON_SENTENCES = shipped
    if args.json:
        print(json.dumps({"embedder_build": build, "left_out_reports": len(left_out), "train_reports": len(kept), "results": rows}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
