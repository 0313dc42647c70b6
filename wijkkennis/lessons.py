"""Lessons across reports: the computed themes (``index.themes``) with the curators' edits on
top, filtered the way the Lessen page, the CLI and the lessons report ask for them, and the
per-report dossier of the Rapporten page.

Curator edits (rename, merge, split, move a finding out, pin a quote) live in the curation
database (table ``theme_edits``, who and when on every row, never deleted). An edit is anchored
on the *findings* of the themes it touched, not on theme ids: after a new ingest the themes are
recomputed, and each edit is applied to the new theme that shares most findings with its anchor
(Jaccard ≥ ``MATCH_SHARE``; a pin or a move also follows its finding). An edit whose themes are
gone is kept and reported as unmatched.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import Settings
from core.records import NON_FINDING_ROLES
from core.taxonomy import AREAS, KINDS
from index.themes import ThemeSet, cached_themes, is_refreshing, load_themes, refresh_in_background
from pipeline.themes import FINDING_KINDS, Finding, Theme, short_label, theme_id
from wijkkennis.curation import ACTIVE, CurationError, CurationStore, now

MATCH_SHARE = 0.34
EDIT_ACTIONS = ("rename", "merge", "split", "move_out", "pin")

SCHEMA = """
CREATE TABLE IF NOT EXISTS theme_edits (
    edit_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    anchors TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}'
);
"""


@dataclass(frozen=True)
class ThemeEdit:
    edit_id: int
    at: str
    who: str
    action: str
    anchors: list[list[str]]  # per theme the edit touched: its finding ids at the time
    payload: dict[str, Any]


class ThemeEdits:
    """The curators' theme edits, in the curation database (its backups and restore cover them)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.store = CurationStore(self.path)  # the curation database with its own schema first
        with self._connect() as db:
            db.executescript(SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings) -> ThemeEdits:
        return cls(settings.curation_path)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.store.transaction()

    def _add(self, who: str, action: str, anchors: Sequence[Sequence[str]], payload: dict[str, Any]) -> int:
        if not who.strip():
            raise CurationError("een wijziging heeft een curator nodig")
        if not anchors or not all(anchors):
            raise CurationError("een wijziging hoort bij een thema met bevindingen")
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO theme_edits(at, who, action, anchors, payload) VALUES (?, ?, ?, ?, ?)",
                (now(), who, action, json.dumps([list(a) for a in anchors]), json.dumps(payload, ensure_ascii=False)),
            )
            CurationStore.log(db, None, who, f"thema: {action}", payload)
            return int(cursor.lastrowid or 0)

    def rename(self, theme: Theme, label: str, who: str) -> int:
        if not label.strip():
            raise CurationError("een thema heeft een naam nodig")
        return self._add(who, "rename", [theme.finding_ids], {"label": label.strip()})

    def merge(self, themes: Sequence[Theme], who: str, label: str = "") -> int:
        if len(themes) < 2:
            raise CurationError("kies minstens twee thema's om samen te voegen")
        return self._add(who, "merge", [t.finding_ids for t in themes], {"label": label.strip()})

    def split(self, theme: Theme, finding_ids: Sequence[str], label: str, who: str) -> int:
        chosen = [f for f in finding_ids if f in set(theme.finding_ids)]
        if not chosen or len(chosen) == len(theme.finding_ids):
            raise CurationError("kies een deel van de bevindingen van het thema om af te splitsen")
        if not label.strip():
            raise CurationError("het nieuwe thema heeft een naam nodig")
        return self._add(who, "split", [theme.finding_ids], {"findings": chosen, "label": label.strip()})

    def move_out(self, theme: Theme, finding_id: str, who: str) -> int:
        if finding_id not in theme.finding_ids:
            raise CurationError("deze bevinding hoort niet bij dit thema")
        return self._add(who, "move_out", [theme.finding_ids], {"finding": finding_id})

    def pin(self, theme: Theme, finding_id: str, who: str) -> int:
        if finding_id not in theme.finding_ids:
            raise CurationError("deze bevinding hoort niet bij dit thema")
        return self._add(who, "pin", [theme.finding_ids], {"finding": finding_id})

    def edits(self) -> list[ThemeEdit]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM theme_edits ORDER BY edit_id").fetchall()
        return [ThemeEdit(r["edit_id"], r["at"], r["who"], r["action"], json.loads(r["anchors"]), json.loads(r["payload"]))
                for r in rows]


@dataclass
class Lesson:
    """A theme as users see it: computed, then curated."""

    theme_id: str
    kind: str
    areas: tuple[int, ...]
    label: str
    terms: list[str]
    findings: list[Finding]  # pinned first, then curated lessons, then by centrality
    pinned: str = ""
    curated_label: bool = False
    edits: list[int] = field(default_factory=list)

    @property
    def reports(self) -> list[str]:
        return sorted({f.doc_id for f in self.findings})

    @property
    def gemeenten(self) -> list[str]:
        return sorted({f.gemeente for f in self.findings if f.gemeente})

    @property
    def years(self) -> list[int]:
        return sorted({f.year for f in self.findings if f.year})

    @property
    def quote(self) -> Finding:
        return self.findings[0]

    @property
    def shared(self) -> str:
        """How widely it is shared, in words: "3 gemeenten, 4 rapporten, 1 bevinding"."""
        return (f"{counted(len(self.gemeenten), 'gemeente', 'gemeenten')}, {counted(len(self.reports), 'rapport', 'rapporten')}, "
                f"{counted(len(self.findings), 'bevinding', 'bevindingen')}")

    def to_dict(self, findings: int | None = None) -> dict[str, Any]:
        return {
            "theme_id": self.theme_id, "label": self.label, "kind": self.kind, "areas": list(self.areas),
            "terms": self.terms, "n_findings": len(self.findings), "n_reports": len(self.reports),
            "n_gemeenten": len(self.gemeenten), "gemeenten": self.gemeenten, "years": self.years,
            "curated": bool(self.edits), "pinned": self.pinned,
            "findings": [citation(f) | {"finding_id": f.finding_id, "text": f.text} for f in self.findings[:findings]],
        }


def counted(number: int, one: str, many: str) -> str:
    """"1 gemeente", "3 gemeenten", "0 gemeenten"."""
    return f"{number} {one if number == 1 else many}"


def citation(finding: Finding) -> dict[str, Any]:
    return {"gemeente": finding.gemeente, "year": finding.year, "title": finding.title, "file": finding.file,
            "page": finding.page, "passage_id": finding.passage_id}


def cite(finding: Finding) -> str:
    """"Gemeente (jaar), Titel, p. N" — the way a lessons report cites."""
    who = finding.gemeente or "landelijk"
    year = f" ({finding.year})" if finding.year else ""
    return f"{who}{year}, {finding.title or finding.file}, p. {finding.page}"


@dataclass
class _Draft:
    members: list[str]
    label: str
    kind: str
    terms: list[str]
    areas: tuple[int, ...]
    pinned: str = ""
    curated_label: bool = False
    edits: list[int] = field(default_factory=list)


def _best_match(drafts: dict[str, _Draft], anchor: Sequence[str]) -> str | None:
    wanted, best, best_share = set(anchor), None, MATCH_SHARE
    for key, draft in drafts.items():
        members = set(draft.members)
        share = len(members & wanted) / len(members | wanted) if members else 0.0
        if share >= best_share:
            best, best_share = key, share
    return best


def _shared_most(lesson: Lesson) -> tuple[int, int, int, str]:
    """Lessons shared by the most gemeenten first, then reports, then findings."""
    return -len(lesson.gemeenten), -len(lesson.reports), -len(lesson.findings), lesson.theme_id


def apply_edits(theme_set: ThemeSet, edits: Sequence[ThemeEdit], curated_passages: frozenset[str] = frozenset()
                ) -> tuple[list[Lesson], list[ThemeEdit]]:
    """The lessons: computed themes with the edits applied in order; and the edits that matched
    no theme any more (kept, reported)."""
    drafts = {t.theme_id: _Draft(list(t.finding_ids), t.label, t.kind, list(t.terms), t.areas) for t in theme_set.themes}
    unmatched = []
    for edit in edits:
        keys = [_best_match(drafts, anchor) for anchor in edit.anchors]
        if keys == [None] and "finding" in edit.payload:  # a pin or move follows its finding
            keys = [next((k for k, d in drafts.items() if edit.payload["finding"] in d.members), None)]
        if any(k is None for k in keys):
            unmatched.append(edit)
            continue
        target = drafts[keys[0]]  # type: ignore[index]
        target.edits.append(edit.edit_id)
        if edit.action == "rename":
            target.label, target.curated_label = edit.payload["label"], True
        elif edit.action == "merge":
            for key in dict.fromkeys(keys[1:]):
                if key != keys[0] and key in drafts:
                    target.members += [m for m in drafts.pop(key).members if m not in target.members]  # type: ignore[arg-type]
            if edit.payload.get("label"):
                target.label, target.curated_label = edit.payload["label"], True
        elif edit.action == "split":
            chosen = [f for f in edit.payload["findings"] if f in target.members]
            if chosen and len(chosen) < len(target.members):
                target.members = [m for m in target.members if m not in chosen]
                drafts[theme_id(chosen)] = _Draft(chosen, edit.payload["label"], target.kind, [], target.areas,
                                                  curated_label=True, edits=[edit.edit_id])
        elif edit.action == "move_out":
            target.members = [m for m in target.members if m != edit.payload["finding"]]
        elif edit.action == "pin" and edit.payload["finding"] in target.members:
            target.pinned = edit.payload["finding"]
    lessons = []
    for key, draft in drafts.items():
        findings = [theme_set.findings[m] for m in draft.members if m in theme_set.findings]
        if not findings:
            continue
        order = {m: i for i, m in enumerate(draft.members)}
        findings.sort(key=lambda f: (f.finding_id != draft.pinned, f.passage_id not in curated_passages, order[f.finding_id]))
        label = draft.label or short_label(findings[0].text)
        lessons.append(Lesson(key, draft.kind, draft.areas, label, draft.terms, findings, draft.pinned,
                              draft.curated_label, draft.edits))
    lessons.sort(key=_shared_most)
    return lessons, unmatched


@dataclass(frozen=True)
class LessonFilter:
    area: int | None = None
    kind: str | None = None
    provincies: tuple[str, ...] = ()
    grootteklassen: tuple[str, ...] = ()
    years: tuple[int, int] | None = None

    def validated(self) -> LessonFilter:
        if self.area is not None and self.area not in AREAS:
            raise ValueError(f"onbekend aandachtsgebied: {self.area} (kies 1–10)")
        if self.kind is not None and self.kind not in FINDING_KINDS:
            raise ValueError(f"kies een soort uit {', '.join(FINDING_KINDS)}")
        return self

    def keeps(self, finding: Finding) -> bool:
        if self.provincies and finding.provincie not in self.provincies:
            return False
        if self.grootteklassen and finding.grootteklasse not in self.grootteklassen:
            return False
        return not (self.years and (finding.year is None or not self.years[0] <= finding.year <= self.years[1]))


def select(lessons: Sequence[Lesson], wanted: LessonFilter) -> list[Lesson]:
    """Lessons of an area and kind; with provincie/size/years, each keeps only matching findings
    and must still be shared by two reports."""
    chosen = []
    for lesson in lessons:
        if wanted.kind and lesson.kind != wanted.kind:
            continue
        if wanted.area and wanted.area not in lesson.areas:
            continue
        findings = [f for f in lesson.findings if wanted.keeps(f)]
        if not findings:
            continue
        if len(findings) != len(lesson.findings):
            if len({f.doc_id for f in findings}) < 2:
                continue
            lesson = Lesson(lesson.theme_id, lesson.kind, lesson.areas, lesson.label, lesson.terms, findings,
                            lesson.pinned, lesson.curated_label, lesson.edits)
        chosen.append(lesson)
    chosen.sort(key=_shared_most)
    return chosen


@dataclass
class LessonBook:
    """What the Lessen page, ``wijkkennis themes`` and the lessons report read."""

    theme_set: ThemeSet
    lessons: list[Lesson]
    unmatched_edits: list[ThemeEdit]
    stale: bool = False  # the themes are of an older index generation (a refresh is running)

    def lesson(self, key: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.theme_id == key:
                return lesson
        raise KeyError(key)

    def theme(self, key: str) -> Theme:
        """The lesson as a ``Theme`` (its current findings), the form edits anchor on."""
        lesson = self.lesson(key)
        return Theme(lesson.theme_id, lesson.kind, lesson.areas, lesson.label, lesson.quote.text,
                     [f.finding_id for f in lesson.findings])


def _curated_passages(settings: Settings) -> frozenset[str]:
    try:
        lessons = CurationStore(settings.curation_path).lessons(ACTIVE)
    except sqlite3.Error:
        return frozenset()
    return frozenset(lesson.passage_id for lesson in lessons if lesson.passage_id)


def lesson_book(settings: Settings, wait: bool = True) -> LessonBook | None:
    """The lessons of the index. ``wait=False`` (the app): the cached themes at once — those of an
    older generation while the current ones are computed in the background; None when there are
    none yet (a computation has started)."""
    from index.store import Store

    with Store(settings) as store:
        generation = store.generation
        current = cached_themes(settings, generation)
        stale = False
        if current is None:
            if wait:
                current = load_themes(settings, store)
            else:
                refresh_in_background(settings, generation)
                current, stale = cached_themes(settings), True
                if current is None:
                    return None
    edits = ThemeEdits.for_settings(settings).edits()
    lessons, unmatched = apply_edits(current, edits, _curated_passages(settings))
    return LessonBook(current, lessons, unmatched, stale)


def refreshing(settings: Settings) -> bool:
    return is_refreshing(settings)


# ------------------------------------------------------------------ the Rapporten dossier
@dataclass
class ReportDossier:
    doc_id: str
    file: str
    title: str
    gemeente: str
    year: int | None
    provincie: str
    publisher: str
    report_type: str
    n_pages: int
    counts: dict[int, dict[str, int]]  # area → kind → passages
    recommendations: list[dict[str, Any]]  # {"text", "page"}
    lessons: list[tuple[str, str, int]]  # (theme_id, label, findings from this report)


def dossiers(settings: Settings, book: LessonBook | None = None) -> list[ReportDossier]:
    """Every indexed report with its findings per area × kind, its aanbevelingen in full and the
    lessons it contributes to."""
    from index.store import Store

    with Store(settings) as store:
        documents = store.db.execute("SELECT * FROM documents WHERE status = 'complete' ORDER BY gemeente, year, title").fetchall()
        passages = store.db.execute(
            "SELECT p.doc_id, p.page, p.text, p.kind, p.areas, p.sentence_kinds, p.role FROM passages p "
            "JOIN documents d USING (doc_id) WHERE d.status = 'complete' ORDER BY p.doc_id, p.position"
        ).fetchall()
    counts: dict[str, dict[int, Counter[str]]] = {}
    recommendations: dict[str, list[dict[str, Any]]] = {}
    for row in passages:
        areas = json.loads(row["areas"] or "[]")
        sentence_kinds = json.loads(row["sentence_kinds"] or "[]")
        kinds = {row["kind"], *(s[2] for s in sentence_kinds)}
        per_area = counts.setdefault(row["doc_id"], {})
        for area in areas:
            per_area.setdefault(area, Counter()).update(kinds)
        if row["role"] in NON_FINDING_ROLES:
            continue
        texts = [row["text"][s[0]:s[1]].strip() for s in sentence_kinds if s[2] == "aanbeveling"]
        if not sentence_kinds and row["kind"] == "aanbeveling":
            texts = [row["text"].strip()]
        recommendations.setdefault(row["doc_id"], []).extend({"text": t, "page": row["page"]} for t in texts if t)
    contributions: dict[str, list[tuple[str, str, int]]] = {}
    for lesson in book.lessons if book else []:
        for doc_id, n in Counter(f.doc_id for f in lesson.findings).items():
            contributions.setdefault(doc_id, []).append((lesson.theme_id, lesson.label, n))
    return [
        ReportDossier(
            d["doc_id"], d["file"], d["title"] or d["file"], d["gemeente"] or "", d["year"], d["provincie"] or "",
            d["publisher"] or "", d["report_type"] or "", d["n_pages"] or 0,
            {area: {kind: c[kind] for kind in KINDS if c[kind]} for area, c in sorted(counts.get(d["doc_id"], {}).items())},
            recommendations.get(d["doc_id"], []), contributions.get(d["doc_id"], []),
        )
        for d in documents
    ]
