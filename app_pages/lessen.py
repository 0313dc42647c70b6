"""Lessen: recurring themes across the reports per aandachtsgebied and kind, each backed by the
reports' own sentences with their source page; curators rename, merge, split and pin.

Thin over ``wijkkennis.lessons`` (themes with curator edits) and ``wijkkennis.lessons_report``
(the DOCX/PDF download). The page never computes themes itself: it reads the cache
(``lesson_book(wait=False)``), which starts a background computation when the index is newer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from core.taxonomy import AREAS
from index.themes import cached_themes, last_error
from pipeline.themes import FINDING_KINDS, Finding
from wijkkennis import lessons as lessons_module
from wijkkennis import ui
from wijkkennis.curation import CurationError
from wijkkennis.lessons import Lesson, LessonFilter, ThemeEdits, cite, counted, select
from wijkkennis.lessons_report import write_report

SIZE_CLASSES = ("<10k", "10-20k", "20-50k", "50-100k", "100-250k", ">=250k")
PAGE_SIZE = 25  # theme cards per step ("Meer thema's tonen")
SHOWN_FINDINGS = 20  # findings listed in an opened card; the rest via Zoeken
ZOEKEN_LINK_MAX = 50  # passages passed to Zoeken in the URL
CHART_THEMES = 15
NOTICE_KEY = "lessen_melding"
SHOWN_KEY = "lessen_aantal"
# URL parameters of the filters; other names than Zoeken's, whose widgets of the same name hold other types
FILTER_KEYS = ("provincies", "grootteklassen", "vanaf", "totenmet")

settings = ui.settings()
search = ui.service(settings)
docs = ui.documents(search)
name = ui.curator()

st.title("Lessen")
st.caption("Terugkerende lessen uit de evaluaties: bevindingen van verschillende gemeenten gegroepeerd tot thema's, "
           "elk met de letterlijke zinnen uit de rapporten en hun bronpagina.")
if not docs:
    st.info(ui.EMPTY_INDEX)
    st.stop()


# ------------------------------------------------------------------------ the cached themes
@st.fragment(run_every="5s")
def wait_for_themes() -> None:
    """Polls the cache while the first computation runs; reruns the page once themes are there."""
    if cached_themes(settings) is not None:
        st.rerun(scope="app")
    error = last_error(settings)
    if not lessons_module.refreshing(settings) and error:
        st.error(f"Het berekenen van de thema's is mislukt: {error['error']}")
    else:
        st.status("Thema's berekenen…", state="running")


book = lessons_module.lesson_book(settings, wait=False)
if book is None:
    st.info("De thema's worden voor het eerst berekend na het inlezen van de rapporten. Dat duurt enkele minuten; "
            "de pagina ververst zichzelf zodra ze klaar zijn.")
    st.button("Opnieuw kijken", icon=":material/refresh:")
    wait_for_themes()
    st.stop()
failure = last_error(settings)
if book.stale and failure and not lessons_module.refreshing(settings):
    st.warning(f"Het bijwerken van de thema's na de laatste inleesronde is mislukt ({failure['error']}); u ziet de thema's "
               f"van indexversie {book.theme_set.generation}. Een beheerder kan `wijkkennis themes --refresh` draaien.")
elif book.stale or lessons_module.refreshing(settings):
    st.caption(f"Thema's worden bijgewerkt na de laatste inleesronde… U ziet de thema's van indexversie "
               f"{book.theme_set.generation}; ververs de pagina straks voor de nieuwe.")


def notice(message: str, kind: str = "success") -> None:
    st.session_state[NOTICE_KEY] = (kind, message)


def edits() -> ThemeEdits:
    return ThemeEdits.for_settings(settings)


def save_edit(edit: Callable[[ThemeEdits], object], message: str) -> None:
    """A curator's theme edit from a form: stored and announced after the rerun, or its error shown."""
    try:
        edit(edits())
    except CurationError as error:
        st.error(str(error))
    else:
        notice(message)
        st.rerun()


# ------------------------------------------------------------------------------ filters
def reset_shown() -> None:
    st.session_state.pop(SHOWN_KEY, None)


def show_all_themes() -> None:
    st.query_params.pop("thema", None)


bound: dict[str, Any] = {"bind": "query-params", "on_change": reset_shown}  # the URL holds every filter
provincies = sorted({d["provincie"] for d in docs if d["provincie"]})
present_classes = {d["grootteklasse"] for d in docs if d["grootteklasse"]}
size_classes = [c for c in SIZE_CLASSES if c in present_classes] + sorted(present_classes - set(SIZE_CLASSES))
years = sorted({int(d["year"]) for d in docs if d["year"]})

row = st.columns([2, 1])
area = row[0].selectbox("Aandachtsgebied", [None, *AREAS], format_func=lambda a: "alle" if a is None else ui.area_option(a),
                        key="aandachtsgebied", help=ui.area_help(), **bound)
kind = row[1].selectbox("Soort uitspraak", [None, *FINDING_KINDS], format_func=ui.kind_option, key="uitspraak", **bound)
with st.expander("Meer filters", expanded=any(k in st.query_params for k in FILTER_KEYS), icon=":material/filter_list:"):
    row = st.columns(4)
    chosen_provincies = row[0].multiselect("Provincie", provincies, key="provincies", placeholder="alle", **bound)
    chosen_sizes = row[1].multiselect("Grootteklasse (inwoners)", size_classes, key="grootteklassen", placeholder="alle", **bound)
    year_from = row[2].selectbox("Jaar vanaf", [None, *years], format_func=ui.any_option, key="vanaf", **bound)
    year_to = row[3].selectbox("Jaar tot en met", [None, *years], format_func=ui.any_option, key="totenmet", **bound)

year_span = None
if years and (year_from or year_to):
    year_span = (year_from or years[0], year_to or years[-1])
wanted = LessonFilter(area=area, kind=kind, provincies=tuple(chosen_provincies), grootteklassen=tuple(chosen_sizes), years=year_span)
chosen: list[Lesson] = select(book.lessons, wanted)
focus = st.query_params.get("thema")
if focus:  # one theme, opened from a link (Rapporten)
    chosen = [lesson for lesson in book.lessons if lesson.theme_id == focus]
    if not chosen:
        st.warning("Dit thema bestaat niet (meer); na een nieuwe inleesronde zijn de thema's opnieuw gevormd.")
    st.button("← Alle thema's", on_click=show_all_themes)

if message := st.session_state.pop(NOTICE_KEY, None):
    getattr(st, message[0])(message[1])


# ---------------------------------------------------------------- the lessons report download
def report_builder(lessons: list[Lesson], scope: LessonFilter, suffix: str) -> Callable[[], bytes]:
    """Writes the lessons report when the download is clicked (on Streamlit's download thread)."""
    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="wijkkennis-lessen-") as folder:
            return write_report(Path(folder) / f"lessen{suffix}", lessons, scope).read_bytes()
    return build


stem = "wijkkennis-lessen" + (f"-gebied-{area}" if area else "") + (f"-{kind}" if kind else "")
top = st.columns([3, 1, 1])
n_reports = len({f.doc_id for lesson in chosen for f in lesson.findings})
top[0].markdown(f"**{len(chosen)} thema's** uit {n_reports} rapporten, gesorteerd op het aantal gemeenten dat ze deelt")
top[1].download_button(
    "Lessenrapport (Word)", report_builder(chosen, wanted, ".docx"), file_name=f"{stem}.docx", key="lessen_docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", on_click="ignore",
    icon=":material/download:", disabled=not chosen, help="Per thema: aantal rapporten en gemeenten, citaten en bronnenlijst",
)
top[2].download_button(
    "Lessenrapport (PDF)", report_builder(chosen, wanted, ".pdf"), file_name=f"{stem}.pdf", key="lessen_pdf",
    mime="application/pdf", on_click="ignore", icon=":material/download:", disabled=not chosen,
)
if not chosen:
    if not focus:
        st.warning("Geen terugkerende thema's met deze keuze — probeer een ander aandachtsgebied, een andere soort of minder filters.")
    st.stop()


# ------------------------------------------------------------------------------ the chart
def year_counts(lessons: list[Lesson]) -> pd.DataFrame:
    rows = []
    for number, lesson in enumerate(lessons, start=1):
        label = f"{number}. {ui.one_line(lesson.label)}"
        label = label if len(label) <= 60 else label[:59] + "…"
        per_year: dict[int, set[str]] = {}
        for finding in lesson.findings:
            if finding.year:
                per_year.setdefault(finding.year, set()).add(finding.doc_id)
        rows += [{"thema": label, "jaar": year, "rapporten": len(docs_)} for year, docs_ in sorted(per_year.items())]
    return pd.DataFrame(rows, columns=["thema", "jaar", "rapporten"])


with st.expander("Rapporten per thema per jaar", icon=":material/bar_chart:"):
    shown_in_chart = chosen[:CHART_THEMES]
    data = year_counts(shown_in_chart)
    if data.empty:
        st.caption("Geen jaartallen bekend bij deze thema's.")
    else:
        order = list(dict.fromkeys(data["thema"]))
        chart = (
            alt.Chart(data)
            .mark_rect()
            .encode(
                x=alt.X("jaar:O", title="Jaar van het rapport"),
                y=alt.Y("thema:N", title=None, sort=order, axis=alt.Axis(labelLimit=380)),
                color=alt.Color("rapporten:Q", title="Rapporten", scale=alt.Scale(scheme="blues"), legend=alt.Legend(tickMinStep=1)),
                tooltip=[alt.Tooltip("thema:N", title="Thema"), alt.Tooltip("jaar:O", title="Jaar"),
                         alt.Tooltip("rapporten:Q", title="Rapporten")],
            )
        )
        text = chart.mark_text(baseline="middle").encode(text="rapporten:Q", color=alt.value("#222222"))
        st.altair_chart(chart + text, width="stretch", key="grafiek_thema_jaar")
        if len(chosen) > CHART_THEMES:
            st.caption(f"De {CHART_THEMES} thema's die door de meeste gemeenten worden gedeeld.")


# ------------------------------------------------------------------------- curator actions
def do_pin(theme_id: str, finding_id: str) -> None:
    try:
        edits().pin(book.theme(theme_id), finding_id, name or "")
    except (CurationError, KeyError) as error:
        notice(f"Niet vastgezet: {error}", "warning")
    else:
        notice("Citaat vastgezet: het staat nu bovenaan dit thema.")


def do_move_out(theme_id: str, finding_id: str) -> None:
    try:
        edits().move_out(book.theme(theme_id), finding_id, name or "")
    except (CurationError, KeyError) as error:
        notice(f"Niet verplaatst: {error}", "warning")
    else:
        notice("Bevinding uit het thema gehaald.")


def finding_label(finding: Finding) -> str:
    text = ui.one_line(finding.text)
    return f"{finding.gemeente or 'landelijk'} {finding.year or ''} · p. {finding.page} · {text[:90]}{'…' if len(text) > 90 else ''}"


def curator_tools(lesson: Lesson) -> None:
    tid = lesson.theme_id
    by_id = {f.finding_id: f for f in lesson.findings}
    st.markdown("**Thema bewerken**")
    left, right = st.columns(2)
    with left.form(f"hernoem_{tid}"):
        label = st.text_input("Nieuwe naam", value=lesson.label, max_chars=160, key=f"thema_naam_{tid}")
        if st.form_submit_button("Naam opslaan", icon=":material/edit:"):
            save_edit(lambda e: e.rename(book.theme(tid), label, name or ""), f"Thema hernoemd tot ‘{label.strip()}’.")
    with right.form(f"splits_{tid}"):
        part = st.multiselect("Bevindingen afsplitsen", list(by_id), format_func=lambda f: finding_label(by_id[f]), key=f"thema_deel_{tid}")
        new_label = st.text_input("Naam van het nieuwe thema", max_chars=160, key=f"thema_nieuw_{tid}")
        if st.form_submit_button("Afsplitsen", icon=":material/call_split:"):
            save_edit(lambda e: e.split(book.theme(tid), part, new_label, name or ""),
                      f"{len(part)} bevinding(en) afgesplitst als ‘{new_label.strip()}’.")


def merge_tools(lessons: list[Lesson]) -> None:
    labels = {lesson.theme_id: f"{lesson.label} ({ui.kind_option(lesson.kind)}, {len(lesson.gemeenten)} gemeenten)" for lesson in lessons}
    with st.expander("Thema's samenvoegen", icon=":material/merge:"), st.form("samenvoegen", border=False):
        picked = st.multiselect("Thema's", list(labels), format_func=labels.__getitem__, key="samen_themas",
                                help="Het eerste gekozen thema neemt de bevindingen van de andere op.")
        label = st.text_input("Naam van het samengevoegde thema (leeg: de naam van het eerste)", max_chars=160, key="samen_naam")
        if st.form_submit_button("Samenvoegen", icon=":material/merge:"):
            save_edit(lambda e: e.merge([book.theme(t) for t in picked], name or "", label), f"{len(picked)} thema's samengevoegd.")


# ------------------------------------------------------------------------------ the cards
def years_text(values: list[int]) -> str:
    if not values:
        return "jaar onbekend"
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def finding_item(lesson: Lesson, finding: Finding, key: str) -> None:
    with st.container(border=True):
        badge = " :violet-badge[vastgezet citaat]" if finding.finding_id == lesson.pinned else ""
        title = f" · {ui.plain_markdown(finding.title)}" if finding.title else ""
        place = f"{finding.gemeente or 'landelijk'} {finding.year or ''}".strip()
        # A finding the tagger read as another kind than its theme's (it joined on its subject) says so.
        other = f" {ui.kind_badge(finding.kind)}" if finding.kind and finding.kind != lesson.kind else ""
        st.markdown(f"**{ui.plain_markdown(place)}**{title}{other}{badge}")
        st.markdown(ui.plain_markdown(ui.one_line(finding.text)))
        st.caption(f"{finding.file}, pagina {finding.page}")  # as on Zoeken
        columns = st.columns([2, 1, 1] if name else [1])
        if columns[0].toggle("Bronpagina bekijken", key=f"bron_{key}"):
            ui.show_source_page(search, finding.file, finding.page, key)
        if name:
            columns[1].button("Citaat vastzetten", key=f"pin_{key}", on_click=do_pin, args=(lesson.theme_id, finding.finding_id),
                              icon=":material/push_pin:", type="tertiary", help="Dit citaat staat voortaan bovenaan het thema")
            columns[2].button("Uit thema halen", key=f"uit_{key}", on_click=do_move_out, args=(lesson.theme_id, finding.finding_id),
                              icon=":material/remove_circle:", type="tertiary")


def lesson_card(number: int, lesson: Lesson) -> None:
    tid = lesson.theme_id
    with st.container(border=True, key=f"kaart_{tid}"):
        edited = " :violet-badge[bewerkt door curator]" if lesson.edits else ""
        areas = " ".join(f":blue-badge[{ui.area_option(a)}]" for a in lesson.areas)
        st.markdown(f"#### {number}. {ui.plain_markdown(ui.one_line(lesson.label))}")
        st.markdown(f"{ui.kind_badge(lesson.kind)} {areas}{edited}")
        st.caption(f"gedeeld door {counted(len(lesson.gemeenten), 'gemeente', 'gemeenten')} in "
                   f"{counted(len(lesson.reports), 'rapport', 'rapporten')} · {years_text(lesson.years)} · "
                   f"{counted(len(lesson.findings), 'bevinding', 'bevindingen')}")
        quote = lesson.quote
        if not ui.one_line(quote.text).startswith(ui.one_line(lesson.label).rstrip("…").strip()):  # not when the label is the quote
            st.markdown("> “" + ui.plain_markdown(ui.one_line(quote.text)) + "”")
        st.caption(ui.plain_markdown(cite(quote)) + (" · vastgezet citaat" if quote.finding_id == lesson.pinned else ""))
        details = st.expander("Bevindingen en bronnen", key=f"thema_{tid}", on_change="rerun",  # a label that changes would close it
                              icon=":material/format_quote:")
        with details:
            if not details.open:  # rendered only when opened
                return
            st.caption("Gemeenten: " + ui.plain_markdown(", ".join(lesson.gemeenten)))
            passages = list(dict.fromkeys(f.passage_id for f in lesson.findings if f.passage_id))[:ZOEKEN_LINK_MAX]
            st.page_link(ui.PAGE_ZOEKEN, label="De passages van dit thema in Zoeken", icon=":material/search:",
                         query_params={"passages": passages, "thema": lesson.label})
            for index, finding in enumerate(lesson.findings[:SHOWN_FINDINGS]):
                finding_item(lesson, finding, f"{tid}_{index}")
            if len(lesson.findings) > SHOWN_FINDINGS:
                st.caption(f"En nog {len(lesson.findings) - SHOWN_FINDINGS} bevindingen: zie Zoeken.")
            if name:
                curator_tools(lesson)


if name:
    st.caption(f"Ingelogd als **{name}**: u kunt thema's hernoemen, samenvoegen en splitsen, bevindingen eruit halen en een "
               "citaat vastzetten. Elke wijziging wordt vastgelegd met naam en tijd en blijft gelden na opnieuw inlezen.")
    merge_tools(chosen)
shown = int(st.session_state.get(SHOWN_KEY, PAGE_SIZE))
for number, lesson in enumerate(chosen[:shown], start=1):
    lesson_card(number, lesson)
if len(chosen) > shown:
    st.button(f"Meer thema's tonen ({len(chosen) - shown} over)", key="meer_themas",
              on_click=lambda: st.session_state.update({SHOWN_KEY: shown + PAGE_SIZE}))
if book.unmatched_edits and name:
    st.caption(f"{len(book.unmatched_edits)} eerdere wijziging(en) passen niet meer op een thema na opnieuw inlezen; ze blijven bewaard.")
