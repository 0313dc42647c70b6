"""The generated layout benchmark: every layout's .txt is exactly the text drawn, in reading order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

from bench.layout_pdfs import GEMEENTEN, LAYOUTS, generate, texts_from_dir
from wijkkennis.eval_extraction import read_pdfium, score, words

SHUFFLED = [name for name in LAYOUTS if name.startswith("stream-shuffled-")]
# running header "Gemeente X - Evaluatie sociale wijkteams 2019 ... Eindrapport", footer "Pagina 1 van 3"
RUNNING = {"gemeente", "evaluatie", "sociale", "wijkteams", "eindrapport", "pagina", "van"} | {g.lower() for g in GEMEENTEN}


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("layouts")
    paths = generate(folder, per_layout=1, seed=3)
    assert [p.name for p in paths] == [f"{name}__1.pdf" for name in LAYOUTS]
    return folder


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_pdf_opens_and_has_pages(bench_dir: Path, layout: str) -> None:
    with pdfplumber.open(bench_dir / f"{layout}__1.pdf") as pdf:
        assert 2 <= len(pdf.pages) <= 3
        assert all(page.extract_text().strip() for page in pdf.pages)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_source_text_is_what_was_drawn(bench_dir: Path, layout: str) -> None:
    source = (bench_dir / f"{layout}__1.txt").read_text(encoding="utf-8")
    drawn = read_pdfium(bench_dir / f"{layout}__1.pdf")
    assert len(words(source)) > 500
    assert score(source, drawn)[1] >= 0.99  # every source word is on the page ...
    extra = Counter(words(drawn)) - Counter(words(source))
    assert {w for w in extra if not w.isdigit()} <= RUNNING  # ... and nothing else but header and footer
    if layout not in SHUFFLED:  # content stream in reading order: PDFium reads it as written
        assert score(source, drawn)[0] >= 0.99


@pytest.mark.parametrize("layout", SHUFFLED)
def test_shuffled_stream_is_out_of_reading_order(bench_dir: Path, layout: str) -> None:
    source = (bench_dir / f"{layout}__1.txt").read_text(encoding="utf-8")
    assert score(source, read_pdfium(bench_dir / f"{layout}__1.pdf"))[0] < 0.95


def test_two_column_baselines_not_aligned(bench_dir: Path) -> None:
    """Both columns keep a 12.5 pt baseline grid, but the right one is shifted up by 1-3 pt."""
    with pdfplumber.open(bench_dir / "two-column__1.pdf") as pdf:
        page = pdf.pages[1]
        body = [c for c in page.chars if 80 < c["top"] < page.height - 80]
        left = {round(c["matrix"][5], 2) for c in body if c["x1"] < page.width / 2}
        right = {round(c["matrix"][5], 2) for c in body if c["x0"] > page.width / 2}
    shift = {round((r - min(left)) % 12.5, 2) for r in right}
    assert len(shift) == 1 and 1.0 <= shift.pop() <= 3.0
    assert {round((y - min(left)) % 12.5, 2) for y in left} == {0.0}


def test_midsentence_break_continues_in_right_column(bench_dir: Path) -> None:
    paragraphs = (bench_dir / "midsentence-break__1.txt").read_text(encoding="utf-8").split("\n\n")
    with pdfplumber.open(bench_dir / "midsentence-break__1.pdf") as pdf:
        page = pdf.pages[0]
        left = page.crop((0, 70, page.width / 2, page.height - 60)).extract_text().split()
    assert not left[-1].endswith((".", "?", "!", ":"))
    assert any(f"{left[-2]} {left[-1]} " in p for p in paragraphs)  # one paragraph across the column break


def test_deterministic(tmp_path: Path, bench_dir: Path) -> None:
    generate(tmp_path, per_layout=1, seed=3)
    for layout in LAYOUTS:
        name = f"{layout}__1"
        assert (tmp_path / f"{name}.txt").read_text() == (bench_dir / f"{name}.txt").read_text()
        assert (tmp_path / f"{name}.pdf").read_bytes() == (bench_dir / f"{name}.pdf").read_bytes()
    generate(tmp_path / "other", per_layout=1, seed=4)
    assert (tmp_path / "other" / "two-column__1.txt").read_text() != (bench_dir / "two-column__1.txt").read_text()


def test_texts_from_dir(tmp_path: Path) -> None:
    body = " ".join(f"Dit is zin nummer {n} over het wijkteam in de gemeente." for n in range(30))
    (tmp_path / "rapport.txt").write_text(f"Kop\n\n{body}\n\nInleiding:\n• eerste punt\n• tweede punt\n", encoding="utf-8")
    texts = texts_from_dir(tmp_path)
    assert texts[0].startswith("Dit is zin nummer 0") and len(texts[0].split()) >= 80
    assert texts[-1] == "Inleiding:\n• eerste punt\n• tweede punt"
    out = tmp_path / "out"
    generate(out, per_layout=1, texts=texts)
    assert "zin nummer" in (out / "one-column__1.txt").read_text(encoding="utf-8")
