"""``wijkkennis eval tags``: the report table of a tagger's scores beside the rule baseline.

Scores and their conventions (per-area and per-kind P/R/F1, macro over the areas/kinds present in
gold or predictions) live in ``core.metrics``, which tagger training shares.
"""

from __future__ import annotations

from core.metrics import Counts, EvalReport
from core.taxonomy import AREA_SHORT, AREAS, KINDS


def _cell(counts: Counts) -> str:
    if not counts.present:
        return f"{'—':>5} {'—':>5} {'—':>5}"
    return f"{counts.precision:>5.2f} {counts.recall:>5.2f} {counts.f1:>5.2f}"


def format_table(report: EvalReport) -> str:
    """Per-area and per-kind P/R/F1 of the tagger, with the baseline in the columns beside it."""
    main, base = report.main, report.baseline
    header = f"{'':<22} {'n':>4}  {main.name + ' P/R/F1':>17}"
    if base is not None:
        header += f"   {base.name + ' P/R/F1':>17}"
    lines = [header]

    def row(label: str, support: int, mine: Counts, theirs: Counts | None) -> str:
        text = f"{label:<22} {support:>4}  {_cell(mine)}"
        return text + (f"   {_cell(theirs)}" if theirs is not None else "")

    for area in AREAS:
        lines.append(row(f"{area:>2} {AREA_SHORT[area]}", main.scores.areas[area].support, main.scores.areas[area],
                         base.scores.areas[area] if base else None))
    for kind in KINDS:
        lines.append(row(kind, main.scores.kinds[kind].support, main.scores.kinds[kind], base.scores.kinds[kind] if base else None))

    def summary(label: str, key: str) -> str:
        text = f"{label:<28} {main.scores.summary()[key]:>11.3f}"
        return text + (f"   {base.scores.summary()[key]:>17.3f}" if base else "")

    lines.append("")
    lines.append(summary("aandachtsgebieden macro-F1", "areas_macro_f1"))
    lines.append(summary("aandachtsgebieden micro-F1", "areas_micro_f1"))
    lines.append(summary("soort uitspraak macro-F1", "kind_macro_f1"))
    lines.append(summary("soort uitspraak accuracy", "kind_accuracy"))
    timing = f"{report.n} passages · {main.name}: {main.seconds:.1f} s"
    if base is not None:
        timing += f" · {base.name}: {base.seconds:.1f} s"
    lines.append(timing)
    if report.source_sizes:
        lines.append("")
        lines.append(f"{'per bron':<22} {'n':>4}  {'gebieden / soort macro-F1':>25}" + (f"   {base.name:>17}" if base else ""))
        for source, n in report.source_sizes.items():
            mine = main.by_source[source]
            text = f"{source:<22} {n:>4}  {mine.areas_macro_f1:>12.3f} {mine.kind_macro_f1:>12.3f}"
            if base is not None:
                theirs = base.by_source[source]
                text += f"   {theirs.areas_macro_f1:>8.3f} {theirs.kind_macro_f1:>8.3f}"
            lines.append(text)
    if main.sentences is not None:
        text = (f"zinnen (soort per zin)  {report.n_sentences:>4}  macro-F1 {main.sentences.kind_macro_f1:.3f}, "
                f"accuracy {main.sentences.kind_accuracy:.3f}")
        if base is not None and base.sentences is not None:
            text += f"   {base.name}: macro-F1 {base.sentences.kind_macro_f1:.3f}"
        lines.append(text)
    lines.extend(report.notes)
    return "\n".join(lines)
