"""Reading order: on word boxes (columns, bands, label grids, drawing order, stray glyphs) and on
the generated layout benchmark (bench/layout_pdfs.py), every layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.layout_pdfs import LAYOUTS, generate
from pipeline.reading_order import blocks_in_order, horizontal_cut, vertical_cut
from wijkkennis.eval_extraction import read_pdfium, read_project, score

WIDTH = 595.0


def words_of(texts: list[str], x0: float, top: float, leading: float = 14.0, width: float = 220.0) -> list[dict]:
    """One word box per line of text, stacked from ``top`` (a column of single-word lines)."""
    return [
        {"text": text, "x0": x0, "x1": x0 + min(width, 6.0 * len(text)), "top": top + i * leading, "bottom": top + i * leading + 10}
        for i, text in enumerate(texts)
    ]


def order(words: list[dict], stream: dict[int, int] | None = None) -> list[str]:
    return [w["text"] for block in blocks_in_order(words, WIDTH, stream) for w in sorted(block, key=lambda w: (w["top"], w["x0"]))]


def drawn_in(words: list[dict]) -> dict[int, int]:
    return {id(w): i for i, w in enumerate(words)}


def column(prefix: str, n: int, x0: float, top: float, leading: float = 14.0) -> list[dict]:
    return words_of([f"{prefix}{i:02d}-regel-met-tekst-in-de-kolom" for i in range(n)], x0, top, leading)


def test_two_columns_with_offset_baselines_and_short_heading_lines_read_column_by_column() -> None:
    heading = words_of(["Gemeente", "Evaluatie", "2017"], 72, 80, leading=27)
    left = column("L", 20, 72, 170)
    right = column("R", 30, 315, 79.4)  # baselines a fraction of a point off the left column's
    got = order(heading + left + right)
    assert got == [w["text"] for w in heading + left + right]


def test_three_columns_and_a_full_width_heading_above_them() -> None:
    title = [{"text": "Hoofdstuk-twee-over-de-samenwerking-in-de-wijk-en-de-toegang-tot-het-team", "x0": 72, "x1": 520, "top": 60, "bottom": 76}]
    cols = [column(p, 25, x, 100) for p, x in (("A", 60), ("B", 240), ("C", 420))]
    for col in cols:
        for w in col:
            w["x1"] = w["x0"] + 160
    got = order(title + cols[0] + cols[1] + cols[2])
    assert got == [w["text"] for w in title + cols[0] + cols[1] + cols[2]]


def test_a_full_width_table_band_splits_the_columns_above_and_below_it() -> None:
    upper = column("LU", 8, 72, 100) + column("RU", 8, 315, 100)
    band = [{"text": "Tabel-1-breed-over-beide-kolommen-heen-met-cijfers", "x0": 72, "x1": 530, "top": 240, "bottom": 252}]
    lower = column("LD", 8, 72, 270) + column("RD", 8, 315, 270)
    got = order(upper + band + lower)
    assert got == [w["text"] for w in upper + band + lower]


def test_the_drawing_order_does_not_change_a_column_layout() -> None:
    left, right = column("L", 20, 72, 100), column("R", 20, 315, 100)
    shuffled = drawn_in(right + left)  # the right column drawn first, as layout programs may
    assert order(left + right, shuffled) == [w["text"] for w in left + right]


def test_a_label_and_value_grid_is_read_row_by_row_when_the_stream_says_so() -> None:
    labels = words_of(["Opdrachtgever:", "Auteurs:", "Uitgave:", "Datum:", "Contact:"], 72, 100, leading=20, width=90)
    values = words_of(["Gemeente-Woerden-afdeling-sociaal-domein", "Jansen-en-De-Vries", "Rekenkamer", "oktober-2017", "info@example.nl"], 240, 100, leading=20)
    rows = [w for pair in zip(labels, values, strict=True) for w in pair]
    assert order(labels + values, drawn_in(rows)) == [w["text"] for w in rows]
    # Without a stream, the geometry decides: two columns.
    assert order(labels + values) == [w["text"] for w in labels + values]


def test_bullets_and_narrow_labels_are_not_columns() -> None:
    bullets = words_of(["•"] * 5, 72, 100)
    items = column("item", 5, 90, 100)
    assert vertical_cut(bullets + items, WIDTH) is None


def test_a_stray_watermark_glyph_in_the_gutter_does_not_close_it() -> None:
    left, right = column("L", 20, 72, 100), column("R", 20, 315, 100)
    stray = {"text": "n", "x0": 219, "x1": 431, "top": 250, "bottom": 400}
    assert vertical_cut(left + right + [stray], WIDTH) is not None


def test_one_column_of_lines_is_cut_only_between_lines() -> None:
    lines = column("zin", 6, 72, 100)
    assert vertical_cut(lines, WIDTH) is None
    assert horizontal_cut(lines) is not None
    assert order(lines) == [w["text"] for w in lines]


# ------------------------------------------------------------ the generated layout benchmark
@pytest.fixture(scope="module")
def layout_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("layouts")
    generate(folder, per_layout=1, seed=7)
    return folder


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_is_read_in_order(layout_dir: Path, layout: str) -> None:
    """Word-bigram recall against the known text: near-perfect, and never below PDFium's own order."""
    pdf = layout_dir / f"{layout}__1.pdf"
    source = pdf.with_suffix(".txt").read_text(encoding="utf-8")
    project_bigrams, project_words = score(source, read_project(pdf))
    assert project_words >= 0.999
    assert project_bigrams >= 0.997
    assert project_bigrams >= score(source, read_pdfium(pdf))[0] - 0.0005
