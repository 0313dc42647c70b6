"""Pieces of the result card that need no running app."""

from __future__ import annotations

import html

from index.query import Hit
from wijkkennis import ui


def make_hit(text: str, kind: str, sentences: list[dict[str, object]]) -> Hit:
    return Hit(passage_id="d:1:0", doc_id="d", text=text, snippet=text, file="r.pdf", page=1, heading="", title="",
               gemeente="Zwolle", gemeentecode="GM0193", provincie="Overijssel", year=2022, publisher="", areas=[3],
               kind=kind, ocr=False, score=1.0, sentences=sentences)  # type: ignore[arg-type]


def test_a_mixed_passage_shows_its_findings_sentence_by_sentence() -> None:
    text = "Goed: de huisartsen zijn betrokken. Maar de regie is versnipperd."
    hit = make_hit(text, "knelpunt", [{"start": 0, "end": 35, "kind": "succesfactor", "text": text[:35]},
                                      {"start": 36, "end": len(text), "kind": "knelpunt", "text": text[36:]}])
    assert ui.badges(hit.areas, hit.kind, hit.kinds).startswith(":red-badge[Knelpunt] :green-badge[ook succesfactor]")
    lines = ui.sentence_kinds_markdown(hit).splitlines()
    assert len(lines) == 2 and "Succesfactor" in lines[0] and "huisartsen" in lines[0] and "Knelpunt" in lines[1]


def test_a_passage_of_one_kind_shows_no_sentence_list() -> None:
    text = "De regie is versnipperd. Gezinnen hebben veel hulpverleners."
    hit = make_hit(text, "knelpunt", [{"start": 0, "end": 24, "kind": "knelpunt", "text": text[:24]},
                                      {"start": 25, "end": len(text), "kind": "knelpunt", "text": text[25:]}])
    assert ui.sentence_kinds_markdown(hit) == "" and "ook" not in ui.badges(hit.areas, hit.kind, hit.kinds)


def test_a_finding_from_the_summary_is_labelled() -> None:
    hit = make_hit("De wachtlijsten zijn lang.", "knelpunt", [])
    assert ui.role_badge(hit.role) == ""  # body: no label
    hit.role = "samenvatting"
    assert ui.role_badge(hit.role) == ":violet-badge[uit de samenvatting]"
    assert ui.role_badge("bijlage") == ":violet-badge[uit een bijlage]" and ui.role_badge("cover") == ":gray-badge[titelpagina]"


def test_report_text_with_quotes_and_markup_characters_is_shown_literally() -> None:
    # html.escape writes ' as &#x27;: that entity must reach the browser whole, not as "&&#35;x27;"
    text = "4 pagina's, \"goed\" & #1: $5 *vet* <b>"
    shown = ui.plain_markdown(text)
    assert "&#x27;" in shown and "&quot;" in shown and "&amp;" in shown and "&lt;b&gt;" in shown
    assert "&&#35;" not in shown and "$" not in shown and "*" not in shown
    decoded = html.unescape(shown)  # what the Markdown renderer makes of the entities
    assert decoded == text
    assert ui.snippet_markdown("de **wachtlijsten** van 's avonds") == "de <mark>wachtlijsten</mark> van &#x27;s avonds"
