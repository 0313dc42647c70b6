"""Curatie (IWW): sign in, review the tagger's least certain passages, record passages as curated lessons,
correct their labels, review flags."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from core.taxonomy import AREA_SHORT, AREAS, KINDS
from pipeline.tag_versions import active_version
from wijkkennis import curation as curation_module
from wijkkennis import review, ui
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


QUEUE_TAB = "Te beoordelen"
tab_new, tab_queue, tab_lessons, tab_review, tab_history = st.tabs(
    ["Nieuwe les", QUEUE_TAB, f"Vastgelegde lessen ({len(lessons)})", f"Te herzien ({len(to_review)})", "Geschiedenis"],
    key="curatie_tab", on_change="rerun", default=QUEUE_TAB if st.query_params.get("weergave") == "beoordelen" else None,
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


# ------------------------------------------------------------------- the review queue
@st.cache_data(show_spinner="Wachtrij berekenen (de tagger scoort elke passage)…", max_entries=8)
def queue_items(data_dir: str, generation: int, version: str, files: tuple[str, ...]) -> list[review.QueueItem]:
    """The queue for this index generation, model version and choice of reports (cached)."""
    return review.build_queue(search.store, review.load_model(Path(data_dir)), files)


def nl(number: float) -> str:
    """A probability the Dutch way: 0,53."""
    return f"{number:.2f}".replace(".", ",")


def toggle_area(area: int) -> None:
    chosen = list(st.session_state.get("rq_areas", []))
    if area in chosen:
        chosen.remove(area)
    elif len(chosen) >= curation_module.MAX_AREAS:
        st.session_state["rq_melding"] = f"Hoogstens {curation_module.MAX_AREAS} aandachtsgebieden; zet er eerst een uit."
        return
    else:
        chosen.append(area)
    st.session_state["rq_areas"] = sorted(chosen)


def set_kind(kind: str) -> None:
    st.session_state["rq_kind"] = kind


def save_decision(item: review.QueueItem, version: str) -> None:
    try:
        decision = store.decide(item.passage, by=name or "", areas=st.session_state.get("rq_areas", []),
                                kind=st.session_state.get("rq_kind", item.kind), model_areas=item.areas, model_kind=item.kind,
                                model_version=version, uncertainty=item.uncertainty)
    except CurationError as error:
        st.session_state["rq_melding"] = str(error)
        return
    st.session_state["rq_opgeslagen"] = f"Opgeslagen ({decision.action}): {ui.badges(decision.areas, decision.kind or '')}"


def skip_decision(item: review.QueueItem, version: str) -> None:
    store.skip(item.passage, by=name or "", model_areas=item.areas, model_kind=item.kind, model_version=version,
               uncertainty=item.uncertainty)
    st.session_state["rq_opgeslagen"] = "Overgeslagen; de passage komt achteraan in de wachtrij."


def review_queue() -> None:
    version = active_version(settings.data_dir)
    documents = ui.documents(search)
    with st.expander("Wachtrij beperken", icon=":material/filter_list:"):
        files = st.multiselect("Rapporten", [d["file"] for d in documents], key="rq_bestanden",
                               format_func=lambda f: next((f"{d['gemeente'] or '?'} {d['year'] or ''} · {f}" for d in documents if d["file"] == f), f))
        columns = st.columns(2)
        area = columns[0].selectbox("Aandachtsgebied (volgens de tagger)", [None, *AREAS], format_func=lambda a: "alle" if a is None else ui.area_option(a), key="rq_gebied")
        kind = columns[1].selectbox("Soort uitspraak (volgens de tagger)", [None, *KINDS], format_func=ui.kind_option, key="rq_soort")
    items = queue_items(str(settings.data_dir), search.store.generation, version, tuple(sorted(files)))
    labelled, skipped = store.reviewed_hashes()
    counts = review.progress(items, labelled)
    st.caption(f"**{counts.reviewed}** beoordeeld · nog **{counts.left_above_cut}** boven de onzekerheidsgrens "
               f"({nl(review.UNCERTAINTY_CUT)}) · {counts.left} te gaan · tagger: {version}")
    if saved := st.session_state.pop("rq_opgeslagen", None):
        st.success(saved)
    if warning := st.session_state.pop("rq_melding", None):
        st.warning(warning)
    todo = review.pending(items, labelled, skipped, area, kind)
    if not todo:
        st.success("Niets meer te beoordelen met deze keuze.")
        return
    item = todo[0]
    if st.session_state.get("rq_item") != item.text_hash:  # a new card: start from the tagger's labels
        st.session_state.update(rq_item=item.text_hash, rq_areas=list(item.areas), rq_kind=item.kind)
    passage = item.passage
    with st.container(border=True, key="rq_kaart"):
        st.markdown(f"**{ui.plain_markdown(passage.get('gemeente') or 'onbekende gemeente')} {passage.get('year') or ''}** · "
                    f"onzekerheid {nl(item.uncertainty)}" + (" · eerder overgeslagen" if item.text_hash in skipped else ""))
        st.markdown(ui.plain_markdown(passage["text"]))
        st.caption(f"{passage['file']}, pagina {passage['page']}" + (f" · § {passage['heading']}" if passage.get("heading") else ""))
        source = st.expander("Bronpagina bekijken", key=f"rq_bron_{item.passage_id}", on_change="rerun", icon=":material/description:")
        with source:
            if source.open:
                ui.show_source_page(search, passage["file"], int(passage["page"]), f"rq_{item.passage_id}")
        top_areas = sorted(item.area_probabilities.items(), key=lambda kv: -kv[1])[:3]
        st.caption("Tagger: " + ui.kind_option(item.kind) + f" ({nl(item.kind_probabilities[item.kind])}) · "
                   + (", ".join(ui.area_option(a) for a in item.areas) or "geen aandachtsgebied")
                   + " · hoogste kansen: " + "; ".join(f"{a}: {nl(p)}" for a, p in top_areas))
        chosen_areas, chosen_kind = st.session_state.get("rq_areas", []), st.session_state.get("rq_kind", item.kind)
        st.markdown("**Aandachtsgebieden** (cijfertoetsen 1–9 en 0 zetten ze aan of uit)")
        for row in (list(AREAS)[:5], list(AREAS)[5:]):
            columns = st.columns(len(row))
            for column, number in zip(columns, row, strict=True):
                column.button(f"{AREA_SHORT[number]} · {nl(item.area_probabilities[number])}", key=f"rq_gebied_{number}",
                              type="primary" if number in chosen_areas else "secondary", on_click=toggle_area, args=(number,),
                              shortcut=review.AREA_KEYS[number], width="stretch", help=ui.area_option(number))
        st.markdown("**Soort uitspraak** (K, S, A, B)")
        columns = st.columns(len(KINDS))
        for column, option in zip(columns, KINDS, strict=True):
            column.button(f"{ui.kind_option(option)} · {nl(item.kind_probabilities[option])}", key=f"rq_soort_{option}",
                          type="primary" if option == chosen_kind else "secondary", on_click=set_kind, args=(option,),
                          shortcut=review.KIND_KEYS[option], width="stretch")
        actions = st.columns([2, 1, 3])
        actions[0].button("Opslaan en volgende", key="rq_opslaan", type="primary", icon=":material/check:",
                          on_click=save_decision, args=(item, version), shortcut=review.SAVE_KEY)
        actions[1].button("Overslaan", key="rq_overslaan", on_click=skip_decision, args=(item, version), shortcut=review.SKIP_KEY)
        actions[2].caption("Nu: " + ui.badges(chosen_areas, chosen_kind))


with tab_queue:
    if tab_queue.open:
        st.caption("Passages waarover de tagger het minst zeker is, eerst. Accepteer of verbeter zijn labels met het toetsenbord "
                   "(cijfers: aandachtsgebieden, K/S/A/B: soort, Enter: opslaan en volgende, O: overslaan). Elke beslissing "
                   "wordt bewaard met naam en tijd en traint de volgende versie van de tagger (pagina Beheer).")
        try:
            review_queue()
        except FileNotFoundError as error:
            st.warning(f"Geen getraind model beschikbaar: {error}")


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
