"""Reading order of the words on a page: recursive XY-cut, with the content stream as a tie-breaker.

A page is cut recursively along whitespace. In each region, a *vertical* cut is a gutter: a band
at least ``MIN_GUTTER`` wide that no word crosses over the region's full height, with a real column
of text on both sides (not a bullet or a label). A *horizontal* cut is the widest band between
lines that no word crosses over the region's full width. Columns are read left to right, bands top
to bottom, so full-width headings, tables and footnotes cut the page into bands that each have
their own columns. A column much narrower than the one beside it is a sidebar or kader: it is read
after the main text, wherever it stands.

Where both cuts are possible the geometry alone cannot tell a two-column page (read a column,
then the next) from a grid of short entries (a colofon's label and value, read row by row). There
the order in which the PDF draws its words (the content stream, which PDFium follows and which is
the writing order for most producers) decides: the cut whose parts the stream reads in fewest
interrupted runs wins. The stream is only a signal: producers that draw columns in any order or
characters one by one do not break the geometric order, because a cut is only taken from the
geometry and the stream only chooses between cuts.

Words are pdfplumber word dicts (``x0``, ``x1``, ``top``, ``bottom``); ``stream`` maps ``id(word)``
to its position in the content stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MIN_GUTTER = 9.0  # points: narrower whitespace is word spacing, not a gutter
MIN_COLUMN_SHARE = 0.12  # a column is at least this share of the page width (not a bullet or label)
SIDEBAR_SHARE = 0.6  # a column narrower than this share of its neighbour is a sidebar, read after it
MIN_BAND_GAP = 0.5  # points of clear space between two bands
MIN_WORDS_FOR_STRAYS = 20  # regions this large may have stray glyphs in a gutter
MAX_DEPTH = 200

Word = dict


def _merged(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _tops(words: Sequence[Word]) -> list[float]:
    """The top of every line of these words (words whose heights overlap share a line)."""
    return [lo for lo, _ in _merged([(w["top"], w["bottom"] - 0.01) for w in words])]


def vertical_cut(words: Sequence[Word], page_width: float) -> float | None:
    """The x of the widest gutter in this region that has a column of text on both sides.

    Stray glyphs of one or two characters (a drop cap, a decoration, a bullet set in the gutter)
    do not close a gutter in a region of some size.
    """
    solid = [w for w in words if len(words) < MIN_WORDS_FOR_STRAYS or len(str(w.get("text", "")).strip()) > 2]
    spans = _merged([(w["x0"], w["x1"]) for w in solid])
    gaps = sorted(
        ((b[0] - a[1], (a[1] + b[0]) / 2) for a, b in zip(spans, spans[1:], strict=False)),
        reverse=True,
    )
    min_width = MIN_COLUMN_SHARE * page_width
    for width, x in gaps:
        if width < MIN_GUTTER:
            break
        left = [w for w in solid if w["x1"] <= x]
        right = [w for w in solid if w["x0"] >= x]
        wide_enough = all(max(w["x1"] for w in side) - min(w["x0"] for w in side) >= min_width for side in (left, right))
        if wide_enough and len(_tops(left)) >= 2 and len(_tops(right)) >= 2:
            return x
    return None


def horizontal_cut(words: Sequence[Word]) -> float | None:
    """The y of the widest clear band between lines of this region, or None."""
    spans = _merged([(w["top"], w["bottom"]) for w in words])
    best = max(
        ((b[0] - a[1], (a[1] + b[0]) / 2) for a, b in zip(spans, spans[1:], strict=False)),
        default=None,
    )
    if best is None or best[0] < MIN_BAND_GAP:
        return None
    return best[1]


def stream_excess(parts: Sequence[Sequence[Word]], stream: Mapping[int, int]) -> int:
    """How many more runs than parts the content stream reads these parts in (0: each in one go)."""
    owner = {id(w): i for i, part in enumerate(parts) for w in part}
    ordered = sorted(owner, key=lambda key: stream.get(key, 0))
    runs = 1 + sum(1 for a, b in zip(ordered, ordered[1:], strict=False) if owner[a] != owner[b])
    return runs - len(parts)


def _width(words: Sequence[Word]) -> float:
    return max((w["x1"] for w in words), default=0.0) - min((w["x0"] for w in words), default=0.0)




def _is_sidebar(left: Sequence[Word], right: Sequence[Word], page_width: float) -> bool:
    """Is the left part a sidebar beside one column of main text (not a column of a grid or of
    three)? It is much narrower, the right part is one column, and their lines do not share rows
    as labels and their values do."""
    if _width(left) >= SIDEBAR_SHARE * _width(right) or vertical_cut(right, page_width) is not None:
        return False
    right_tops = _tops(right)
    left_tops = _tops(left)
    shared = sum(1 for top in left_tops if any(abs(top - other) <= 1.0 for other in right_tops))
    return shared < 0.5 * len(left_tops)


def _split_x(words: Sequence[Word], x: float) -> list[list[Word]]:
    left = [w for w in words if (w["x0"] + w["x1"]) / 2 <= x]
    return [left, [w for w in words if (w["x0"] + w["x1"]) / 2 > x]]


def _split_y(words: Sequence[Word], y: float) -> list[list[Word]]:
    return [[w for w in words if w["bottom"] <= y], [w for w in words if w["bottom"] > y]]


def blocks_in_order(words: Sequence[Word], page_width: float, stream: Mapping[int, int] | None = None) -> list[list[Word]]:
    """The words cut into blocks (column pieces, bands), in reading order."""
    out: list[list[Word]] = []
    pending: list[tuple[list[Word], int]] = [(list(words), 0)]
    while pending:
        region, depth = pending.pop()
        if len(region) < 2 or depth > MAX_DEPTH:
            if region:
                out.append(region)
            continue
        x = vertical_cut(region, page_width)
        y = horizontal_cut(region)
        columns = _split_x(region, x) if x is not None else None
        bands = _split_y(region, y) if y is not None else None
        if columns is not None and bands is not None and stream:
            excess_bands = stream_excess(bands, stream)
            # Rows only when the stream reads them clearly better: a chaotic stream keeps columns.
            if excess_bands < stream_excess(columns, stream) and excess_bands <= max(1, len(region) // 20):
                columns = None
        if columns is not None:
            parts = columns
            if _is_sidebar(parts[0], parts[1], page_width):
                parts.reverse()  # a sidebar or kader is read after the main text
        elif bands is not None:
            parts = bands
        else:
            out.append(region)
            continue
        pending.extend((part, depth + 1) for part in reversed(parts) if part)
    return out
