"""The typed records that flow through the stages: Document → Page → Passage → TaggedPassage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

BlockKind = Literal["heading", "paragraph", "table"]


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


@dataclass(frozen=True)
class Page:
    number: int  # physical page number, 1-based
    blocks: tuple[Block, ...]
    has_text_layer: bool = True
    ocr: bool = False

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
