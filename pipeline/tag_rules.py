"""The rule tagger, the transparent baseline: lemma cues per area through spaCy's Matcher, and
cue phrases for the statement kind. The trained tagger (``pipeline.tag_model``) uses its cues as
features; ``pipeline.tag.load_tagger`` picks a tagger from the settings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.matcher import Matcher

from core.records import Passage, SentenceKind, TaggedPassage
from pipeline.nlp import build_nlp, sentence_spans

# Lemma stems per area; a token whose lemma contains a stem counts (Dutch compounds:
# "wachtlijst" also matches "jeugdwachtlijst").
AREA_CUES: dict[int, list[str]] = {
    1: ["opdracht", "taakopvatting", "takenpakket", "taakomschrijving", "afbakening", "positionering",
        "kerntaak", "visie", "doelgroep", "reikwijdte", "mandaatafspraak", "opdrachtgever", "sturing"],
    2: ["werkdruk", "caseload", "wachtlijst", "wachttijd", "generalist", "specialist", "teamsamenstelling",
        "capaciteit", "formatie", "bezetting", "verloop", "ziekteverzuim", "teamleider", "teamleiding",
        "registratie", "werkwijze", "deskundigheid", "scholing", "t-shaped", "personeel", "vacature",
        "werkproces", "overleg", "intervisie", "administratie"],
    3: ["huisarts", "poh", "ketenpartner", "samenwerking", "samenwerken", "ggz", "ggd", "veilig thuis",
        "woningcorporatie", "corporatie", "politie", "wijkagent", "school", "wijkverpleeg", "wijkverpleging",
        "zorgaanbieder", "aanbieder", "netwerkpartner", "warme overdracht", "doorverwijz", "escalatie",
        "jeugdbescherming", "partner"],
    4: ["bekendheid", "bekend", "bereikbaar", "toegang", "loket", "vindbaar", "laagdrempelig",
        "openingstijd", "inloop", "outreachend", "communicatie", "website", "folder", "zichtbaar",
        "telefonisch", "spreekuur", "aanmelding"],
    5: ["netwerk", "mantelzorg", "vrijwilliger", "eigen kracht", "zelfredzaam", "samenredzaam",
        "informele zorg", "informeel", "familie", "buur", "naaste", "burenhulp", "sociale omgeving",
        "eigen regie"],
    6: ["regie", "regisseur", "casusregie", "één plan", "gezinsplan", "ondersteuningsplan", "multiprobleem",
        "één gezin", "1gezin1plan", "integraal plan", "casemanager", "coördinat", "procesregie", "huishouden"],
    7: ["preventie", "preventief", "vroegsignalering", "signaler", "signaal", "voorliggend", "sociale basis",
        "collectief", "collectieve", "wijkgericht", "buurtactiviteit", "algemene voorziening", "vroegtijdig",
        "voorkomen", "opvoedondersteuning"],
    8: ["maatwerk", "mandaat", "beschikking", "indicatie", "indiceren", "beslisbevoegd", "bevoegdheid",
        "handelingsruimte", "professionele ruimte", "regel", "protocol", "maatwerkvoorziening", "doorzettingsmacht",
        "afwijken", "toekenn"],
    9: ["kosten", "kosteneffectief", "efficiënt", "efficiency", "effectiviteit", "effectief", "budget",
        "besparing", "uitgave", "financi", "resultaat", "doelmatig", "tarief", "bekostiging", "euro", "overschrijding"],
    10: ["monitor", "monitoring", "indicator", "evaluatie", "evalueren", "cliënttevredenheid", "tevredenheid",
         "leren", "lerend", "reflectie", "reflecteren", "dashboard", "informatiegestuurd", "verantwoording",
         "meten", "kpi", "cijfer", "data", "effectmeting"],
}

KIND_CUES: dict[str, list[str]] = {
    "aanbeveling": [
        r"\baanbevel", r"\bverbeterpunt", r"\b(?:wij|we|rekenkamer\w*) (?:advis|adviseren|raden|bevelen)",
        r"\bzou(?:den)?\b[^.]{0,60}?\bmoeten\b", r"\bmoet(?:en)? (?:worden|meer|beter|de gemeente)",
        r"\bis (?:het )?raadzaam", r"\bverdient (?:het )?aanbeveling", r"\bin overweging\b",
        r"\badvies\b", r"\bverdient aandacht", r"\bzorg (?:ervoor|dat)\b", r"\bstel\w* .* op\b",
    ],
    "knelpunt": [
        r"\bknelpunt", r"\bprobleem", r"\bproblemen\b", r"\bonvoldoende\b", r"\bte weinig\b", r"\bte veel\b",
        r"\bte hoog\b", r"\bgebrek\b", r"\bontbre", r"\blastig", r"\bmoeilijk", r"\bniet goed\b", r"\bzorgen\b",
        r"\brisico", r"\btekort", r"\bknel", r"\bbelemmer", r"\bonduidelijk", r"\bnauwelijks\b",
        r"\bblijft achter", r"\bschiet\w* tekort", r"\bonder druk", r"\bniet (?:bekend|bereikbaar|duidelijk)",
        r"\bopgelopen\b", r"\bwachtlijst",
    ],
    "succesfactor": [
        r"\bsucces", r"\bwerkt goed\b", r"\bgoed(?:e)? (?:samenwerking|resultat|ervaring)", r"\bpositie[fv]",
        r"\btevreden\b", r"\bsterk(?:e)? punt", r"\bwaarder", r"\bgeslaagd", r"\bwat goed werkt",
        r"\bverloopt goed", r"\bbijgedragen\b", r"\bkracht van\b", r"\bgoed voorbeeld", r"\bmeerwaarde",
        r"\bgoed bereikbaar", r"\bslaagt\b",
    ],
}


class RuleTagger:
    """Transparent baseline: counts lemma cues per area and cue phrases per statement kind."""

    name = "rules"

    def __init__(self, max_areas: int = 3) -> None:
        self.nlp = build_nlp(with_entities=False)
        self.matcher = Matcher(self.nlp.vocab)
        for area, cues in AREA_CUES.items():
            single = [c for c in cues if " " not in c]
            if single:
                regex = "(" + "|".join(re.escape(c) for c in single) + ")"
                self.matcher.add(f"AREA_{area}", [[{"LEMMA": {"REGEX": regex}}]])
            for phrase in (c for c in cues if " " in c):
                self.matcher.add(f"AREA_{area}", [[{"LOWER": word} for word in phrase.split()]])
        self.kind_patterns = {kind: re.compile("|".join(cues), re.IGNORECASE) for kind, cues in KIND_CUES.items()}
        self.max_areas = max_areas

    def area_scores(self, text: str) -> dict[int, float]:
        doc = self.nlp(text)
        counts: dict[int, int] = {}
        for match_id, _start, _end in self.matcher(doc):
            area = int(self.nlp.vocab.strings[match_id].split("_")[1])
            counts[area] = counts.get(area, 0) + 1
        return {area: min(1.0, n / 3) for area, n in counts.items()}

    def kind(self, text: str) -> tuple[str, float]:
        hits = {kind: len(pattern.findall(text)) for kind, pattern in self.kind_patterns.items()}
        if hits["aanbeveling"]:
            return "aanbeveling", min(1.0, 0.5 + 0.25 * hits["aanbeveling"])
        if hits["knelpunt"] or hits["succesfactor"]:
            kind = "knelpunt" if hits["knelpunt"] >= hits["succesfactor"] else "succesfactor"
            margin = abs(hits["knelpunt"] - hits["succesfactor"])
            return kind, min(1.0, 0.4 + 0.2 * margin)
        return "beschrijving", 0.5

    def tag_text(self, text: str) -> tuple[tuple[int, ...], dict[int, float], str, float]:
        scores = self.area_scores(text)
        ranked = sorted(scores, key=lambda a: -scores[a])
        top = ranked[0] if ranked else None
        areas = tuple(sorted(a for a in ranked[: self.max_areas] if scores[a] >= 0.66 or a == top))
        kind, kind_score = self.kind(text)
        return areas, scores, kind, kind_score

    def tag(self, passages: Sequence[Passage]) -> list[TaggedPassage]:
        """Areas and main kind per passage; the kind of each sentence by the same cue phrases."""
        tagged = []
        spans = sentence_spans([p.text for p in passages])
        for passage, sentences in zip(passages, spans, strict=True):
            areas, scores, kind, kind_score = self.tag_text(passage.text)
            per_sentence = tuple(SentenceKind(a, b, *self.kind(passage.text[a:b])) for a, b in sentences) if len(sentences) > 1 else ()
            tagged.append(TaggedPassage(passage, areas, scores, kind, kind_score, per_sentence))
        return tagged
