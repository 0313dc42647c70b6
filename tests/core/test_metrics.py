from __future__ import annotations

from pathlib import Path

import pytest

from core.metrics import GoldFormatError, Labels, load_gold, parse_gold, score

GOLD = [
    Labels((2,), "knelpunt"),
    Labels((2, 3), "aanbeveling"),
    Labels((), "beschrijving"),
    Labels((9,), "succesfactor"),
]
GUESS = [
    Labels((2,), "knelpunt"),  # area 2 TP; kind right
    Labels((3, 4), "knelpunt"),  # area 2 FN, area 3 TP, area 4 FP; kind wrong (aanbeveling → knelpunt)
    Labels((), "beschrijving"),  # nothing; kind right
    Labels((10,), "succesfactor"),  # area 9 FN, area 10 FP; kind right
]


def test_scores_by_hand() -> None:
    scores = score(GOLD, GUESS)
    # Per area: 2: TP1 FN1 → F1 = 2/(2+0+1) = 0.667; 3: TP1 → 1.0; 4: FP1 → 0.0; 9: FN1 → 0.0;
    # 10: FP1 → 0.0. Areas 1, 5, 6, 7, 8 are in neither gold nor predictions: left out.
    assert scores.areas[2].f1 == pytest.approx(2 / 3)
    assert scores.areas[2].precision == 1.0 and scores.areas[2].recall == 0.5
    assert scores.areas[3].f1 == 1.0
    assert not scores.areas[1].present
    # macro over the 5 present areas: (0.667 + 1 + 0 + 0 + 0) / 5 = 0.3333
    assert scores.areas_macro_f1 == pytest.approx((2 / 3 + 1) / 5)
    # micro: ΣTP = 2, ΣFP = 2 (areas 4, 10), ΣFN = 2 (areas 2, 9) → 4 / (4 + 2 + 2) = 0.5
    assert scores.areas_micro_f1 == pytest.approx(0.5)
    # kind: 3 of 4 right → accuracy 0.75. Per kind: knelpunt TP1 FP1 → 2/3; aanbeveling FN1 → 0;
    # beschrijving TP1 → 1; succesfactor TP1 → 1. Macro over 4 kinds: (2/3 + 0 + 1 + 1) / 4.
    assert scores.kind_accuracy == 0.75
    assert scores.kind_macro_f1 == pytest.approx((2 / 3 + 0 + 1 + 1) / 4)


def test_perfect_and_length_mismatch() -> None:
    perfect = score(GOLD, GOLD)
    assert perfect.areas_macro_f1 == 1.0 and perfect.kind_macro_f1 == 1.0 and perfect.areas_micro_f1 == 1.0
    with pytest.raises(ValueError):
        score(GOLD, GUESS[:2])


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"text": "x", "areas": [2], "kind": "knelpunt"', "geen geldige JSON"),
        ('{"areas": [2], "kind": "knelpunt"}', "'text'"),
        ('{"text": "x", "areas": [11], "kind": "knelpunt"}', "aandachtsgebied 11"),
        ('{"text": "x", "areas": [true], "kind": "knelpunt"}', "aandachtsgebied True"),
        ('{"text": "x", "areas": 3, "kind": "knelpunt"}', "'areas'"),
        ('{"text": "x", "areas": [3], "kind": "probleem"}', "onbekende soort uitspraak 'probleem'"),
    ],
)
def test_malformed_line_names_its_number(bad_line: str, message: str) -> None:
    lines = ['{"text": "Goed.", "areas": [], "kind": "beschrijving"}', "", bad_line]
    with pytest.raises(GoldFormatError, match="regel 3") as caught:
        parse_gold(lines)
    assert message in str(caught.value)


def test_load_gold_skips_comments_and_keeps_fields(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('# commentaar\n{"id": "g1", "text": "T", "areas": [3, 2, 3], "kind": "knelpunt", "heading": "H"}\n', encoding="utf-8")
    [passage] = load_gold(path)
    assert (passage.line, passage.id, passage.areas, passage.heading) == (2, "g1", (2, 3), "H")
    with pytest.raises(GoldFormatError, match="niet lezen"):
        load_gold(tmp_path / "missing.jsonl")


def test_scores_per_source_and_per_sentence_by_hand() -> None:
    from core.metrics import GoldPassage, GoldSentence, evaluate
    from core.records import SentenceKind, TaggedPassage

    gold = [
        GoldPassage(1, "a", "Wachtlijst.", (2,), "knelpunt", source="synthetic"),
        GoldPassage(2, "b", "Huisarts.", (3,), "succesfactor", source="evaluaties"),
        GoldPassage(3, "c", "Goed. Maar traag.", (2, 3), "knelpunt", source="evaluaties",
                    sentences=(GoldSentence(0, 5, "succesfactor"), GoldSentence(6, 17, "knelpunt"))),
    ]

    class Fixed:
        """A tagger with fixed answers, so every figure can be worked out by hand."""

        name = "fixed"

        def tag(self, passages):
            answers = {"a": ((2,), "knelpunt", ()), "b": ((4,), "succesfactor", ()),
                       "c": ((2,), "knelpunt", (SentenceKind(0, 5, "succesfactor"), SentenceKind(6, 17, "beschrijving")))}
            return [TaggedPassage(p, answers[p.passage_id][0], {}, answers[p.passage_id][1], 1.0, answers[p.passage_id][2]) for p in passages]

    report = evaluate(gold, Fixed())
    data = report.to_json()
    assert report.source_sizes == {"evaluaties": 2, "synthetic": 1}
    # synthetic: area 2 TP → 1.0; kind right → 1.0
    assert data["by_source"]["synthetic"]["areas_macro_f1"] == 1.0
    assert data["by_source"]["synthetic"]["kind_macro_f1"] == 1.0
    # evaluaties: area 2 TP (c) → 1; area 3 FN twice (b, c) → 0; area 4 FP (b) → 0: (1 + 0 + 0) / 3
    assert data["by_source"]["evaluaties"]["areas_macro_f1"] == pytest.approx(1 / 3, abs=1e-4)
    # kinds both right: succesfactor 1, knelpunt 1 → 1.0
    assert data["by_source"]["evaluaties"]["kind_macro_f1"] == 1.0
    # sentences of c: succesfactor right; knelpunt predicted beschrijving → knelpunt FN, beschrijving FP:
    # succesfactor 1, knelpunt 0, beschrijving 0 → macro (1 + 0 + 0) / 3, accuracy 1/2
    assert data["sentences"]["n"] == 2
    assert data["sentences"]["kind_macro_f1"] == pytest.approx(1 / 3, abs=1e-4)
    assert data["sentences"]["kind_accuracy"] == 0.5
    # all passages together: areas 2: TP2 → 1; 3: FN2 → 0; 4: FP1 → 0
    assert report.main.scores.areas_macro_f1 == pytest.approx(1 / 3)
