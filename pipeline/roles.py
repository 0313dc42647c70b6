"""Page roles: which pages of a report are its title page, colofon, table of contents, summary,
body, appendices and reference list (``core.records.PageRole``).

A stage of its own between reading and segmentation: ``assign_roles(pages)`` returns the pages
with a role on every page and every block; ``pipeline.segment`` gives a passage the role of its
blocks, so a section that starts mid-page (a "Samenvatting" heading under the title on page 2)
gives the passages under its heading that role while the page keeps the role of most of its text.
A pure function of the text and layout of the pages (blocks with kind heading/paragraph/table);
no model, no I/O.

The cues, all in the constants below:

- **cover** — the first page (and a second one right after it) of a document with at least two
  pages, with few words (``COVER_MAX_WORDS``) and no running prose: title, gemeente, publisher,
  date, authors. A page that starts a summary, a table of contents or a colofon is not a cover.
- **colofon** — in the first ``FRONT_PAGES`` or last ``BACK_PAGES`` pages: a "Colofon" heading,
  or at least ``COLOFON_MIN_CUES`` of ``COLOFON_CUES`` (``ISBN``, ``©``, ``Uitgave``,
  ``Opdrachtgever``, ``Auteurs:``, ``Vormgeving``, ``Contact:`` …) on a page of at most
  ``COLOFON_MAX_WORDS`` words.
- **inhoud** — a page that opens with "Inhoud"/"Inhoudsopgave" (``TOC_HEADINGS``) and lists
  entries, or a page of which most is table-of-contents entries: lines ending in a page number,
  dot leaders ("Inleiding ........ 4"), numbered section titles. A single block that is a
  table of contents (a flattened "Inhoud 1 Inleiding 1.1 Achtergrond …" on a body page) gets the
  role on its own.
- **samenvatting** — a heading in ``SECTION_HEADINGS["samenvatting"]`` (Samenvatting,
  Managementsamenvatting, Bestuurlijke samenvatting, Executive summary …, or a short heading that
  ends in "samenvatting"). The role carries over to the following pages until the next chapter
  heading (a numbered top-level heading such as "1 Inleiding" or "Hoofdstuk 2", or one of
  ``CHAPTER_HEADINGS``), a bijlage or literatuur heading, or for at most
  ``SUMMARY_MAX_PAGES`` pages. "Conclusies en aanbevelingen" is *not* a summary: conclusions are
  the report's findings and stay body.
- **bijlage** — a heading "Bijlage", "Bijlagen", "Bijlage 3: …", "Appendix" (``BIJLAGE_RE``),
  not in the first third of a document of six pages or more; carries over to the end, except for
  a reference list after it.
- **literatuur** — a heading in ``SECTION_HEADINGS["literatuur"]`` (Literatuur, Literatuurlijst,
  Bronnen, Referenties …) followed by reference-like text (author, year in brackets, title; see
  ``_reference_like``); carries over until a chapter, summary or bijlage heading. A "Bronnen"
  heading above prose (the sources of a study described in its methods chapter) stays body.
- **body** — everything else.

Headings are recognised from blocks of kind ``heading`` and from short paragraphs (OCR'd pages
and plain bold text have no heading blocks); numbering ("3", "3.", "Hoofdstuk 3") is ignored
when matching.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from core.records import Block, Page, PageRole
from core.reference import fold

# ------------------------------------------------------------------------------------ cues
COVER_MAX_WORDS = 80  # a first page with more words than this is no title page
SECOND_COVER_MAX_WORDS = 50  # an inner title page right after the cover
FRONT_PAGES = 4  # a colofon is among the first … pages
BACK_PAGES = 3  # … or among the last pages
COLOFON_MIN_CUES = 3
COLOFON_MAX_WORDS = 350
SUMMARY_MAX_PAGES = 8  # a summary without a recognisable next chapter ends after this many pages
SHORT_HEADING_WORDS = 6  # a paragraph of at most this many words may be a heading
PROSE_MIN_WORDS = 20  # a paragraph of running prose has at least this many words
COVER_MAX_TABLE_WORDS = 30  # a title page may hold a small table (version, date)
TOC_CARRY_MIN_ENTRIES = 3  # a table of contents goes on at the top of the next page with this many entries
TOC_MAX_PROSE = 0.25  # a table-of-contents page has at most this share of its words in prose

# Section headings, compared after normalisation (lower case, no accents, numbering and
# trailing punctuation removed).
SECTION_HEADINGS: dict[PageRole, frozenset[str]] = {
    "samenvatting": frozenset({
        "samenvatting", "managementsamenvatting", "management samenvatting", "bestuurlijke samenvatting",
        "korte samenvatting", "publiekssamenvatting", "samenvatting en conclusies", "samenvatting en aanbevelingen",
        "samenvatting conclusies en aanbevelingen", "samenvatting en conclusie", "executive summary", "summary",
        "in het kort", "kernboodschappen", "de belangrijkste bevindingen", "belangrijkste bevindingen",
    }),
    "literatuur": frozenset({
        "literatuur", "literatuurlijst", "literatuuroverzicht", "gebruikte literatuur", "geraadpleegde literatuur",
        "bronnen", "bronnenlijst", "bronvermelding", "gebruikte bronnen", "geraadpleegde bronnen",
        "literatuur en bronnen", "bronnen en literatuur", "referenties", "referentielijst", "bibliografie",
        "references", "noten en literatuur",
    }),
}
TOC_HEADINGS = frozenset({"inhoud", "inhoudsopgave", "inhoudstafel", "inhoud van dit rapport", "table of contents", "contents"})
# Unnumbered headings that start a chapter (and so end a summary).
CHAPTER_HEADINGS = frozenset({"inleiding", "introductie", "aanleiding", "voorwoord", "hoofdrapport"})
BIJLAGE_RE = re.compile(r"^(?:bijlagen?|appendix|appendices|annex)(?:$|\s*[:.\-–—]|\s+(?:[0-9]{1,2}|[ivx]{1,4}|[a-h])\b)")
# A numbered top-level heading: "1 Inleiding", "2. Bevindingen", "Hoofdstuk 3 …" (not "2.1 …",
# not a numbered list item "1. zijn inwoners tevreden …").
CHAPTER_RE = re.compile(r"^(?:[Hh]oofdstuk\s+\d{1,2}\b|(?:[1-9]|[12][0-9])\.?\s+[A-ZÀ-Ý])")
BIJLAGE_STRICT_RE = re.compile(r"^(?:bijlagen?|appendix|appendices)(?:\s+(?:[0-9]{1,2}|[ivx]{1,4}|[a-h]))?$")
PART_RE = re.compile(r"^deel\s+(?:\d{1,2}|[IVX]{1,4}|een|twee|drie)\b", re.IGNORECASE)

# Colofon: strong cues count anywhere, label cues only as "Label:" (they are common words).
COLOFON_STRONG = (
    "colofon", "isbn", "issn", "©", "copyright", "alle rechten voorbehouden", "niets uit deze uitgave",
    "uitgegeven door", "opdrachtgever", "vormgeving", "fotografie", "eindredactie", "projectnummer",
    "publicatienummer", "met medewerking van",
)
COLOFON_LABELS = (
    "uitgave", "auteur", "auteurs", "tekst", "redactie", "foto's", "fotos", "beeld", "ontwerp", "opmaak",
    "contact", "druk", "drukwerk", "illustraties", "in opdracht van",
)  # not "Datum:", "Kenmerk:", "Status:": the header of every memo and raadsvoorstel has those

_NUMBERING = re.compile(r"^(?:hoofdstuk\s+|deel\s+)?(?:\d{1,2}(?:\.\d{1,2})*|[ivx]{1,4})\.?\s+")
_WORD = re.compile(r"\w+")
# A sentence of running prose: a lower-case word ending in ., ! or ?.
_SENTENCE_END = re.compile(r"[a-zà-ÿ]{2,}[.!?](?:\s|$)")
# Table-of-contents entries: dot leaders before a page number, or a title followed by a page
# number and then the next (numbered) title or the end.
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,3}\b|…+\s*\d{1,3}\b")
_TOC_ENTRY = re.compile(r"[A-Za-zà-ÿ)?]\s+\d{1,3}(?=\s+(?:(?:\d{1,2}(?:\.\d{1,2})*\.?|bijlage\s+\d{1,2})\s+)?[A-ZÀ-Ý]|\s*$)")
_ENTRY_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|bijlage\s+\w{1,4})\s+\S", re.IGNORECASE)
_SECTION_NUMBER = re.compile(r"(?:^|\s)\d{1,2}(?:\.\d{1,2})+\.?\s+[A-ZÀ-Ý]")
# References: "Bakker, J. (2016)." / "Movisie (2019)." / "…, 2016." / URLs.
_REF_YEAR = re.compile(r"\((?:19|20)\d{2}[a-z]?\)|,\s(?:19|20)\d{2}[a-z]?[.,]")
_REF_AUTHOR = re.compile(r"\b[A-Z][a-zà-ÿ'’\-]+,\s(?:[A-Z]\.\s?){1,3}")
_URL = re.compile(r"https?://|www\.")


# ------------------------------------------------------------------------------- helpers
def normal_heading(text: str) -> str:
    """A heading as the cue lists spell it: lower case, no accents, numbering and end punctuation gone."""
    folded = fold(" ".join(text.split()))
    folded = _NUMBERING.sub("", folded)
    return folded.strip(" :.;-–—").strip()


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_prose(block: Block) -> bool:
    """Running text: a paragraph of enough words, mostly lower case, with a sentence end."""
    if block.kind != "paragraph":
        return False
    words = block.text.split()
    if len(words) < PROSE_MIN_WORDS or not _SENTENCE_END.search(block.text):
        return False
    lower = sum(1 for w in words if w[:1].islower())
    return lower >= 0.5 * len(words)


def _heading_text(block: Block) -> tuple[str, bool] | None:
    """(text, strict) of a block that may be a heading: a heading block, or a short paragraph
    (strict: it must match a cue exactly, since short paragraphs are often captions or links)."""
    if block.kind == "heading":
        return block.text, False
    if block.kind == "paragraph" and _words(block.text) <= SHORT_HEADING_WORDS and not block.text.rstrip().endswith((".", ",", ";")):
        return block.text, True
    return None


def section_cue(heading: str, strict: bool = False) -> PageRole | None:
    """The section a heading starts: "samenvatting", "bijlage", "literatuur" (a candidate: the
    caller checks the text below), "body" for a chapter heading, or None for any other heading.
    ``strict``: only the exact cue words (for short paragraphs that may be headings)."""
    normal = normal_heading(heading)
    if not normal:
        return None
    if normal in SECTION_HEADINGS["samenvatting"]:
        return "samenvatting"
    if normal in SECTION_HEADINGS["literatuur"]:
        return "literatuur"
    if strict:
        if BIJLAGE_STRICT_RE.match(normal):
            return "bijlage"
        return "body" if normal in CHAPTER_HEADINGS else None
    words = normal.split()
    # "Maart 2018 Enschede Samenvatting", "Samenvatting Inleiding": headings run together.
    if (len(words) <= SHORT_HEADING_WORDS and words[-1] == "samenvatting") or (words[0] == "samenvatting" and len(words) <= 3):
        return "samenvatting"
    if BIJLAGE_RE.match(normal) or BIJLAGE_RE.match(fold(" ".join(heading.split()))):
        return "bijlage"
    stripped = heading.strip()
    if normal in CHAPTER_HEADINGS or PART_RE.match(stripped) or CHAPTER_RE.match(stripped):
        return "body"
    return None


def _toc_entries(text: str) -> int:
    return len(_DOT_LEADER.findall(text)) + len(_TOC_ENTRY.findall(_DOT_LEADER.sub(" 0 ", text)))


def _is_toc_block(block: Block) -> bool:
    """A block that is a table of contents by itself: "Inhoud 1 Inleiding 1.1 Achtergrond …"."""
    text = " ".join(block.text.split())
    first = fold(text).split(" ", 1)[0].rstrip(":")
    words = max(_words(text), 1)
    if first in {"inhoud", "inhoudsopgave", "inhoudstafel"}:
        return max(_toc_entries(text), len(_SECTION_NUMBER.findall(text))) >= 3
    entries = _toc_entries(text)
    return entries >= 5 and entries * 8 >= words


def _reference_like(text: str) -> bool:
    """Text that reads as a reference list: author names and years in brackets, or URLs."""
    text = " ".join(text.split())
    words = _words(text)
    if not words:
        return False
    refs = len(_REF_YEAR.findall(text)) + len(_URL.findall(text))
    authors = len(_REF_AUTHOR.findall(text))
    if refs >= 2 and (refs + authors) * 30 >= words:
        return True
    return refs >= 1 and words <= 50


def _is_cover(page: Page, index: int, n_pages: int, previous_cover: bool) -> bool:
    if n_pages < 2 or index > 1 or (index == 1 and not previous_cover):
        return False
    if _words(page.text) > (COVER_MAX_WORDS if index == 0 else SECOND_COVER_MAX_WORDS):
        return False
    for block in page.blocks:
        if _is_prose(block) or (block.kind == "table" and _words(block.text) > COVER_MAX_TABLE_WORDS):
            return False
        heading = _heading_text(block)
        if heading is None:
            continue
        cue = section_cue(*heading)
        if cue in ("samenvatting", "literatuur", "bijlage") or _is_toc_title(heading[0]) or (index == 1 and cue == "body"):
            return False
    return True


def _colofon_cues(text: str) -> set[str]:
    folded = fold(" ".join(text.split()))
    found = {cue for cue in COLOFON_STRONG if (re.search(rf"\b{cue}\b", folded) if cue.isalpha() else cue in folded)}
    found |= {cue for cue in COLOFON_LABELS if re.search(rf"(?:^|\s){re.escape(cue)}\s?:", folded)}
    return found


def _is_colofon(page: Page, index: int, n_pages: int) -> bool:
    if FRONT_PAGES <= index < n_pages - BACK_PAGES:
        return False
    first = next((b for b in page.blocks if _heading_text(b)), None)
    if first is not None and normal_heading(first.text).startswith("colofon"):
        return True
    if _words(page.text) > COLOFON_MAX_WORDS:
        return False
    return len(_colofon_cues(page.text)) >= COLOFON_MIN_CUES


def _is_toc_title(text: str) -> bool:
    """"Inhoud", "Inhoudsopgave", also run together with the first entry ("Inhoud Voorwoord")."""
    normal = normal_heading(text)
    return normal in TOC_HEADINGS or (normal.startswith(("inhoudsopgave ", "inhoud ")) and len(normal.split()) <= 4)


def _is_toc_page(page: Page) -> bool:
    """A page that is (nearly) all table of contents."""
    text = " ".join(page.text.split())
    words = _words(text)
    if not words:
        return False
    prose = sum(_words(b.text) for b in page.blocks if _is_prose(b) and not _is_toc_block(b))
    if prose > TOC_MAX_PROSE * words:
        return False
    entries = _toc_entries(text)
    titled = any(_is_toc_title(b.text) for b in page.blocks[:3] if _heading_text(b))
    if titled and (entries >= 3 or len(_SECTION_NUMBER.findall(text)) >= 3 or words <= 150):
        return True
    return entries >= 6 and entries * 8 >= words


def _toc_entry_block(blocks: Sequence[Block], position: int, carried: bool) -> bool:
    """Whether a block below a table-of-contents title (or, ``carried``, at the top of the page
    after one) is an entry. A heading right above running text is the real heading."""
    block = blocks[position]
    if _is_toc_block(block):
        return True
    if _is_prose(block):
        return False
    following = blocks[position + 1] if position + 1 < len(blocks) else None
    if block.kind == "heading" and following is not None and _is_prose(following):
        return False
    return not carried or bool(_ENTRY_NUMBER.match(block.text.strip()))


def _carried_entries(blocks: Sequence[Block]) -> int:
    """How many blocks at the top of a page continue the previous page's table of contents."""
    run = 0
    while run < len(blocks) and _toc_entry_block(blocks, run, carried=True):
        run += 1
    return run


# ------------------------------------------------------------------------------ the stage
def _block_roles(pages: Sequence[Page]) -> list[tuple[PageRole, list[PageRole]]]:
    """(page role, role per block) for every page, in one pass that carries sections over."""
    n = len(pages)
    result: list[tuple[PageRole, list[PageRole]]] = []
    state: PageRole = "body"
    summary_since = 0
    previous_cover = False
    toc_carry: str | None = None
    for index, page in enumerate(pages):
        if state == "samenvatting" and index - summary_since >= SUMMARY_MAX_PAGES:
            state = "body"
        # Whole-page roles: these pages do not move the section state (a table of contents
        # names "Samenvatting" and "Bijlagen" without starting them).
        whole: PageRole | None = None
        if _is_colofon(page, index, n):
            whole = "colofon"
        elif _is_cover(page, index, n, previous_cover):
            whole = "cover"
        elif _is_toc_page(page):
            whole = "inhoud"
        previous_cover = whole == "cover"
        if whole is not None:
            toc_carry = "carry" if whole == "inhoud" else None
            result.append((whole, [whole] * len(page.blocks)))
            continue
        roles: list[PageRole] = []
        # Below an "Inhoud" heading on a page that also holds body text, and at the top of the
        # page after a table of contents ("carry": numbered entries only), blocks are entries.
        blocks = page.blocks
        in_toc: str | None = toc_carry if toc_carry and _carried_entries(blocks) >= TOC_CARRY_MIN_ENTRIES else None
        for position, block in enumerate(blocks):
            heading = _heading_text(block)
            if heading is not None and not heading[1] and _is_toc_title(heading[0]):
                in_toc = "page"
                roles.append("inhoud")
                continue
            if in_toc is not None and _toc_entry_block(blocks, position, carried=in_toc == "carry"):
                roles.append("inhoud")
                continue
            in_toc = None
            cue = section_cue(*heading) if heading is not None else None
            if cue == "samenvatting" and state != "bijlage":
                state, summary_since = "samenvatting", index
            elif cue == "literatuur":
                below = " ".join(b.text for b in blocks[position + 1 :] if _heading_text(b) is None)
                if not below.strip() and index + 1 < n:
                    below = pages[index + 1].text
                if _reference_like(below):
                    state = "literatuur"
                elif state == "literatuur":
                    state = "body"
            elif cue == "bijlage" and (n < 6 or index >= n / 3):
                state = "bijlage"
            elif cue == "body" and (state in ("samenvatting", "literatuur") or (state == "bijlage" and PART_RE.match(heading[0].strip() if heading else ""))):
                state = "body"
            if block.kind != "heading" and _is_toc_block(block):
                roles.append("inhoud")
                continue
            roles.append(state)
        toc_carry = "carry" if in_toc is not None else None
        result.append((_majority(blocks, roles, state), roles))
    return result


def _majority(blocks: Sequence[Block], roles: Sequence[PageRole], default: PageRole) -> PageRole:
    """The role of most of a page's text (the first such role on a tie)."""
    weight: Counter[PageRole] = Counter()
    for block, role in zip(blocks, roles, strict=True):
        weight[role] += len(block.text)
    if not weight:
        return default
    best = max(weight.values())
    return next(role for role in roles if weight[role] == best)


def page_roles(pages: Sequence[Page]) -> list[PageRole]:
    """The role of every page of one document (the role of most of its text)."""
    return [role for role, _ in _block_roles(pages)]


def assign_roles(pages: Sequence[Page]) -> list[Page]:
    """The stage: a document's pages with ``role`` set on every page and every block."""
    return [
        replace(page, role=role, blocks=tuple(replace(block, role=r) for block, r in zip(page.blocks, roles, strict=True)))
        for page, (role, roles) in zip(pages, _block_roles(pages), strict=True)
    ]
