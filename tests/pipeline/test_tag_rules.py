from __future__ import annotations

import pytest

from pipeline.tag_rules import RuleTagger


@pytest.fixture(scope="module")
def rules() -> RuleTagger:
    return RuleTagger()


@pytest.mark.parametrize(
    ("text", "area", "kind"),
    [
        ("De wachtlijsten bij het wijkteam zijn opgelopen en de werkdruk en caseload zijn hoog.", 2, "knelpunt"),
        ("Wij adviseren de gemeente de samenwerking met huisartsen en de POH-GGZ te versterken.", 3, "aanbeveling"),
        ("Het loket is laagdrempelig en goed bereikbaar; inwoners weten het team te vinden.", 4, "succesfactor"),
        ("Mantelzorgers en vrijwilligers uit het netwerk worden actief betrokken.", 5, "beschrijving"),
        ("Er wordt gewerkt met één gezinsplan en één regisseur per huishouden.", 6, "beschrijving"),
        ("Het team zet in op vroegsignalering en preventie in de wijk.", 7, "beschrijving"),
        ("Het wijkteam heeft mandaat om zelf beschikkingen af te geven voor maatwerk.", 8, "beschrijving"),
        ("De kosten per cliënt en het budget van het team zijn gestegen.", 9, "beschrijving"),
        ("De gemeente zou de monitoring met indicatoren moeten verbeteren.", 10, "aanbeveling"),
    ],
)
def test_rule_tagger_on_clear_passages(rules: RuleTagger, text: str, area: int, kind: str) -> None:
    areas, scores, found_kind, _ = rules.tag_text(text)
    assert area in areas, scores
    assert found_kind == kind
