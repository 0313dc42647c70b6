"""The SetFit bench's body: the default embedder's e5 weights as a sentence-transformers model.

``bench/tagging_setfit.py`` compares SetFit-tuned vectors with the untuned body as its control;
that control only stands for the shipped set-up if the wrapper reads texts exactly as the project's
own torch path does (prompt, tokenizer, ``<s>``/``</s>``, truncation at 512, mean pooling).
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow

TEXTS = [
    "Het wijkteam is bij 48% van de inwoners onbekend.",
    "De samenwerking met huisartsen verloopt goed, maar de wachttijden zijn lang en de regie over gezinnen is versnipperd.",
    "Inwoners weten de weg naar het sociaal team niet te vinden. " * 60,  # over 512 tokens: truncated
]


@pytest.fixture(scope="module")
def body():  # type: ignore[no-untyped-def]
    from bench.tagging_setfit import e5_body

    return e5_body(max_tokens=512)


def test_the_body_gives_the_vectors_of_the_default_embedders_torch_path(body) -> None:  # type: ignore[no-untyped-def]
    from pipeline.e5_openvino import TorchE5Embedder

    ours = body.encode(TEXTS, convert_to_numpy=True)
    ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
    reference = TorchE5Embedder("cpu").embed_passages(TEXTS)
    assert np.all((ours * reference).sum(axis=1) > 0.9999)
    assert not any(p.requires_grad for p in body[0].auto_model.embeddings.word_embeddings.parameters())


def test_short_texts_keep_one_end_token_and_long_ones_are_cut_to_the_limit(body) -> None:  # type: ignore[no-untyped-def]
    body[0].max_tokens = 16
    try:
        features = body[0].preprocess(["Het wijkteam.", TEXTS[2]])
    finally:
        body[0].max_tokens = 512
    ids, mask = features["input_ids"], features["attention_mask"]
    lengths = mask.sum(dim=1).tolist()
    assert lengths[1] == 16 and lengths[0] < 16
    end = int(ids[0, lengths[0] - 1])
    assert int(ids[1, 15]) == end and int(ids[0, lengths[0] - 2]) != end
