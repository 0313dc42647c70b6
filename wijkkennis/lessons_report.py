"""The lessons report to download: per theme its label, how many reports and gemeenten share it,
2–4 quoted findings (the reports' own sentences) with numbered citations, and the list of
sources at the end — what IWW staff write by hand today. DOCX with python-docx, PDF with
reportlab; both from the same ``report_content``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.taxonomy import AREAS
from pipeline.themes import Finding, clean_quote
from wijkkennis.lessons import Lesson, LessonFilter, counted

PLURAL = {"knelpunt": "Knelpunten", "succesfactor": "Succesfactoren", "aanbeveling": "Aanbevelingen"}


@dataclass(frozen=True)
class Source:
    number: int
    gemeente: str
    year: int | None
    title: str
    file: str
    page: int

    def text(self) -> str:
        who = self.gemeente or "landelijk"
        year = f" ({self.year})" if self.year else ""
        return f"[{self.number}] {who}{year}, {self.title}, p. {self.page} — {self.file}"


@dataclass(frozen=True)
class Section:
    heading: str
    summary: str
    quotes: list[tuple[str, int]]  # (quoted text, source number)


@dataclass(frozen=True)
class ReportContent:
    title: str
    subtitle: str
    intro: str
    sections: list[tuple[str, list[Section]]]  # per statement kind
    sources: list[Source]


def _scope(wanted: LessonFilter) -> str:
    parts = [f"aandachtsgebied {wanted.area}. {AREAS[wanted.area]}" if wanted.area else "alle aandachtsgebieden"]
    if wanted.kind:
        parts.append(PLURAL[wanted.kind].lower())
    return ", ".join(parts)


def report_content(lessons: Sequence[Lesson], wanted: LessonFilter, quotes: int = 3, today: dt.date | None = None) -> ReportContent:
    """What the report says, independent of the format: themes by kind, numbered sources."""
    numbers: dict[tuple[str, int], Source] = {}

    def source_of(finding: Finding) -> int:
        key = (finding.file, finding.page)
        if key not in numbers:
            numbers[key] = Source(len(numbers) + 1, finding.gemeente, finding.year, finding.title or finding.file,
                                  finding.file, finding.page)
        return numbers[key].number

    sections: list[tuple[str, list[Section]]] = []
    for kind in PLURAL:
        chosen = [lesson for lesson in lessons if lesson.kind == kind]
        if not chosen:
            continue
        parts = []
        for lesson in chosen:
            picked: list[Finding] = []
            for finding in lesson.findings:  # one quote per report first, so the quotes show the spread
                if finding.doc_id not in {p.doc_id for p in picked}:
                    picked.append(finding)
                if len(picked) == quotes:
                    break
            years = lesson.years
            span = f" ({years[0]}–{years[-1]})" if len(years) > 1 else (f" ({years[0]})" if years else "")
            summary = (f"Gedeeld door {counted(len(lesson.gemeenten), 'gemeente', 'gemeenten')} in "
                       f"{counted(len(lesson.reports), 'rapport', 'rapporten')}{span}; {counted(len(lesson.findings), 'bevinding', 'bevindingen')}.")
            parts.append(Section(lesson.label, summary, [(clean_quote(f.text), source_of(f)) for f in picked]))
        sections.append((PLURAL[kind], parts))
    today = today or dt.date.today()
    n_reports = len({f.doc_id for lesson in lessons for f in lesson.findings})
    return ReportContent(
        title="Lessen uit evaluaties van sociale (wijk)teams",
        subtitle=f"{_scope(wanted)} — Wijkkennis, {today.isoformat()}",
        intro=(f"{len(lessons)} terugkerende lessen uit {n_reports} rapporten. Citaten zijn letterlijke zinnen uit de "
               "rapporten; de nummers verwijzen naar de bronnenlijst (rapport en pagina). Thema's zijn automatisch "
               "gevormd en door curatoren van IWW bijgewerkt waar aangegeven."),
        sections=sections,
        sources=sorted(numbers.values(), key=lambda s: s.number),
    )


def write_docx(path: Path, content: ReportContent) -> Path:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.add_heading(content.title, level=0)
    document.add_paragraph(content.subtitle).runs[0].italic = True
    document.add_paragraph(content.intro)
    number = 0
    for kind_heading, parts in content.sections:
        document.add_heading(kind_heading, level=1)
        for section in parts:
            number += 1
            document.add_heading(f"{number}. {section.heading}", level=2)
            document.add_paragraph(section.summary)
            for text, source in section.quotes:
                paragraph = document.add_paragraph(style="Quote")
                paragraph.add_run(f"“{text}” ")
                paragraph.add_run(f"[{source}]").bold = True
    document.add_heading("Bronnen", level=1)
    for source in content.sources:
        document.add_paragraph(source.text()).paragraph_format.space_after = Pt(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_pdf(path: Path, content: ReportContent) -> Path:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    quote = ParagraphStyle("quote", parent=styles["BodyText"], leftIndent=0.8 * cm, textColor="#333333", fontName="Helvetica-Oblique")
    story = [Paragraph(escape(content.title), styles["Title"]), Paragraph(escape(content.subtitle), styles["Italic"]),
             Spacer(1, 0.3 * cm), Paragraph(escape(content.intro), styles["BodyText"])]
    number = 0
    for kind_heading, parts in content.sections:
        story.append(Paragraph(escape(kind_heading), styles["Heading1"]))
        for section in parts:
            number += 1
            story += [Paragraph(escape(f"{number}. {section.heading}"), styles["Heading2"]),
                      Paragraph(escape(section.summary), styles["BodyText"])]
            story += [Paragraph(f"“{escape(text)}” <b>[{source}]</b>", quote) for text, source in section.quotes]
    story.append(Paragraph("Bronnen", styles["Heading1"]))
    story += [Paragraph(escape(source.text()), styles["BodyText"]) for source in content.sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    SimpleDocTemplate(str(path), pagesize=A4, title=content.title, author="Wijkkennis",
                      leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm).build(story)
    return path


def write_report(path: Path, lessons: Sequence[Lesson], wanted: LessonFilter, quotes: int = 3) -> Path:
    """``path`` ending in .docx or .pdf."""
    content = report_content(lessons, wanted, quotes)
    if path.suffix.lower() == ".docx":
        return write_docx(path, content)
    if path.suffix.lower() == ".pdf":
        return write_pdf(path, content)
    raise ValueError(f"onbekend formaat {path.suffix!r}: kies .docx of .pdf")


__all__ = ["ReportContent", "report_content", "write_docx", "write_pdf", "write_report"]
