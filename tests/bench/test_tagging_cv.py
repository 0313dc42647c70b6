"""The learning-curve option of the tagging cross-validation: which reports a fold leaves out."""

from __future__ import annotations

from bench.tagging_cv import folds_of, left_out_reports

REPORTS = [f"texts/rapport-{i:02}.txt" for i in range(20)]


def test_a_share_leaves_out_the_rest_of_the_other_folds_reports_never_the_folds_own() -> None:
    group = folds_of(REPORTS, 5, 0)[0]
    left_out = left_out_reports(REPORTS, group, 0.6, seed=1, number=1)
    assert len(left_out) == round(16 * 0.4)
    assert not left_out & set(group)
    assert left_out <= set(REPORTS)


def test_all_reports_at_share_one_and_the_draw_depends_on_seed_and_fold() -> None:
    group = folds_of(REPORTS, 5, 0)[1]
    assert left_out_reports(REPORTS, group, 1.0, seed=1, number=2) == set()
    assert left_out_reports(REPORTS, group, 0.5, seed=1, number=2) == left_out_reports(REPORTS, group, 0.5, seed=1, number=2)
    draws = {frozenset(left_out_reports(REPORTS, group, 0.5, seed=s, number=n)) for s in (1, 2) for n in (1, 2)}
    assert len(draws) > 1


def test_split_by_report_sets_each_lines_split_and_cleans_up() -> None:
    import json

    from bench.tagging_cv import real_report_lines, split_by_report

    lines = real_report_lines()
    reports = sorted({line["file"] for line in lines})
    dev, skip = set(reports[:3]), set(reports[3:5])
    with split_by_report(lambda r: "dev" if r in dev else "skip" if r in skip else "train") as path:
        written = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert not path.exists()
    assert [{k: v for k, v in w.items() if k != "split"} for w in written] == [{k: v for k, v in line.items() if k != "split"} for line in lines]
    assert {w["split"] for w in written if w["file"] in dev} == {"dev"} and {w["split"] for w in written if w["file"] in skip} == {"skip"}
    assert {w["split"] for w in written if w["file"] not in dev | skip} == {"train"}
