"""Curator passwords: salted PBKDF2-SHA256 hashes, compared in constant time.

A hash is stored as ``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``. Curators come
from two places: the ``curators`` setting (``"naam:hash,naam2:hash"``, e.g. from
``WIJKKENNIS_CURATORS``) and the users table of the curation database
(``wijkkennis curator add NAAM``). Readers of the app need no account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import cache

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP 2023 recommendation for PBKDF2-HMAC-SHA256
NAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD_CHARS = 8


class AuthError(ValueError):
    """A user name or password that cannot be accepted; the message says why (in Dutch)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """A new salted hash of ``password``; never the password itself."""
    if not password:
        raise AuthError("leeg wachtwoord")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches the stored hash; False for any malformed hash."""
    try:
        algorithm, iterations_text, salt_text, digest_text = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        iterations = int(iterations_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(digest_text, validate=True)
    except (ValueError, TypeError):
        return False
    if not 1_000 <= iterations <= 10_000_000:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)


@cache
def _dummy_hash() -> str:
    """Checked for unknown names, so a wrong name costs as much time as a wrong password."""
    return hash_password("onbekende gebruiker", iterations=ITERATIONS, salt=b"\0" * 16)


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise AuthError("gebruikersnaam: 1–64 tekens, alleen letters, cijfers en . _ @ -")
    return name


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"wachtwoord te kort (minimaal {MIN_PASSWORD_CHARS} tekens)")
    return password


def parse_curators(value: str) -> dict[str, str]:
    """The ``curators`` setting (``"naam:hash,naam2:hash"``) as {name: hash}; bad entries skipped."""
    result: dict[str, str] = {}
    for entry in value.split(","):
        name, sep, encoded = entry.strip().partition(":")
        if sep and NAME_PATTERN.fullmatch(name.strip()) and encoded.strip().startswith(ALGORITHM + "$"):
            result[name.strip()] = encoded.strip()
    return result


def authenticate(name: str, password: str, hashes: dict[str, str]) -> bool:
    """Whether ``name`` / ``password`` match one of ``hashes``, in about constant time."""
    encoded = hashes.get(name.strip())
    if encoded is None:
        verify_password(password, _dummy_hash())
        return False
    return verify_password(password, encoded)
