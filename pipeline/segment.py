"""Segmentation: Pages of Blocks → Passages of roughly paragraph size.

A passage stays on one page and under one heading (so its provenance is exact), holds whole
sentences only, and is between ``min_chars`` and ``max_chars`` where the text allows: short
paragraphs (a bullet, a one-liner) are merged with their neighbours, long ones are cut between
sentences.

A passage takes the role of its blocks (``pipeline.roles``: the page's role, or that of a section
that starts mid-page), and never mixes two roles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from core.records import Page, PageRole, Passage
from pipeline.nlp import sentences


def passage_id(doc_id: str, page: int, index: int) -> str:
    return f"{doc_id}:{page}:{index}"


def _split_long(text: str, max_chars: int) -> list[str]:
    """Cut a long paragraph between sentences into chunks of at most ``max_chars``."""
    chunks: list[str] = []
    current = ""
    for sentence in sentences(text):
        if current and len(current) + 1 + len(sentence) > max_chars:
            chunks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
        while len(current) > 2 * max_chars:  # one run-on "sentence" (table debris): hard cut
            cut = current.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            chunks.append(current[:cut])
            current = current[cut:].strip()
    if current:
        chunks.append(current)
    return chunks


def segment(doc_id: str, file: str, pages: Sequence[Page], min_chars: int = 250, max_chars: int = 900) -> list[Passage]:
    """Turn a document's pages into passages with page and nearest-heading provenance."""
    passages: list[Passage] = []
    heading = ""
    for page in pages:
        pending: list[str] = []
        pending_heading = heading
        pending_role: PageRole = page.role
        index = 0

        def emit(text: str, section: str, role: PageRole) -> None:
            nonlocal index
            text = text.strip()
            if not text:
                return
            passages.append(
                Passage(
                    passage_id=passage_id(doc_id, page.number, index),
                    doc_id=doc_id,
                    file=file,
                    page=page.number,
                    heading=section,
                    text=text,
                    position=len(passages),
                    ocr=page.ocr,
                    role=role,
                )
            )
            index += 1

        def flush() -> None:
            if pending:
                emit(" ".join(pending) if all(not p.startswith(("•", "-", "–")) for p in pending) else "\n".join(pending), pending_heading, pending_role)
                pending.clear()

        for block in page.blocks:
            if block.kind == "heading":
                flush()
                heading = block.text[:200]
                pending_heading = heading
                continue
            if block.kind == "table":
                flush()
                for chunk in _chunk_rows(block.text, max_chars):
                    emit(chunk, heading, block.role)
                continue
            if pending and block.role != pending_role:
                flush()
            pending_heading = heading if not pending else pending_heading
            pending_role = block.role if not pending else pending_role
            if len(block.text) > max_chars:
                flush()
                for chunk in _split_long(block.text, max_chars):
                    emit(chunk, heading, block.role)
                continue
            if pending and sum(len(p) for p in pending) + len(block.text) > max_chars:
                flush()
                pending_heading = heading
                pending_role = block.role
            pending.append(block.text)
            if sum(len(p) for p in pending) >= min_chars:
                flush()
        flush()
    return passages


def _chunk_rows(table_text: str, max_chars: int) -> list[str]:
    """Split a rendered table into chunks of whole rows, repeating the header row."""
    rows = table_text.split("\n")
    if len(table_text) <= max_chars or len(rows) < 3:
        return [table_text]
    header, body = rows[0], rows[1:]
    chunks, current = [], [header]
    for row in body:
        if len(current) > 1 and sum(len(r) + 1 for r in current) + len(row) > max_chars:
            chunks.append("\n".join(current))
            current = [header]
        current.append(row)
    chunks.append("\n".join(current))
    return chunks


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
