"""Gemeente reference data (Bron: CBS, CC BY 4.0), shipped as CSV inside the package.

Resolves a gemeente name as written in a report, including former gemeenten, to today's
gemeente, and offers the facts needed to compare gemeenten (size class, provincie, COROP, G40).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

CREDIT = "Bron: CBS (CC BY 4.0)"

# Gemeente names that are also everyday Dutch words: only counted as "gemeente X" in free text.
AMBIGUOUS_NAMES = {
    "best", "buren", "bergen", "beek", "putten", "sluis", "goes", "horst", "laren", "echt",
    "epe", "ede", "stein", "land", "hoorn", "huizen", "weert", "haren", "mill",
}

# Everyday names that differ from the official CBS spelling.
ALIASES = {
    "den haag": "'s-Gravenhage",
    "den bosch": "'s-Hertogenbosch",
    "hengelo": "Hengelo (O.)",
    "bergen": "Bergen (NH.)",
    "sudwest-fryslan": "Súdwest-Fryslân",
    "sudwest fryslan": "Súdwest-Fryslân",
}


@dataclass(frozen=True)
class Gemeente:
    code: str
    naam: str
    provincie: str
    corop: str
    inwoners: int
    grootteklasse: str
    dichtheid: int
    g4: bool
    g40: bool
    landsdeel: str


def fold(text: str) -> str:
    """Lower-case and strip diacritics: 'Súdwest-Fryslân' → 'sudwest-fryslan'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files("core").joinpath("data", name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def coordinates() -> dict[str, tuple[float, float]]:
    """Gemeentecode → (lat, lon) from the packaged CBS table (gemeenten without them are left out)."""
    return {
        row["gemeentecode"]: (float(row["lat"]), float(row["lon"]))
        for row in _rows("gemeenten.csv")
        if row.get("lat") and row.get("lon")
    }


@cache
def gemeenten() -> dict[str, Gemeente]:
    """Today's gemeenten by code."""
    result = {}
    for row in _rows("gemeenten.csv"):
        result[row["gemeentecode"]] = Gemeente(
            code=row["gemeentecode"],
            naam=row["naam"],
            provincie=row["provincie"],
            corop=row["corop_nuts3"],
            inwoners=int(row["inwoners"] or 0),
            grootteklasse=row["grootteklasse"],
            dichtheid=int(float(row["bevolkingsdichtheid_inw_per_km2_land_2023"] or 0)),
            g4=row["g4"] == "True",
            g40=row["g40"] == "True",
            landsdeel=row["landsdeel"],
        )
    return result


@cache
def _name_index() -> dict[str, str]:
    """Folded name (current, former or alias) → today's gemeentecode."""
    index: dict[str, str] = {}
    for row in _rows("herindelingen.csv"):
        index[fold(row["oud_naam"])] = row["huidige_code"]
    for code, gemeente in gemeenten().items():
        index[fold(gemeente.naam)] = code
        short = re.sub(r"\s*\(.*\)$", "", gemeente.naam)
        index.setdefault(fold(short), code)
    for alias, official in ALIASES.items():
        code = index.get(fold(official))
        if code:
            index[alias] = code
    return index


def resolve(name: str) -> Gemeente | None:
    """Today's gemeente for a name as written (current, former, alias); None if unknown."""
    if not name:
        return None
    code = _name_index().get(fold(name))
    return gemeenten().get(code) if code else None


@cache
def _name_pattern() -> re.Pattern[str]:
    names = sorted(_name_index(), key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names if len(n) >= 3)
    return re.compile(rf"(?<![\w-])(?:gemeente\s+)?({alternatives})(?![\w-])")


def find_in_text(text: str) -> Gemeente | None:
    """The gemeente named most often in a text, preferring mentions as 'gemeente X'."""
    folded = fold(text)
    counts: dict[str, float] = {}
    for match in _name_pattern().finditer(folded):
        if match.group(1) in AMBIGUOUS_NAMES and not match.group(0).startswith("gemeente"):
            continue
        code = _name_index()[match.group(1)]
        weight = 3.0 if match.group(0).startswith("gemeente") else 1.0
        counts[code] = counts.get(code, 0.0) + weight
    if not counts:
        return None
    best = max(counts, key=lambda c: counts[c])
    return gemeenten()[best]


def comparable(code: str, limit: int = 10, candidates: set[str] | None = None) -> list[tuple[Gemeente, float]]:
    """Gemeenten most like ``code``: same size class, provincie, COROP, G40 and similar density.

    Returns (gemeente, similarity 0–1) pairs, best first; ``candidates`` restricts the pool
    (e.g. to gemeenten that have reports).
    """
    table = gemeenten()
    base = table[code]
    scored = []
    for other in table.values():
        if other.code == code or (candidates is not None and other.code not in candidates):
            continue
        score = 0.0
        score += 0.35 if other.grootteklasse == base.grootteklasse else 0.0
        score += 0.15 if other.provincie == base.provincie else 0.0
        score += 0.1 if other.corop == base.corop else 0.0
        score += 0.15 if other.g40 == base.g40 else 0.0
        if base.dichtheid and other.dichtheid:
            ratio = min(base.dichtheid, other.dichtheid) / max(base.dichtheid, other.dichtheid)
            score += 0.25 * ratio
        scored.append((other, round(score, 3)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].naam))
    return scored[:limit]
