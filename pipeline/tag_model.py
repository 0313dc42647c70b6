"""The trained tagger (placeholder until a model is trained: ``model_available`` is False)."""

from __future__ import annotations

from pathlib import Path

MODEL_DIR = Path(__file__).parent / "models" / "tagger"


def model_available() -> bool:
    return (MODEL_DIR / "model.json").is_file()


class TrainedTagger:
    name = "trained"

    @classmethod
    def load(cls) -> TrainedTagger:
        raise NotImplementedError
