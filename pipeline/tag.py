"""Tagging: each Passage gets aandachtsgebieden (multi-label, with confidence) and a statement kind.

Every tagger implements ``Tagger.tag(passages)``; ``load_tagger`` picks one from the settings:
the trained tagger (``pipeline.tag_model``) or the rule baseline (``pipeline.tag_rules``).
"""

from __future__ import annotations

from core.records import Tagger
from pipeline.tag_rules import RuleTagger

__all__ = ["TAGGER_NAMES", "Tagger", "load_tagger"]


TAGGER_NAMES: tuple[str, ...] = ("trained", "trained-text", "rules")


def load_tagger(name: str = "trained") -> Tagger:
    """The configured tagger; "trained" falls back to rules when no trained model ships.

    "trained-text" is the trained model without its e5 block: no embedding, for speed.
    """
    if name == "rules":
        return RuleTagger()
    if name in {"trained", "trained-text"}:
        from pipeline import tag_model

        if tag_model.model_available():
            return tag_model.TrainedTagger.load(mode="text" if name == "trained-text" else "full")
        return RuleTagger()
    raise ValueError(f"onbekende tagger: {name!r} (kies 'trained', 'trained-text' of 'rules')")
