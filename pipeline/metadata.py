"""Document metadata: from a ``manifest.csv`` beside the PDFs when present, else inferred.

Inference: title from the first page's headings, year from the years named early in the text,
gemeente by matching the CBS gemeente list (former gemeenten mapped to today's through the
herindelingen), publisher from phrases like "Rekenkamer Zwolle".
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from core import reference
from core.records import DocumentMeta, Page

YEAR_RE = re.compile(r"\b(20[0-3]\d|19[89]\d)\b")
PUBLISHER_RE = re.compile(
    r"\b((?:Rekenkamer(?:commissie)?|Onderzoeksbureau|Bureau|Movisie|Verwey-Jonker Instituut|"
    r"Sociaal en Cultureel Planbureau|VNG(?: Realisatie)?|Significant|KPMG|Berenschot|BMC|Andersson Elffers Felix|"
    r"Radar Advies|Regioplan|Platform31|Kennisplatform)[\w\- ]{0,40}?)(?:\s*[,.(\n]|$)",
)
REPORT_TYPES = [
    ("rekenkamerbrief", "rekenkamerbrief"),
    ("monitor", "monitor"),
    ("evaluatie", "evaluatie"),
    ("rekenkamer", "rekenkameronderzoek"),
    ("verordening", "verordening"),
    ("jaarverslag", "jaarverslag"),
    ("burgerpeiling", "burgerpeiling"),
    ("onderzoek", "onderzoek"),
]
MANIFEST_FIELDS = ("file", "title", "gemeente", "year", "publisher", "report_type")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def doc_id_for(file: str) -> str:
    """A stable id per file name: a changed PDF of the same name replaces its predecessor."""
    return hashlib.sha1(file.encode("utf-8")).hexdigest()[:12]


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """``manifest.csv`` rows by file name; extra columns are ignored, missing ones are empty."""
    path = folder / "manifest.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["file"].strip(): {k: (row.get(k) or "").strip() for k in MANIFEST_FIELDS} for row in csv.DictReader(handle) if row.get("file")}


def infer_title(pages: Sequence[Page]) -> str:
    for page in pages[:2]:
        for block in page.blocks:
            if block.kind == "heading" and len(block.text) > 8:
                return block.text[:200]
        for block in page.blocks:
            if len(block.text) > 8:
                return block.text.split("\n")[0][:200]
    return ""


def infer_year(text: str) -> int | None:
    years = [int(y) for y in YEAR_RE.findall(text)]
    if not years:
        return None
    counts = Counter(years)
    # The report's year is usually named early and often; prefer the latest of the frequent ones.
    best = max(counts.values())
    return max(y for y, n in counts.items() if n >= max(1, best // 2))


def infer_publisher(text: str) -> str:
    match = PUBLISHER_RE.search(text)
    return match.group(1).strip() if match else ""


def infer_report_type(title: str, text: str) -> str:
    haystack = f"{title} {text[:2000]}".lower()
    for needle, label in REPORT_TYPES:
        if needle in haystack:
            return label
    return ""


def build_metadata(file: str, sha256: str, pages: Sequence[Page], manifest_row: dict[str, str] | None = None) -> DocumentMeta:
    row = manifest_row or {}
    listed = manifest_row is not None  # a manifest row is the truth, also where it leaves a field empty
    early_text = "\n".join(page.text for page in pages[:3])
    title = row.get("title") or infer_title(pages) or Path(file).stem
    year_text = row.get("year", "")
    year = int(year_text) if year_text.isdigit() else None if listed else infer_year(f"{title}\n{early_text}")
    gemeente_name = row.get("gemeente", "")
    if gemeente_name or listed:
        gemeente = reference.resolve(gemeente_name)
    else:
        gemeente = reference.find_in_text(f"{title}\n{early_text}")
    return DocumentMeta(
        doc_id=doc_id_for(file),
        file=file,
        sha256=sha256,
        title=title,
        gemeente=gemeente.naam if gemeente else gemeente_name,
        gemeentecode=gemeente.code if gemeente else "",
        year=year,
        publisher=row.get("publisher") or ("" if listed else infer_publisher(early_text)),
        report_type=row.get("report_type") or infer_report_type(title, early_text),
        n_pages=len(pages),
        provincie=gemeente.provincie if gemeente else "",
        grootteklasse=gemeente.grootteklasse if gemeente else "",
        g40=gemeente.g40 if gemeente else False,
    )
