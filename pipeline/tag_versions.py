"""Which trained-tagger model is in use for a data directory: the shipped one or a version
trained from curator decisions.

Versions live under ``data_dir/taggers/<version>/`` (the files of ``pipeline.tag_model.save``
plus ``report.json``); ``data_dir/taggers/active`` names the one in use. Without that file, or
when it names a version that is missing or incomplete, the shipped model
(``pipeline/models/tagger/``) is used: it is always the fallback.

Light on purpose (no numpy, no spaCy): ``pipeline.cache.pipeline_fingerprint`` and
``pipeline.tag.load_tagger`` read it on every ingest.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SHIPPED = "shipped"
SHIPPED_DIR = Path(__file__).parent / "models" / "tagger"
ACTIVE_FILE = "active"
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def versions_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "taggers"


def version_dir(data_dir: Path, version: str) -> Path:
    if version == SHIPPED:
        return SHIPPED_DIR
    if not VERSION_PATTERN.match(version) or version == ACTIVE_FILE:
        raise ValueError(f"ongeldige modelversie {version!r}")
    return versions_dir(data_dir) / version


def complete(model_dir: Path) -> bool:
    return (model_dir / "model.json").is_file() and (model_dir / "weights.npz").is_file()


def active_version(data_dir: Path | None) -> str:
    """The version in use ("shipped" unless a complete trained version is chosen)."""
    if data_dir is None:
        return SHIPPED
    try:
        chosen = (versions_dir(data_dir) / ACTIVE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return SHIPPED
    try:
        return chosen if chosen != SHIPPED and complete(version_dir(data_dir, chosen)) else SHIPPED
    except ValueError:
        return SHIPPED


def active_model_dir(data_dir: Path | None) -> Path:
    return version_dir(data_dir or Path("."), active_version(data_dir))


def set_active(data_dir: Path, version: str) -> None:
    """Choose the version in use (written to a temporary file and renamed: never half a name)."""
    if version != SHIPPED and not complete(version_dir(data_dir, version)):
        raise ValueError(f"modelversie {version!r} bestaat niet of is onvolledig")
    folder = versions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{ACTIVE_FILE}.{os.getpid()}"
    partial.write_text(version + "\n", encoding="utf-8")
    partial.replace(folder / ACTIVE_FILE)
