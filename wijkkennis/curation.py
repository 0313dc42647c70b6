"""Curated lessons: passages that IWW staff accepted, with corrected labels, a title and a note.

Stored in their own SQLite database (``settings.curation_path``, WAL), apart from the index, so a
rebuild of the index never touches them. Every change is written to a history table with who
and when.

A lesson is keyed by file + page + a hash of its passage text, not by passage id alone: passage
ids are positions (``doc:page:index``) and point at other text when a report is re-ingested in a
new version. ``reconcile`` re-anchors lessons after an ingest: an identical passage (even on
another page) keeps the lesson as it is; when the text is gone the lesson is flagged
``te_herzien`` with the most similar new passage as a candidate, never dropped.

Curated labels are training data for the tagger: ``export_labels`` writes
``{"id", "text", "areas", "kind"}`` lines like ``training/tags/*.jsonl``.

Review-queue decisions (the Curatie page's "Te beoordelen", ``wijkkennis.review``) live in their
own table, apart from the tagger's labels in the index: every accept, correction or skip is a new
row with who and when and what the tagger had said, never updated or deleted, and the history
records it too. ``wijkkennis train-tagger`` trains on the latest labelled decision per text
(``decision_records``). Backups and restores copy them with the rest of the database.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.taxonomy import AREAS, KINDS
from wijkkennis import auth

if TYPE_CHECKING:
    from index.store import Store

SYSTEM_USER = "systeem"
ACTIVE = "actief"
NEEDS_REVIEW = "te_herzien"
STATUS_LABELS = {ACTIVE: "actief", NEEDS_REVIEW: "te herzien"}
REASON_TEXT_CHANGED = "de tekst van de passage is veranderd bij opnieuw inlezen"
REASON_DOCUMENT_MISSING = "het document staat niet (meer) in de index"
MAX_AREAS = 3
MAX_FAILURES = 10  # failed sign-ins per name per 15 minutes before further tries are refused

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT
);
CREATE TABLE IF NOT EXISTS lessons (
    lesson_id INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL,
    page INTEGER NOT NULL,
    text_hash TEXT NOT NULL,
    passage_id TEXT,
    text TEXT NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    gemeente TEXT NOT NULL DEFAULT '',
    gemeentecode TEXT NOT NULL DEFAULT '',
    year INTEGER,
    title TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    areas TEXT NOT NULL DEFAULT '[]',
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'actief',
    review_reason TEXT NOT NULL DEFAULT '',
    candidate_passage_id TEXT,
    candidate_page INTEGER,
    candidate_text TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (file, page, text_hash)
);
CREATE TABLE IF NOT EXISTS history (
    history_id INTEGER PRIMARY KEY AUTOINCREMENT,
    lesson_id INTEGER,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS history_lesson ON history(lesson_id, history_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS decisions (
    decision_id INTEGER PRIMARY KEY AUTOINCREMENT,
    text_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    file TEXT NOT NULL DEFAULT '',
    page INTEGER,
    passage_id TEXT,
    action TEXT NOT NULL,
    areas TEXT NOT NULL DEFAULT '[]',
    kind TEXT,
    model_areas TEXT NOT NULL DEFAULT '[]',
    model_kind TEXT,
    model_version TEXT NOT NULL DEFAULT '',
    uncertainty REAL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_text ON decisions(text_hash, decision_id);
"""
# Review-queue decisions (``CurationStore.decide``/``skip``): rows are only ever added, so a
# decision is never lost; the latest labelled row per text counts.
ACCEPTED = "geaccepteerd"
CORRECTED = "gecorrigeerd"
SKIPPED = "overgeslagen"


class CurationError(ValueError):
    """A curation action that cannot be done; the message (Dutch) says why."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalise_text(text: str) -> str:
    return " ".join(text.split())


def text_hash(text: str) -> str:
    """Hash of a passage text with whitespace normalised (layout changes don't count)."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:20]


def check_labels(areas: Sequence[int], kind: str) -> tuple[list[int], str]:
    cleaned = sorted({int(a) for a in areas})
    if any(a not in AREAS for a in cleaned):
        raise CurationError("aandachtsgebied moet tussen 1 en 10 liggen")
    if len(cleaned) > MAX_AREAS:
        raise CurationError(f"hoogstens {MAX_AREAS} aandachtsgebieden per les")
    if kind not in KINDS:
        raise CurationError(f"onbekende soort uitspraak {kind!r} (kies uit {', '.join(KINDS)})")
    return cleaned, kind


@dataclass(frozen=True)
class Lesson:
    lesson_id: int
    file: str
    page: int
    text_hash: str
    passage_id: str | None
    text: str
    heading: str
    gemeente: str
    gemeentecode: str
    year: int | None
    title: str
    note: str
    areas: list[int]
    kind: str
    status: str
    review_reason: str
    candidate_passage_id: str | None
    candidate_page: int | None
    candidate_text: str | None
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str

    @property
    def needs_review(self) -> bool:
        return self.status == NEEDS_REVIEW

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Lesson:
        data = dict(row)
        data["areas"] = json.loads(data["areas"] or "[]")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """A curator's verdict on a passage in the review queue: the labels (``areas``, ``kind``) with
    who and when, beside what the tagger had said (``model_*``); ``action`` is geaccepteerd
    (labels as the tagger had them), gecorrigeerd or overgeslagen (no labels)."""

    decision_id: int
    text_hash: str
    text: str
    heading: str
    file: str
    page: int | None
    passage_id: str | None
    action: str
    areas: list[int]
    kind: str | None
    model_areas: list[int]
    model_kind: str | None
    model_version: str
    uncertainty: float | None
    decided_by: str
    decided_at: str

    @property
    def labelled(self) -> bool:
        return self.action != SKIPPED

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Decision:
        data = dict(row)
        data["areas"] = json.loads(data["areas"] or "[]")
        data["model_areas"] = json.loads(data["model_areas"] or "[]")
        return cls(**data)


@dataclass(frozen=True)
class HistoryEntry:
    history_id: int
    lesson_id: int | None
    at: str
    who: str
    action: str
    changes: dict[str, Any]


@dataclass
class ReconcileReport:
    checked: int = 0
    unchanged: int = 0
    moved: int = 0
    restored: int = 0
    flagged: int = 0
    skipped: bool = False


class CurationStore:
    """The curation database. Opens a short-lived connection per operation (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection whose block is one transaction (committed on success, else rolled back)."""
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous=FULL")
            with db:
                yield db

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction on the curation database, for modules that keep their own tables in it
        (``wijkkennis.lessons``: curators' theme edits), so backups and restore cover them."""
        return self._connect()

    @staticmethod
    def log(db: sqlite3.Connection, lesson_id: int | None, who: str, action: str, changes: dict[str, Any]) -> None:
        """A row of the history (who, when, what), in the caller's transaction; also for the tables
        other modules keep in this database (theme edits)."""
        db.execute(
            "INSERT INTO history(lesson_id, at, who, action, changes) VALUES (?, ?, ?, ?, ?)",
            (lesson_id, now(), who, action, json.dumps(changes, ensure_ascii=False)),
        )

    # ----------------------------------------------------------------- users
    def add_user(self, name: str, password: str, by: str = SYSTEM_USER, iterations: int = auth.ITERATIONS) -> None:
        """Add a curator, or set a new password for an existing one (stored as a salted hash)."""
        name = auth.check_name(name)
        encoded = auth.hash_password(auth.check_new_password(password), iterations=iterations)
        with self._connect() as db:
            existed = db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is not None
            db.execute(
                "INSERT INTO users(name, password_hash, created_at, created_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash",
                (name, encoded, now(), by),
            )
            self.log(db, None, by, "wachtwoord gewijzigd" if existed else "curator toegevoegd", {"naam": name})

    def remove_user(self, name: str, by: str = SYSTEM_USER) -> bool:
        with self._connect() as db:
            removed = db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0
            if removed:
                self.log(db, None, by, "curator verwijderd", {"naam": name})
        return removed

    def users(self) -> list[str]:
        with self._connect() as db:
            return [row["name"] for row in db.execute("SELECT name FROM users ORDER BY name")]

    def password_hashes(self, configured: str = "") -> dict[str, str]:
        """Curators from the ``curators`` setting, then the users table (which wins)."""
        hashes = auth.parse_curators(configured)
        with self._connect() as db:
            hashes.update({row["name"]: row["password_hash"] for row in db.execute("SELECT name, password_hash FROM users")})
        return hashes

    def recent_failures(self, name: str, minutes: int = 15) -> int:
        """Failed sign-ins for ``name`` in the last ``minutes`` (to slow down password guessing)."""
        since = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")
        with self._connect() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM history WHERE action = 'inloggen mislukt' AND who = ? AND at >= ?",
                (name.strip()[:64] or "?", since),
            ).fetchone()
        return int(row[0])

    def authenticate(self, name: str, password: str, configured: str = "") -> bool:
        """Check a sign-in; failures are recorded in the history (who = the name tried)."""
        if self.recent_failures(name) >= MAX_FAILURES:
            return False
        ok = auth.authenticate(name, password, self.password_hashes(configured))
        if not ok:
            with self._connect() as db:
                self.log(db, None, name.strip()[:64] or "?", "inloggen mislukt", {})
        return ok

    # --------------------------------------------------------------- lessons
    def lessons(self, status: str | None = None) -> list[Lesson]:
        sql, args = "SELECT * FROM lessons", ()
        if status is not None:
            sql, args = sql + " WHERE status = ?", (status,)
        with self._connect() as db:
            return [Lesson.from_row(row) for row in db.execute(sql + " ORDER BY lesson_id", args)]

    def lesson(self, lesson_id: int) -> Lesson:
        with self._connect() as db:
            row = db.execute("SELECT * FROM lessons WHERE lesson_id = ?", (lesson_id,)).fetchone()
        if row is None:
            raise CurationError(f"les {lesson_id} bestaat niet")
        return Lesson.from_row(row)

    def lesson_for_passage(self, passage: dict[str, Any]) -> Lesson | None:
        """The lesson already recorded for this passage (same file, page and text), if any."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM lessons WHERE file = ? AND page = ? AND text_hash = ?",
                (passage["file"], passage["page"], text_hash(passage["text"])),
            ).fetchone()
        return Lesson.from_row(row) if row else None

    def accept(
        self,
        passage: dict[str, Any],
        by: str,
        title: str = "",
        note: str = "",
        areas: Sequence[int] | None = None,
        kind: str | None = None,
    ) -> Lesson:
        """Record an index passage (a ``Store.passages`` record) as a curated lesson.

        Areas and kind default to the tagger's; a passage already recorded raises CurationError.
        """
        tagged = list(passage.get("areas", []))[:MAX_AREAS]
        labels = check_labels(tagged if areas is None else areas, kind or passage.get("kind") or "beschrijving")
        existing = self.lesson_for_passage(passage)
        if existing is not None:
            raise CurationError(f"deze passage is al vastgelegd als les {existing.lesson_id}")
        stamp = now()
        with self._connect() as db:
            cursor = db.execute(
                """INSERT INTO lessons(file, page, text_hash, passage_id, text, heading, gemeente, gemeentecode, year,
                   title, note, areas, kind, created_by, created_at, updated_by, updated_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (passage["file"], int(passage["page"]), text_hash(passage["text"]), passage.get("passage_id"),
                 passage["text"], passage.get("heading") or "", passage.get("gemeente") or "",
                 passage.get("gemeentecode") or "", passage.get("year"), title.strip(), note.strip(),
                 json.dumps(labels[0]), labels[1], by, stamp, by, stamp),
            )
            lesson_id = int(cursor.lastrowid or 0)
            self.log(db, lesson_id, by, "aangemaakt", {
                "passage_id": passage.get("passage_id"), "titel": title.strip(), "notitie": note.strip(),
                "aandachtsgebieden": labels[0], "soort": labels[1],
                "tagger": {"aandachtsgebieden": list(passage.get("areas", [])), "soort": passage.get("kind")},
            })
        return self.lesson(lesson_id)

    def update(
        self,
        lesson_id: int,
        by: str,
        title: str | None = None,
        note: str | None = None,
        areas: Sequence[int] | None = None,
        kind: str | None = None,
    ) -> Lesson:
        """Change title, note or labels; records the old and new value of every changed field."""
        current = self.lesson(lesson_id)
        new_areas, new_kind = check_labels(current.areas if areas is None else areas, current.kind if kind is None else kind)
        wanted = {
            "title": current.title if title is None else title.strip(),
            "note": current.note if note is None else note.strip(),
            "areas": new_areas,
            "kind": new_kind,
        }
        changes = {k: [getattr(current, k), v] for k, v in wanted.items() if getattr(current, k) != v}
        if not changes:
            return current
        with self._connect() as db:
            db.execute(
                "UPDATE lessons SET title = ?, note = ?, areas = ?, kind = ?, updated_by = ?, updated_at = ? WHERE lesson_id = ?",
                (wanted["title"], wanted["note"], json.dumps(wanted["areas"]), wanted["kind"], by, now(), lesson_id),
            )
            self.log(db, lesson_id, by, "gewijzigd", changes)
        return self.lesson(lesson_id)

    def accept_new_text(self, lesson_id: int, by: str) -> Lesson:
        """For a flagged lesson: take over the candidate passage's text and page (the labels stay)."""
        current = self.lesson(lesson_id)
        if not current.needs_review or not current.candidate_text or current.candidate_page is None:
            raise CurationError(f"les {lesson_id} heeft geen nieuwe tekst om over te nemen")
        new_hash = text_hash(current.candidate_text)
        try:
            with self._connect() as db:
                db.execute(
                    """UPDATE lessons SET text = ?, text_hash = ?, page = ?, passage_id = ?, status = ?, review_reason = '',
                       candidate_passage_id = NULL, candidate_page = NULL, candidate_text = NULL, updated_by = ?, updated_at = ?
                       WHERE lesson_id = ?""",
                    (current.candidate_text, new_hash, current.candidate_page, current.candidate_passage_id, ACTIVE, by, now(), lesson_id),
                )
                self.log(db, lesson_id, by, "nieuwe tekst overgenomen", {
                    "tekst": [current.text, current.candidate_text], "pagina": [current.page, current.candidate_page],
                    "passage_id": [current.passage_id, current.candidate_passage_id],
                })
        except sqlite3.IntegrityError as error:
            raise CurationError("er is al een les met deze nieuwe tekst") from error
        return self.lesson(lesson_id)

    def history(self, lesson_id: int | None = None) -> list[HistoryEntry]:
        sql, args = "SELECT * FROM history", ()
        if lesson_id is not None:
            sql, args = sql + " WHERE lesson_id = ?", (lesson_id,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY history_id", args).fetchall()
        return [HistoryEntry(r["history_id"], r["lesson_id"], r["at"], r["who"], r["action"], json.loads(r["changes"])) for r in rows]

    # ------------------------------------------------------------- re-ingest
    def _get_meta(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def reconcile(self, store: Store, force: bool = False) -> ReconcileReport:
        """Re-anchor every lesson to the current index; flag (never drop) lessons whose text is gone.

        Cheap when nothing changed: skipped unless the index generation moved since the last run.
        """
        from index.query import document_passages

        stamp = f"{store.settings.database_path}#{store.generation}"
        report = ReconcileReport()
        if not force and self._get_meta("reconciled") == stamp:
            report.skipped = True
            return report
        by_file: dict[str, list[dict[str, Any]]] = {}
        for lesson in self.lessons():
            report.checked += 1
            if lesson.file not in by_file:
                by_file[lesson.file] = document_passages(store, lesson.file)
            self._reconcile_one(lesson, by_file[lesson.file], report)
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('reconciled', ?)", (stamp,))
        return report

    def _reconcile_one(self, lesson: Lesson, passages: list[dict[str, Any]], report: ReconcileReport) -> None:
        same = [p for p in passages if text_hash(p["text"]) == lesson.text_hash]
        if same:
            best = min(same, key=lambda p: (p["page"] != lesson.page, p["passage_id"] != lesson.passage_id, abs(p["page"] - lesson.page)))
            moved = best["page"] != lesson.page or best["passage_id"] != lesson.passage_id
            restored = lesson.needs_review and lesson.review_reason in (REASON_TEXT_CHANGED, REASON_DOCUMENT_MISSING)
            if not moved and not restored:
                report.unchanged += 1
                return
            changes: dict[str, Any] = {}
            if best["page"] != lesson.page:
                changes["pagina"] = [lesson.page, best["page"]]
            if best["passage_id"] != lesson.passage_id:
                changes["passage_id"] = [lesson.passage_id, best["passage_id"]]
            status = ACTIVE if restored else lesson.status
            reason = "" if restored else lesson.review_reason
            try:
                with self._connect() as db:
                    db.execute(
                        """UPDATE lessons SET page = ?, passage_id = ?, status = ?, review_reason = ?, candidate_passage_id = NULL,
                           candidate_page = NULL, candidate_text = NULL WHERE lesson_id = ?""",
                        (best["page"], best["passage_id"], status, reason, lesson.lesson_id),
                    )
                    self.log(db, lesson.lesson_id, SYSTEM_USER, "hersteld" if restored else "verplaatst", changes)
            except sqlite3.IntegrityError:  # the same text is also curated on that page: leave this one be
                report.unchanged += 1
                return
            report.restored += int(restored)
            report.moved += int(moved and not restored)
            return
        if passages:
            reason = REASON_TEXT_CHANGED
            candidate = max(passages, key=lambda p: _similarity(lesson, p))
        else:
            reason, candidate = REASON_DOCUMENT_MISSING, None
        unchanged_flag = (
            lesson.needs_review
            and lesson.review_reason == reason
            and lesson.candidate_passage_id == (candidate["passage_id"] if candidate else None)
            and lesson.candidate_text == (candidate["text"] if candidate else None)
        )
        if unchanged_flag:
            report.unchanged += 1
            return
        with self._connect() as db:
            db.execute(
                """UPDATE lessons SET status = ?, review_reason = ?, candidate_passage_id = ?, candidate_page = ?,
                   candidate_text = ? WHERE lesson_id = ?""",
                (NEEDS_REVIEW, reason, candidate["passage_id"] if candidate else None, candidate["page"] if candidate else None,
                 candidate["text"] if candidate else None, lesson.lesson_id),
            )
            self.log(db, lesson.lesson_id, SYSTEM_USER, "gemarkeerd: te herzien", {
                "reden": reason, "kandidaat": candidate["passage_id"] if candidate else None,
            })
        report.flagged += 1

    # ------------------------------------------------------------- decisions
    def decide(
        self,
        passage: dict[str, Any],
        by: str,
        areas: Sequence[int],
        kind: str,
        model_areas: Sequence[int] = (),
        model_kind: str | None = None,
        model_version: str = "",
        uncertainty: float | None = None,
    ) -> Decision:
        """Record a curator's labels for a passage (``text``, and ``file``/``page``/``passage_id``/
        ``heading`` when known) beside the tagger's. A new row every time: an earlier decision on
        the same text stays in the table and the history; the latest one counts."""
        labels = check_labels(areas, kind)
        model = sorted({int(a) for a in model_areas})
        action = ACCEPTED if (labels[0], labels[1]) == (model, model_kind) else CORRECTED
        return self._add_decision(passage, by, action, labels[0], labels[1], model, model_kind, model_version, uncertainty)

    def skip(self, passage: dict[str, Any], by: str, model_areas: Sequence[int] = (), model_kind: str | None = None,
             model_version: str = "", uncertainty: float | None = None) -> Decision:
        """Record that a curator skipped a passage (no labels; it goes to the end of the queue)."""
        model = sorted({int(a) for a in model_areas})
        return self._add_decision(passage, by, SKIPPED, [], None, model, model_kind, model_version, uncertainty)

    def _add_decision(self, passage: dict[str, Any], by: str, action: str, areas: list[int], kind: str | None,
                      model_areas: list[int], model_kind: str | None, model_version: str, uncertainty: float | None) -> Decision:
        text = str(passage["text"])
        if not text.strip():
            raise CurationError("een passage zonder tekst kan niet worden beoordeeld")
        with self._connect() as db:
            cursor = db.execute(
                """INSERT INTO decisions(text_hash, text, heading, file, page, passage_id, action, areas, kind, model_areas,
                   model_kind, model_version, uncertainty, decided_by, decided_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (text_hash(text), text, passage.get("heading") or "", passage.get("file") or "", passage.get("page"),
                 passage.get("passage_id"), action, json.dumps(areas), kind, json.dumps(model_areas), model_kind, model_version,
                 None if uncertainty is None else round(float(uncertainty), 4), by, now()),
            )
            decision_id = int(cursor.lastrowid or 0)
            self.log(db, None, by, f"beoordeeld: {action}", {
                "beslissing": decision_id, "passage_id": passage.get("passage_id"), "aandachtsgebieden": areas, "soort": kind,
                "tagger": {"aandachtsgebieden": model_areas, "soort": model_kind, "versie": model_version},
            })
            row = db.execute("SELECT * FROM decisions WHERE decision_id = ?", (decision_id,)).fetchone()
        return Decision.from_row(row)

    def decisions(self) -> list[Decision]:
        """Every decision ever recorded, oldest first (skips included)."""
        with self._connect() as db:
            return [Decision.from_row(row) for row in db.execute("SELECT * FROM decisions ORDER BY decision_id")]

    def latest_decisions(self) -> list[Decision]:
        """Per text, the latest decision with labels (what the curators say now), oldest first."""
        latest: dict[str, Decision] = {}
        for decision in self.decisions():
            if decision.labelled:
                latest[decision.text_hash] = decision
        return sorted(latest.values(), key=lambda d: d.decision_id)

    def reviewed_hashes(self) -> tuple[set[str], set[str]]:
        """Text hashes with a labelled decision, and those only ever skipped."""
        labelled, skipped = set(), set()
        with self._connect() as db:
            for row in db.execute("SELECT text_hash, action FROM decisions"):
                (skipped if row["action"] == SKIPPED else labelled).add(row["text_hash"])
        return labelled, skipped - labelled

    def decision_records(self) -> list[dict[str, Any]]:
        """The latest labelled decision per text as tagger training records (like ``label_records``)."""
        return [{"id": f"beslissing-{d.decision_id}", "text": d.text, "areas": d.areas, "kind": d.kind, "source": "curatie",
                 "decided_by": d.decided_by, "decided_at": d.decided_at}
                for d in self.latest_decisions()]

    # ---------------------------------------------------------------- labels
    def label_records(self) -> list[dict[str, Any]]:
        """Curated labels as tagger training records: {"id", "text", "areas", "kind"}."""
        return [
            {"id": f"curatie-{lesson.lesson_id}", "text": lesson.text, "areas": lesson.areas, "kind": lesson.kind}
            for lesson in self.lessons()
        ]

    def export_labels(self, out: Path) -> int:
        records = self.label_records()
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(records)


def _similarity(lesson: Lesson, passage: dict[str, Any]) -> float:
    ratio = difflib.SequenceMatcher(None, normalise_text(lesson.text), normalise_text(passage["text"]), autojunk=False).ratio()
    return ratio + (0.05 if passage["page"] == lesson.page else 0.0) + (0.02 if passage["passage_id"] == lesson.passage_id else 0.0)


# --------------------------------------------------------------------- backup and restore
def _is_curation_db(connection: sqlite3.Connection) -> bool:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {"lessons", "history", "users"} <= tables


def backup(source: Path, dest: Path) -> Path:
    """Copy the curation database with SQLite's online backup API (safe while the app runs).

    ``dest`` may be a folder (a time-stamped file is made in it) or a file path.
    """
    if not source.is_file():
        raise CurationError(f"geen curatiedatabase gevonden: {source}")
    if dest.is_dir():
        dest = dest / f"curatie-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.sqlite"
    if dest.resolve() == source.resolve():
        raise CurationError("doel en bron zijn hetzelfde bestand")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CurationError(f"back-up is beschadigd: {dest}")
    return dest


def restore(source: Path, target: Path) -> Path | None:
    """Replace the curation database ``target`` with the backup ``source`` (online backup API).

    The current database is first saved beside it (``*.voor-herstel-<tijd>.sqlite``); returns that
    path, or None when there was no database yet. Refuses a file that is not a curation database.
    """
    if not source.is_file():
        raise CurationError(f"back-up niet gevonden: {source}")
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok" or not _is_curation_db(src):
                raise CurationError(f"geen geldige curatie-back-up: {source}")
    except sqlite3.DatabaseError as error:
        raise CurationError(f"geen geldige curatie-back-up: {source} ({error})") from error
    saved = None
    if target.is_file():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        saved = backup(target, target.with_name(f"{target.stem}.voor-herstel-{stamp}.sqlite"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.executescript(SCHEMA)
        with dst:
            dst.execute("DELETE FROM meta WHERE key = 'reconciled'")  # check the lessons against the index again
    return saved
