"""Curation simulated on labelled data (ASReview's simulation mode): how many curated passages does
it take, in the review queue's order against a random order, to lift the tagger?

- The reports of the label files are split into a **pool** (passages a curator may review) and a
  **scored rest** (never curated): a report is in one of the two, never both.
- The **starting model** is trained like the shipped one (``pipeline.tag_model.train``: the
  training files and the harvested real text), but without any text of the label files and without
  the real reports' label file, so it has seen nothing of pool or rest.
- Each **step** "curates" passages of the pool up to the step's count: in the queue's order (the
  most uncertain under the current model first, ``pipeline.tag_model.uncertainty``, the measure
  the Curatie page sorts by) or in a random order; the curated passages join the training data
  with their gold labels as curator decisions do (``extra``), the model is retrained and scored on
  the rest (areas and kind macro-F1 of the passage labels).
- The e5 vectors and spaCy analyses are computed once per text and reused by every retraining
  (``FeatureCache``, kept in ``data/cache/simulation-e5.npz``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.config import load_settings
from core.metrics import GoldPassage, Labels, score
from pipeline import tag_model
from pipeline.training_data import load_labelled

STRATEGIES = ("uncertainty", "random")
STRATEGY_LABELS = {"uncertainty": "onzekerste eerst (wachtrij)", "random": "willekeurige volgorde"}


@dataclass
class Point:
    curated: int
    areas_macro_f1: float
    kind_macro_f1: float
    seconds: float


@dataclass
class Curve:
    strategy: str
    seed: int
    points: list[Point] = field(default_factory=list)
    split: int = 0  # the seed of the report split

    def reached(self, target: float) -> int | None:
        """The fewest curated passages with areas macro-F1 at or above ``target`` (None: never)."""
        return next((p.curated for p in self.points if p.areas_macro_f1 >= target), None)


@dataclass
class SimulationResult:
    label_files: list[str]
    n_pool: int
    n_rest: int
    pool_reports: int
    rest_reports: int
    seed: int
    folds: int = 5
    curves: list[Curve] = field(default_factory=list)
    splits: list[dict[str, int]] = field(default_factory=list)
    train_seconds: list[float] = field(default_factory=list)

    def mean_curve(self, strategy: str) -> list[Point]:
        """The curve of a strategy averaged over its repeats."""
        curves = [c for c in self.curves if c.strategy == strategy]
        if not curves:
            return []
        points = []
        for i, first in enumerate(curves[0].points):
            areas = float(np.mean([c.points[i].areas_macro_f1 for c in curves]))
            kind = float(np.mean([c.points[i].kind_macro_f1 for c in curves]))
            points.append(Point(first.curated, round(areas, 4), round(kind, 4), round(float(np.mean([c.points[i].seconds for c in curves])), 1)))
        return points

    def to_json(self, target: float = 0.75) -> dict[str, Any]:
        data: dict[str, Any] = {k: v for k, v in asdict(self).items() if k != "curves"}
        data["target"] = target
        data["curves"] = [asdict(c) for c in self.curves]
        data["mean"] = {}
        for strategy in dict.fromkeys(c.strategy for c in self.curves):
            mean = self.mean_curve(strategy)
            reached = next((p.curated for p in mean if p.areas_macro_f1 >= target), None)
            best = max(mean, key=lambda p: p.areas_macro_f1)
            data["mean"][strategy] = {"points": [asdict(p) for p in mean], "reached_target_at": reached,
                                      "best_areas_macro_f1": best.areas_macro_f1, "best_at": best.curated,
                                      "repeats": sum(1 for c in self.curves if c.strategy == strategy),
                                      "reached_per_run": [c.reached(target) for c in self.curves if c.strategy == strategy]}
        return data


def report_of(unit: GoldPassage) -> str:
    """The report a labelled passage comes from (ids ``ev-<report>-pNN``, ``hv-<report>-pNN``)."""
    return unit.id.rsplit("-p", 1)[0] if unit.id.startswith(("ev-", "hv-")) else unit.id


def split_by_report(units: Sequence[GoldPassage], rest_share: float, seed: int) -> tuple[list[GoldPassage], list[GoldPassage]]:
    """(pool, rest): whole reports, about ``rest_share`` of them scored."""
    reports = sorted({report_of(u) for u in units})
    order = np.random.default_rng(seed).permutation(len(reports))
    n_rest = max(1, round(len(reports) * rest_share))
    rest_reports = {reports[i] for i in order[:n_rest]}
    return [u for u in units if report_of(u) not in rest_reports], [u for u in units if report_of(u) in rest_reports]


def scores(model: tag_model.TrainedTagger, rest: Sequence[GoldPassage], cache: tag_model.FeatureCache) -> tuple[float, float]:
    summary = score([Labels(g.areas, g.kind) for g in rest], tag_model.predict_labels(model, rest, cache))
    return round(summary.areas_macro_f1, 4), round(summary.kind_macro_f1, 4)


def queue_order(model: tag_model.TrainedTagger, candidates: Sequence[GoldPassage], cache: tag_model.FeatureCache) -> list[int]:
    """Indexes of ``candidates``, most uncertain first (the review queue's order)."""
    area_p, kind_p = tag_model.predict_probabilities(model, candidates, cache)
    unsure = tag_model.uncertainty(area_p, model.thresholds, kind_p)
    return sorted(range(len(candidates)), key=lambda i: (-unsure[i], candidates[i].id))


def run(label_files: Sequence[Path], steps: Sequence[int], strategies: Sequence[str] = STRATEGIES, test_share: float = 0.34,
        seed: int = 0, repeats: int = 1, log: Callable[[str], None] = print, files: Sequence[Path] | None = None,
        cache_path: Path | None = None, folds: int = 5, splits: int = 1) -> SimulationResult:
    """Simulate curation of the label files' passages (see the module docstring); ``repeats``: the
    random order is run with this many seeds (``seed``, ``seed + 1``, …); ``splits``: the whole
    simulation is run on this many report splits (seeds ``seed``, ``seed + 1``, …); the mean curve
    of a strategy averages all its runs. ``folds``: the cross-validation folds of each
    retraining's threshold tuning (the shipped model: 5)."""
    labelled = load_labelled(list(label_files))
    for warning in labelled.warnings:
        log(f"let op: {warning}")
    seen: set[str] = set()
    units = []
    for unit in labelled.passages:
        key = tag_model.text_key(unit.text)
        if key not in seen:
            seen.add(key)
            units.append(unit)
    all_keys = frozenset(seen)
    cache = tag_model.FeatureCache(cache_path or load_settings().data_dir / "cache" / "simulation-e5.npz")
    base_files = list(files) if files is not None else tag_model.training_files()
    pool, rest = split_by_report(units, test_share, seed)
    result = SimulationResult([str(p) for p in label_files], len(pool), len(rest), len({report_of(u) for u in pool}),
                              len({report_of(u) for u in rest}), seed, folds)

    def fit(curated: Sequence[GoldPassage]) -> tag_model.TrainedTagger:
        started = time.perf_counter()
        keep = {tag_model.text_key(u.text) for u in curated}
        model, _ = tag_model.train(base_files, folds=folds, log=lambda line: None, real_reports=None, embed=cache.embed, analyse=cache.analyse,
                                   extra=list(curated), drop=all_keys - keep)
        result.train_seconds.append(round(time.perf_counter() - started, 1))
        return model

    smallest_pool = min(len(split_by_report(units, test_share, seed + s)[0]) for s in range(splits))
    wanted = sorted({min(s, smallest_pool) for s in steps if s > 0})
    for split in range(splits):
        pool, rest = split_by_report(units, test_share, seed + split)
        result.splits.append({"split": seed + split, "pool": len(pool), "rest": len(rest), "pool_reports": len({report_of(u) for u in pool}),
                              "rest_reports": len({report_of(u) for u in rest})})
        log(f"split {seed + split}: pool {len(pool)} passages uit {result.splits[-1]['pool_reports']} rapporten; "
            f"gescoord {len(rest)} uit {result.splits[-1]['rest_reports']} rapporten")
        started = time.perf_counter()
        base = fit([])
        base_scores = scores(base, rest, cache)
        log(f"startmodel (zonder tekst van de labelbestanden): gebieden {base_scores[0]:.3f}, soort {base_scores[1]:.3f} "
            f"({time.perf_counter() - started:.0f} s)")
        for strategy in strategies:
            for repeat in range(repeats if strategy == "random" else 1):
                curve = Curve(strategy, seed + repeat, [Point(0, base_scores[0], base_scores[1], 0.0)], split=seed + split)
                model, curated = base, []
                remaining = list(pool)
                shuffled = [remaining[i] for i in np.random.default_rng(seed + repeat).permutation(len(remaining))]
                for step in wanted:
                    started = time.perf_counter()
                    need = step - len(curated)
                    if strategy == "uncertainty":
                        order = queue_order(model, remaining, cache)
                        chosen = [remaining[i] for i in order[:need]]
                    else:
                        chosen = [u for u in shuffled if u not in curated][:need]
                    curated += chosen
                    remaining = [u for u in remaining if u not in chosen]
                    model = fit(curated)
                    areas, kind = scores(model, rest, cache)
                    curve.points.append(Point(len(curated), areas, kind, round(time.perf_counter() - started, 1)))
                    log(f"split {seed + split}, {strategy} (seed {seed + repeat}): {len(curated)} gecureerd → gebieden {areas:.3f}, "
                        f"soort {kind:.3f} ({curve.points[-1].seconds:.0f} s)")
                result.curves.append(curve)
    return result


def format_table(result: SimulationResult, target: float = 0.75) -> str:
    data = result.to_json(target)
    splits = f"; gemiddeld over {len(result.splits)} splitsingen naar rapport" if len(result.splits) > 1 else ""
    lines = [f"pool {result.n_pool} passages ({result.pool_reports} rapporten), gescoord {result.n_rest} ({result.rest_reports} rapporten){splits}",
             f"{'gecureerd':>9}  " + "  ".join(f"{STRATEGY_LABELS.get(s, s):>30}" for s in data["mean"])]
    steps = [p["curated"] for p in next(iter(data["mean"].values()))["points"]] if data["mean"] else []
    for i, step in enumerate(steps):
        cells = [f"gebieden {m['points'][i]['areas_macro_f1']:.3f} soort {m['points'][i]['kind_macro_f1']:.3f}" for m in data["mean"].values()]
        lines.append(f"{step:>9}  " + "  ".join(f"{c:>30}" for c in cells))
    for strategy, m in data["mean"].items():
        reached = m["reached_target_at"]
        lines.append(f"{STRATEGY_LABELS.get(strategy, strategy)} ({m['repeats']}×): "
                     + (f"gebieden macro-F1 {target:.2f} bereikt na {reached} passages" if reached is not None
                        else f"{target:.2f} niet bereikt; best {m['best_areas_macro_f1']:.3f} na {m['best_at']} passages"))
    if result.train_seconds:
        lines.append(f"hertrainen: mediaan {np.median(result.train_seconds):.0f} s per keer ({len(result.train_seconds)} keer)")
    return "\n".join(lines)


def plot(result: SimulationResult, path: Path, target: float = 0.75) -> Path:
    """The areas and kind macro-F1 curves of each strategy (mean over repeats) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    colours = {"uncertainty": "tab:blue", "random": "tab:orange"}
    for strategy in dict.fromkeys(c.strategy for c in result.curves):
        for curve in (c for c in result.curves if c.strategy == strategy and sum(x.strategy == strategy for x in result.curves) > 1):
            axes[0].plot([p.curated for p in curve.points], [p.areas_macro_f1 for p in curve.points], color=colours.get(strategy), alpha=0.25, lw=1)
            axes[1].plot([p.curated for p in curve.points], [p.kind_macro_f1 for p in curve.points], color=colours.get(strategy), alpha=0.25, lw=1)
        mean = result.mean_curve(strategy)
        label = STRATEGY_LABELS.get(strategy, strategy)
        axes[0].plot([p.curated for p in mean], [p.areas_macro_f1 for p in mean], marker="o", color=colours.get(strategy), label=label)
        axes[1].plot([p.curated for p in mean], [p.kind_macro_f1 for p in mean], marker="o", color=colours.get(strategy), label=label)
    axes[0].axhline(target, color="grey", ls="--", lw=1, label=f"doel {target:.2f}")
    axes[0].set_title("aandachtsgebieden, macro-F1")
    axes[1].set_title("soort uitspraak, macro-F1")
    for axis in axes:
        axis.set_xlabel("gecureerde passages")
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    runs = f"\ngemiddelde van {len(result.splits)} splitsingen naar rapport (dunne lijnen: de losse runs)" if len(result.splits) > 1 else ""
    figure.suptitle(f"Curatie gesimuleerd: {result.n_pool} passages in de pool, gescoord op {result.n_rest} passages "
                    f"van {result.rest_reports} andere rapporten{runs}", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
