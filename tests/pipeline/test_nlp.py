from __future__ import annotations

import pytest

from pipeline.nlp import build_nlp, lemmatize_word, sentences


@pytest.mark.parametrize(
    ("form", "lemma"),
    [
        ("gemeenten", "gemeente"),
        ("wijkteams", "wijkteam"),
        ("huisartsen", "huisarts"),
        ("kinderen", "kind"),
        ("gezinnen", "gezin"),
        ("ketenpartners", "ketenpartner"),
        ("wachtlijsten", "wachtlijst"),
        ("gebiedsteams", "gebiedsteam"),
        ("zorgaanbieders", "zorgaanbieder"),
        ("mantelzorgers", "mantelzorger"),
        ("beschikkingen", "beschikking"),
        ("loketten", "loket"),
        ("werkdruk", "werkdruk"),
        ("Inwoners", "inwoner"),
    ],
)
def test_lemmatiser(form: str, lemma: str) -> None:
    assert lemmatize_word(form) == lemma


def test_sentences_respect_abbreviations() -> None:
    text = "Het wijkteam werkt o.a. met huisartsen, m.b.t. de jeugd i.p.v. alleen de GGZ. Dit werkt goed. Zie bijv. hfst. 3."
    assert sentences(text) == [
        "Het wijkteam werkt o.a. met huisartsen, m.b.t. de jeugd i.p.v. alleen de GGZ.",
        "Dit werkt goed.",
        "Zie bijv. hfst. 3.",
    ]


def test_sentences_split_bullets() -> None:
    text = "De rekenkamer beveelt aan: • de werkdruk te verlagen; • de wachtlijst te monitoren."
    assert sentences(text) == [
        "De rekenkamer beveelt aan:",
        "• de werkdruk te verlagen;",
        "• de wachtlijst te monitoren.",
    ]


def test_entity_ruler_finds_ketenpartners_and_gemeenten() -> None:
    doc = build_nlp()("De samenwerking met de huisarts, Veilig Thuis en de gemeente Zwolle verloopt goed.")
    found = {(ent.text, ent.label_) for ent in doc.ents}
    assert ("huisarts", "KETENPARTNER") in found
    assert ("Veilig Thuis", "KETENPARTNER") in found
    assert ("Zwolle", "GEMEENTE") in found


def test_sentences_keep_more_report_abbreviations() -> None:
    text = "Het team werkt i.s.m. de GGD en t.a.v. jeugd o.a. met scholen. Dit gaat goed."
    assert sentences(text) == ["Het team werkt i.s.m. de GGD en t.a.v. jeugd o.a. met scholen.", "Dit gaat goed."]


def test_sentences_split_bullets_on_new_lines() -> None:
    bullets = "Knelpunten zijn:\n• de wachtlijst;\n• de werkdruk.\nDaarnaast is er meer."
    assert sentences(bullets) == ["Knelpunten zijn:", "• de wachtlijst;", "• de werkdruk.", "Daarnaast is er meer."]
    dashes = "Aanbevelingen:\n- verlaag de werkdruk;\n- monitor de wachtlijst."
    assert sentences(dashes) == ["Aanbevelingen:", "- verlaag de werkdruk;", "- monitor de wachtlijst."]


@pytest.mark.parametrize(
    ("form", "lemma"),
    [("buurtteams", "buurtteam"), ("samenwerkingspartners", "samenwerkingspartner"), ("voorzieningen", "voorziening"), ("indicatoren", "indicator")],
)
def test_lemmatiser_report_compounds(form: str, lemma: str) -> None:
    assert lemmatize_word(form) == lemma
