"""Tune and compare theme methods on a theme gold: ``python -m bench.themes_tune GOLD.jsonl [--grid]``.

Tags and embeds the gold texts once (as ``wijkkennis eval themes`` does), then scores the default
``ThemeParams`` and, with ``--grid``, a grid of distance thresholds and similarity weights, with
V-measure, ARI and the number of themes (at most one per three texts); ``--hdbscan`` adds
scikit-learn's HDBSCAN on the same mixed distances in place of the agglomerative cut. Tune on the dev gold only;
the check gold is for the figure you report.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from bench.tagging_cv import embedder_build
from bench.themes_unseen import gold_readings, read_as_gold
from core.config import load_settings
from pipeline.embed import load_embedder
from pipeline.tag import load_tagger
from pipeline.themes import DEFAULT_PARAMS, group_findings
from wijkkennis.eval_themes import as_findings, baseline, load_gold, score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold")
    parser.add_argument("--grid", action="store_true", help="Search distance × weights × centering × kinds apart or weighed.")
    parser.add_argument("--hdbscan", action="store_true",
                        help="Also scikit-learn's HDBSCAN on the same distances (min size × min samples × leaf/eom).")
    parser.add_argument("--gold-kinds", action="store_true", help="Use the gold's own kinds and areas (upper bound for the tagger).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    gold, warnings = load_gold(args.gold)
    for warning in warnings:
        print("let op:", warning)
    vectors = load_embedder(settings.embedder).embed_passages([g.text for g in gold])
    findings = as_findings(gold, load_tagger(settings.tagger), vectors)
    if args.gold_kinds:
        readings = gold_readings(Path(args.gold))
        findings = read_as_gold(read_as_gold(findings, readings, "areas"), readings, "kinds")
    base_v, base_ari = baseline(gold)
    print(f"{len(gold)} texts, {len({g.theme for g in gold if g.theme})} gold themes; baseline V {base_v:.3f} ARI {base_ari:.3f}; "
          f"{embedder_build()}")
    grid = [DEFAULT_PARAMS]
    if args.grid:
        grid += [
            replace(DEFAULT_PARAMS, distance=d, term_weight=w, area_weight=a, kind_weight=kw, center=c, lexical=lex, by_kind=k)
            for d, w, a, kw, c, lex, k in itertools.product(
                (0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (0.0, 0.3, 0.5), (0.0, 0.15, 0.3, 0.45), (0.0, 0.15, 0.25), (False, True),
                ("word", "char"), (True, False))
            if w + a + kw < 0.95 and not (k and kw)
            and not (w == 0.0 and lex == "char")
        ]
    if args.hdbscan:
        grid += [replace(DEFAULT_PARAMS, clusterer="hdbscan", min_size=size, min_samples=samples, selection=selection)
                 for size, samples, selection in itertools.product((2, 3, 4), (1, 2, 3), ("leaf", "eom"))]
    rows = []
    for params in grid:
        themes, _ = group_findings(findings, vectors, params)
        scores = score(gold, themes)
        rows.append((scores["ari"] + scores["v_measure"], params, scores, len(themes)))
    rows.sort(key=lambda row: -row[0])
    limit = len(gold) / 3
    for _, params, scores, n in rows[:25] if args.grid else rows:
        flag = "" if n <= limit else "  (te veel thema's)"
        how = (f"hdbscan min_size={params.min_size} min_samples={params.min_samples} {params.selection}"
               if params.clusterer == "hdbscan" else f"d={params.distance}")
        print(f"V {scores['v_measure']:.3f} ARI {scores['ari']:.3f} themes {n:3d}  {how} w={params.term_weight} "
              f"a={params.area_weight} k={params.kind_weight} center={params.center} lex={params.lexical} by_kind={params.by_kind}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
