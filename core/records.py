"""The typed records that flow through the stages: Document → Page → Passage → TaggedPassage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args

BlockKind = Literal["heading", "paragraph", "table"]

# The role of a page (and of a block, a passage) in its report: front matter, the summary, the
# body, appendices, the reference list. ``pipeline.roles`` assigns them (its docstring lists the
# cues); search ranks the "not a finding" roles below everything else and tagging skips them.
PageRole = Literal["cover", "colofon", "inhoud", "samenvatting", "body", "bijlage", "literatuur"]
PAGE_ROLES: tuple[PageRole, ...] = get_args(PageRole)
# Pages that hold no findings: a title page, the colofon, the table of contents, the references.
NON_FINDING_ROLES: frozenset[PageRole] = frozenset({"cover", "colofon", "inhoud", "literatuur"})


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    file: str
    sha256: str
    title: str = ""
    gemeente: str = ""
    gemeentecode: str = ""
    year: int | None = None
    publisher: str = ""
    report_type: str = ""
    n_pages: int = 0
    provincie: str = ""
    grootteklasse: str = ""
    g40: bool = False


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    role: PageRole = "body"  # set by pipeline.roles; a section can start mid-page


@dataclass(frozen=True)
class Page:
    number: int  # physical page number, 1-based
    blocks: tuple[Block, ...]
    has_text_layer: bool = True
    ocr: bool = False
    role: PageRole = "body"  # set by pipeline.roles: the role of most of the page's text

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    pages: tuple[Page, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    passage_id: str
    doc_id: str
    file: str
    page: int
    heading: str
    text: str
    position: int  # order within the document
    ocr: bool = False
    role: PageRole = "body"  # its page's role, or that of the section it starts mid-page


@dataclass(frozen=True)
class SentenceKind:
    """The statement kind of one sentence of a passage (characters ``start:end`` of its text)."""

    start: int
    end: int
    kind: str
    score: float = 0.0


@dataclass(frozen=True)
class TaggedPassage:
    passage: Passage
    areas: tuple[int, ...] = ()
    area_scores: dict[int, float] = field(default_factory=dict)
    kind: str = "beschrijving"  # the passage's main statement
    kind_score: float = 0.0
    sentences: tuple[SentenceKind, ...] = ()  # per sentence, when the tagger gives them

    @property
    def kinds(self) -> frozenset[str]:
        """Every statement kind the passage makes: its main kind and its sentences' kinds."""
        return frozenset({self.kind, *(s.kind for s in self.sentences)})


class Tagger(Protocol):
    """The tagging stage, Passage → TaggedPassage: every tagger (``pipeline.tag``) has this shape,
    and the tag scoring (``core.metrics``) needs no more."""

    name: str

    def tag(self, passages: Sequence[Passage]) -> list[TaggedPassage]: ...
