from __future__ import annotations

from core import reference


def test_resolve_current_former_and_alias_names() -> None:
    assert reference.resolve("Zwolle").code == "GM0193"  # type: ignore[union-attr]
    assert reference.resolve("Geldermalsen").naam == "West Betuwe"  # type: ignore[union-attr]
    assert reference.resolve("Den Haag").naam == "'s-Gravenhage"  # type: ignore[union-attr]
    assert reference.resolve("Sudwest-Fryslan").naam == "Súdwest-Fryslân"  # type: ignore[union-attr]
    assert reference.resolve("Atlantis") is None


def test_find_in_text_ignores_everyday_words() -> None:
    assert reference.find_in_text("De buren helpen elkaar en het is best goed.") is None
    assert reference.find_in_text("Het wijkteam van de gemeente Best werkt goed.").naam == "Best"  # type: ignore[union-attr]


def test_comparable_gemeenten_prefer_same_size_class() -> None:
    similar = reference.comparable("GM0193", limit=5)
    assert len(similar) == 5
    assert all(g.grootteklasse == "100-250k" for g, _ in similar[:3])
    assert [s for _, s in similar] == sorted((s for _, s in similar), reverse=True)
