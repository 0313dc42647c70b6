"""The project's Dutch spaCy pipeline: ``spacy.blank("nl")`` plus what report text needs.

No trained Dutch pipeline installs offline, so the project builds its own:
- tokenizer exceptions for abbreviations common in reports (o.a., m.b.t., i.p.v., …),
- a rule sentence splitter that respects those abbreviations, enumerations and bullets,
- a lemmatiser: simplemma's Dutch dictionary plus plural rules for compounds it does not know
  (wijkteams → wijkteam, ketenpartners → ketenpartner),
- an EntityRuler for ketenpartners (huisarts, GGZ, Veilig Thuis, …) and gemeente names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import simplemma
import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

ABBREVIATIONS = ["o.a.", "m.b.t.", "i.p.v.", "i.s.m.", "t.a.v.", "t.b.v.", "m.n.", "d.w.z.", "e.d.", "e.a.", "enz.", "bijv.", "bv.", "b.v.", "vgl.", "o.b.v.", "n.a.v.", "m.i.v.", "i.v.m.", "i.o.m.", "z.s.m.", "c.q.", "resp.", "nr.", "nrs.", "blz.", "ca.", "incl.", "excl.", "evt.", "jl.", "a.s.", "t/m", "dhr.", "mevr.", "drs.", "dr.", "prof.", "ir.", "mr.", "ing.", "red.", "zgn.", "zg.", "aug.", "sept.", "okt.", "nov.", "dec.", "jan.", "feb.", "apr.", "o.i.d.", "e.e.a.", "p.p.", "art.", "lid.", "par.", "hfst.", "fig.", "tab.", "max.", "min.", "gem.", "mln.", "mld."]

SENTENCE_END = {".", "!", "?"}
BULLETS = {"•", "▪", "●", "◦", "■", "‣", "⁃", "·", "–", "-", "*"}

# Lemma fixes that simplemma gets wrong for this domain.
LEMMA_EXCEPTIONS = {
    "gemeenten": "gemeente",
    "wijkteams": "wijkteam",
    "huisartsen": "huisarts",
    "kinderen": "kind",
    "gezinnen": "gezin",
    "jongeren": "jongere",
    "ouderen": "oudere",
    "inwoners": "inwoner",
    "professionals": "professional",
    "mantelzorgers": "mantelzorger",
    "vrijwilligers": "vrijwilliger",
    "wachtlijsten": "wachtlijst",
    "ketenpartners": "ketenpartner",
    "partners": "partner",
    "teams": "team",
    "cliënten": "cliënt",
    "clienten": "client",
    "aanbevelingen": "aanbeveling",
    "knelpunten": "knelpunt",
    "indicaties": "indicatie",
    "beschikkingen": "beschikking",
    "data": "data",
    "media": "media",
    "is": "zijn",
    "was": "zijn",
    "waren": "zijn",
}

KETENPARTNERS = [
    "huisarts", "huisartsen", "POH", "POH-GGZ", "praktijkondersteuner", "praktijkondersteuners",
    "GGZ", "ggz", "GGD", "Veilig Thuis", "woningcorporatie", "woningcorporaties", "corporatie",
    "politie", "wijkagent", "school", "scholen", "CJG", "Centrum voor Jeugd en Gezin",
    "wijkverpleging", "wijkverpleegkundige", "wijkverpleegkundigen", "jeugdgezondheidszorg",
    "JGZ", "leerplicht", "schuldhulpverlening", "UWV", "Raad voor de Kinderbescherming",
    "jeugdbescherming", "welzijnsorganisatie", "welzijnswerk", "MEE", "zorgverzekeraar",
    "thuiszorg", "verslavingszorg", "ziekenhuis", "kinderopvang", "peuterspeelzaal",
]


def _register_abbreviations(nlp: Language) -> None:
    for abbreviation in ABBREVIATIONS:
        for form in {abbreviation, abbreviation.capitalize()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])


@Language.component("wk_sentences")
def split_sentences(doc: Doc) -> Doc:
    """Sentence starts after . ! ? followed by a capital/digit/quote, and at every bullet."""
    for index, token in enumerate(doc):
        if index == 0:
            token.is_sent_start = True
            continue
        previous = doc[index - 1]
        starts = False
        if previous.text in SENTENCE_END or (previous.text.endswith(".") and previous.text.lower() not in ABBREVIATIONS and len(previous.text) > 1 and previous.text[-2].isalpha() and not previous.text[:-1].count(".")):
            starts = token.text[:1].isupper() or token.text[:1].isdigit() or token.text[:1] in "\"'‘“(" or token.text in BULLETS
        elif token.text in BULLETS and (previous.text in {":", ";"} or "\n" in previous.whitespace_ or previous.text in SENTENCE_END) or token.text in {"•", "▪", "●", "◦", "■", "‣"}:
            starts = True
        elif previous.is_space and "\n" in previous.text:
            starts = token.text[:1].isupper() or token.text in BULLETS
        token.is_sent_start = starts
    return doc


@lru_cache(maxsize=200_000)
def lemmatize_word(word: str) -> str:
    """Dutch lemma of one word form, lower-case."""
    lower = word.lower()
    if lower in LEMMA_EXCEPTIONS:
        return LEMMA_EXCEPTIONS[lower]
    if not lower.isalpha() or len(lower) <= 3:
        return lower
    lemma = simplemma.lemmatize(lower, lang="nl")
    if lemma != lower:
        return lemma.lower()
    # Compounds simplemma does not know: find the longest known head and lemmatise that.
    for cut in range(3, len(lower) - 3):
        head = lower[cut:]
        head_lemma = LEMMA_EXCEPTIONS.get(head) or simplemma.lemmatize(head, lang="nl").lower()
        if head_lemma != head and simplemma.is_known(head, lang="nl"):
            return lower[:cut] + head_lemma
    # Regular plurals of unknown words: -'s, -s after a vowel-final or -el/-er/-em/-en stem.
    if lower.endswith("'s"):
        return lower[:-2]
    return lower


@Language.component("wk_lemmatizer")
def lemmatize(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = lemmatize_word(token.text) if token.is_alpha else token.lower_
    return doc


def _gemeente_patterns() -> list[dict]:
    from core.reference import AMBIGUOUS_NAMES, gemeenten

    patterns = []
    for gemeente in gemeenten().values():
        name = re.sub(r"\s*\(.*\)$", "", gemeente.naam)
        if name.lower() in AMBIGUOUS_NAMES:
            continue
        patterns.append({"label": "GEMEENTE", "pattern": name, "id": gemeente.code})
    return patterns


@cache
def build_nlp(with_entities: bool = True) -> Language:
    """The shared Dutch pipeline (cached: building it takes about a second)."""
    nlp = spacy.blank("nl")
    _register_abbreviations(nlp)
    nlp.add_pipe("wk_sentences")
    nlp.add_pipe("wk_lemmatizer")
    if with_entities:
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = [{"label": "KETENPARTNER", "pattern": term} for term in KETENPARTNERS]
        ruler.add_patterns(patterns + _gemeente_patterns())  # type: ignore[attr-defined]
    return nlp


def sentence_spans(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Per text, the (start, end) character offsets of its sentences, whitespace trimmed."""
    nlp = build_nlp(with_entities=False)
    result = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=64), strict=True):
        spans = []
        for sent in doc.sents:
            start, end = sent.start_char, sent.end_char
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.append((start, end))
        result.append(spans)
    return result


def sentences(text: str) -> list[str]:
    """Split Dutch report text into sentences."""
    return [text[start:end] for start, end in sentence_spans([text])[0]]


def lemmas(text: str) -> list[str]:
    nlp = build_nlp(with_entities=False)
    return [token.lemma_ for token in nlp(text) if not token.is_space and not token.is_punct]
