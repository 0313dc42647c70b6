"""Beheer: upload and ingest PDFs (curators only), and the index statistics (everyone)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.taxonomy import AREA_SHORT
from wijkkennis import ui
from wijkkennis.uploads import UploadError, save_upload

OUTCOME_LABELS = {"ok": "ingelezen", "ok_with_warnings": "ingelezen (met waarschuwing)", "unchanged": "ongewijzigd", "failed": "MISLUKT"}

settings = ui.settings()
search = ui.service(settings)

st.title("Beheer")

# ------------------------------------------------------------------------------ upload
st.subheader("Rapporten toevoegen")
name = ui.curator()
if not name:
    st.info("Inloggen (pagina Curatie) is nodig om rapporten toe te voegen.")
    st.page_link(ui.PAGE_CURATIE, label="Naar Curatie", icon=":material/star:")
else:
    st.caption(f"PDF-bestanden van maximaal {settings.upload_max_mb} MB. Een bestand met dezelfde naam vervangt de vorige versie.")
    uploads = st.file_uploader("PDF-bestanden", type=["pdf"], accept_multiple_files=True, key="uploads", max_upload_size=settings.upload_max_mb)
    if st.button("Inlezen", type="primary", disabled=not uploads, icon=":material/upload_file:"):
        from index.ingest import FileOutcome, ingest

        saved, refused = [], []
        for upload in uploads or []:
            try:
                saved.append(save_upload(upload.name, upload.getvalue(), settings.uploads_dir, settings.upload_max_mb))
            except UploadError as error:
                refused.append({"Bestand": upload.name, "Resultaat": "GEWEIGERD", "Pagina's": None, "Passages": None, "Toelichting": str(error)})
        results = list(refused)
        if saved:
            bar = st.progress(0.0, text="Inlezen…")

            def progress(done: int, total: int, outcome: FileOutcome) -> None:
                bar.progress(done / max(total, 1), text=f"{done} van {total}: {outcome.file}")

            with st.spinner("Rapporten inlezen (tekst, passages, labels, vectoren)…"):
                outcomes = ingest([upload.path for upload in saved], settings, progress=progress)
            bar.progress(1.0, text="Klaar")
            renamed = {upload.name: upload.original_name for upload in saved}
            for outcome in outcomes:
                detail = outcome.reason or "; ".join(outcome.warnings)
                if renamed.get(outcome.file, outcome.file) != outcome.file:
                    detail = (f"opgeslagen als {outcome.file}; " + detail).rstrip("; ")
                results.append({"Bestand": renamed.get(outcome.file, outcome.file), "Resultaat": OUTCOME_LABELS.get(outcome.status, outcome.status),
                                "Pagina's": outcome.pages, "Passages": outcome.passages, "Toelichting": detail})
            report = ui.curation(settings).reconcile(search.store)
            if report.flagged:
                st.warning(f"{report.flagged} vastgelegde les(sen) moeten worden herzien (pagina Curatie).")
        st.session_state["beheer_uitkomsten"] = results
    if st.session_state.get("beheer_uitkomsten"):
        results = st.session_state["beheer_uitkomsten"]
        failed = [r for r in results if r["Resultaat"] in ("MISLUKT", "GEWEIGERD")]
        (st.error if failed else st.success)(f"{len(results) - len(failed)} van {len(results)} bestanden verwerkt.")
        st.dataframe(pd.DataFrame(results), hide_index=True, width="stretch", key="tabel_uitkomsten")

# ------------------------------------------------------------------------------ tagger
COMPARISON_SETS = {"dev": "ontwikkelset", "curatie": "achtergehouden curatorlabels"}


def comparison_frame(table: dict) -> pd.DataFrame:
    """The current and the new model side by side, per set."""
    rows = []
    for name, entry in table.items():
        for figure, label in (("areas_macro_f1", "aandachtsgebieden macro-F1"), ("kind_macro_f1", "soort macro-F1"), ("combined", "samen")):
            rows.append({"Set": f"{COMPARISON_SETS.get(name, name)} (n = {entry['n']})" + ("" if entry.get("deciding", True) else ", telt nog niet mee"),
                         "Maat": label, "Huidig model": entry["current"][figure], "Nieuw model": entry["new"][figure]})
    return pd.DataFrame(rows)


def tagger_section(curator_name: str) -> None:
    from wijkkennis import tagger_versions

    st.subheader("Tagger")
    st.caption("Train een nieuwe versie van de tagger op de meegeleverde trainingsdata plus alle beslissingen van curatoren "
               "(Curatie › Te beoordelen). De nieuwe versie wordt alleen geïnstalleerd als ze op de ontwikkelset en op een "
               "achtergehouden vijfde van de curatorbeslissingen niet slechter is dan de huidige; anders wordt ze opzij gezet.")
    versions = tagger_versions.list_versions(settings.data_dir)
    st.dataframe(pd.DataFrame([{"Versie": v.version, "In gebruik": "ja" if v.active else "", "Status": v.status,
                                "Getraind": v.trained[:16].replace("T", " "), "Reden": v.reason} for v in versions]),
                 hide_index=True, width="stretch", key="tabel_taggers")
    job = tagger_versions.training_job(settings.data_dir)
    running = job is not None and not job.done
    if st.button("Nieuwe versie trainen", key="tagger_trainen", icon=":material/model_training:", disabled=running):
        try:
            job = tagger_versions.start_training(settings, by=curator_name)
        except tagger_versions.TrainingBusyError as error:
            st.error(str(error))
        st.rerun()

    @st.fragment(run_every=2 if running else None)
    def training_status() -> None:
        current = tagger_versions.training_job(settings.data_dir)
        if current is None:
            return
        if not current.done:
            st.progress(current.fraction, text=f"Training (gestart door {current.started_by}): {current.message}")
            return
        if current.error:
            st.error(f"De training is mislukt: {current.error}")
        elif current.result is not None:
            result = current.result
            (st.success if result.installed else st.warning)(
                f"Versie {result.version} {'geïnstalleerd' if result.installed else 'opzij gezet'}: {result.reason}.")
            st.dataframe(comparison_frame(result.report.get("comparison", {})), hide_index=True, width="stretch", key="tabel_vergelijking")
            if result.retag is not None:
                st.caption(f"Labels van {result.retag.passages} passages ververst ({result.retag.changed} gewijzigd) zonder opnieuw te embedden.")
        if running:
            st.rerun()  # the whole page: the version table changed

    training_status()


if name:
    tagger_section(name)

# ------------------------------------------------------------------------------- stats
st.subheader("Index")
stats = search.stats()
metrics = st.columns(4)
metrics[0].metric("Rapporten", stats["documents"])
metrics[1].metric("Passages", stats["passages"])
metrics[2].metric("Vectoren", stats["vectors"])
metrics[3].metric("Gemeenten", stats["gemeenten"])
st.caption(f"Embedder: {stats['embedder']} · gegevensmap: {stats['data_dir']}")
left, right = st.columns(2)
left.dataframe(pd.DataFrame([{"Aandachtsgebied": f"{a}. {AREA_SHORT[a]}", "Passages": n} for a, n in stats["per_area"].items()]),
               hide_index=True, width="stretch")
right.dataframe(pd.DataFrame([{"Soort uitspraak": ui.kind_option(k), "Passages": n} for k, n in stats["per_kind"].items()]),
                hide_index=True, width="stretch")
docs = ui.documents(search)
if docs:
    st.dataframe(
        pd.DataFrame([{
            "Bestand": d["file"], "Gemeente": d["gemeente"], "Jaar": d["year"], "Titel": d["title"], "Pagina's": d["n_pages"],
            "Passages": d["n_passages"], "Ingelezen": (d["ingested_at"] or "")[:16].replace("T", " "),
            "Waarschuwingen": "; ".join(json.loads(d["warnings"] or "[]")),
        } for d in docs]),
        hide_index=True, width="stretch", key="tabel_documenten",
    )
else:
    st.info(ui.EMPTY_INDEX)
