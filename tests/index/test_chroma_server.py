"""Scale-out: the index as a client of a real Chroma server gives the embedded index's results.

The test starts ``chroma run`` from the virtual environment's bin directory on a free loopback
port, ingests the demo corpus through it (``chroma_host`` / ``chroma_port`` in the settings) and
compares searches with an embedded on-disk index of the same corpus. Both are ingested with one
worker, so documents are written in the same order: passages with equal BM25 scores then keep
the same order in both (with two workers the write order, and so the order of such ties,
follows which worker finishes first). Both use the rule tagger, so that the comparison is about
the index alone.
"""

from __future__ import annotations

import contextlib
import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, make_settings
from local_server import free_port, running_server

from core.config import Settings
from index.ingest import ingest
from index.query import Filters, SearchService
from index.store import Store

CHROMA = Path(sys.executable).parent / "chroma"
START_TIMEOUT_S = 60

pytestmark = pytest.mark.slow


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200 and "nanosecond heartbeat" in json.loads(response.read())
    except (OSError, ValueError):
        return False


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA.is_file():
        pytest.skip(f"no `chroma` executable beside the Python interpreter ({CHROMA}); install chromadb in this environment")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    command = [str(CHROMA), "run", "--path", str(folder / "data"), "--port", str(port), "--host", "127.0.0.1"]
    with running_server(command, lambda: heartbeat(port), folder / "server.log", name="chroma server", timeout_s=START_TIMEOUT_S):
        yield port


def ingested(settings: Settings) -> Settings:
    outcomes = ingest([CORPUS], settings)
    assert all(o.status == "ok" for o in outcomes), [(o.file, o.reason) for o in outcomes]
    return settings


@pytest.fixture(scope="module")
def server_settings(chroma_port: int, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("server-index")
    return ingested(make_settings(folder, workers=1, tagger="rules", chroma_host="127.0.0.1", chroma_port=chroma_port))


@pytest.fixture(scope="module")
def embedded_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return ingested(make_settings(tmp_path_factory.mktemp("embedded-index"), workers=1, tagger="rules"))


@pytest.fixture(scope="module")
def embedded_service(embedded_settings: Settings) -> SearchService:
    return SearchService(embedded_settings)


def test_ingest_goes_through_the_server(server_settings: Settings, embedded_settings: Settings) -> None:
    from chromadb.api.fastapi import FastAPI  # the HTTP client implementation

    store = Store(server_settings)
    with contextlib.closing(store):
        assert isinstance(store.collection._client, FastAPI)
        assert store.count_vectors() == store.count_passages() > 0
        # Nothing was written to an embedded Chroma under the data dir.
        assert not (server_settings.index_dir / "chroma").exists()
        # The server holds exactly the passages the embedded index holds.
        embedded = Store(embedded_settings)
        with contextlib.closing(embedded):
            assert store.count_vectors() == embedded.count_vectors()
            server_ids = set(store.collection.get(include=[])["ids"])
            assert server_ids == set(embedded.collection.get(include=[])["ids"])


CASES = [
    ("wachtlijsten en werkdruk", Filters(), "hybrid"),
    ("samenwerking met huisartsen", Filters(), "dense"),
    ("samenwerking met huisartsen", Filters(), "bm25"),
    ("bereikbaarheid van het wijkteam", Filters(areas=(4,)), "hybrid"),
    ("knelpunten in de toegang", Filters(kind="knelpunt"), "dense"),
    ("mantelzorg en eigen kracht", Filters(gemeenten=("GM0193",)), "hybrid"),
]


@pytest.mark.parametrize(("query", "filters", "ranker"), CASES)
def test_search_through_the_server_matches_the_embedded_index(
    server_settings: Settings, embedded_service: SearchService, query: str, filters: Filters, ranker: str
) -> None:
    through_server = SearchService(server_settings)
    remote = through_server.search(query, filters, top_k=10, ranker=ranker)  # type: ignore[arg-type]
    local = embedded_service.search(query, filters, top_k=10, ranker=ranker)  # type: ignore[arg-type]
    assert remote, "no results through the server"
    assert [h.passage_id for h in remote] == [h.passage_id for h in local]
    for a, b in zip(remote, local, strict=True):
        assert (a.file, a.page) == (b.file, b.page)
        if "dense" in b.scores:
            assert a.scores["dense"] == pytest.approx(b.scores["dense"], abs=1e-3)


def test_more_like_this_through_the_server(server_settings: Settings, embedded_service: SearchService) -> None:
    seed = embedded_service.search("wachtlijsten en werkdruk", top_k=1)[0]
    remote = SearchService(server_settings).more_like_this(seed.passage_id, top_k=5)
    local = embedded_service.more_like_this(seed.passage_id, top_k=5)
    assert [h.passage_id for h in remote] == [h.passage_id for h in local]
