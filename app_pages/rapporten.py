"""Rapporten: every indexed report as a dossier (the view people know from Woogle): its metadata,
its findings per aandachtsgebied × kind, its aanbevelingen in full with their source page, and the
lessons (themes, pagina Lessen) it contributes to. Thin over ``wijkkennis.lessons.dossiers``."""

from __future__ import annotations

import unicodedata
from itertools import groupby

import pandas as pd
import streamlit as st

from core.taxonomy import KINDS
from wijkkennis import lessons as lessons_module
from wijkkennis import ui
from wijkkennis.lessons import LessonBook, ReportDossier

MAIN_AREAS = 4  # area badges on a report's card: those with the most findings

settings = ui.settings()
search = ui.service(settings)
docs = ui.documents(search)

st.title("Rapporten")
st.caption("Elk ingelezen rapport als dossier: gegevens, bevindingen per aandachtsgebied en soort, de aanbevelingen "
           "voluit met hun pagina, en de lessen waaraan het bijdraagt.")
if not docs:
    st.info(ui.EMPTY_INDEX)
    st.stop()


@st.cache_data(show_spinner="Dossiers samenstellen…", max_entries=4)
def report_dossiers(data_dir: str, generation: int, themes: tuple[int, tuple[int, ...]] | None, _book: LessonBook | None) -> list[ReportDossier]:
    """The dossiers of this index generation and these themes with these edits (cached)."""
    return lessons_module.dossiers(settings, _book)


book = lessons_module.lesson_book(settings, wait=False)
theme_key = None if book is None else (book.theme_set.generation, tuple(sorted({e for lesson in book.lessons for e in lesson.edits})))


def sort_key(dossier: ReportDossier) -> tuple[bool, str, int, str]:
    """Gemeenten alphabetically ('s-Gravenhage under G, Súdwest under S), national reports last."""
    name = unicodedata.normalize("NFKD", dossier.gemeente).encode("ascii", "ignore").decode().casefold().removeprefix("'s-")
    return not dossier.gemeente, name, dossier.year or 0, dossier.title


everything = sorted(report_dossiers(str(settings.data_dir), search.store.generation, theme_key, book), key=sort_key)

query = st.text_input("Zoek op titel of gemeente", key="zoek", bind="query-params", placeholder="bijv. Zwolle of rekenkamer")
needle = query.strip().casefold()
shown = [d for d in everything if not needle or any(needle in (value or "").casefold()
                                                     for value in (d.title, d.gemeente, d.file, d.publisher, d.provincie))]
st.caption(f"{len(shown)} van {len(everything)} rapporten" + (
    "" if book is not None else " · de lessen worden nog berekend (pagina Lessen)"))
if not shown:
    st.warning("Geen rapporten gevonden — zoek op een deel van de titel, de gemeente of de uitgever.")
    st.stop()


@st.dialog("Bronpagina", width="large")
def source_dialog(file: str, page: int, key: str) -> None:
    ui.show_source_page(search, file, page, key)


def count_table(dossier: ReportDossier) -> pd.DataFrame:
    rows = [{"Aandachtsgebied": ui.area_option(area), **{ui.kind_option(k): per_kind.get(k, 0) for k in KINDS}}
            for area, per_kind in dossier.counts.items()]
    return pd.DataFrame(rows, columns=["Aandachtsgebied", *(ui.kind_option(k) for k in KINDS)])


def dossier_body(dossier: ReportDossier) -> None:
    st.markdown("**Bevindingen per aandachtsgebied en soort** (aantal passages)")
    table = count_table(dossier)
    if table.empty:
        st.caption("Geen passages met een aandachtsgebied.")
    else:
        st.dataframe(table, hide_index=True, width="stretch", key=f"tabel_{dossier.doc_id}")
    st.markdown(f"**Aanbevelingen** ({len(dossier.recommendations)})")
    if not dossier.recommendations:
        st.caption("Geen aanbevelingen gevonden in dit rapport.")
    for page, items in groupby(dossier.recommendations, key=lambda r: r["page"]):
        texts = [ui.one_line(item["text"]) for item in items]
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown("\n".join(f"- {ui.plain_markdown(text)}" for text in texts))
        key = f"{dossier.doc_id}_{page}"
        if right.button(f"Pagina {page}", key=f"pagina_{key}", icon=":material/description:", type="tertiary",
                        help="Bronpagina bekijken"):
            source_dialog(dossier.file, int(page), key)
    st.markdown("**Draagt bij aan deze lessen**")
    if book is None:
        st.caption("De lessen worden nog berekend; kijk straks op de pagina Lessen.")
    elif not dossier.lessons:
        st.caption("Geen van de bevindingen van dit rapport hoort bij een terugkerend thema.")
    for theme_id, label, n in sorted(dossier.lessons, key=lambda item: -item[2]):
        st.page_link(ui.PAGE_LESSEN, label=f"{label} ({n} bevinding{'en' if n != 1 else ''} uit dit rapport)",
                     icon=":material/lightbulb:", query_params={"thema": theme_id})
    if dossier.gemeente:
        st.page_link(ui.PAGE_ZOEKEN, label=f"Zoeken in de rapporten van {dossier.gemeente}", icon=":material/search:",
                     query_params=ui.search_params(gemeenten=[dossier.gemeente]))


for dossier in shown:
    with st.container(border=True, key=f"rapport_{dossier.doc_id}"):
        place = f"{dossier.gemeente or 'landelijk'} {dossier.year or ''}".strip()
        st.markdown(f"#### {ui.plain_markdown(place)} · {ui.plain_markdown(dossier.title)}")
        facts = [dossier.publisher, dossier.report_type, dossier.provincie, f"{dossier.n_pages} pagina's", dossier.file]
        st.caption(" · ".join(ui.plain_markdown(str(f)) for f in facts if f))
        findings = {a: sum(n for k, n in per_kind.items() if k != "beschrijving") for a, per_kind in dossier.counts.items()}
        main_areas = sorted((a for a, n in findings.items() if n), key=lambda a: -findings[a])[:MAIN_AREAS]
        areas = " ".join(f":blue-badge[{ui.area_option(a)}]" for a in main_areas)
        st.markdown(f":orange-badge[{len(dossier.recommendations)} aanbevelingen] "
                    f":violet-badge[draagt bij aan {len(dossier.lessons)} lessen] {areas}")
        opened = st.expander("Dossier", key=f"dossier_{dossier.doc_id}", on_change="rerun", icon=":material/folder_open:")
        with opened:
            if opened.open:  # rendered only when opened
                dossier_body(dossier)
