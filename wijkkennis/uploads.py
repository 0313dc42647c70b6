"""Uploaded PDFs: checked (size, ``%PDF`` header), given a safe name, saved under ``uploads_dir``."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PDF_MAGIC = b"%PDF-"
MAX_NAME_CHARS = 120


class UploadError(ValueError):
    """An upload that is refused; the message (Dutch) says why."""


@dataclass(frozen=True)
class SavedUpload:
    original_name: str
    name: str
    path: Path
    size: int


def safe_filename(name: str) -> str:
    """A plain file name of only ``[A-Za-z0-9._-]`` ending in ``.pdf``: no folders, no traversal.

    'Evaluatie Wijkteams (2021).PDF' → 'Evaluatie-Wijkteams-2021.pdf'; '../../etc/passwd' → 'passwd.pdf'.
    """
    base = re.split(r"[\\/]", name)[-1]
    folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem = folded[:-4] if folded.lower().endswith(".pdf") else folded
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_")
    stem = stem[: MAX_NAME_CHARS - 4] or "upload"
    return f"{stem}.pdf"


def check_pdf(data: bytes, max_mb: int) -> None:
    if not data:
        raise UploadError("leeg bestand")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"te groot ({len(data) / 1024 / 1024:.1f} MB, maximaal {max_mb} MB)")
    if not data.startswith(PDF_MAGIC):
        raise UploadError("geen PDF (het bestand begint niet met %PDF-)")


def save_upload(name: str, data: bytes, uploads_dir: Path, max_mb: int) -> SavedUpload:
    """Check an upload and write it atomically to ``uploads_dir`` under its safe name.

    A file with the same safe name is replaced (the index treats it as a new version).
    """
    check_pdf(data, max_mb)
    safe = safe_filename(name)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    target = (uploads_dir / safe).resolve()
    if target.parent != uploads_dir.resolve():  # cannot happen with a safe name; belt and braces
        raise UploadError("ongeldige bestandsnaam")
    handle, temporary = tempfile.mkstemp(dir=uploads_dir, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return SavedUpload(name, safe, target, len(data))
