"""Curatie (IWW): sign in, record passages as curated lessons, correct their labels, review flags."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.taxonomy import AREAS, KINDS
from wijkkennis import curation as curation_module
from wijkkennis import ui
from wijkkennis.curation import CurationError, Lesson

settings = ui.settings()
search = ui.service(settings)
store = ui.curation(settings)

st.title("Curatie")
name = ui.curator()

# ----------------------------------------------------------------------------- sign in
if not name:
    st.caption("Voor medewerkers van IWW. Lezers hebben geen account nodig: zoeken, overzicht en export zijn openbaar.")
    if not store.password_hashes(settings.curators):
        st.info("Er zijn nog geen curatoren. Voeg er een toe met `wijkkennis curator add NAAM` (vraagt om een wachtwoord).")
    with st.form("inloggen"):
        user = st.text_input("Naam", key="login_naam")
        password = st.text_input("Wachtwoord", type="password", key="login_wachtwoord")
        submitted = st.form_submit_button("Inloggen", type="primary")
    if submitted:
        if store.recent_failures(user) >= curation_module.MAX_FAILURES:
            st.error("Te veel mislukte pogingen voor deze naam. Probeer het over een kwartier opnieuw.")
        elif user.strip() and password and store.authenticate(user, password, settings.curators):
            st.session_state[ui.CURATOR_KEY] = user.strip()
            st.rerun()
        else:
            st.error("Onjuiste naam of wachtwoord.")
    st.stop()


def sign_out() -> None:
    st.session_state.pop(ui.CURATOR_KEY, None)


NOTICE_KEY = "curatie_melding"  # a confirmation that survives the rerun after a change


def done(message: str) -> None:
    st.session_state[NOTICE_KEY] = message
    st.rerun()


top = st.columns([4, 1])
top[0].caption(f"Ingelogd als **{name}**. Elke wijziging wordt vastgelegd met naam en tijd.")
top[1].button("Uitloggen", on_click=sign_out)
if notice := st.session_state.pop(NOTICE_KEY, None):
    st.success(notice)

report = store.reconcile(search.store)
if report.flagged:
    st.warning(f"{report.flagged} les(sen) gemarkeerd: de brontekst is veranderd na opnieuw inlezen. Zie ‘Te herzien’.")
lessons = store.lessons()
to_review = [lesson for lesson in lessons if lesson.needs_review]


def area_select(label: str, default: list[int], key: str) -> list[int]:
    return st.multiselect(label, list(AREAS), default=default, format_func=ui.area_option, key=key,
                          max_selections=curation_module.MAX_AREAS, help=ui.area_help())


def kind_select(label: str, default: str, key: str) -> str:
    return st.selectbox(label, KINDS, index=KINDS.index(default) if default in KINDS else 0, format_func=ui.kind_option, key=key)


tab_new, tab_lessons, tab_review, tab_history = st.tabs(
    ["Nieuwe les", f"Vastgelegde lessen ({len(lessons)})", f"Te herzien ({len(to_review)})", "Geschiedenis"]
)

# ------------------------------------------------------------------------- a new lesson
with tab_new:
    st.caption("Kies een passage: via ‘Vastleggen als les’ bij een zoekresultaat, of zoek hier.")
    passage_id = st.query_params.get("passage", "")
    finder = st.text_input("Zoek een passage", key="cur_zoek", placeholder="bijv. wachtlijsten")
    if finder.strip():
        found = search.search(finder, top_k=8)
        options = [hit.passage_id for hit in found]
        labels = {hit.passage_id: f"{hit.gemeente} {hit.year or ''} · p. {hit.page} · {hit.text[:90]}…" for hit in found}
        picked = st.radio("Resultaten", options, index=None, format_func=labels.__getitem__, key="cur_keuze")
        if picked:
            passage_id = picked
    passage = search.passage(passage_id) if passage_id else None
    if passage_id and passage is None:
        st.warning(f"Passage {passage_id} staat niet (meer) in de index.")
    if passage is not None:
        with st.container(border=True):
            st.markdown(f"**{ui.plain_markdown(passage['gemeente'] or 'onbekende gemeente')} {passage['year'] or ''}** "
                        + ui.badges(passage["areas"], passage["kind"]))
            st.markdown(ui.plain_markdown(passage["text"]))
            st.caption(f"{passage['file']}, pagina {passage['page']} · passage {passage['passage_id']}")
        existing = store.lesson_for_passage(passage)
        if existing is not None:
            st.info(f"Deze passage is al vastgelegd als les {existing.lesson_id}: ‘{existing.title or 'zonder titel'}’.")
        else:
            pid = passage["passage_id"]
            with st.form(f"nieuw_{pid}"):
                title = st.text_input("Korte titel", max_chars=120, key=f"nieuw_titel_{pid}")
                note = st.text_area("Notitie", max_chars=2000, key=f"nieuw_notitie_{pid}")
                areas = area_select("Aandachtsgebieden (gecorrigeerd)", list(passage["areas"])[: curation_module.MAX_AREAS], f"nieuw_gebieden_{pid}")
                kind = kind_select("Soort uitspraak (gecorrigeerd)", passage["kind"], f"nieuw_soort_{pid}")
                if st.form_submit_button("Vastleggen als les", type="primary"):
                    try:
                        lesson = store.accept(passage, by=name, title=title, note=note, areas=areas, kind=kind)
                    except CurationError as error:
                        st.error(str(error))
                    else:
                        done(f"Les {lesson.lesson_id} vastgelegd.")


def lesson_header(lesson: Lesson) -> None:
    status = " :orange-badge[te herzien]" if lesson.needs_review else ""
    st.markdown(f"**{lesson.lesson_id}. {ui.plain_markdown(lesson.title or 'zonder titel')}** — "
                f"{ui.plain_markdown(lesson.gemeente or '')} {lesson.year or ''} {ui.badges(lesson.areas, lesson.kind)}{status}")
    if lesson.note:
        st.markdown(f"*{ui.plain_markdown(lesson.note)}*")
    st.caption(f"{lesson.file}, pagina {lesson.page} · vastgelegd door {lesson.created_by} op {lesson.created_at[:10]}"
               + (f" · gewijzigd door {lesson.updated_by} op {lesson.updated_at[:10]}" if lesson.updated_at != lesson.created_at else ""))


# ------------------------------------------------------------------------ the lessons
with tab_lessons:
    if not lessons:
        st.info("Nog geen vastgelegde lessen.")
    for lesson in reversed(lessons):
        with st.container(border=True):
            lesson_header(lesson)
            with st.expander("Bewerken"), st.form(f"les_{lesson.lesson_id}", border=False):
                title = st.text_input("Korte titel", value=lesson.title, max_chars=120, key=f"titel_{lesson.lesson_id}")
                note = st.text_area("Notitie", value=lesson.note, max_chars=2000, key=f"notitie_{lesson.lesson_id}")
                areas = area_select("Aandachtsgebieden", lesson.areas, f"gebieden_{lesson.lesson_id}")
                kind = kind_select("Soort uitspraak", lesson.kind, f"soort_{lesson.lesson_id}")
                if st.form_submit_button("Opslaan"):
                    try:
                        store.update(lesson.lesson_id, by=name, title=title, note=note, areas=areas, kind=kind)
                    except CurationError as error:
                        st.error(str(error))
                    else:
                        done(f"Les {lesson.lesson_id} opgeslagen.")
            with st.expander("Tekst en geschiedenis"):
                st.markdown(ui.plain_markdown(lesson.text))
                st.dataframe(
                    pd.DataFrame([{"Tijd": h.at, "Wie": h.who, "Actie": h.action, "Wijzigingen": str(h.changes)}
                                  for h in store.history(lesson.lesson_id)]),
                    hide_index=True, width="stretch",
                )

# ---------------------------------------------------------------------- flagged lessons
with tab_review:
    if not to_review:
        st.success("Geen lessen te herzien.")
    for lesson in to_review:
        with st.container(border=True):
            lesson_header(lesson)
            st.warning(f"Te herzien: {lesson.review_reason}.")
            left, right = st.columns(2)
            left.markdown("**Vastgelegde tekst**")
            left.markdown(ui.plain_markdown(lesson.text))
            if lesson.candidate_text:
                right.markdown(f"**Nieuwe tekst** (pagina {lesson.candidate_page})")
                right.markdown(ui.plain_markdown(lesson.candidate_text))
                if right.button("Nieuwe tekst overnemen", key=f"overnemen_{lesson.lesson_id}"):
                    try:
                        store.accept_new_text(lesson.lesson_id, by=name)
                    except CurationError as error:
                        st.error(str(error))
                    else:
                        done(f"Les {lesson.lesson_id}: nieuwe tekst overgenomen.")

# ------------------------------------------------------------------------------ history
with tab_history:
    entries = store.history()
    st.dataframe(
        pd.DataFrame([{"Tijd": h.at, "Wie": h.who, "Actie": h.action, "Les": h.lesson_id, "Wijzigingen": str(h.changes)}
                      for h in reversed(entries)]),
        hide_index=True, width="stretch",
    )
    st.download_button(
        "Labels voor de tagger (JSONL)", data="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in store.label_records()),
        file_name="curatie-labels.jsonl", mime="application/jsonl", on_click="ignore", icon=":material/download:",
        help="Elke les als {id, text, areas, kind}; ook via `wijkkennis curation export-labels UIT.jsonl`.",
    )
