"""The ten aandachtsgebieden, the statement kinds and the labels of page roles: the one place that names them.

Source: "Tien aandachtsgebieden voor functioneren sociale wijkteams" (programma Integraal
Werken in de Wijk, 2020).
"""

from __future__ import annotations

AREAS: dict[int, str] = {
    1: "Aanscherping van de opdracht",
    2: "Functioneren en werkwijze",
    3: "Samenwerking met ketenpartners",
    4: "Bekendheid en bereikbaarheid",
    5: "Betrekken sociaal netwerk ter versterking zelfredzaamheid",
    6: "Eén gezin, één plan, één regisseur",
    7: "Inzet op preventie",
    8: "Maatwerk en mandaat",
    9: "Effectiviteit en efficiency",
    10: "Monitoren, reflecteren en leren",
}

AREA_SHORT: dict[int, str] = {
    1: "Opdracht",
    2: "Werkwijze",
    3: "Ketenpartners",
    4: "Bereikbaarheid",
    5: "Sociaal netwerk",
    6: "1 gezin 1 plan",
    7: "Preventie",
    8: "Maatwerk/mandaat",
    9: "Effectiviteit",
    10: "Monitoren/leren",
}

KINDS: tuple[str, ...] = ("knelpunt", "succesfactor", "aanbeveling", "beschrijving")

KIND_LABELS: dict[str, str] = {
    "knelpunt": "Knelpunt",
    "succesfactor": "Succesfactor",
    "aanbeveling": "Aanbeveling / verbeterpunt",
    "beschrijving": "Beschrijving",
}


def area_label(number: int) -> str:
    return f"{number}. {AREAS[number]}"


def parse_area(value: str | int) -> int:
    """Accept an area number or (part of) its name; raise ValueError otherwise."""
    if isinstance(value, int) or str(value).strip().isdigit():
        number = int(value)
        if number in AREAS:
            return number
        raise ValueError(f"aandachtsgebied {number} bestaat niet (1–10)")
    needle = str(value).strip().lower()
    matches = [n for n, name in AREAS.items() if needle in name.lower() or needle in AREA_SHORT[n].lower()]
    if len(matches) == 1:
        return matches[0]
    raise ValueError(f"onbekend aandachtsgebied: {value!r}")


def parse_kind(value: str) -> str:
    needle = value.strip().lower()
    if needle in {"verbeterpunt", "aanbevelingen"}:
        needle = "aanbeveling"
    if needle in KINDS:
        return needle
    raise ValueError(f"onbekende soort uitspraak: {value!r} (kies uit {', '.join(KINDS)})")


# How a result card and the command line mark a finding by the role of its page (core.records
# PageRole); body passages carry no mark.
ROLE_LABELS: dict[str, str] = {
    "samenvatting": "uit de samenvatting",
    "bijlage": "uit een bijlage",
    "cover": "titelpagina",
    "colofon": "colofon",
    "inhoud": "inhoudsopgave",
    "literatuur": "literatuurlijst",
}
