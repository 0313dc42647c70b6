"""Page roles (pipeline.roles): on a generated report with every kind of page, on hand-made
pages for the edge cases, and on the real reports in ../shared/corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_factory import EXPECTED_ROLES, write_report

from core.records import PAGE_ROLES, Block, Page
from pipeline.extract import extract_pages
from pipeline.roles import assign_roles, page_roles, section_cue
from pipeline.segment import segment

PROSE = ("De wijkteams werken sinds twee jaar in alle wijken van de gemeente en inwoners weten het team steeds beter "
         "te vinden, al zijn de wachttijden in de drukke wijken nog te lang voor een eerste gesprek.")


def _page(number: int, *blocks: tuple[str, str]) -> Page:
    return Page(number, tuple(Block(kind, text) for kind, text in blocks))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    pages, _ = extract_pages(write_report(tmp_path_factory.mktemp("roles") / "woerden-evaluatie-2017.pdf"))
    return assign_roles(pages)


def test_every_page_of_a_generated_report_gets_its_role(report: list[Page]) -> None:
    assert {p.number: p.role for p in report} == EXPECTED_ROLES
    assert set(EXPECTED_ROLES.values()) == set(PAGE_ROLES) - {"bijlage"}  # bijlage starts mid-page, below


def test_a_section_that_starts_mid_page_gives_its_passages_that_role(report: list[Page]) -> None:
    passages = segment("doc", "woerden-evaluatie-2017.pdf", report)
    on_page_8 = [(p.heading, p.role) for p in passages if p.page == 8]
    assert on_page_8 == [("3 Samenwerking", "body"), ("Bijlage 1 Respondenten", "bijlage")]
    assert [p.role for p in passages if p.page == 5] == ["samenvatting"]  # carried over from page 4
    assert all(p.role == report[p.page - 1].role for p in passages if p.page != 8)


def test_roles_are_pure_and_the_stage_keeps_the_text(report: list[Page]) -> None:
    bare = [Page(p.number, tuple(Block(b.kind, b.text) for b in p.blocks)) for p in report]
    assert page_roles(bare) == [p.role for p in report]
    assert [p.text for p in assign_roles(bare)] == [p.text for p in bare]
    assert all(b.role == "body" for p in bare for b in p.blocks)  # the input is left alone


def test_a_summary_ends_at_the_next_chapter_and_conclusions_are_body() -> None:
    pages = [
        _page(1, ("heading", "Evaluatie wijkteams Almelo"), ("paragraph", "Gemeente Almelo Verwey-Jonker Instituut 2018")),
        _page(2, ("heading", "Utrecht, mei 2018"), ("heading", "Managementsamenvatting"), ("paragraph", PROSE),
              ("heading", "7 Conclusies en aanbevelingen"), ("paragraph", PROSE)),
        _page(3, ("paragraph", PROSE), ("heading", "Conclusies"), ("paragraph", PROSE)),
    ]
    roles = assign_roles(pages)
    assert [p.role for p in roles] == ["cover", "body", "body"]
    assert [b.role for b in roles[1].blocks] == ["body", "samenvatting", "samenvatting", "body", "body"]
    assert section_cue("Conclusies en aanbevelingen") is None and section_cue("Bestuurlijke samenvatting") == "samenvatting"


def test_a_summary_carries_over_until_a_chapter_heading() -> None:
    pages = [_page(1, ("heading", "Samenvatting"), ("paragraph", PROSE)), _page(2, ("paragraph", PROSE)),
             _page(3, ("heading", "Wat vinden inwoners?"), ("paragraph", PROSE)),
             _page(4, ("heading", "Hoofdstuk 1 Aanpak"), ("paragraph", PROSE)), _page(5, ("paragraph", PROSE))]
    assert page_roles(pages) == ["samenvatting", "samenvatting", "samenvatting", "body", "body"]


def test_a_sources_heading_above_prose_is_body_and_a_reference_list_is_literatuur() -> None:
    methods = [_page(1, ("heading", "1 Inleiding"), ("paragraph", PROSE)),
               _page(2, ("heading", "Bronnen"), ("paragraph", "Voor dit onderzoek hebben wij gesproken met medewerkers, "
                                                              "cliënten en ketenpartners en de registraties van het team bekeken."))]
    assert page_roles(methods) == ["body", "body"]
    references = [*methods, _page(3, ("heading", "Literatuurlijst"),
                                  ("paragraph", "Kromhout, M. e.a. (2018). Eenzaamheid onder ouderen. Den Haag: SCP. "
                                                "Movisie (2019). Wat werkt bij wijkteams. Utrecht."))]
    assert page_roles(references)[-1] == "literatuur"


def test_a_flattened_table_of_contents_on_a_body_page_is_inhoud_on_its_own() -> None:
    toc = "Inhoud 1 Inleiding 1.1 Achtergrond 1.2 Vraagstelling 1.3 Onderzoeksaanpak 2 De opzet van de teams"
    pages = [_page(1, ("heading", "Evaluatie sociale teams")), _page(2, ("paragraph", toc), ("paragraph", PROSE), ("paragraph", PROSE))]
    roles = assign_roles(pages)
    assert roles[1].role == "body" and [b.role for b in roles[1].blocks] == ["inhoud", "body", "body"]
    assert [p.role for p in segment("d", "f.pdf", roles) if p.page == 2] == ["inhoud", "body"]


def test_a_one_page_document_and_a_first_page_with_prose_are_no_cover() -> None:
    assert page_roles([_page(1, ("heading", "Raadsinformatiebrief"), ("paragraph", "Aan de raad"))]) == ["body"]
    assert page_roles([_page(1, ("heading", "Wijkteams in Zwolle"), ("paragraph", PROSE)), _page(2, ("paragraph", PROSE))]) == ["body", "body"]


def test_an_appendix_runs_to_the_end_but_not_from_the_first_pages() -> None:
    body = [_page(n, ("paragraph", PROSE)) for n in range(1, 9)]
    early = [body[0], _page(2, ("heading", "Bijlage 1"), ("paragraph", PROSE)), *body[2:]]
    assert "bijlage" not in page_roles(early)
    late = [*body[:5], _page(6, ("heading", "Bijlagen"), ("paragraph", PROSE)), *body[6:]]
    assert page_roles(late)[5:] == ["bijlage"] * 3
    # a short paragraph that only mentions an appendix ("Bijlage: leeswijzer en grafieken") starts nothing
    linked = [*body[:5], _page(6, ("paragraph", PROSE), ("paragraph", "Bijlage: leeswijzer en grafieken")), *body[6:]]
    assert "bijlage" not in page_roles(linked)


# ---------------------------------------------------------------------------- real reports
def _pdfs(shared_corpus: Path, folder: str) -> list[Path]:
    pdfs = sorted((shared_corpus / folder).glob("*.pdf"))
    if not pdfs:
        pytest.skip(f"no PDFs in {shared_corpus / folder}")
    return pdfs


def _roles(path: Path) -> list[str]:
    pages, _ = extract_pages(path)
    return page_roles(pages)


def test_the_title_page_of_every_real_evaluation_report_is_a_cover(shared_corpus: Path) -> None:
    """Each report in evaluaties/ is a title page followed by the report's text."""
    wrong = {}
    for pdf in _pdfs(shared_corpus, "evaluaties"):
        roles = _roles(pdf)
        if roles[0] != "cover" or "cover" in roles[1:] or {"colofon", "literatuur", "bijlage"} & set(roles):
            wrong[pdf.name] = roles
    assert not wrong


def test_a_summary_in_a_real_report(shared_corpus: Path) -> None:
    pages, _ = extract_pages(shared_corpus / "evaluaties" / "almelo-verwey-jonker-transformatie-sociaal-domein-2018.pdf")
    roles = assign_roles(pages)
    page2 = {b.text: b.role for b in roles[1].blocks if b.kind == "heading"}
    assert page2["Samenvatting"] == "samenvatting" and page2["7 Conclusies en aanbevelingen"] == "body"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # cover, table of contents over two pages, the body, appendices "Bijlage 4 …" onwards, part 2 is body again
        ("wij-groningen-handleiding-gezinsplan-2025.pdf", {1: "cover", 2: "inhoud", 3: "inhoud", 4: "body", 16: "body",
                                                           17: "bijlage", 40: "bijlage", 41: "body", 47: "body"}),
        ("rijk-vng-hervormingsagenda-jeugd-2023-2028.pdf", {2: "inhoud", 3: "body", 60: "body", 73: "bijlage", 79: "bijlage"}),
        ("vng-procesafspraken-lta-jeugdhulp-2025.pdf", {1: "cover", 2: "cover", 3: "inhoud", 4: "body", 14: "bijlage"}),
        ("ijw-casus-02-toewijzing-jeugdhulp-outputgericht.pdf", {1: "body"}),  # one page: no cover
        ("den-helder-besluitenlijst-raad-2015-06-29.pdf", {1: "body", 2: "body", 3: "body", 4: "body"}),
    ],
)
def test_roles_of_real_sociaal_domein_documents(shared_corpus: Path, name: str, expected: dict[int, str]) -> None:
    path = shared_corpus / "sociaal-domein" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    roles = _roles(path)
    assert {number: roles[number - 1] for number in expected} == expected
