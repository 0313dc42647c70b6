"""Shared pieces of the Streamlit app (``app.py`` and ``app_pages/``): cached services, labels, result cards.

The app stays thin: searching is ``index.query``, curation is ``wijkkennis.curation``, exports are
``wijkkennis.export``. Everything the user reads is Dutch.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from core.config import Settings, load_settings
from core.taxonomy import AREA_SHORT, AREAS, ROLE_LABELS
from index.query import Hit, SearchService, snippet_html
from wijkkennis.curation import CurationStore

# Page files, relative to app.py (st.navigation, st.switch_page and st.page_link use these).
PAGE_ZOEKEN = "app_pages/zoeken.py"
PAGE_LESSEN = "app_pages/lessen.py"
PAGE_RAPPORTEN = "app_pages/rapporten.py"
PAGE_OVERZICHT = "app_pages/overzicht.py"
PAGE_VERGELIJKBAAR = "app_pages/vergelijkbaar.py"
PAGE_CURATIE = "app_pages/curatie.py"
PAGE_EXPORT = "app_pages/export.py"
PAGE_BEHEER = "app_pages/beheer.py"

KIND_COLOURS = {"knelpunt": "red", "succesfactor": "green", "aanbeveling": "orange", "beschrijving": "gray"}
CURATOR_KEY = "curator"  # session state: the signed-in curator's name
EMPTY_INDEX = "De index is leeg. Lees eerst rapporten in: `wijkkennis ingest corpus/` of via de pagina Beheer."

_render_lock = threading.Lock()  # pdfium is not thread-safe; Streamlit sessions are threads


# ------------------------------------------------------------------ services
def settings() -> Settings:
    """Settings for this run (read from pyproject / WIJKKENNIS_* each run: cheap)."""
    return load_settings()


@st.cache_resource(show_spinner="Zoekindex laden…")
def _service(data_dir: str) -> SearchService:
    return SearchService(load_settings(data_dir=data_dir))


def service(current: Settings | None = None) -> SearchService:
    """One SearchService per data directory, shared by all sessions of this process."""
    return _service(str((current or settings()).data_dir))


@st.cache_resource
def _curation(path: str) -> CurationStore:
    return CurationStore(Path(path))


def curation(current: Settings | None = None) -> CurationStore:
    return _curation(str((current or settings()).curation_path))


def curator() -> str | None:
    """The signed-in curator, or None for a reader."""
    name = st.session_state.get(CURATOR_KEY)
    return str(name) if name else None


# -------------------------------------------------------------------- labels
def area_option(area: int) -> str:
    """Label of an area in filters; also its value in the URL (``?gebied=3.+Ketenpartners``)."""
    return f"{area}. {AREA_SHORT[area]}"


def kind_option(kind: str | None) -> str:
    return "alle" if kind is None else kind.capitalize()


def g40_option(value: bool | None) -> str:
    return "alle" if value is None else ("ja" if value else "nee")


def any_option(value: Any) -> str:
    return "alle" if value is None else str(value)


def search_params(
    query: str = "",
    areas: Sequence[int] = (),
    kind: str | None = None,
    gemeenten: Sequence[str] = (),
    year: int | None = None,
) -> dict[str, str | list[str]]:
    """Query parameters that open the Zoeken page with this query and these filters.

    Gemeenten are passed by name (the label the gemeente filter shows).
    """
    params: dict[str, str | list[str]] = {}
    if query:
        params["q"] = query
    if areas:
        params["gebied"] = [area_option(a) for a in areas]
    if kind:
        params["soort"] = kind_option(kind)
    if gemeenten:
        params["gemeente"] = list(gemeenten)
    if year:
        params["van"] = str(year)
        params["tot"] = str(year)
    return params


def kind_badge(kind: str) -> str:
    return f":{KIND_COLOURS.get(kind, 'gray')}-badge[{kind_option(kind)}]"


def badges(hit_areas: Sequence[int], kind: str, also: Sequence[str] = ()) -> str:
    """Markdown badges: the statement kind, the other kinds its sentences make, each aandachtsgebied."""
    parts = [kind_badge(kind)] if kind else []
    parts += [f":{KIND_COLOURS.get(k, 'gray')}-badge[ook {k}]" for k in also if k != kind]
    parts += [f":blue-badge[{area_option(a)}]" for a in hit_areas]
    return " ".join(parts) or ":gray-badge[geen aandachtsgebied]"


def role_badge(role: str) -> str:
    """A small label for a finding that is not from the report's body: "uit de samenvatting", …"""
    label = ROLE_LABELS.get(role)
    if not label:
        return ""
    return f":violet-badge[{label}]" if role in ("samenvatting", "bijlage") else f":gray-badge[{label}]"


def sentence_kinds_markdown(hit: Hit) -> str:
    """For a passage that makes more than one kind of statement: its findings, sentence by sentence."""
    if len(hit.kinds) < 2:
        return ""
    lines = [f"- {kind_badge(s['kind'])} {plain_markdown(s['text'])}" for s in hit.sentences if s["kind"] != "beschrijving"]
    return "\n".join(lines)


_MARKDOWN_SPECIALS = {"*": "&#42;", "_": "&#95;", "$": "&#36;", "`": "&#96;", "#": "&#35;", "[": "&#91;",
                      "]": "&#93;", "~": "&#126;", "|": "&#124;", "\\": "&#92;", ":": "&#58;"}


_KEEP = re.compile(r"(</?mark>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)")


def snippet_markdown(snippet: str) -> str:
    """A snippet with query terms in <mark>, safe to pass to st.markdown(unsafe_allow_html=True).

    Report text is HTML-escaped and Markdown/LaTeX characters are entity-encoded, so nothing in a
    PDF can inject markup or turn ``$`` amounts into formulas.
    """
    marked = snippet_html(snippet)
    pieces = _KEEP.split(marked)  # odd pieces: <mark>, </mark> and the entities html.escape wrote (&#x27; for ')
    return "".join(p if i % 2 else "".join(_MARKDOWN_SPECIALS.get(c, c) for c in p) for i, p in enumerate(pieces))


def plain_markdown(text: str) -> str:
    """Arbitrary text shown literally by st.markdown."""
    return snippet_markdown(text.replace("**", "* *"))


_BULLET = re.compile(r"^(?:[•▪◦●·–—-]\s+|[•▪◦●])+")


def one_line(text: str) -> str:
    """A finding as one line: whitespace collapsed, a leading list bullet or dash of the PDF dropped."""
    return _BULLET.sub("", " ".join(text.split())).strip()


def area_help() -> str:
    return "\n".join(f"{n}. {name}" for n, name in AREAS.items())


# --------------------------------------------------------------------- sources
def source_pdf(search: SearchService, file: str) -> Path | None:
    """The PDF a document was ingested from, only when the index knows it (never another path)."""
    path = search.store.source_path(file)
    if path is None or path.suffix.lower() != ".pdf":
        return None
    return path


@st.cache_data(max_entries=48, show_spinner=False)
def render_page_png(path: str, page: int, mtime: float, scale: float = 1.5) -> bytes:
    """One PDF page as PNG bytes (cached per file version and page)."""
    import pypdfium2

    with _render_lock:
        document = pypdfium2.PdfDocument(path)
        try:
            if not 1 <= page <= len(document):
                raise ValueError(f"pagina {page} bestaat niet (het document heeft {len(document)} pagina's)")
            image = document[page - 1].render(scale=scale).to_pil()
        finally:
            document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def show_source_page(search: SearchService, file: str, page: int, key: str) -> None:
    """The rendered source page with a download button for the whole PDF."""
    path = source_pdf(search, file)
    if path is None:
        st.warning(f"Het bronbestand {file} is niet (meer) beschikbaar op deze server.")
        return
    try:
        png = render_page_png(str(path), page, path.stat().st_mtime)
    except Exception as error:  # a damaged PDF must not break the result list
        st.warning(f"Pagina {page} kon niet worden getoond: {error}")
    else:
        st.image(png, caption=f"{file}, pagina {page}", width="stretch", output_format="PNG")
    st.download_button(
        "PDF downloaden", data=path.read_bytes(), file_name=file, mime="application/pdf", key=f"pdf_{key}", on_click="ignore",
    )


# ------------------------------------------------------------------ result card
def _set_more_like(passage_id: str) -> None:
    st.query_params["meer"] = passage_id


def result_card(search: SearchService, hit: Hit, key: str, more_like_this: bool = True) -> None:
    """One search result: source line, badges, highlighted snippet, source page on demand."""
    with st.container(border=True):
        place = f"{hit.gemeente or 'onbekende gemeente'} {hit.year or ''}".strip()
        title = f" · {plain_markdown(hit.title)}" if hit.title else ""
        st.markdown(f"**{plain_markdown(place)}**{title}")
        st.markdown(" ".join(filter(None, [role_badge(hit.role), badges(hit.areas, hit.kind, hit.kinds)])))
        st.markdown(snippet_markdown(hit.snippet), unsafe_allow_html=True)
        per_sentence = sentence_kinds_markdown(hit)
        if per_sentence:
            st.markdown(per_sentence, unsafe_allow_html=True)
        st.caption(f"{hit.file}, pagina {hit.page}" + (f" · § {hit.heading}" if hit.heading else ""))
        source = st.expander("Bronpagina bekijken", key=f"bron_{key}", on_change="rerun", icon=":material/description:")
        with source:
            if source.open:  # rendered only when opened
                show_source_page(search, hit.file, hit.page, key)
        columns = st.columns(2 if curator() else 1)
        if more_like_this:
            columns[0].button(
                "Meer zoals dit", key=f"meer_{key}", on_click=_set_more_like, args=(hit.passage_id,),
                help="Vergelijkbare passages uit rapporten van andere gemeenten",
            )
        if curator():
            columns[-1].page_link(PAGE_CURATIE, label="Vastleggen als les", icon=":material/star:", query_params={"passage": hit.passage_id})


def documents(search: SearchService) -> list[dict[str, Any]]:
    return [dict(row) for row in search.store.documents()]


@st.cache_data(show_spinner=False)
def coordinates() -> dict[str, tuple[float, float]]:
    """Gemeentecode → (lat, lon) from the packaged CBS table."""
    from core import reference

    return reference.coordinates()
