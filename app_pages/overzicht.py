"""Overzicht: what the index holds, per aandachtsgebied, gemeente and year; click through to the passages."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from core import reference
from core.taxonomy import AREAS, KINDS
from index.query import facet_counts
from wijkkennis import ui

search = ui.service()
docs = ui.documents(search)

st.title("Overzicht")
if not docs:
    st.info(ui.EMPTY_INDEX)
    st.stop()

counts = facet_counts(search)
KIND_ORDER = [ui.kind_option(k) for k in KINDS]
KIND_SCALE = alt.Scale(domain=KIND_ORDER, range=["#d62728", "#2ca02c", "#ff7f0e", "#9e9e9e"])
names = {d["gemeentecode"]: d["gemeente"] for d in docs if d["gemeentecode"]}

total_passages = sum(r["n"] for r in counts)
total_recommendations = sum(r["n"] for r in counts if r["kind"] == "aanbeveling")
metrics = st.columns(4)
metrics[0].metric("Rapporten", len(docs))
metrics[1].metric("Gemeenten", len(names))
metrics[2].metric("Passages", total_passages)
metrics[3].metric("Aanbevelingen", total_recommendations)

scope = st.segmented_control("Tellen", ["Alle passages", "Alleen aanbevelingen"], default="Alle passages", key="tellen")
only_recommendations = scope == "Alleen aanbevelingen"
rows = [r for r in counts if r["kind"] == "aanbeveling"] if only_recommendations else counts
unit = "Aanbevelingen" if only_recommendations else "Passages"


def frame(records: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns)


per_area = frame(
    [{"gebied": ui.area_option(a), "soort": ui.kind_option(r["kind"]), "n": r["n"]} for r in rows for a in r["areas"]],
    ["gebied", "soort", "n"],
)
per_gemeente = frame(
    [{"gemeente": r["gemeente"] or "onbekend", "soort": ui.kind_option(r["kind"]), "n": r["n"]} for r in rows],
    ["gemeente", "soort", "n"],
)
per_year = frame(
    [{"jaar": int(r["year"]), "soort": ui.kind_option(r["kind"]), "n": r["n"]} for r in rows if r["year"]],
    ["jaar", "soort", "n"],
)


def stacked(data: pd.DataFrame, category: str, title: str, fields: list[str], horizontal: bool, sort: list[Any] | None = None) -> alt.Chart:
    pick = alt.selection_point(name="keuze", fields=fields)
    axis = alt.Y(f"{category}:N", title=None, sort=sort, axis=alt.Axis(labelLimit=260)) if horizontal else alt.X(f"{category}:O", title=title)
    value = alt.X("sum(n):Q", title=unit) if horizontal else alt.Y("sum(n):Q", title=unit)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            **({"y": axis, "x": value} if horizontal else {"x": axis, "y": value}),
            color=alt.Color("soort:N", scale=KIND_SCALE, legend=alt.Legend(title="Soort uitspraak", orient="bottom")),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=[alt.Tooltip(f"{category}:N", title=title), alt.Tooltip("soort:N", title="Soort"), alt.Tooltip("sum(n):Q", title=unit)],
        )
        .add_params(pick)
    )


def selected(event: Any) -> dict[str, Any] | None:
    """The first clicked bar of a chart event, if any."""
    choice = (event.selection if event else {}).get("keuze") or []
    return choice[0] if choice else None


def kind_of(label: str | None) -> str | None:
    return next((k for k in KINDS if ui.kind_option(k) == label), None)


st.caption("Klik op een balk om de bijbehorende passages te zien.")
tab_area, tab_gemeente, tab_year = st.tabs(["Per aandachtsgebied", "Per gemeente", "Per jaar"])
with tab_area:
    st.subheader(f"{unit} per aandachtsgebied")
    chart = stacked(per_area, "gebied", "Aandachtsgebied", ["gebied", "soort"], True, [ui.area_option(a) for a in AREAS])
    event = st.altair_chart(chart, on_select="rerun", key="grafiek_gebied", width="stretch")
    area_by_label = {ui.area_option(a): a for a in AREAS}
    if (choice := selected(event)) and choice.get("gebied") in area_by_label:
        st.switch_page(ui.PAGE_ZOEKEN, query_params=ui.search_params(areas=[area_by_label[choice["gebied"]]], kind=kind_of(choice.get("soort"))))
with tab_gemeente:
    st.subheader(f"{unit} per gemeente")
    event = st.altair_chart(stacked(per_gemeente, "gemeente", "Gemeente", ["gemeente", "soort"], True, None), on_select="rerun", key="grafiek_gemeente", width="stretch")
    if (choice := selected(event)) and choice.get("gemeente") in names.values():
        st.switch_page(ui.PAGE_ZOEKEN, query_params=ui.search_params(gemeenten=[choice["gemeente"]], kind=kind_of(choice.get("soort"))))
with tab_year:
    st.subheader(f"{unit} per jaar van het rapport")
    event = st.altair_chart(stacked(per_year, "jaar", "Jaar", ["jaar", "soort"], False), on_select="rerun", key="grafiek_jaar", width="stretch")
    if (choice := selected(event)) and choice.get("jaar"):
        st.switch_page(ui.PAGE_ZOEKEN, query_params=ui.search_params(year=int(choice["jaar"]), kind=kind_of(choice.get("soort"))))

# ---------------------------------------------------------------- click-through without a chart
st.subheader("Passages bekijken")
with st.form("doorklik", border=True):
    row = st.columns(4)
    area = row[0].selectbox("Aandachtsgebied", [None, *AREAS], format_func=lambda a: "alle" if a is None else ui.area_option(a), key="door_gebied")
    kind = row[1].selectbox("Soort uitspraak", [None, *KINDS], format_func=ui.kind_option, key="door_soort")
    gemeente = row[2].selectbox("Gemeente", [None, *sorted(names, key=lambda c: names[c])], format_func=lambda c: "alle" if c is None else names[c], key="door_gemeente")
    year = row[3].selectbox("Jaar", [None, *sorted({int(d["year"]) for d in docs if d["year"]})], format_func=ui.any_option, key="door_jaar")
    if st.form_submit_button("Toon passages", icon=":material/search:"):
        st.switch_page(ui.PAGE_ZOEKEN, query_params=ui.search_params(
            areas=[area] if area else [], kind=kind, gemeenten=[names[gemeente]] if gemeente else [], year=year,
        ))

# ------------------------------------------------------------------------- gemeenten with reports
st.subheader("Gemeenten met rapporten")
table = reference.gemeenten()
places = ui.coordinates()
per_code: dict[str, dict[str, Any]] = {}
for d in docs:
    code = d["gemeentecode"]
    if not code:
        continue
    entry = per_code.setdefault(code, {"rapporten": 0, "jaren": set()})
    entry["rapporten"] += 1
    if d["year"]:
        entry["jaren"].add(int(d["year"]))
passages_by_code: dict[str, list[int]] = {}
for r in counts:
    totals = passages_by_code.setdefault(r["gemeentecode"] or "", [0, 0])
    totals[0] += r["n"]
    totals[1] += r["n"] if r["kind"] == "aanbeveling" else 0
overview = pd.DataFrame.from_records([
    {
        "Gemeente": names[code],
        "Provincie": table[code].provincie if code in table else "",
        "Grootteklasse": table[code].grootteklasse if code in table else "",
        "G40": bool(table[code].g40) if code in table else False,
        "Inwoners": table[code].inwoners if code in table else None,
        "Rapporten": entry["rapporten"],
        "Jaren": ", ".join(str(y) for y in sorted(entry["jaren"])),
        "Passages": passages_by_code.get(code, [0, 0])[0],
        "Aanbevelingen": passages_by_code.get(code, [0, 0])[1],
        "code": code,
    }
    for code, entry in sorted(per_code.items(), key=lambda item: names[item[0]])
])
picked = st.dataframe(
    overview.drop(columns=["code"]), hide_index=True, width="stretch", key="tabel_gemeenten",
    on_select="rerun", selection_mode="single-row",
)
st.caption("Selecteer een rij om de passages van die gemeente te zien. " + reference.CREDIT)
rows_picked = picked.selection.rows if picked else []
if rows_picked:
    st.switch_page(ui.PAGE_ZOEKEN, query_params=ui.search_params(gemeenten=[overview.iloc[rows_picked[0]]["Gemeente"]]))

background = pd.DataFrame([{"lat": lat, "lon": lon} for lat, lon in places.values()])
points = pd.DataFrame([
    {"lat": places[code][0], "lon": places[code][1], "gemeente": names[code], "passages": passages_by_code.get(code, [0, 0])[0]}
    for code in per_code if code in places
])
base = alt.Chart(background).mark_circle(size=14, color="#cfcfcf").encode(longitude="lon:Q", latitude="lat:Q")
marks = alt.Chart(points).mark_circle(color="#1f5fa8", opacity=0.85).encode(
    longitude="lon:Q", latitude="lat:Q", size=alt.Size("passages:Q", legend=None, scale=alt.Scale(range=[80, 600])),
    tooltip=[alt.Tooltip("gemeente:N", title="Gemeente"), alt.Tooltip("passages:Q", title="Passages")],
)
labels = alt.Chart(points).mark_text(align="left", dx=12, fontSize=12, color="#333").encode(longitude="lon:Q", latitude="lat:Q", text="gemeente:N")
map_column, _ = st.columns([1, 1])
with map_column:
    st.altair_chart((base + marks + labels).properties(height=460).project("mercator"), width="stretch")
    st.caption("Grijs: alle gemeenten; blauw: gemeenten met rapporten in de index (grootte: aantal passages).")
