"""Vergelijkbare gemeenten: for any gemeente, the gemeenten like it that have reports, and their lessons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import reference
from core.taxonomy import AREAS
from index.query import Filters, browse
from wijkkennis import ui

LESSON_KINDS = ("aanbeveling", "succesfactor", "knelpunt")

search = ui.service()
docs = ui.documents(search)
table = reference.gemeenten()

st.title("Vergelijkbare gemeenten")
st.caption(
    "Kies uw gemeente: u ziet gemeenten die erop lijken (zelfde grootteklasse, provincie, COROP-gebied, "
    "G40 en een vergelijkbare bevolkingsdichtheid) én rapporten in de index hebben, met hun lessen per "
    f"aandachtsgebied. {reference.CREDIT}"
)
codes = sorted(table, key=lambda c: reference.fold(table[c].naam))
code = st.selectbox(
    "Uw gemeente", codes, index=None, format_func=lambda c: table[c].naam, key="mijn_gemeente",
    placeholder="Kies een gemeente", bind="query-params",
)
if not docs:
    st.info(ui.EMPTY_INDEX)
    st.stop()
if code is None:
    st.info(f"Er zijn rapporten van {len({d['gemeentecode'] for d in docs if d['gemeentecode']})} gemeenten in de index.")
    st.stop()

base = table[code]
facts = st.columns(5)
facts[0].metric("Inwoners", f"{base.inwoners:,}".replace(",", "."))
facts[1].metric("Grootteklasse", base.grootteklasse)
facts[2].metric("Provincie", base.provincie)
facts[3].metric("G40", "ja" if base.g40 else "nee")
facts[4].metric("Dichtheid (inw./km²)", f"{base.dichtheid:,}".replace(",", "."))
st.caption(f"COROP-gebied: {base.corop}")

reports: dict[str, int] = {}
doc_names = {d["gemeentecode"]: d["gemeente"] for d in docs if d["gemeentecode"]}  # the Zoeken filter's labels
for d in docs:
    if d["gemeentecode"]:
        reports[d["gemeentecode"]] = reports.get(d["gemeentecode"], 0) + 1
if code in reports:
    st.success(f"{base.naam} heeft zelf {reports[code]} rapport(en) in de index.")
    st.page_link(ui.PAGE_ZOEKEN, label=f"Passages van {base.naam} bekijken", icon=":material/search:", query_params=ui.search_params(gemeenten=[doc_names[code]]))

limit = st.slider("Aantal vergelijkbare gemeenten", 1, 10, 5, key="aantal_vergelijkbaar")
similar = reference.comparable(code, limit=limit, candidates=set(reports) - {code})
if not similar:
    st.warning("Geen andere gemeenten met rapporten in de index.")
    st.stop()


def mark(same: bool) -> str:
    return "✓" if same else "–"


st.subheader(f"Gemeenten zoals {base.naam} met rapporten")
st.dataframe(
    pd.DataFrame.from_records([
        {
            "Gemeente": other.naam, "Gelijkenis": f"{round(score * 100)}%", "Rapporten": reports.get(other.code, 0),
            "Grootteklasse": f"{mark(other.grootteklasse == base.grootteklasse)} {other.grootteklasse}",
            "Provincie": f"{mark(other.provincie == base.provincie)} {other.provincie}",
            "COROP": f"{mark(other.corop == base.corop)} {other.corop}",
            "G40": f"{mark(other.g40 == base.g40)} {'ja' if other.g40 else 'nee'}",
            "Dichtheid": other.dichtheid,
        }
        for other, score in similar
    ]),
    hide_index=True, width="stretch",
)

chosen_codes = [other.code for other, _ in similar]
passages, _ = browse(search, Filters(gemeenten=tuple(chosen_codes)), limit=5000)
lessons = [p for p in passages if p.kind in LESSON_KINDS]
curated = [lesson for lesson in ui.curation().lessons() if lesson.gemeentecode in chosen_codes]

st.subheader("Lessen per aandachtsgebied")
st.caption("Aanbevelingen, succesfactoren en knelpunten uit de rapporten van deze gemeenten; :material/star: = vastgelegd door IWW.")
shown = 0
for area, area_name in AREAS.items():
    area_curated = [lesson for lesson in curated if area in lesson.areas]
    area_hits = sorted((p for p in lessons if area in p.areas), key=lambda p: (LESSON_KINDS.index(p.kind), p.gemeente, p.page))
    if not area_hits and not area_curated:
        continue
    shown += 1
    with st.expander(f"{area}. {area_name} ({len(area_curated) + len(area_hits)})"):
        for lesson in area_curated:
            st.markdown(f":material/star: **{ui.plain_markdown(lesson.title or 'Les')}** — {ui.plain_markdown(lesson.gemeente)} {lesson.year or ''} "
                        + ui.badges([], lesson.kind))
            st.markdown(ui.plain_markdown(lesson.note or lesson.text[:300]))
            st.caption(f"{lesson.file}, pagina {lesson.page}")
        for hit in area_hits[:15]:
            st.markdown(f"**{ui.plain_markdown(hit.gemeente)} {hit.year or ''}** " + " ".join(filter(None, [ui.role_badge(hit.role), ui.badges([], hit.kind)])))
            st.markdown(ui.plain_markdown(hit.text[:400] + ("…" if len(hit.text) > 400 else "")))
            st.caption(f"{hit.file}, pagina {hit.page}")
        if len(area_hits) > 15:
            st.page_link(ui.PAGE_ZOEKEN, label=f"Alle {len(area_hits)} bekijken", icon=":material/search:",
                         query_params=ui.search_params(areas=[area], gemeenten=[doc_names[c] for c in chosen_codes]))
if not shown:
    st.info("Deze gemeenten hebben nog geen lessen met een aandachtsgebied in de index.")
