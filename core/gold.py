"""Reading gold files (JSON Lines) for the evaluation commands, with errors that name the line.

Shared by ``wijkkennis.eval_tags`` and ``wijkkennis.eval_search``: blank lines and lines starting
with ``#`` are skipped, every other line must be one JSON object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class GoldFormatError(ValueError):
    """A gold file that cannot be read; the message names the line."""


def fail(line: int, message: str) -> GoldFormatError:
    return GoldFormatError(f"regel {line}: {message}")


def json_object(number: int, raw: str) -> dict[str, Any]:
    """Line ``number`` as a JSON object, or a GoldFormatError naming the line."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise fail(number, f"geen geldige JSON ({error.msg})") from error
    if not isinstance(data, dict):
        raise fail(number, "verwacht een JSON-object")
    return data


def parse_lines(lines: Iterable[str], parse: Callable[[int, dict[str, Any]], T], what: str) -> list[T]:
    """``parse(line_number, object)`` for every non-blank, non-comment line; ``what`` names the
    items in the error for a file without any ("passages", "vragen")."""
    items = [
        parse(number, json_object(number, raw))
        for number, raw in enumerate(lines, 1)
        if raw.strip() and not raw.lstrip().startswith("#")
    ]
    if not items:
        raise GoldFormatError(f"het gold-bestand bevat geen {what}")
    return items


def read_lines(path: Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise GoldFormatError(f"kan {path} niet lezen: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise GoldFormatError(f"{Path(path).name} is geen UTF-8-tekst") from error


def text_fingerprint(text: str) -> str:
    """12 hex digits of the SHA-1 of the whitespace-normalised text: how a label line that points
    into ``shared/`` checks that the text it points to is still the text that was labelled."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]
