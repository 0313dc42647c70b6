"""Tagging on real evaluation reports, cross-validated by report. Not a test.

    python bench/tagging_cv.py [--folds 5] [--no-harvested] [--seed 0] [--train-share 1.0] [--json]

The dev split of ``training/real_reports/labels.jsonl`` is 13 reports (68 passages): too few to
choose between training set-ups, whose differences are a few hundredths. This yardstick uses all
51 reports of ``../shared/corpus/evaluaties``: they are dealt into ``--folds`` groups of reports;
for each group the tagger is trained (``pipeline.tag_model.train``: the training files, the
harvested real text, and the other groups' reports) and tags the group's passages and sentences.
The out-of-fold predictions of all 51 reports are scored together (macro-F1 over the areas and
kinds present, as ``wijkkennis eval tags``), beside the rule baseline on the same passages.

Beside our own labels, every fold also tags the passages of its reports that the issue's author
labelled (``../shared/corpus/evaluaties/labels.jsonl``: 62 passages of 24 reports, cut and labelled
the way the held-out test is): the "author" figures are the closest we have to that test. The
tagger of a fold trains on the author's passages of the other folds' reports only
(``tag_model.TRAIN_ON_AUTHOR_LABELS``), never on those it is scored on.

Beside each trained figure, a 95 % bootstrap interval over the passages (``bootstrap_interval``):
on the author's 62 passages it is about 0.25 wide (seed 0: areas 0.38–0.63, kind 0.37–0.67), on our
270 about 0.12–0.16 (areas 0.49–0.61, kind 0.58–0.74): a change of a few hundredths is not evidence.

``--train-share S`` trains each fold's tagger on a random share S of the other folds' reports (a
learning curve: how much more real text of this kind would give; ``--share-seed`` draws).

Needs ``../shared``; the e5 vectors are computed once and reused across folds. About 6–7 minutes
on 2 cores for 5 folds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.gold import read_lines  # noqa: E402
from core.metrics import GoldPassage, Labels, predict, score, sentence_labels  # noqa: E402
from pipeline import tag_model  # noqa: E402
from pipeline.tag_rules import RuleTagger  # noqa: E402
from pipeline.training_data import author_labels, load_labelled  # noqa: E402


class VectorCache:
    """Vectors by text, computed once for all folds: ``embed``'s (default the tagger's e5 vectors)."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray] | None = None) -> None:
        self.embed = embed or tag_model.TrainedTagger.embed
        self.vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.embed([])
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            self.vectors.update(zip(missing, self.embed(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts])


def jsonl_rows(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in read_lines(path) if line.strip()]


def real_report_lines() -> list[dict]:  # type: ignore[type-arg]
    return jsonl_rows(tag_model.REAL_REPORTS)


@contextmanager
def split_by_report(split: Callable[[str], str]) -> Iterator[Path]:
    """``training/real_reports/labels.jsonl`` with each line's split set by ``split(report file)``
    ("train", "dev", or "skip" for neither), in a temporary file gone after the block."""
    lines = real_report_lines()
    with tempfile.TemporaryDirectory() as folder:
        labels = Path(folder) / "labels.jsonl"
        labels.write_text("".join(json.dumps({**line, "split": split(line["file"])}) + "\n" for line in lines), encoding="utf-8")
        yield labels


def folds_of(reports: Sequence[str], folds: int, seed: int) -> list[list[str]]:
    shuffled = sorted(reports)
    random.Random(seed).shuffle(shuffled)
    return [shuffled[i::folds] for i in range(folds)]


def bootstrap_interval(truth: Sequence[Labels], guesses: Sequence[Labels], samples: int = 1000, seed: int = 0
                       ) -> dict[str, list[float]]:
    """95 % percentile intervals of the areas and kind macro-F1 over passages drawn with
    replacement: how far a figure on this many passages can move by which passages were labelled."""
    rng = np.random.default_rng(seed)
    drawn: dict[str, list[float]] = {"areas_macro_f1": [], "kind_macro_f1": []}
    for _ in range(samples):
        rows = rng.integers(0, len(truth), len(truth))
        figures = score([truth[i] for i in rows], [guesses[i] for i in rows]).summary()
        for name, values in drawn.items():
            values.append(figures[name])
    return {name: [round(float(np.percentile(v, 2.5)), 3), round(float(np.percentile(v, 97.5)), 3)] for name, v in drawn.items()}


def passage_summary(gold: Sequence[GoldPassage], tagged: Sequence[object], interval: bool = False) -> dict[str, object]:
    truth = [Labels(g.areas, g.kind) for g in gold]
    guesses = [Labels(tuple(t.areas), t.kind) for t in tagged]  # type: ignore[attr-defined]
    passages = score(truth, guesses).summary()
    result: dict[str, object] = {
        "areas_macro_f1": round(passages["areas_macro_f1"], 4), "areas_micro_f1": round(passages["areas_micro_f1"], 4),
        "kind_macro_f1": round(passages["kind_macro_f1"], 4),
        "no_area": sum(1 for t in tagged if not t.areas), "no_area_gold": sum(1 for g in gold if not g.areas)}  # type: ignore[attr-defined]
    if interval:
        result["interval_95"] = bootstrap_interval(truth, guesses)
    return result


def summary(gold: Sequence[GoldPassage], tagged: Sequence[object], interval: bool = False) -> dict[str, object]:
    passages = passage_summary(gold, tagged, interval)
    sentence_truth, sentence_guesses = sentence_labels(gold, tagged)  # type: ignore[arg-type]
    sentences = score(sentence_truth, sentence_guesses).summary()
    return {
        "areas_macro_f1": passages["areas_macro_f1"],
        "kind_macro_f1": passages["kind_macro_f1"],
        "sentence_kind_macro_f1": round(sentences["kind_macro_f1"], 4),
        **({"interval_95": passages["interval_95"]} if interval else {}),
    }


def left_out_reports(reports: Sequence[str], group: Sequence[str], share: float, seed: int, number: int) -> set[str]:
    """The other folds' reports a fold's tagger does not train on, when it trains on ``share`` of them."""
    rest = [r for r in reports if r not in group]
    return set(random.Random(seed * 100 + number - 1).sample(rest, round(len(rest) * (1 - share)))) if share < 1 else set()


def run(folds: int = 5, harvested: bool = True, seed: int = 0, log: object = print, train_share: float = 1.0,
        share_seed: int = 1) -> dict[str, object]:
    reports = sorted({line["file"] for line in real_report_lines()})
    files = [p for p in tag_model.training_files() if harvested or p.parent != tag_model.HARVESTED_DIR]
    cache = VectorCache()
    gold_all: list[GoldPassage] = []
    tagged_all: list[object] = []
    rules_all: list[object] = []
    author_all: list[GoldPassage] = []
    author_tagged: list[object] = []
    author_rules: list[object] = []
    for number, group in enumerate(folds_of(reports, folds, seed), start=1):
        skipped = left_out_reports(reports, group, train_share, share_seed, number)
        with split_by_report(lambda report, group=group, skipped=skipped: "dev" if report in group else "skip" if report in skipped else "train"
                             ) as labels:
            tagger, _ = tag_model.train(files, log=lambda *_: None, real_reports=labels, embed=cache)
            gold = load_labelled(labels, split="dev").passages
            tagged, _ = predict(tagger, gold)
            rules, _ = predict(RuleTagger(), gold)
            gold_all += gold
            tagged_all += tagged
            rules_all += rules
            theirs = author_labels(set(group))
            if theirs:
                author_all += theirs
                author_tagged += predict(tagger, theirs)[0]
                author_rules += predict(RuleTagger(), theirs)[0]
            log(f"groep {number}/{folds}: {len(group)} rapporten, {len(gold)} passages: {summary(gold, tagged)}")  # type: ignore[operator]
    return {
        "embedder_build": embedder_build(),
        "reports": len(reports), "passages": len(gold_all), "folds": folds, "seed": seed, "harvested": harvested,
        "train_share": train_share, **({"share_seed": share_seed} if train_share < 1 else {}),
        "trained": summary(gold_all, tagged_all, interval=True), "rules": summary(gold_all, rules_all),
        "author": {"passages": len(author_all), "trained": passage_summary(author_all, author_tagged, interval=True),
                   "rules": passage_summary(author_all, author_rules)} if author_all else None,
    }


def embedder_build() -> str:
    """The default embedder and its build (``e5_openvino.build_id``): figures name the vectors they read."""
    from pipeline import e5_openvino

    return f"{e5_openvino.NAME} build {e5_openvino.build_id() or '(not built)'}"


def real_reports_missing() -> bool:
    """True (with a message) when ``../shared/corpus/evaluaties`` is not there to measure on."""
    if tag_model.REAL_REPORTS.is_file() and load_labelled(tag_model.REAL_REPORTS).passages:
        return False
    print("fout: ../shared/corpus/evaluaties ontbreekt; deze meting heeft de echte rapporten nodig", file=sys.stderr)
    return True


def figure_line(name: str, trained: dict, rules: dict) -> str:  # type: ignore[type-arg]
    """One printed figure: trained beside the rules, with the trained figure's 95 % interval."""
    low_high = trained.get("interval_95", {}).get(name)
    spread = f"  (95 %: {low_high[0]:.3f}–{low_high[1]:.3f})" if low_high else ""
    return f"{name:24} trained {_shown(trained[name])}   regels {_shown(rules[name])}{spread}"


def _shown(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5, help="Groups of reports (default 5).")
    parser.add_argument("--seed", type=int, default=0, help="How the reports are dealt into groups.")
    parser.add_argument("--no-harvested", action="store_true", help="Train without training/real_reports/harvested/.")
    parser.add_argument("--train-share", type=float, default=1.0,
                        help="Train each fold on this share of the other folds' reports (a learning curve; default all).")
    parser.add_argument("--share-seed", type=int, default=1, help="Which reports --train-share draws.")
    parser.add_argument("--json", action="store_true", help="End with one line of JSON.")
    args = parser.parse_args(argv)
    if not 0 < args.train_share <= 1:
        parser.error("--train-share moet tussen 0 en 1 liggen")
    if real_reports_missing():
        return 2
    result = run(args.folds, not args.no_harvested, args.seed, log=lambda line: print(line, file=sys.stderr),
                 train_share=args.train_share, share_seed=args.share_seed)
    trained, rules = result["trained"], result["rules"]
    share = f", {args.train_share:.0%} van de trainrapporten" if args.train_share < 1 else ""
    print(f"{result['reports']} rapporten, {result['passages']} passages, {result['folds']} groepen (seed {result['seed']}{share}); "
          f"{result['embedder_build']}")
    for name in ("areas_macro_f1", "kind_macro_f1", "sentence_kind_macro_f1"):
        print(figure_line(name, trained, rules))  # type: ignore[arg-type]
    author = result["author"]
    if author:
        print(f"labels of the issue's author ({author['passages']} passages, out of fold):")  # type: ignore[index]
        for name in ("areas_macro_f1", "areas_micro_f1", "kind_macro_f1", "no_area"):
            print(figure_line(name, author["trained"], author["rules"]))  # type: ignore[index]
    print("(95 %: bootstrap over the passages — differences between set-ups inside it are not shown to be real)")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
