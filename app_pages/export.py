"""Export: the current result list and the curated lessons as CSV and Excel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wijkkennis import export, ui

settings = ui.settings()
search = ui.service(settings)
store = ui.curation(settings)

st.title("Export")
st.caption("CSV (met ; als scheidingsteken, opent direct in Nederlandse Excel) of Excel (.xlsx).")


def downloads(rows: list[dict[str, object]], columns: tuple[str, ...], stem: str, sheet: str) -> None:
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("CSV downloaden", export.to_csv(rows, columns), file_name=f"{stem}.csv", mime=export.CSV_MIME,
                         key=f"{stem}_csv", on_click="ignore", icon=":material/download:")
    right.download_button("Excel downloaden", export.to_xlsx(rows, columns, sheet), file_name=f"{stem}.xlsx", mime=export.XLSX_MIME,
                          key=f"{stem}_xlsx", on_click="ignore", icon=":material/download:")


st.subheader("Huidige resultatenlijst")
results = st.session_state.get("resultaten")
if not results or not results.get("hits"):
    st.info("Nog geen resultatenlijst: zoek eerst op de pagina Zoeken.")
    st.page_link(ui.PAGE_ZOEKEN, label="Naar Zoeken", icon=":material/search:")
else:
    st.caption(results["titel"])
    rows = export.hit_rows(results["hits"])
    downloads(rows, export.HIT_COLUMNS, "wijkkennis-resultaten", "Resultaten")
    st.dataframe(pd.DataFrame(rows, columns=list(export.HIT_COLUMNS)), hide_index=True, width="stretch", key="tabel_resultaten")

st.subheader("Vastgelegde lessen")
store.reconcile(search.store)
lessons = store.lessons()
if not lessons:
    st.info("Er zijn nog geen lessen vastgelegd (pagina Curatie, voor IWW-medewerkers).")
else:
    review = sum(lesson.needs_review for lesson in lessons)
    st.caption(f"{len(lessons)} lessen" + (f", waarvan {review} te herzien" if review else ""))
    rows = export.lesson_rows(lessons)
    downloads(rows, export.LESSON_COLUMNS, "wijkkennis-lessen", "Lessen")
    st.dataframe(pd.DataFrame(rows, columns=list(export.LESSON_COLUMNS)), hide_index=True, width="stretch", key="tabel_lessen")
