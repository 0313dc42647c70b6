from __future__ import annotations

import pytest

from pipeline.tag import load_tagger


def test_unknown_tagger_is_refused() -> None:
    with pytest.raises(ValueError, match="onbekende tagger"):
        load_tagger("magic")


def test_rules_by_name_and_trained_falls_back_or_loads() -> None:
    from pipeline import tag_model
    from pipeline.tag_rules import RuleTagger

    assert isinstance(load_tagger("rules"), RuleTagger)
    trained = load_tagger("trained")
    expected = tag_model.TrainedTagger if tag_model.model_available() else RuleTagger
    assert isinstance(trained, expected)
