"""Zoeken: a question plus filters; results with their source page. Query and filters live in the URL."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.taxonomy import AREAS, KINDS
from index.query import Filters, Hit, QueryError, browse, passage_hits
from wijkkennis import export, ui

SIZE_CLASSES = ("<10k", "10-20k", "20-50k", "50-100k", "100-250k", ">=250k")
BROWSE_LIMIT = 50
FILTER_KEYS = ("gebied", "soort", "gemeente", "provincie", "grootte", "g40", "van", "tot", "uitgever")  # URL parameters

search = ui.service()
docs = ui.documents(search)

st.title("Zoeken")
st.caption("Zoek in evaluaties van sociale (wijk)teams: elke vondst met gemeente, jaar, bestand en pagina.")
if not docs:
    st.info(ui.EMPTY_INDEX)
    st.stop()


def clear_more_like_this() -> None:
    for key in ("meer", "passages", "thema"):  # "passages"/"thema": a theme's passages, linked from Lessen
        st.query_params.pop(key, None)


names = {d["gemeentecode"]: d["gemeente"] for d in docs if d["gemeentecode"]}
gemeente_codes = sorted(names, key=lambda code: names[code])
provincies = sorted({d["provincie"] for d in docs if d["provincie"]})
present_classes = {d["grootteklasse"] for d in docs if d["grootteklasse"]}
size_classes = [c for c in SIZE_CLASSES if c in present_classes] + sorted(present_classes - set(SIZE_CLASSES))
years = sorted({int(d["year"]) for d in docs if d["year"]})
publishers = sorted({d["publisher"] for d in docs if d["publisher"]})

bound: dict[str, Any] = {"bind": "query-params", "on_change": clear_more_like_this}  # the URL holds every filter
query = st.text_input(
    "Zoekvraag", key="q", placeholder="bijv. hoe betrekken gemeenten huisartsen bij het wijkteam?",
    max_chars=ui.settings().max_query_chars, **bound,
)
with st.expander("Filters", expanded=any(k in st.query_params for k in FILTER_KEYS), icon=":material/filter_list:"):
    row = st.columns(3)
    areas = row[0].multiselect("Aandachtsgebied", list(AREAS), format_func=ui.area_option, key="gebied",
                               help=ui.area_help(), placeholder="alle", **bound)
    kind = row[1].selectbox("Soort uitspraak", [None, *KINDS], format_func=ui.kind_option, key="soort", **bound)
    chosen = row[2].multiselect("Gemeente", gemeente_codes, format_func=names.__getitem__, key="gemeente",
                                placeholder="alle", **bound)
    row = st.columns(3)
    provincie = row[0].selectbox("Provincie", [None, *provincies], format_func=ui.any_option, key="provincie", **bound)
    grootte = row[1].selectbox("Grootteklasse (inwoners)", [None, *size_classes], format_func=ui.any_option, key="grootte", **bound)
    g40 = row[2].selectbox("G40-gemeente", [None, True, False], format_func=ui.g40_option, key="g40", **bound)
    row = st.columns(3)
    year_from = row[0].selectbox("Jaar vanaf", [None, *years], format_func=ui.any_option, key="van", **bound)
    year_to = row[1].selectbox("Jaar tot en met", [None, *years], format_func=ui.any_option, key="tot", **bound)
    publisher = row[2].selectbox("Uitgever / onderzoeker", [None, *publishers], format_func=ui.any_option, key="uitgever", **bound)
    top_k = st.select_slider("Aantal resultaten", [5, 10, 20, 50], value=10, key="aantal")

filters = Filters(
    areas=tuple(areas), kind=kind, gemeenten=tuple(chosen), provincie=provincie, grootteklasse=grootte,
    g40=g40, year_from=year_from, year_to=year_to, publisher=publisher,
)
more = st.query_params.get("meer")
theme_passages = st.query_params.get_all("passages")
hits: list[Hit] | None = None
heading = ""
try:
    if more:
        source = search.passage(more)
        if source is None:
            st.warning("Deze passage staat niet (meer) in de index.")
            st.button("← Terug naar de zoekresultaten", on_click=clear_more_like_this)
        else:
            st.subheader("Meer zoals dit")
            st.markdown(f"Vergelijkbaar met **{ui.plain_markdown(source['gemeente'] or 'onbekende gemeente')} "
                        f"{source['year'] or ''}** ({source['file']}, pagina {source['page']}):")
            st.markdown("> " + ui.plain_markdown(source["text"][:400] + ("…" if len(source["text"]) > 400 else "")))
            st.button("← Terug naar de zoekresultaten", on_click=clear_more_like_this)
            hits = search.more_like_this(more, top_k=top_k)
            heading = f"{len(hits)} vergelijkbare passages uit andere gemeenten"
    elif theme_passages:
        theme = st.query_params.get("thema", "")
        st.subheader("Passages van een thema" + (f": {ui.plain_markdown(theme)}" if theme else ""))
        st.button("← Terug naar zoeken", on_click=clear_more_like_this)
        hits = passage_hits(search, theme_passages)
        heading = f"{len(hits)} passages van dit thema (pagina Lessen)"
    elif query.strip():
        hits = search.search(query, filters, top_k=top_k)
        heading = f"{len(hits)} resultaten voor ‘{query.strip()}’"
    elif not filters.is_empty():
        hits, total = browse(search, filters, limit=BROWSE_LIMIT)
        heading = f"{total} passages die aan de filters voldoen" + (f" (de eerste {BROWSE_LIMIT})" if total > BROWSE_LIMIT else "")
except QueryError as error:
    st.error(f"Zoekvraag niet uitgevoerd: {error}")

if hits is None:
    if not more and not theme_passages:
        st.info(
            f"Typ een zoekvraag of kies filters. De index bevat {len(docs)} rapporten uit {len(names)} gemeenten. "
            "Voorbeelden: *wachtlijsten en werkdruk*, *samenwerking met huisartsen*, *privacy en gegevensdeling*."
        )
elif not hits:
    st.warning("Geen resultaten — probeer minder filters of andere woorden.")
else:
    st.session_state["resultaten"] = {"titel": heading, "hits": hits}
    top = st.columns([3, 1, 1])
    top[0].markdown(f"**{heading}**")
    rows = export.hit_rows(hits)
    top[1].download_button("CSV", export.to_csv(rows, export.HIT_COLUMNS), file_name="wijkkennis-resultaten.csv",
                           mime=export.CSV_MIME, key="zoek_csv", on_click="ignore", icon=":material/download:")
    top[2].download_button("Excel", export.to_xlsx(rows, export.HIT_COLUMNS, "Resultaten"), file_name="wijkkennis-resultaten.xlsx",
                           mime=export.XLSX_MIME, key="zoek_xlsx", on_click="ignore", icon=":material/download:")
    for rank, hit in enumerate(hits):
        ui.result_card(search, hit, key=f"{rank}_{hit.passage_id}", more_like_this=not more and not theme_passages)
