"""Wijkkennis — Streamlit app (thin: all logic lives in ``index.query``)."""

from __future__ import annotations

import streamlit as st

from index.query import Filters, QueryError, SearchService, snippet_html
from wijkkennis.config import load_settings
from wijkkennis.taxonomy import AREA_SHORT, AREAS, KIND_LABELS, KINDS


@st.cache_resource
def service(data_dir: str) -> SearchService:
    """One SearchService per data directory, shared by all sessions of this process."""
    return SearchService(load_settings(data_dir=data_dir))


st.set_page_config(page_title="Wijkkennis", page_icon="🏘️", layout="wide")
st.title("Wijkkennis")
st.caption("Lessen en verbeterpunten uit evaluaties van sociale (wijk)teams")

search = service(str(load_settings().data_dir))
documents = search.store.documents()
gemeenten = sorted({d["gemeente"]: d["gemeentecode"] for d in documents if d["gemeentecode"]}.items())

query = st.text_input("Zoekvraag", key="query", placeholder="bijv. hoe betrekken gemeenten huisartsen bij het wijkteam?")
left, middle, right = st.columns(3)
areas = left.multiselect("Aandachtsgebied", list(AREAS), format_func=lambda a: f"{a}. {AREAS[a]}", key="areas")
kind = middle.selectbox("Soort uitspraak", [None, *KINDS], format_func=lambda k: "alle" if k is None else KIND_LABELS[k], key="kind")
chosen = right.multiselect("Gemeente", [code for _, code in gemeenten], format_func=dict((c, n) for n, c in gemeenten).get, key="gemeenten")

if not documents:
    st.info("De index is leeg. Lees eerst rapporten in: `wijkkennis ingest corpus/`.")
elif query:
    try:
        hits = search.search(query, Filters(areas=tuple(areas), kind=kind, gemeenten=tuple(chosen)), top_k=10)
    except QueryError as error:
        st.error(str(error))
        hits = []
    if not hits:
        st.warning("Geen resultaten — probeer minder filters of andere woorden.")
    for hit in hits:
        with st.container(border=True):
            areas_text = " · ".join(f"{a} {AREA_SHORT[a]}" for a in hit.areas) or "geen aandachtsgebied"
            st.markdown(f"**{hit.gemeente or 'onbekende gemeente'} {hit.year or ''}** — {KIND_LABELS.get(hit.kind, hit.kind)} — {areas_text}")
            st.markdown(snippet_html(hit.snippet), unsafe_allow_html=True)
            st.caption(f"{hit.file}, pagina {hit.page}" + (f" · § {hit.heading}" if hit.heading else ""))
