"""Generated layout benchmark for reading order: known Dutch report text set in many page layouts.

``python -m bench.layout_pdfs OUT [--per-layout N] [--seed S] [--text-dir DIR]`` writes pairs
``OUT/<layout>__<n>.pdf`` + ``OUT/<layout>__<n>.txt`` for ``wijkkennis.eval_extraction.evaluate``.
Every file is A4 (portrait or landscape), 2-3 pages, with a running header and a page-number footer
on each page. Text is set by a small hand-rolled line setter (reportlab canvas, standard fonts,
WinAnsi text, no hyphenation: every word is drawn whole), so the draw order and the baselines are
fully under control.

The ``.txt`` is the text in its intended reading order, built from the lines actually drawn:
paragraphs are separated by blank lines; headings, title lines, bullet items (``• ...``), table
rows (cells separated by spaces) and footnotes are paragraphs of their own. Per page the reading
order is: columns left to right; a table spanning the columns after the text above it and before
the text below it; **the body text of the page, then that page's sidebar/kader text** (whichever
side the sidebar is on); the body, then the footnotes of that page. A paragraph that runs on into
the next column or page stays one paragraph (unless the page's sidebar or footnotes come between).
A block that no longer fits at the end of the document is left out of PDF and ``.txt`` alike.
Running headers, footers and page numbers are not in the ``.txt``.

In the ``stream-shuffled-*`` layouts the content stream is out of reading order: footer first,
header last, the text regions of a page drawn in reverse reading order (right column before left,
sidebar before body) and the lines of each region drawn bottom-up.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table, TableStyle

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROWS = ROOT / "training" / "tags" / "part_a.jsonl"
HEADINGS = ("Inleiding", "Aanleiding en vraagstelling", "Methode van onderzoek", "Bevindingen", "Conclusies",
            "Samenwerking met de huisarts", "Toegang en wachttijden", "Werkdruk in de teams", "Aanbevelingen",
            "Ervaringen van inwoners", "Rol van de gemeente", "Financiën en sturing", "Vervolg en monitoring")
GEMEENTEN = ("Deventer", "Almelo", "Zwolle", "Amersfoort", "Leeuwarden", "Tilburg", "Heerlen", "Ede")
KADERS = ("In het kort", "Uit de praktijk", "Kader: cijfers", "Wat zeggen inwoners?", "Kader")
NOTES = ("Bron: gemeentelijke registratie, peildatum 1 januari 2023.", "Gesprek met de teamleider, voorjaar 2023.",
         "Zie bijlage 2 voor de lijst van geïnterviewde partijen.", "Cijfers over 2022 zijn voorlopig.",
         "Het gaat om het gemiddelde over alle wijken; per wijk zijn de verschillen groot.",
         "Eigen berekening op basis van de jaarverslagen van de wijkteams.",
         "In twee wijken was de respons te laag voor een betrouwbare uitspraak.")
WIJKEN = ("Centrum", "Noord", "Oost", "Zuid-West", "De Hoven", "Kerkwijk", "Rivierenwijk", "Boschveld")
SUP = "^"  # marks a footnote number inside a word: "plaatsgevonden.^3" is drawn with a raised 3


# ------------------------------------------------------------------ text
def clean(text: str) -> str:
    """NFKC, collapse spaces, keep only characters the standard fonts (WinAnsi) can draw."""
    text = unicodedata.normalize("NFKC", text).replace(SUP, "")
    text = "".join(ch if ch.isprintable() else " " for ch in text if ch.encode("cp1252", "ignore"))
    return re.sub(r"\s+", " ", text).strip()


def texts_from_dir(folder: Path) -> list[str]:
    """Paragraphs (blank-line separated, at least 8 words, long ones cut at sentences) of ``*.txt``."""
    paras: list[str] = []
    for path in sorted(Path(folder).glob("*.txt")):
        for chunk in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace")):
            lines = [line.strip() for line in chunk.splitlines() if line.strip()]
            if any(line.startswith(("•", "- ")) for line in lines[1:]):
                paras.append("\n".join(clean(line) for line in lines))
                continue
            sentences, cur = re.split(r"(?<=[.!?])\s+", clean(" ".join(lines))), ""
            for sentence in sentences:
                cur = f"{cur} {sentence}".strip()
                if len(cur.split()) >= 80:
                    paras.append(cur)
                    cur = ""
            if len(cur.split()) >= 8:
                paras.append(cur)
    return paras


def default_texts() -> list[str]:
    rows = (json.loads(line) for line in DEFAULT_ROWS.read_text(encoding="utf-8").splitlines() if line.strip())
    return [row["text"] for row in rows if isinstance(row.get("text"), str)]


@dataclass
class Block:
    kind: str  # t title line, h heading, p paragraph, q quote, li bullet item, box framed kader
    text: str = ""
    children: list[Block] = field(default_factory=list)


class Pool:
    """Paragraphs and bullet lists (intro or "", items) to draw from, dealt per document without repeats."""

    def __init__(self, texts: Sequence[str], rng: random.Random) -> None:
        self.rng, self.paras, self.lists = rng, [], []
        for text in texts:
            lines = [line.strip() for line in text.split("\n") if line.strip()]
            bullet = [line.startswith(("•", "- ")) for line in lines]
            if sum(bullet) >= 2:
                intro = "" if bullet[0] else clean(lines[0])
                self.lists.append((intro, [clean(ln.lstrip("•-– ")) for ln, b in zip(lines, bullet, strict=True) if b]))
            elif clean(text):
                self.paras.append(clean(text))
        self.decks: dict[str, list] = {}

    def deal(self, name: str) -> Any:
        if not self.decks.get(name):
            self.decks[name] = self.rng.sample(getattr(self, name), len(getattr(self, name)))
        return self.decks[name].pop()

    def para(self, max_words: int = 0) -> str:
        text = self.deal("paras")
        return " ".join(text.split()[:max_words]) if max_words else text

    def blocks(self, n_words: int, long: bool = False, head_every: int = 4) -> list[Block]:
        """A heading, then paragraphs (``long``: three joined, no headings or lists) up to ``n_words``."""
        out, words = [Block("h", self.rng.choice(HEADINGS))], 0
        while words < n_words:
            if not long and self.lists and self.rng.random() < 0.15:
                intro, items = self.deal("lists")
                new = [Block("p", intro)] * bool(intro) + [Block("li", item) for item in items]
            else:
                new = [Block("p", " ".join(self.para() for _ in range(3 if long else self.rng.choice((1, 1, 2)))))]
            if not long and self.rng.random() < 1 / head_every:
                new.append(Block("h", self.rng.choice(HEADINGS)))
            out += new
            words += sum(len(b.text.split()) for b in new)
        return out


# ------------------------------------------------------------------ line setting
FAMILIES = {"Helvetica": ("Helvetica-Bold", "Helvetica-Oblique"), "Times-Roman": ("Times-Bold", "Times-Italic")}


@dataclass
class Style:
    font: str = "Helvetica"
    size: float = 10.0
    leading: float = 13.0
    head_size: float = 11.5
    head_leading: float = 15.0
    space: float = 6.0  # between paragraphs
    head_space: float = 9.0  # above a heading or box
    justify: bool = False


@dataclass
class Line:
    words: list[str]
    font: str
    size: float
    lead: float
    indent: float = 0.0
    width: float | None = None  # justify to this width
    bullet: bool = False

    @property
    def text(self) -> str:
        return ("• " if self.bullet else "") + " ".join(self.words).replace(SUP, "")


def word_width(word: str, font: str, size: float) -> float:
    text, _, mark = word.partition(SUP)
    return stringWidth(text, font, size) + (stringWidth(mark, font, size * 0.6) if mark else 0.0)


def set_block(block: Block, width: float, st: Style) -> list[Line]:
    """Break a block into lines of at most ``width`` (words are never split)."""
    bold, italic = FAMILIES[st.font]
    font, size, lead = {"t": (bold, st.head_size + 1, st.head_leading), "h": (bold, st.head_size, st.head_leading),
                        "q": (italic, st.size, st.leading)}.get(block.kind, (st.font, st.size, st.leading))
    indent = 1.2 * size if block.kind == "li" else 0.0
    space, rows, used = stringWidth(" ", font, size), [[]], 0.0
    for word in re.findall(r"(?:\S+- )*\S+", block.text):  # "jeugd- en" stays on one line: no hyphen at a line end
        w = word_width(word, font, size)
        if rows[-1] and used + space + w > width - indent:
            rows.append([])
        used = used + space + w if rows[-1] else w
        rows[-1].append(word)
    justify = st.justify and block.kind in ("p", "li", "q")
    return [Line(row, font, size, lead, indent, width - indent if justify and i < len(rows) - 1 else None,
                 block.kind == "li" and i == 0) for i, row in enumerate(rows) if row]


def paint_line(c: Canvas, x: float, y: float, line: Line) -> None:
    """One BT..ET text object per line; justified by word spacing (Tw); footnote marks raised (Ts).
    Inside q..Q: text state (Tw) outlives ET and would leak into later text otherwise."""
    c.saveState()
    if line.bullet:
        c.setFont(line.font, line.size)
        c.drawString(x, y, "•")
    t, n = c.beginText(x + line.indent, y), len(line.words)
    t.setFont(line.font, line.size)
    spaces = " ".join(line.words).count(" ")
    if line.width and spaces:
        space = stringWidth(" ", line.font, line.size)
        natural = sum(word_width(w, line.font, line.size) for w in line.words) + (n - 1) * space
        t.setWordSpace((line.width - natural) / spaces)
    for i, word in enumerate(line.words):
        text, _, mark = word.partition(SUP)
        t.textOut(text)
        if mark:
            t.setFont(line.font, line.size * 0.6)
            t.setRise(line.size * 0.4)
            t.textOut(mark)
            t.setFont(line.font, line.size)
            t.setRise(0)
        t.textOut(" " if i < n - 1 else "")
    c.drawText(t)
    c.restoreState()


def paint_box(c: Canvas, rect: tuple[float, float, float, float], fill: tuple[float, float, float] = (0.9, 0.94, 0.98)) -> None:
    c.saveState()
    c.setFillColorRGB(*fill)
    c.setStrokeColorRGB(0.35, 0.45, 0.6)
    c.rect(*rect, stroke=1, fill=1)
    c.restoreState()


def paint_text(c: Canvas, x: float, y: float, text: str, font: str = "Helvetica", size: float = 8.0, align: str = "l") -> None:
    c.setFont(font, size)
    {"l": c.drawString, "r": c.drawRightString, "c": c.drawCentredString}[align](x, y, text)


# ------------------------------------------------------------------ pages
@dataclass
class Item:
    page: int
    rank: float  # reading order on the page (then seq)
    seq: int
    draw: tuple[float, int]  # drawing order on the page
    block: int  # source paragraph id; -1: not in the .txt
    text: str
    paint: Callable[[Canvas], None]
    line: Line | None = None


@dataclass
class Region:
    page: int
    x: float
    width: float
    top: float
    bottom: float
    rank: float
    style: Style
    shuffled: bool = False  # drawn in reverse rank order, lines bottom-up

    draw = property(lambda self: -self.rank if self.shuffled else self.rank)


@dataclass
class Doc:
    pagesize: tuple[float, float]
    pages: int
    shuffled: bool = False
    items: list[Item] = field(default_factory=list)
    seq: Iterator[int] = field(default_factory=itertools.count)
    ids: Iterator[int] = field(default_factory=itertools.count)

    def add(self, page: int, rank: float, paint: Callable[[Canvas], None], block: int = -1, text: str = "",
            draw: float | None = None, reverse: bool = False, line: Line | None = None) -> None:
        seq = next(self.seq)
        draw_key = (rank if draw is None else draw, -seq if reverse else seq)
        self.items.append(Item(page, rank, seq, draw_key, block, text, paint, line))

    def drop(self, block: int) -> None:
        self.items = [it for it in self.items if it.block != block]

    @property
    def frame(self) -> tuple[float, float, float, float]:
        """x0, x1, top, bottom of the body area: 2 cm side margins, 2.6 cm top, 2.2 cm bottom."""
        w, h = self.pagesize
        return 2 * cm, w - 2 * cm, h - 2.6 * cm, 2.2 * cm

    def columns(self, n: int, gutter: float) -> list[tuple[float, float]]:
        x0, x1, _, _ = self.frame
        width = (x1 - x0 - (n - 1) * gutter) / n
        return [(x0 + i * (width + gutter), width) for i in range(n)]

    def per_page(self, col: tuple[float, float], st: Style, **kw: Any) -> list[Region]:
        return [self.region(p, col, 0, st, **kw) for p in range(self.pages)]

    def region(self, page: int, col: tuple[float, float], rank: float, st: Style, top: float | None = None,
               bottom: float | None = None) -> Region:
        _, _, ftop, fbottom = self.frame
        return Region(page, *col, ftop if top is None else top, fbottom if bottom is None else bottom, rank, st, self.shuffled)


class Flow:
    """Sets blocks one after another into regions (in reading order), adding their lines to the doc.
    A heading keeps two lines of room below it, a box is never split; the block that no longer fits
    at the end is left out, and so is a heading left dangling at the end."""

    def __init__(self, doc: Doc, regions: list[Region]) -> None:
        self.doc, self.regions, self.ri, self.fresh = doc, regions, 0, True
        self.cursor, self.lows = regions[0].top, [r.top for r in regions]
        self.done: list[tuple[int, str]] = []

    @property
    def r(self) -> Region:
        return self.regions[self.ri]

    def room(self, height: float, gap: float) -> bool:
        """Move the cursor below ``gap`` (dropped at a region top), to the next region if ``height`` does not fit."""
        while True:
            g = 0.0 if self.fresh else gap
            if self.cursor - g - height >= self.r.bottom:
                self.cursor -= g
                self.fresh = False
                return True
            if self.fresh or self.ri + 1 == len(self.regions):
                return False
            self.ri, self.fresh = self.ri + 1, True
            self.cursor = self.r.top

    def place(self, block: int, line: Line, x: float) -> None:
        r, y = self.r, self.cursor - 0.8 * line.lead  # baseline depends on the leading only: a grid stays a grid
        self.doc.add(r.page, r.rank, partial(paint_line, x=x, y=y, line=line), block, line.text, r.draw, r.shuffled, line)
        self.cursor -= line.lead
        self.lows[self.ri] = min(self.lows[self.ri], self.cursor)

    def add(self, block: Block) -> bool:
        st, bid = self.r.style, next(self.doc.ids)
        gap = st.head_space if block.kind in ("h", "t", "box") else st.space
        if block.kind == "box":
            pad, inset = 7.0, 0.8 * cm
            inner = [(next(self.doc.ids), child, set_block(child, self.r.width - 2 * (pad + inset), st)) for child in block.children]
            height = 2 * pad + sum(ln.lead for *_, lines in inner for ln in lines) + st.space * (len(inner) - 1)
            if not self.room(height, gap):
                return False
            r, top = self.r, self.cursor
            self.doc.add(r.page, r.rank, partial(paint_box, rect=(r.x + inset, top - height, r.width - 2 * inset, height)),
                         draw=r.draw - 0.1)
            self.cursor -= pad
            for n, (cid, child, lines) in enumerate(inner):
                self.cursor -= st.space if n else 0.0
                for line in lines:
                    self.place(cid, line, r.x + inset + pad)
                self.done.append((cid, child.kind))
            self.cursor = top - height
            return True
        lines = set_block(block, self.r.width, st)
        if block.kind == "h":
            if not self.room(sum(ln.lead for ln in lines) + 2 * st.leading, gap):
                return False
            gap = 0.0
        for n, line in enumerate(lines):
            if not self.room(line.lead, gap if n == 0 else 0.0):
                self.doc.drop(bid)
                return False
            self.place(bid, line, self.r.x)
        self.done.append((bid, block.kind))
        return True

    def run(self, blocks: list[Block]) -> list[float]:
        """Set ``blocks``; returns the lowest y used per region."""
        for block in blocks:
            if not self.add(block):
                break
        while self.done and self.done[-1][1] in ("h", "t"):
            self.doc.drop(self.done.pop()[0])
        return self.lows


def running(doc: Doc, rng: random.Random, gemeente: str) -> None:
    """Running header (with a rule) and page-number footer on every page; not in the .txt."""
    w, h = doc.pagesize
    x0, x1, _, _ = doc.frame
    title = f"Gemeente {gemeente} - Evaluatie sociale wijkteams {rng.randint(2015, 2024)}"
    number, align = rng.choice(("Pagina {p} van {n}", "{p}", "- {p} -")), rng.choice(("c", "r"))
    for p in range(doc.pages):
        for paint in (partial(paint_text, x=x0, y=h - 1.4 * cm, text=title), lambda c: c.line(x0, h - 1.55 * cm, x1, h - 1.55 * cm),
                      partial(paint_text, x=x1, y=h - 1.4 * cm, text="Eindrapport", align="r")):
            doc.add(p, -1, paint, draw=99 if doc.shuffled else -9)
        foot = number.format(p=p + 1, n=doc.pages)
        doc.add(p, 99, partial(paint_text, x=x1 if align == "r" else w / 2, y=1.2 * cm, text=foot, align=align),
                draw=-99 if doc.shuffled else 99)


def new_doc(rng: random.Random, size: tuple[float, float] = A4, shuffled: bool = False) -> tuple[Doc, list[Block]]:
    """A 2-3 page doc with running header/footer, and the title block for the top of its first page."""
    doc, gemeente = Doc(size, rng.choice((2, 3)), shuffled), rng.choice(GEMEENTEN)
    running(doc, rng, gemeente)
    month = rng.choice(("januari", "maart", "juni", "september", "november"))
    return doc, [Block("t", f"Gemeente {gemeente}"), Block("t", "Evaluatie van de sociale wijkteams"),
                 Block("t", f"{rng.randint(1, 28)} {month} {rng.randint(2016, 2024)}")]


# ------------------------------------------------------------------ layouts
def one_column(rng: random.Random, pool: Pool) -> Doc:
    doc, title = new_doc(rng)
    st = Style("Times-Roman", 11, 14, 13, 17, 6, 10, rng.random() < 0.5)
    Flow(doc, doc.per_page(doc.columns(1, 0)[0], st)).run(title + pool.blocks(700 * doc.pages))
    return doc


def columns_doc(rng: random.Random, pool: Pool, n: int, gutter: float, st: Style, offset: float = 0.0,
                size: tuple[float, float] = A4, shuffled: bool = False, **blocks: Any) -> Doc:
    """``n`` flowing columns per page; columns after the first start ``offset`` pt higher."""
    doc, title = new_doc(rng, size, shuffled)
    top = doc.frame[2]
    regions = [doc.region(p, col, i, st, top=top + (offset if i else 0.0))
               for p in range(doc.pages) for i, col in enumerate(doc.columns(n, gutter))]
    Flow(doc, regions).run(title + pool.blocks(500 * n * doc.pages, **blocks))
    return doc


GRID = Style("Helvetica", 9.5, 12.5, 10.5, 12.5, 12.5, 12.5, True)  # all on a 12.5 pt baseline grid


def two_column(rng: random.Random, pool: Pool, shuffled: bool = False) -> Doc:
    return columns_doc(rng, pool, 2, 0.8 * cm, GRID, rng.choice((1.0, 1.5, 2.0, 2.5, 3.0)), shuffled=shuffled)


def three_column(rng: random.Random, pool: Pool) -> Doc:
    return columns_doc(rng, pool, 3, 0.6 * cm, Style("Helvetica", 8.5, 11, 10, 13, 5, 8, rng.random() < 0.5))


def column_headings(rng: random.Random, pool: Pool) -> Doc:
    st = Style("Times-Roman", 10, 13, 13.5, 18, 6, 12, rng.random() < 0.5)
    return columns_doc(rng, pool, 2, 0.8 * cm, st, head_every=2)


def midsentence_break(rng: random.Random, pool: Pool) -> Doc:
    return columns_doc(rng, pool, 2, 0.8 * cm, Style("Times-Roman", 10.5, 13.5, 12, 16, 7, 10, True), long=True)


def landscape_columns(rng: random.Random, pool: Pool) -> Doc:
    n = rng.choice((2, 3))
    st = Style("Helvetica", 10 - n / 2, 13 - n / 2, 12, 15, 6, 9, True)
    return columns_doc(rng, pool, n, 0.8 * cm, st, size=landscape(A4))


def sidebar(rng: random.Random, pool: Pool, shuffled: bool = False) -> Doc:
    doc, title = new_doc(rng, shuffled=shuffled)
    x0, x1, top, bottom = doc.frame
    side_w, gutter, pad, left = 0.28 * (x1 - x0), 0.8 * cm, 6.0, rng.random() < 0.5
    body_w = x1 - x0 - side_w - gutter
    side_x = x0 if left else x1 - side_w
    st = Style("Helvetica", 10, 13.5, 12, 16, 6, 9, rng.random() < 0.5)
    Flow(doc, doc.per_page((x1 - body_w if left else x0, body_w), st)).run(title + pool.blocks(500 * doc.pages))
    for p in range(doc.pages):
        side_top = top - rng.choice((0.0, 0.0, 20.0, 60.0))
        blocks = [Block("h", rng.choice(KADERS)), Block("p", pool.para(60))]
        if rng.random() < 0.5 and pool.lists:
            blocks += [Block("li", item) for item in pool.deal("lists")[1][:4]]
        else:
            blocks.append(Block("p", pool.para(50)))
        region = doc.region(p, (side_x + pad, side_w - 2 * pad), 1, Style("Helvetica", 8.5, 11, 9.5, 12, 5, 6),
                            top=side_top - pad, bottom=bottom + pad)
        low = Flow(doc, [region]).run(blocks)[0]
        rect = (side_x, low - pad, side_w, side_top - low + pad)
        doc.add(p, 1, partial(paint_box, rect=rect, fill=(0.92, 0.92, 0.92)), draw=region.draw - 0.1)
    return doc


def textbox(rng: random.Random, pool: Pool) -> Doc:
    doc, blocks = new_doc(rng)
    for n, block in enumerate(pool.blocks(650 * doc.pages)):
        blocks.append(block)
        if n % 7 == 4 and block.kind == "p":
            quote = Block("q", f'"{pool.para(45)}"')
            blocks.append(Block("box", children=[Block("h", rng.choice(KADERS)), quote]))
    st = Style("Helvetica", 10, 13.5, 12, 16, 6, 10, rng.random() < 0.5)
    Flow(doc, doc.per_page(doc.columns(1, 0)[0], st)).run(blocks)
    return doc


def add_mark(text: str, number: int) -> str:
    """Put footnote mark ``number`` after a sentence end in the middle of ``text``."""
    words = text.split()
    ends = [k for k, w in enumerate(words[:-1]) if w.endswith(".")] or [len(words) - 1]
    words[ends[len(ends) // 2]] += f"{SUP}{number}"
    return " ".join(words)


def footnotes(rng: random.Random, pool: Pool) -> Doc:
    """Footnote marks after sentence ends; up to 4 one-line notes per page (marks dropped until they fit)."""
    st = Style("Times-Roman", 11, 14, 13, 17, 6, 10, rng.random() < 0.5)
    seed, base, per_page = rng.random(), pool.blocks(650 * 3), {}
    marked = [i for i, b in enumerate(base) if b.kind == "p" and i % 3 == 1]
    while True:
        doc, blocks = new_doc(random.Random(seed))
        x0, _, _, bottom = doc.frame
        fn_top = bottom + 46
        blocks += [Block("p", add_mark(b.text, marked.index(i) + 1)) if i in marked else b for i, b in enumerate(base)]
        Flow(doc, doc.per_page((x0, doc.frame[1] - x0), st, bottom=fn_top)).run(blocks)
        per_page = {}
        for it in doc.items:
            per_page.setdefault(it.page, []).extend(w.partition(SUP)[2] for w in (it.line.words if it.line else []) if SUP in w)
        crowded = [marks for marks in per_page.values() if len(marks) > 4]
        if not crowded:
            break
        del marked[int(crowded[0][-1]) - 1]
    for p, marks in per_page.items():
        doc.add(p, 1, lambda c, y=fn_top: c.line(x0, y, x0 + 4 * cm, y))
        for n, number in enumerate(marks, start=1):
            text = f"{number} {NOTES[(int(number) + int(seed * 97)) % len(NOTES)]}"
            doc.add(p, 1, partial(paint_text, x=x0, y=fn_top - 10 * n, text=text, font="Times-Roman"), next(doc.ids), text)
    return doc


def spanning_table(rng: random.Random, pool: Pool) -> Doc:
    """Two columns; on one page a ruled table across both, with text above and below it."""
    doc, title = new_doc(rng)
    x0, x1, top, bottom = doc.frame
    year, cols, table_page = rng.randint(2018, 2023), doc.columns(2, 0.8 * cm), rng.randrange(doc.pages)
    data = [["Wijk", f"Meldingen {year - 1}", f"Meldingen {year}", "Wachttijd (weken)"]]
    data += [[w, str(rng.randint(80, 900)), str(rng.randint(80, 900)), str(rng.randint(2, 14))]
             for w in rng.sample(WIJKEN, rng.randint(3, 5))]
    table = Table(data, colWidths=[(x1 - x0) * f for f in (0.34, 0.22, 0.22, 0.22)])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
                               ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    height = table.wrap(x1 - x0, top - bottom)[1]
    t_top = top - round(rng.uniform(0.3, 0.45) * (top - bottom) / GRID.leading) * GRID.leading
    caption = f"Tabel 1. Meldingen en wachttijd per wijk, {year - 1} en {year}"
    regions = []
    for p in range(doc.pages):
        split = p == table_page
        regions += [doc.region(p, col, i, GRID, bottom=t_top + 4 if split else None) for i, col in enumerate(cols)]
        if split:
            regions += [doc.region(p, col, 3 + i, GRID, top=t_top - height - 28) for i, col in enumerate(cols)]
            doc.add(p, 2, partial(paint_text, x=x0, y=t_top - 10, text=caption, font="Helvetica-Bold", size=9), next(doc.ids), caption)
            doc.add(p, 2, lambda c: table.drawOn(c, x0, t_top - 16 - height))
            for row in data:
                doc.add(p, 2, lambda c: None, next(doc.ids), " ".join(row))
    Flow(doc, regions).run(title + pool.blocks(1100 * doc.pages))
    return doc


LAYOUTS: dict[str, Callable[[random.Random, Pool], Doc]] = {
    "one-column": one_column, "two-column": two_column, "three-column": three_column, "sidebar": sidebar,
    "textbox": textbox, "footnotes": footnotes, "spanning-table": spanning_table, "column-headings": column_headings,
    "midsentence-break": midsentence_break, "landscape": landscape_columns,
    "stream-shuffled-two-column": partial(two_column, shuffled=True),
    "stream-shuffled-sidebar": partial(sidebar, shuffled=True),
}


# ------------------------------------------------------------------ output
def source_text(doc: Doc) -> str:
    """The drawn text in reading order: consecutive lines of one block form a paragraph."""
    paras: list[list[str]] = []
    last = None
    for it in sorted((it for it in doc.items if it.block >= 0), key=lambda it: (it.page, it.rank, it.seq)):
        if it.block != last:
            paras.append([])
        paras[-1].append(it.text)
        last = it.block
    return "\n\n".join(" ".join(p) for p in paras) + "\n"


def render(doc: Doc, path: Path) -> None:
    c = Canvas(str(path), pagesize=doc.pagesize, invariant=1)
    c.setTitle("Evaluatie sociale wijkteams")
    for p in range(doc.pages):
        for it in sorted((it for it in doc.items if it.page == p), key=lambda it: it.draw):
            it.paint(c)
        c.showPage()
    c.save()


def generate(out_dir: Path, per_layout: int = 2, seed: int = 0, texts: Sequence[str] | None = None) -> list[Path]:
    """Write ``<layout>__<n>.pdf`` + ``.txt`` for every layout; returns the PDF paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = list(texts) if texts is not None else default_texts()
    written = []
    for name, layout in LAYOUTS.items():
        for n in range(1, per_layout + 1):
            rng = random.Random(f"{seed}/{name}/{n}")
            doc = layout(rng, Pool(texts, random.Random(rng.random())))
            pdf = out_dir / f"{name}__{n}.pdf"
            render(doc, pdf)
            pdf.with_suffix(".txt").write_text(source_text(doc), encoding="utf-8")
            written.append(pdf)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.layout_pdfs", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PDF + .txt pairs")
    parser.add_argument("--per-layout", type=int, default=2, help="files per layout (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--text-dir", type=Path, default=None, help="take paragraphs from *.txt files here")
    args = parser.parse_args(argv)
    texts = texts_from_dir(args.text_dir) if args.text_dir else None
    paths = generate(args.out, args.per_layout, args.seed, texts)
    print(f"wrote {len(paths)} PDF + .txt pairs to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
