"""The ``wijkkennis`` command line: ingest, search, stats, serve, eval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from wijkkennis.config import Settings, load_settings
from wijkkennis.taxonomy import AREA_SHORT, KINDS, parse_area, parse_kind

app = typer.Typer(
    help=(
        "Wijkkennis: lessen en verbeterpunten uit evaluatierapporten over sociale (wijk)teams.\n\n"
        "Typical use: `wijkkennis ingest corpus/` then `wijkkennis search \"wachtlijsten en werkdruk\"`. "
        "Settings come from [tool.wijkkennis] in pyproject.toml and WIJKKENNIS_* environment variables."
    ),
    no_args_is_help=True,
    add_completion=False,
)
eval_app = typer.Typer(help="Measure tagging and search quality against labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Data directory (index, cache, curation).")]  # noqa: UP045


def _settings(data_dir: Path | None) -> Settings:
    return load_settings(data_dir=data_dir)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="PDF files or folders (searched recursively).")],
    data_dir: DataDir = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Empty the index first and ingest everything again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the per-file outcomes as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Extract, segment, tag and embed PDFs into the index; unchanged files are skipped.

    Ends with one line per file (ok / ongewijzigd / mislukt + reden); the exit code is 1 when any
    file failed, 0 otherwise.
    """
    from tqdm import tqdm

    from pipeline.ingest import FileOutcome
    from pipeline.ingest import ingest as run_ingest

    settings = _settings(data_dir)
    bar = None if (quiet or as_json) else tqdm(total=0, unit="pdf", desc="ingest", file=sys.stderr)

    def progress(done: int, total: int, outcome: FileOutcome) -> None:
        if bar is not None:
            bar.total = total
            bar.set_postfix_str(outcome.file[:40])
            bar.update(1)

    try:
        outcomes = run_ingest(paths, settings, rebuild=rebuild, progress=progress)
    except FileNotFoundError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        typer.echo(json.dumps([o.__dict__ for o in outcomes], ensure_ascii=False, indent=2))
    else:
        labels = {"ok": "ok", "ok_with_warnings": "ok (waarschuwing)", "unchanged": "ongewijzigd", "failed": "MISLUKT"}
        for outcome in outcomes:
            detail = outcome.reason or "; ".join(outcome.warnings)
            counts = f"{outcome.pages} p., {outcome.passages} passages" if outcome.status != "failed" else ""
            line = f"{labels[outcome.status]:<18} {outcome.file}  {counts}  {detail}".rstrip()
            typer.secho(line, fg="red" if outcome.failed else "yellow" if outcome.warnings else None)
        summary = {s: sum(o.status == s for o in outcomes) for s in labels}
        typer.echo(
            f"\n{len(outcomes)} bestanden: {summary['ok'] + summary['ok_with_warnings']} ingelezen, "
            f"{summary['unchanged']} ongewijzigd, {summary['failed']} mislukt. Index: {settings.data_dir}"
        )
    if any(o.failed for o in outcomes):
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Vraag of zoektermen in gewoon Nederlands.")],
    area: Annotated[Optional[list[str]], typer.Option("--area", "-a", help="Aandachtsgebied 1–10 (or part of its name); repeatable.")] = None,  # noqa: UP045
    kind: Annotated[Optional[str], typer.Option("--kind", "-k", help=f"Soort uitspraak: {', '.join(KINDS)}.")] = None,  # noqa: UP045
    gemeente: Annotated[Optional[list[str]], typer.Option("--gemeente", "-g", help="Gemeente (name, former name or GMxxxx); repeatable.")] = None,  # noqa: UP045
    provincie: Annotated[Optional[str], typer.Option(help="Provincie, e.g. Overijssel.")] = None,  # noqa: UP045
    grootteklasse: Annotated[Optional[str], typer.Option(help="Size class: <10k, 10-20k, 20-50k, 50-100k, 100-250k, >=250k.")] = None,  # noqa: UP045
    g40: Annotated[Optional[bool], typer.Option("--g40/--niet-g40", help="Only G40 gemeenten / only others.")] = None,  # noqa: UP045
    year_from: Annotated[Optional[int], typer.Option("--year-from", help="First year.")] = None,  # noqa: UP045
    year_to: Annotated[Optional[int], typer.Option("--year-to", help="Last year.")] = None,  # noqa: UP045
    publisher: Annotated[Optional[str], typer.Option(help="Exact publisher name.")] = None,  # noqa: UP045
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=200, help="Number of results.")] = 10,
    ranker: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of hits.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Search the index for passages; filters combine with the query."""
    from index.query import Filters, QueryError, SearchService, resolve_gemeente_codes

    settings = _settings(data_dir)
    try:
        filters = Filters(
            areas=tuple(parse_area(a) for a in area or []),
            kind=parse_kind(kind) if kind else None,
            gemeenten=resolve_gemeente_codes(gemeente or []),
            provincie=provincie,
            grootteklasse=grootteklasse,
            g40=g40,
            year_from=year_from,
            year_to=year_to,
            publisher=publisher,
        )
        hits = SearchService(settings).search(query, filters, top_k=top, ranker=ranker)  # type: ignore[arg-type]
    except (QueryError, ValueError) as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps([hit.to_dict() for hit in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        typer.echo("Geen resultaten — probeer minder filters of andere woorden.")
        return
    for rank, hit in enumerate(hits, 1):
        areas = ", ".join(f"{a} {AREA_SHORT[a]}" for a in hit.areas) or "—"
        typer.secho(f"{rank}. {hit.gemeente or '?'} {hit.year or ''} · {hit.file} p. {hit.page} · {hit.kind} · {areas}", bold=True)
        if hit.heading:
            typer.echo(f"   § {hit.heading}")
        typer.echo(f"   {hit.snippet}\n")


@app.command()
def stats(data_dir: DataDir = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts of documents, passages and vectors, per aandachtsgebied and statement kind."""
    from index.store import Store

    settings = _settings(data_dir)
    store = Store(settings)
    figures = store.stats()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    typer.echo(f"Documenten: {figures['documents']}  passages: {figures['passages']}  vectoren: {figures['vectors']}  gemeenten: {figures['gemeenten']}")
    typer.echo(f"Embedder: {figures['embedder']}  data: {figures['data_dir']}")
    for area, count in figures["per_area"].items():
        typer.echo(f"  {area:>2}. {AREA_SHORT[area]:<18} {count}")
    for kind_name, count in figures["per_kind"].items():
        typer.echo(f"  {kind_name:<14} {count}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port for the Streamlit app.")] = 8501,
    data_dir: DataDir = None,
    headless: Annotated[bool, typer.Option("--headless/--browser", help="Do not open a browser.")] = True,
) -> None:
    """Start the Streamlit app (app.py) on localhost."""
    app_path = Path(__file__).resolve().parent.parent / "app.py"
    env = dict(os.environ)
    if data_dir is not None:
        env["WIJKKENNIS_DATA_DIR"] = str(data_dir.resolve())
    command = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.port", str(port),
               "--server.headless", str(headless).lower(), "--browser.gatherUsageStats", "false"]
    raise typer.Exit(subprocess.call(command, env=env))


if __name__ == "__main__":
    app()
