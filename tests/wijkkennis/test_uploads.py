"""Uploaded PDFs: safe names (no traversal), size and %PDF checks, written inside uploads_dir only."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkkennis.uploads import UploadError, safe_filename, save_upload

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Evaluatie Wijkteams (2021).PDF", "Evaluatie-Wijkteams-2021.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\Windows\\win.ini.pdf", "win.ini.pdf"),
        ("Súdwest-Fryslân monitor.pdf", "Sudwest-Fryslan-monitor.pdf"),
        ("..pdf", "upload.pdf"),
        ("/", "upload.pdf"),
        (".verborgen.pdf", "verborgen.pdf"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("rapport\x00.pdf", "rapport.pdf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    safe = safe_filename(name)
    assert safe == expected
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in safe)


def test_saves_a_pdf_inside_the_uploads_folder(tmp_path: Path) -> None:
    uploads = tmp_path / "data" / "uploads"
    saved = save_upload("../../rapport 2021.pdf", PDF, uploads, max_mb=1)
    assert saved.path == (uploads / "rapport-2021.pdf").resolve() and saved.path.read_bytes() == PDF
    assert [p.name for p in uploads.iterdir()] == ["rapport-2021.pdf"], "no temporary files left behind"
    assert not (tmp_path / "rapport 2021.pdf").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leeg"),
        (b"<html>geen pdf</html>", "geen PDF"),
        (b"PK\x03\x04%PDF-", "geen PDF"),
        (b"%PDF-" + b"0" * (1024 * 1024), "te groot"),
    ],
)
def test_refuses_bad_uploads(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        save_upload("x.pdf", data, tmp_path, max_mb=1)
    assert list(tmp_path.iterdir()) == []
