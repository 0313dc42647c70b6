"""Tagging: each Passage gets aandachtsgebieden (multi-label, with confidence) and a statement kind.

Every tagger implements ``Tagger.tag(passages)``; ``load_tagger`` picks one from the settings:
the trained tagger (``pipeline.tag_model``) or the rule baseline (``pipeline.tag_rules``).
"""

from __future__ import annotations

from pathlib import Path

from core.records import Tagger
from pipeline.tag_rules import RuleTagger
from pipeline.tag_versions import active_model_dir

__all__ = ["TAGGER_NAMES", "Tagger", "load_tagger"]


TAGGER_NAMES: tuple[str, ...] = ("trained", "trained-text", "rules")


def load_tagger(name: str = "trained", data_dir: Path | None = None) -> Tagger:
    """The configured tagger; "trained" falls back to rules when no trained model ships.

    "trained-text" is the trained model without its e5 block: no embedding, for speed.
    ``data_dir``: use the model version chosen for that data directory (``pipeline.tag_versions``;
    the shipped model when none is chosen); without it, the shipped model.
    """
    if name == "rules":
        return RuleTagger()
    if name in {"trained", "trained-text"}:
        from pipeline import tag_model

        model_dir = active_model_dir(data_dir)
        if not tag_model.model_available(model_dir):
            model_dir = tag_model.MODEL_DIR
        if tag_model.model_available(model_dir):
            return tag_model.TrainedTagger.load(model_dir, mode="text" if name == "trained-text" else "full")
        return RuleTagger()
    raise ValueError(f"onbekende tagger: {name!r} (kies 'trained', 'trained-text' of 'rules')")
