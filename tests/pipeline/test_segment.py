from __future__ import annotations

from core.records import Block, Page
from pipeline.segment import segment


def test_passages_keep_page_heading_and_whole_sentences() -> None:
    long_paragraph = " ".join(f"Dit is zin nummer {i} over het wijkteam en de werkdruk." for i in range(40))
    pages = [
        Page(1, (Block("heading", "1 Inleiding"), Block("paragraph", "Korte alinea."), Block("paragraph", "Nog een korte alinea."))),
        Page(2, (Block("paragraph", long_paragraph), Block("heading", "2 Bevindingen"), Block("paragraph", "Een bevinding."))),
    ]
    passages = segment("doc", "rapport.pdf", pages, min_chars=250, max_chars=400)
    assert passages[0].heading == "1 Inleiding" and passages[0].page == 1
    assert passages[0].text == "Korte alinea. Nog een korte alinea."
    long_parts = [p for p in passages if p.page == 2 and p.heading == "1 Inleiding"]
    assert len(long_parts) > 2
    for part in long_parts:
        assert len(part.text) <= 400
        assert part.text.startswith("Dit is zin nummer") and part.text.endswith(".")
    assert passages[-1].heading == "2 Bevindingen" and passages[-1].text == "Een bevinding."
    assert [p.position for p in passages] == list(range(len(passages)))
    assert len({p.passage_id for p in passages}) == len(passages)


def test_table_becomes_its_own_passage() -> None:
    table = "Wijk | Meldingen\nNoord | 10\nZuid | 12"
    pages = [Page(1, (Block("paragraph", "Tekst voor de tabel."), Block("table", table), Block("paragraph", "Tekst erna.")))]
    passages = segment("doc", "r.pdf", pages)
    assert [p.text for p in passages] == ["Tekst voor de tabel.", table, "Tekst erna."]
