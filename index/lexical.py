"""Lexical retrieval: BM25 (bm25s) over Dutch-normalised tokens, persisted beside the vector index.

Tokens are lower-cased, diacritics folded, Dutch stop words dropped and Snowball-stemmed, so
"wachtlijsten" and "wachtlijst" meet. The index carries, aligned with its rows, small numpy
arrays of the filterable fields so that a filtered BM25 query is a vectorised mask, not a scan.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

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


@dataclass
class LexicalIndex:
    """A BM25 model plus the passage ids and filter columns of its rows."""

    retriever: object
    passage_ids: list[str]
    columns: dict[str, np.ndarray]
    generation: int

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self._vocabulary]
        if not tokens or not self.passage_ids:
            return np.zeros(len(self.passage_ids), dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]

    @cached_property
    def rows(self) -> dict[str, int]:
        """Row number of each passage id (for masking results from another index)."""
        return {pid: row for row, pid in enumerate(self.passage_ids)}

    @property
    def _vocabulary(self) -> dict[str, int]:
        return self.retriever.vocab_dict  # type: ignore[attr-defined]

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = top_rows(scores, min(k, int(np.count_nonzero(scores > 0))))
        return [(self.passage_ids[i], float(scores[i])) for i in top]


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the ``k`` highest scores, best first (ties keep row order)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def build(passage_ids: list[str], token_lists: list[list[str]], columns: dict[str, np.ndarray], generation: int) -> LexicalIndex:
    import bm25s

    retriever = bm25s.BM25(k1=1.2, b=0.75)
    if passage_ids:
        # bm25s needs at least one token per document.
        retriever.index([tokens or ["_"] for tokens in token_lists], show_progress=False)
    else:
        retriever.vocab_dict = {}
    return LexicalIndex(retriever, passage_ids, columns, generation)


def save(index: LexicalIndex, directory: Path) -> None:
    """Write to a temporary folder, then swap it in, so a reader never sees half an index."""
    temporary = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    if index.passage_ids:
        index.retriever.save(str(temporary / "bm25"))  # type: ignore[attr-defined]
    np.savez(temporary / "columns.npz", **index.columns)
    (temporary / "ids.json").write_text(json.dumps(index.passage_ids))
    (temporary / "generation").write_text(str(index.generation))
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    temporary.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def load(directory: Path) -> LexicalIndex | None:
    import bm25s

    try:
        generation = int((directory / "generation").read_text())
        ids = json.loads((directory / "ids.json").read_text())
        with np.load(directory / "columns.npz") as data:
            columns = {key: data[key] for key in data.files}
        if ids:
            retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=True)
        else:
            retriever = bm25s.BM25()
            retriever.vocab_dict = {}
    except (OSError, ValueError, KeyError):
        return None
    return LexicalIndex(retriever, ids, columns, generation)
