"""Lexical retrieval: BM25 over Dutch-normalised tokens, in segments that are added, not rebuilt.

Tokens are lower-cased, diacritics folded, Dutch stop words dropped and Snowball-stemmed, so
"wachtlijsten" and "wachtlijst" meet. The index carries, aligned with its rows, small numpy
arrays of the filterable fields so that a filtered BM25 query is a vectorised mask, not a scan.

The index is a list of immutable **segments** (like Lucene's): each holds the raw term
frequencies of its rows (postings per term), their lengths, passage ids and filter columns. An
update adds a segment for the changed documents and marks their old rows deleted (tombstones);
small segments are merged, and a segment with many deleted rows is rewritten. Scores are computed
at query time from the frequencies with the *global* document frequencies and average length of
the live rows, with bm25s's Lucene formula (k1 1.2, b 0.75) and its float32/float64 arithmetic,
so a segmented index gives the scores — to the bit — and the ranking of one bm25s index built
over the same passages in the same order (``tests/index/test_lexical_segments.py``).

On disk (``save`` / ``load``) a folder holds ``manifest.json`` (generation, the change-log
position it reflects, the segments and their tombstone files) and one folder per segment. Files
are written beside the live ones and the manifest is swapped in last (``os.replace``), so a reader
never sees half an index and a crash leaves the previous manifest intact; files no manifest
refers to are removed by the next save. A reader that sees a new manifest loads only the
segments it does not hold yet (memory-mapped).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np

from core.reference import fold

DUTCH_STOP_WORDS = set(
    ["aan", "al", "alle", "alles", "als", "altijd", "andere", "ben", "bij", "daar", "dan", "dat", "de", "der", "deze", "die", "dit", "doch", "doen", "door", "dus", "een", "eens", "en", "er", "ge", "geen", "geweest", "haar", "had", "heb", "hebben", "heeft", "hem", "het", "hier", "hij", "hoe", "hun", "iemand", "iets", "ik", "in", "is", "ja", "je", "kan", "kon", "kunnen", "maar", "me", "meer", "men", "met", "mij", "mijn", "moet", "na", "naar", "niet", "niets", "nog", "nu", "of", "om", "omdat", "onder", "ons", "ook", "op", "over", "reeds", "te", "tegen", "toch", "toen", "tot", "u", "uit", "uw", "van", "veel", "voor", "want", "waren", "was", "wat", "werd", "wezen", "wie", "wil", "worden", "wordt", "zal", "ze", "zelf", "zich", "zij", "zijn", "zo", "zonder", "zou", "zouden", "hoe", "waar", "welke", "andere", "gemeenten", "gemeente"]
)
# "gemeente(n)" occurs in nearly every passage of this corpus: as a query word it only adds noise.

TOKEN_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@cache
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("dutch")


@lru_cache(maxsize=500_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    """Dutch-normalised BM25 tokens of a text; hyphenated compounds give the whole and the parts."""
    tokens: list[str] = []
    for raw in TOKEN_RE.findall(fold(text)):
        parts = [raw.replace("-", "")] + (raw.split("-") if "-" in raw else [])
        for part in parts:
            if part and part not in DUTCH_STOP_WORDS and (len(part) > 1 or part.isdigit()):
                tokens.append(_stem(part))
    return tokens


K1, B = 1.2, 0.75  # bm25s's defaults (method "lucene"), as the single bm25s index had them
EMPTY_TOKEN = "_"  # bm25s needs a token per row: an empty passage counts as this one token
MANIFEST = "manifest.json"
FORMAT = 1
MERGE_FACTOR = 2  # a segment is merged with the next newer one unless it has more than 2× its live rows
MAX_SEGMENTS = 16
MAX_DELETED_SHARE = 0.3  # a segment with more deleted rows than this is rewritten without them
_BUILD_CHUNK = 50_000
_MAX_TABLE = 4_000_000  # entries of a segment's (term frequency, length) table of scores


@dataclass(eq=False)
class Segment:
    """An immutable part of the index: postings (row, term frequency) per term, the length of
    every row, and the rows' passage ids and filter columns."""

    name: str
    passage_ids: list[str]
    columns: dict[str, np.ndarray]
    terms: list[str]  # column number → term
    indptr: np.ndarray  # int64: the postings of term t are [indptr[t], indptr[t + 1])
    postings: np.ndarray  # int32 row numbers, ascending within a term
    frequencies: np.ndarray  # float32 term frequency of each posting
    lengths: np.ndarray  # int32 tokens per row

    def __len__(self) -> int:
        return len(self.passage_ids)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return {term: column for column, term in enumerate(self.terms)}

    @cached_property
    def total_length(self) -> int:
        return int(np.sum(self.lengths, dtype=np.int64))

    @cached_property
    def stride(self) -> int:
        return int(np.max(self.lengths, initial=0)) + 1

    @cached_property
    def codes(self) -> np.ndarray | None:
        """Per posting ``tf · stride + row length``: the term-frequency part of the score is a
        look-up in a small table per index (``_Part.table``) instead of arithmetic on a gathered
        length. None when that table would be too large (then the scores are computed directly)."""
        largest = int(np.max(self.frequencies, initial=0))
        if (largest + 1) * self.stride > _MAX_TABLE:
            return None
        codes = np.asarray(self.frequencies).astype(np.int32) * self.stride + np.asarray(self.lengths)[self.postings]
        return codes.astype(np.uint16) if (largest + 1) * self.stride <= 1 << 16 else codes


def new_name() -> str:
    return f"{time.time_ns():x}-{secrets.token_hex(3)}"


def build_segment(passage_ids: Sequence[str], token_lists: Sequence[list[str]], columns: Mapping[str, np.ndarray],
                  name: str | None = None) -> Segment:
    """A segment over these rows, in this order."""
    n = len(passage_ids)
    vocabulary: dict[str, int] = {}
    lengths = np.zeros(n, dtype=np.int32)
    keys: list[np.ndarray] = []
    frequencies: list[np.ndarray] = []
    for start in range(0, n, _BUILD_CHUNK):
        lists = [tokens or [EMPTY_TOKEN] for tokens in token_lists[start : start + _BUILD_CHUNK]]
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        lengths[start : start + len(lists)] = counts
        ids = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for tokens in lists for t in tokens),
                          dtype=np.int64, count=int(counts.sum()))
        rows = np.repeat(np.arange(start, start + len(lists), dtype=np.int64), counts)
        chunk, tf = np.unique(ids * n + rows, return_counts=True)  # term-major, rows ascending
        keys.append(chunk)
        frequencies.append(tf.astype(np.float32))
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    tf_all = np.concatenate(frequencies) if frequencies else np.zeros(0, dtype=np.float32)
    order = np.argsort(key, kind="stable") if len(keys) > 1 else None  # chunks are sorted, their union is not
    if order is not None:
        key, tf_all = key[order], tf_all[order]
    terms_of = key // max(n, 1)
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms_of, minlength=len(vocabulary)), out=indptr[1:])
    return Segment(name or new_name(), list(passage_ids), {k: np.asarray(v) for k, v in columns.items()}, list(vocabulary),
                   indptr, (key % max(n, 1)).astype(np.int32), tf_all, lengths)


@dataclass(eq=False)
class _Part:
    """A segment as one index sees it: where its live rows start, which rows are live."""

    segment: Segment
    offset: int
    size: int  # live rows
    live: np.ndarray | None = None  # bool per segment row; None: all live
    rowmap: np.ndarray | None = None  # index row of each segment row (-1: deleted); None: offset + row
    denominators: np.ndarray | None = field(default=None, repr=False)
    table: np.ndarray | None = field(default=None, repr=False)


class LexicalIndex:
    """Segments, minus their deleted rows, searched as one BM25 index over the live rows in
    segment order; ``passage_ids``, ``columns`` and score arrays are aligned with those rows."""

    def __init__(self, segments: Sequence[Segment], generation: int, deleted: Mapping[str, np.ndarray] | None = None,
                 log_position: int = 0) -> None:
        self.segments = list(segments)
        self.generation = generation
        self.log_position = log_position
        names = {segment.name for segment in self.segments}
        self.deleted = {name: np.asarray(rows, dtype=np.int32) for name, rows in (deleted or {}).items() if len(rows) and name in names}
        self._parts: list[_Part] = []
        offset = total = 0
        for segment in self.segments:
            dead = self.deleted.get(segment.name)
            if dead is None:
                part = _Part(segment, offset, len(segment))
                total += segment.total_length
            else:
                live = np.ones(len(segment), dtype=bool)
                live[dead] = False
                size = int(np.count_nonzero(live))
                rowmap = np.full(len(segment), -1, dtype=np.int32 if offset + size < 2**31 else np.int64)
                rowmap[live] = np.arange(offset, offset + size)
                part = _Part(segment, offset, size, live, rowmap)
                total += int(np.sum(segment.lengths[live], dtype=np.int64))
            self._parts.append(part)
            offset += part.size
        self.size = offset
        # bm25s: the mean of the row lengths (exact in float64 for integer sums below 2**53)
        self.average_length = np.float64(total) / offset if offset else np.float64(1.0)

    # ----------------------------------------------------------------- rows
    @cached_property
    def passage_ids(self) -> list[str]:
        if len(self._parts) == 1 and self._parts[0].live is None:
            return self._parts[0].segment.passage_ids
        ids: list[str] = []
        for part in self._parts:
            ids.extend(part.segment.passage_ids if part.live is None else itertools.compress(part.segment.passage_ids, part.live))
        return ids

    @cached_property
    def columns(self) -> Mapping[str, np.ndarray]:
        """The filter columns over the live rows (each concatenated on first use)."""
        return _Columns(self._parts)

    @cached_property
    def rows(self) -> dict[str, int]:
        """Row number of each passage id (for masking results from another index)."""
        return {pid: row for row, pid in enumerate(self.passage_ids)}

    # --------------------------------------------------------------- search
    def _denominators(self, part: _Part) -> np.ndarray:
        """bm25s's ``k1 · ((1 − b) + b · length / average length)`` per row of the segment (float64)."""
        if part.denominators is None:
            part.denominators = K1 * ((1 - B) + B * part.segment.lengths / self.average_length)
        return part.denominators

    def _table(self, part: _Part) -> np.ndarray:
        """bm25s's term-frequency part ``tf / (denominator + tf)`` for every (tf, length) code of the segment."""
        if part.table is None:
            stride = part.segment.stride
            largest = int(np.max(part.segment.frequencies, initial=0))
            tf = np.repeat(np.arange(largest + 1, dtype=np.float32), stride)
            lengths = np.tile(np.arange(stride), largest + 1)
            part.table = tf / (K1 * ((1 - B) + B * lengths / self.average_length) + tf)
        return part.table

    def _postings(self, part: _Part, column: int) -> tuple[np.ndarray, slice, np.ndarray | None]:
        """(index rows, the slice of the segment's postings, live mask over that slice or None) of one term."""
        where = slice(int(part.segment.indptr[column]), int(part.segment.indptr[column + 1]))
        rows = part.segment.postings[where]
        if part.live is not None:
            keep = part.live[rows]
            return part.rowmap[rows[keep]], where, keep  # type: ignore[index]
        return (rows if part.offset == 0 else rows.astype(np.int64) + part.offset), where, None

    def _weights(self, part: _Part, where: slice, keep: np.ndarray | None, idf: np.float64) -> np.ndarray:
        """float32(idf · tf / (denominator + tf)) for these postings, in float64 before the cast as bm25s does."""
        segment = part.segment
        codes = segment.codes
        if codes is not None:  # the same float64 products, once per (tf, length) instead of once per posting
            selected = codes[where] if keep is None else codes[where][keep]
            return (self._table(part) * idf).astype(np.float32)[selected]
        tf, rows = segment.frequencies[where], segment.postings[where]
        if keep is not None:
            tf, rows = tf[keep], rows[keep]
        return (idf * (tf / (self._denominators(part)[rows] + tf))).astype(np.float32)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every live row: document frequencies and the average length are those
        of the live rows of all segments; the arithmetic is bm25s's (float64 per posting, stored
        as float32, summed in float32 token by token)."""
        scores = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return scores
        for token in tokenize(query):
            found = []
            for part in self._parts:
                column = part.segment.vocabulary.get(token)
                if column is not None:
                    found.append((part, *self._postings(part, column)))
            frequency = sum(len(rows) for _, rows, _, _ in found)
            if not frequency:
                continue
            idf = np.float64(np.float32(math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))))
            for part, rows, where, keep in found:
                np.add.at(scores, rows, self._weights(part, where, keep, idf))
        return scores

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = top_rows(scores, min(k, int(np.count_nonzero(scores > 0))))
        ids = self.passage_ids
        return [(ids[i], float(scores[i])) for i in top]

    # -------------------------------------------------------------- updates
    def updated(self, changed_documents: Collection[str], added: Segment | None, generation: int,
                log_position: int) -> LexicalIndex:
        """This index with the rows of ``changed_documents`` deleted and ``added`` appended
        (their current rows), merged as the merge policy says."""
        deleted = dict(self.deleted)
        if changed_documents:
            for part in self._parts:
                documents = part.segment.columns["doc"]
                hit = np.flatnonzero(np.isin(documents, np.asarray(sorted(changed_documents), dtype=documents.dtype)))
                if len(hit):
                    name = part.segment.name
                    deleted[name] = np.union1d(deleted.get(name, np.zeros(0, dtype=np.int32)), hit).astype(np.int32)
        segments = self.segments + ([added] if added is not None else [])
        return LexicalIndex(segments, generation, deleted, log_position).compacted()

    def compacted(self) -> LexicalIndex:
        """Merge policy: fully deleted segments go; going from the newest, a segment with at most
        ``MERGE_FACTOR`` × the live rows of the next newer one is merged with it (so sizes fall
        geometrically and each row is rewritten O(log n) times); beyond ``MAX_SEGMENTS`` the
        smallest adjacent pair is merged; a segment with more than ``MAX_DELETED_SHARE`` deleted
        rows is rewritten without them. Only adjacent segments merge, so rows keep their order."""
        groups = [[part] for part in self._parts if part.size > 0]
        if not groups and self._parts:
            groups = [[self._parts[-1]]]  # keep one (empty) segment: it carries the column names

        def live(group: list[_Part]) -> int:
            return sum(part.size for part in group)

        while len(groups) >= 2 and live(groups[-2]) <= MERGE_FACTOR * live(groups[-1]):
            groups[-2:] = [groups[-2] + groups[-1]]
        while len(groups) > MAX_SEGMENTS:
            j = min(range(len(groups) - 1), key=lambda j: live(groups[j]) + live(groups[j + 1]))
            groups[j : j + 2] = [groups[j] + groups[j + 1]]

        def rewrite(group: list[_Part]) -> bool:
            part = group[0]
            return len(group) > 1 or (part.size < len(part.segment) and 1 - part.size / max(len(part.segment), 1) > MAX_DELETED_SHARE) \
                or part.size == 0 < len(part.segment)

        if len(groups) == len(self._parts) and not any(rewrite(g) for g in groups):
            return self
        segments: list[Segment] = []
        deleted: dict[str, np.ndarray] = {}
        for group in groups:
            if rewrite(group):
                segments.append(merge(group))
            else:
                segments.append(group[0].segment)
                if group[0].segment.name in self.deleted:
                    deleted[group[0].segment.name] = self.deleted[group[0].segment.name]
        return LexicalIndex(segments, self.generation, deleted, self.log_position)


class _Columns(Mapping[str, np.ndarray]):
    """Filter columns over the live rows of several segments, concatenated per column on first use."""

    def __init__(self, parts: list[_Part]) -> None:
        self._parts = parts
        keys: list[str] = list(parts[0].segment.columns) if parts else []
        for part in parts[1:]:
            keys = [key for key in keys if key in part.segment.columns]
        self._keys = keys
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._cache:
            pieces = [part.segment.columns[key] if part.live is None else part.segment.columns[key][part.live] for part in self._parts]
            self._cache[key] = np.asarray(pieces[0]) if len(pieces) == 1 else np.concatenate(pieces)
        return self._cache[key]

    def __contains__(self, key: object) -> bool:  # without concatenating (Mapping's would)
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def merge(parts: Sequence[_Part]) -> Segment:
    """One segment with the live rows of ``parts`` (adjacent, in order), without re-tokenising:
    postings are renumbered and placed per term by counting, not sorting."""
    vocabulary: dict[str, int] = {}
    pieces = []
    offset = 0
    for part in parts:
        segment = part.segment
        term_ids = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in segment.terms), dtype=np.int64, count=len(segment.terms))
        counts = np.diff(segment.indptr)
        rows = np.asarray(segment.postings)
        tf = np.asarray(segment.frequencies)
        if part.live is not None:
            keep = part.live[rows]
            columns_of = np.repeat(np.arange(len(segment.terms)), counts)[keep]
            rows, tf = rows[keep], tf[keep]
            rows = (np.cumsum(part.live) - 1)[rows] + offset
            counts = np.bincount(columns_of, minlength=len(segment.terms))
        else:
            rows = rows.astype(np.int64) + offset
        pieces.append((term_ids, counts, rows, tf))
        offset += part.size
    per_term = np.zeros(len(vocabulary), dtype=np.int64)
    for term_ids, counts, _, _ in pieces:
        per_term[term_ids] += counts  # a term occurs once per segment
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(per_term, out=indptr[1:])
    postings = np.empty(int(indptr[-1]), dtype=np.int32)
    frequencies = np.empty(int(indptr[-1]), dtype=np.float32)
    filled = indptr[:-1].copy()  # next free place per term
    for term_ids, counts, rows, tf in pieces:
        group_starts = np.cumsum(counts) - counts  # where each of the piece's terms starts in the piece
        places = np.repeat(filled[term_ids] - group_starts, counts) + np.arange(len(rows))
        postings[places] = rows
        frequencies[places] = tf
        filled[term_ids] += counts
    ids: list[str] = []
    for part in parts:
        ids.extend(part.segment.passage_ids if part.live is None else itertools.compress(part.segment.passage_ids, part.live))
    columns = _Columns(list(parts))
    return Segment(new_name(), ids, {key: np.array(columns[key]) for key in columns}, list(vocabulary), indptr, postings, frequencies,
                   np.concatenate([part.segment.lengths if part.live is None else part.segment.lengths[part.live] for part in parts]
                                  ).astype(np.int32))


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the ``k`` highest scores, best first (ties keep row order)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def build(passage_ids: list[str], token_lists: list[list[str]], columns: dict[str, np.ndarray], generation: int) -> LexicalIndex:
    """An index of one segment over these rows."""
    return LexicalIndex([build_segment(passage_ids, token_lists, columns)], generation)


# ------------------------------------------------------------------------- on disk
def save(index: LexicalIndex, directory: Path) -> None:
    """Write the segments and tombstones ``directory`` lacks, then swap in the manifest; then
    remove what no manifest refers to (older segments, an interrupted write, an older format)."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = []
    for segment in index.segments:
        folder = directory / f"seg-{segment.name}"
        if not folder.is_dir():
            _write_segment(segment, folder)
        dead = index.deleted.get(segment.name)
        deleted_file = None
        if dead is not None:
            deleted_file = f"deleted-{segment.name}-{hashlib.sha1(dead.tobytes()).hexdigest()[:16]}.npy"
            if not (directory / deleted_file).is_file():
                _atomic_write(directory / deleted_file, lambda handle, dead=dead: np.save(handle, dead))
        entries.append({"name": segment.name, "rows": len(segment), "deleted": deleted_file})
    manifest = {"format": FORMAT, "generation": index.generation, "log_position": index.log_position, "segments": entries}
    _atomic_write(directory / MANIFEST, lambda handle: handle.write(json.dumps(manifest).encode()))
    keep = {MANIFEST} | {f"seg-{e['name']}" for e in entries} | {e["deleted"] for e in entries if e["deleted"]}
    for path in directory.iterdir():
        if path.name not in keep:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        write(handle)
    os.replace(temporary, path)


def _write_segment(segment: Segment, folder: Path) -> None:
    temporary = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    for key, values in (("indptr", segment.indptr), ("postings", segment.postings), ("frequencies", segment.frequencies),
                        ("lengths", segment.lengths)):
        np.save(temporary / f"{key}.npy", np.asarray(values))
    for key, values in segment.columns.items():
        np.save(temporary / f"column.{key}.npy", np.asarray(values))
    (temporary / "ids.json").write_text(json.dumps(segment.passage_ids))
    (temporary / "terms.json").write_text(json.dumps(segment.terms, ensure_ascii=False), encoding="utf-8")
    temporary.rename(folder)


def _read_segment(folder: Path, name: str) -> Segment:
    arrays = {key: np.load(folder / f"{key}.npy", mmap_mode="r") for key in ("indptr", "postings", "frequencies", "lengths")}
    columns = {path.name[len("column.") : -len(".npy")]: np.load(path, mmap_mode="r") for path in sorted(folder.glob("column.*.npy"))}
    return Segment(name, json.loads((folder / "ids.json").read_text()), columns,
                   json.loads((folder / "terms.json").read_text(encoding="utf-8")),
                   arrays["indptr"], arrays["postings"], arrays["frequencies"], arrays["lengths"])


def load(directory: Path, reuse: LexicalIndex | None = None) -> LexicalIndex | None:
    """The index the manifest describes (None if there is none, or in another format); segments
    that ``reuse`` holds already are taken from it, the others are memory-mapped."""
    held = {segment.name: segment for segment in reuse.segments} if reuse is not None else {}
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            return None
        segments, deleted = [], {}
        for entry in manifest["segments"]:
            name = entry["name"]
            segments.append(held.get(name) or _read_segment(directory / f"seg-{name}", name))
            if entry.get("deleted"):
                deleted[name] = np.load(directory / entry["deleted"])
        return LexicalIndex(segments, int(manifest["generation"]), deleted, int(manifest.get("log_position", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None
