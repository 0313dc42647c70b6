"""Grouping findings into themes, with the real e5 embedder and the project's spaCy lemmas."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.embed import load_embedder
from pipeline.tag import load_tagger
from pipeline.themes import (
    Finding,
    ThemeParams,
    annotate,
    ctfidf_terms,
    finding_key,
    group_findings,
)

UNKNOWN = [
    ("r1", "Veel inwoners weten niet dat het wijkteam bestaat of waar zij ermee terecht kunnen."),
    ("r2", "Het wijkteam is bij bijna de helft van de inwoners onbekend."),
    ("r3", "De bekendheid van het wijkteam onder inwoners is laag."),
]
PRIVACY = [
    ("r1", "Privacyregels belemmeren het delen van gegevens tussen het wijkteam en zorgaanbieders."),
    ("r2", "Door de privacywetgeving is het uitwisselen van gegevens met ketenpartners lastig."),
    ("r4", "Professionals weten niet welke gegevens zij vanwege de privacyregels mogen delen."),
]
ONE_OFF = [("r5", "De huisvesting van het team in het gemeentehuis is te krap voor overleg.")]


def findings(items: list[tuple[str, str]], kind: str = "knelpunt") -> list[Finding]:
    """Findings as ingest's findings reach the grouping: read by the trained tagger."""
    raw = [Finding(finding_key(text, doc), text, kind, (4,), doc_id=doc, gemeente=doc.upper()) for doc, text in items]
    return annotate(raw, load_tagger())


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    return load_embedder()


def vectors(embedder, items: list[Finding]) -> np.ndarray:  # type: ignore[no-untyped-def]
    return embedder.embed_passages([f.text for f in items])


def test_related_findings_form_themes_and_one_offs_stay_alone(embedder) -> None:  # type: ignore[no-untyped-def]
    items = findings(UNKNOWN + PRIVACY + ONE_OFF)
    themes, unthemed = group_findings(items, vectors(embedder, items))
    by_text = {f.finding_id: f.text for f in items}
    groups = [{by_text[i] for i in theme.finding_ids} for theme in themes]
    unknown, privacy_texts = {t for _, t in UNKNOWN}, {t for _, t in PRIVACY}
    assert unknown in groups
    assert any(len(group) >= 2 and group <= privacy_texts for group in groups)
    assert all(group <= unknown or group <= privacy_texts for group in groups)  # nothing mixed
    assert ONE_OFF[0][1] in {by_text[i] for i in unthemed}
    privacy = next(t for t in themes if {by_text[i] for i in t.finding_ids} <= privacy_texts)
    assert privacy.n_reports >= 2 and privacy.n_gemeenten >= 2 and privacy.kind == "knelpunt" and privacy.areas[0] == 3
    assert any(term.startswith("privacy") or term.startswith("gegeven") for term in privacy.terms), privacy.terms
    assert privacy.central in privacy_texts


def test_a_theme_needs_two_reports(embedder) -> None:  # type: ignore[no-untyped-def]
    items = findings([("r1", text) for _, text in PRIVACY])  # the same lesson, one report
    themes, unthemed = group_findings(items, vectors(embedder, items))
    assert themes == [] and len(unthemed) == 3
    themes, _ = group_findings(items, vectors(embedder, items), ThemeParams(min_reports=1))
    assert len(themes) == 1


def test_annotate_reads_the_finding_kind_from_the_text() -> None:
    advice = findings([("r6", "Wij bevelen aan duidelijke afspraken te maken over het delen van gegevens.")])
    assert advice[0].kind == "aanbeveling"  # not the "knelpunt" it came in with
    assert len(advice[0].area_scores) == 10 and max(advice[0].area_scores) > 0


def test_kinds_are_grouped_apart(embedder) -> None:  # type: ignore[no-untyped-def]
    problems = findings(PRIVACY)
    advice = findings([("r6", "Wij bevelen aan duidelijke afspraken te maken over het delen van gegevens."),
                       ("r7", "Zorg ervoor dat professionals weten welke gegevens zij mogen delen.")])
    items = problems + advice
    assert {f.kind for f in advice} == {"aanbeveling"}
    themes, _ = group_findings(items, vectors(embedder, items))
    kind_of = {f.finding_id: f.kind for f in items}
    for theme in themes:
        assert len({kind_of[i] for i in theme.finding_ids}) == 1


def test_a_finding_of_uncertain_kind_joins_the_theme_it_fits(embedder) -> None:  # type: ignore[no-untyped-def]
    problems = findings(PRIVACY)
    assert {f.kind for f in problems} == {"knelpunt"}
    extra = findings([("r8", "Het delen van gegevens met zorgaanbieders stuit op de privacyregels.")])[0]
    unsure = replace(extra, kind="succesfactor", kind_scores=(0.45, 0.55, 0.0))  # misread, and barely
    sure = replace(extra, finding_id="sure", kind="succesfactor", kind_scores=(0.05, 0.95, 0.0))
    for candidate, joins in ((unsure, True), (sure, False)):
        items = [*problems, candidate]
        themes, _ = group_findings(items, vectors(embedder, items))
        privacy = next(t for t in themes if problems[0].finding_id in t.finding_ids)
        assert privacy.kind == "knelpunt"
        assert (candidate.finding_id in privacy.finding_ids) is joins


def test_a_theme_is_labelled_by_a_finding_of_its_own_kind() -> None:
    texts = [("r1", "Privacyregels belemmeren het delen van gegevens tussen wijkteam en huisarts."),
             ("r2", "Door de privacywetgeving is het uitwisselen van gegevens lastig."),
             ("r3", "Het delen van gegevens gaat beter sinds de afspraken over privacy.")]
    items = [Finding(finding_key(t, doc), t, "knelpunt", (3,), kind_scores=(1.0, 0.0, 0.0), doc_id=doc) for doc, t in texts]
    items[2] = replace(items[2], kind="succesfactor", kind_scores=(0.45, 0.55, 0.0))
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7071, 0.7071]], dtype=np.float32)  # the third is the most central
    themes, _ = group_findings(items, vectors, ThemeParams(distance=2.0))  # one group, whatever the similarity
    assert len(themes) == 1 and themes[0].kind == "knelpunt"
    assert set(themes[0].finding_ids) == {f.finding_id for f in items}
    assert themes[0].central != texts[2][1] and themes[0].finding_ids[0] != items[2].finding_id


def test_large_partitions_are_cut_into_blocks(embedder) -> None:  # type: ignore[no-untyped-def]
    items = findings(UNKNOWN + PRIVACY + ONE_OFF) * 1
    blocked, unthemed = group_findings(items, vectors(embedder, items), ThemeParams(block=4))
    placed = [i for t in blocked for i in t.finding_ids] + unthemed
    assert sorted(placed) == sorted(f.finding_id for f in items)  # every finding exactly once
    assert blocked and all(len(t.finding_ids) >= 2 and t.n_reports >= 2 for t in blocked)


def test_ctfidf_prefers_terms_rare_in_other_groups() -> None:
    groups = [[["caseload", "hoog", "medewerker"], ["caseload", "werkdruk", "medewerker"]],
              [["privacy", "gegeven", "medewerker"], ["privacy", "delen", "medewerker"]]]
    terms = ctfidf_terms(groups, top=1)
    assert terms == [["caseload"], ["privacy"]]


def test_finding_ids_are_stable_and_report_specific() -> None:
    assert finding_key("Het  wijkteam is onbekend.", "a") == finding_key("het wijkteam is onbekend.", "a")
    assert finding_key("Het wijkteam is onbekend.", "a") != finding_key("Het wijkteam is onbekend.", "b")


def test_hdbscan_groups_on_the_same_distances(embedder) -> None:  # type: ignore[no-untyped-def]
    """The measured alternative to the agglomerative cut (docs/lessons.md): its noise stays unthemed."""
    items = findings(UNKNOWN + PRIVACY + ONE_OFF)
    themes, unthemed = group_findings(items, vectors(embedder, items), ThemeParams(clusterer="hdbscan", min_size=2))
    by_text = {f.finding_id: f.text for f in items}
    groups = [{by_text[i] for i in theme.finding_ids} for theme in themes]
    assert sorted([i for t in themes for i in t.finding_ids] + unthemed) == sorted(by_text)
    assert {t for _, t in UNKNOWN} in groups or {t for _, t in PRIVACY} in groups
    assert ONE_OFF[0][1] in {by_text[i] for i in unthemed}
    with pytest.raises(ValueError, match="clusterer"):
        group_findings(items, vectors(embedder, items), ThemeParams(clusterer="kmeans"))


def test_a_theme_is_labelled_by_a_finding_that_stands_alone() -> None:
    """A label is read without its report: not a sentence that leans on the one before it
    ("Daarin …"), nor a fragment cut from the page before ("en onbegrip …")."""
    from pipeline.themes import clean_quote, stands_alone

    texts = [("r1", "Daarin is in de afgelopen jaren weinig veranderd voor de teams."),
             ("r2", "en onbegrip in de samenwerking met wijkprofessionals over de privacyregels."),
             ("r3", "Privacyregels belemmeren het delen van gegevens tussen wijkteam en huisarts.")]
    items = [Finding(finding_key(t, doc), t, "knelpunt", (3,), kind_scores=(1.0, 0.0, 0.0), doc_id=doc) for doc, t in texts]
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)  # the first two are the most central
    themes, _ = group_findings(items, vectors, ThemeParams(distance=2.0))
    assert len(themes) == 1 and themes[0].central == texts[2][1] and themes[0].finding_ids[0] == items[2].finding_id
    assert [stands_alone(t) for _, t in texts] == [False, False, True]
    assert not stands_alone("Te kort.") and stands_alone("“De wachttijd voor een eerste gesprek is te lang.”")
    assert not stands_alone("Als oorzaken van de toegenomen werkdruk noemen de professionals:")
    # none stands alone: the most central of its kind, as before
    themes, _ = group_findings(items[:2], vectors[:2], ThemeParams(distance=2.0))
    assert themes[0].central == texts[0][1]
    assert clean_quote("[...] In gemeenten met wijkteams  worden meer mensen doorverwezen.") == \
        "In gemeenten met wijkteams worden meer mensen doorverwezen."
    assert clean_quote("… de rest") == "de rest" and clean_quote("- Eén toegangspunt") == "Eén toegangspunt"
