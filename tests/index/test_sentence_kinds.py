"""Kinds per sentence in the index: a passage with a succesfactor and a knelpunt side by side is
found under both kinds (hybrid, BM25 and dense), and its hit says which sentence is which."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_settings, write_old_index

from core.records import DocumentMeta, Passage, SentenceKind, TaggedPassage
from index.query import Filters, SearchService
from index.store import Store
from pipeline.embed import embedding_text, load_embedder
from pipeline.metadata import doc_id_for

MIXED = ("De samenwerking met de huisartsen in de wijk is een duidelijke sterkte van het team. "
         "Een knelpunt is de versnipperde regie bij gezinnen met meerdere hulpverleners.")
PLAIN = "Het wijkteam bestaat uit twaalf medewerkers met een achtergrond in maatschappelijk werk en jeugdzorg."


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    settings = make_settings(tmp_path_factory.mktemp("sentence-kinds"))
    doc_id = doc_id_for("gemengd.pdf")
    split = MIXED.index("Een knelpunt")
    passages = [Passage(f"{doc_id}:1:0", doc_id, "gemengd.pdf", 1, "", MIXED, 0), Passage(f"{doc_id}:2:0", doc_id, "gemengd.pdf", 2, "", PLAIN, 1)]
    tagged = [
        TaggedPassage(passages[0], (3, 6), {3: 0.9, 6: 0.7}, "knelpunt", 0.6,
                      (SentenceKind(0, split - 1, "succesfactor", 0.8), SentenceKind(split, len(MIXED), "knelpunt", 0.9))),
        TaggedPassage(passages[1], (2,), {2: 0.8}, "beschrijving", 0.9),
    ]
    vectors = load_embedder(settings.embedder).embed_passages([embedding_text(p) for p in passages])
    meta = DocumentMeta(doc_id, "gemengd.pdf", "sha", title="Evaluatie", gemeente="Zwolle", gemeentecode="GM0193", year=2022, n_pages=2)
    with Store(settings) as store:
        store.write_document(meta, tagged, vectors, [])
        store.lexical_index()
    return SearchService(settings)


@pytest.mark.parametrize("ranker", ["hybrid", "bm25", "dense"])
@pytest.mark.parametrize("kind", ["succesfactor", "knelpunt"])
def test_a_mixed_passage_is_found_under_both_kinds(service: SearchService, ranker: str, kind: str) -> None:
    hits = service.search("samenwerking huisartsen regie", Filters(kind=kind), ranker=ranker)  # type: ignore[arg-type]
    assert [h.text for h in hits] == [MIXED]
    assert hits[0].kind == "knelpunt" and hits[0].kinds == ["knelpunt", "succesfactor"]
    assert hits[0].sentences_of("succesfactor") == [MIXED[: MIXED.index("Een knelpunt") - 1]]


def test_other_kinds_do_not_match_and_the_json_names_the_sentences(service: SearchService) -> None:
    assert service.search("samenwerking huisartsen regie", Filters(kind="aanbeveling")) == []
    plain = service.search("medewerkers maatschappelijk werk", Filters(kind="beschrijving"))
    assert [h.text for h in plain] == [PLAIN] and plain[0].sentences == []
    data = service.search("samenwerking huisartsen", Filters(kind="succesfactor"))[0].to_dict()
    assert data["kinds"] == ["knelpunt", "succesfactor"]
    assert [s["kind"] for s in data["sentences"]] == ["succesfactor", "knelpunt"]


def test_an_index_from_before_sentence_kinds_is_upgraded(tmp_path: Path) -> None:
    """An older passages table gets the new columns; its main kinds fill the kind mask."""
    settings = make_settings(tmp_path)
    write_old_index(
        settings, script="INSERT INTO passages(passage_id, doc_id, text, areas, kind) VALUES ('d:1:0', 'd', 'tekst', '[]', 'aanbeveling');"
    )
    with Store(settings) as store:
        row = store.db.execute("SELECT kind_mask, sentence_kinds FROM passages").fetchone()
        assert row["kind_mask"] == 1 << 3 and row["sentence_kinds"] == "[]"
        assert store.passages(["d:1:0"])["d:1:0"]["sentence_kinds"] == []
        assert store.rebuild_lexical().columns["kind_mask"].tolist() == [1 << 3]
        # an older index that could not be upgraded (read-only) falls back to the main kinds
        store.passage_columns = store.passage_columns - {"kind_mask", "sentence_kinds"}
        assert store.rebuild_lexical().columns["kind_mask"].tolist() == [1 << 3]
