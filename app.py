"""Wijkkennis — the Streamlit app's entry point: `streamlit run app.py` (or `wijkkennis serve`).

A multipage app; each page lives in ``app_pages/`` and stays thin over ``index.query`` (search),
``wijkkennis.lessons`` (themes across reports, report dossiers), ``wijkkennis.curation`` (curated
lessons) and ``wijkkennis.export`` (downloads).
"""

from __future__ import annotations

import streamlit as st

from wijkkennis import ui

st.set_page_config(page_title="Wijkkennis", page_icon="🏘️", layout="wide")

navigation = st.navigation(
    {
        "Kennis": [
            st.Page(ui.PAGE_ZOEKEN, title="Zoeken", icon=":material/search:", default=True),
            st.Page(ui.PAGE_LESSEN, title="Lessen", icon=":material/lightbulb:"),
            st.Page(ui.PAGE_RAPPORTEN, title="Rapporten", icon=":material/folder_open:"),
            st.Page(ui.PAGE_OVERZICHT, title="Overzicht", icon=":material/bar_chart:"),
            st.Page(ui.PAGE_VERGELIJKBAAR, title="Vergelijkbare gemeenten", icon=":material/explore:"),
            st.Page(ui.PAGE_EXPORT, title="Export", icon=":material/download:"),
        ],
        "IWW": [
            st.Page(ui.PAGE_CURATIE, title="Curatie", icon=":material/star:"),
            st.Page(ui.PAGE_BEHEER, title="Beheer", icon=":material/settings:"),
        ],
    }
)

with st.sidebar:
    st.caption("Lessen en verbeterpunten uit evaluaties van sociale (wijk)teams")
    if ui.curator():
        st.caption(f"Ingelogd als **{ui.curator()}**")

navigation.run()
