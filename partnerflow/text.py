"""Keeping what people typed, even when it is wrong: a refused submission is stored with its text,
so that text must be storable in every database partnerflow runs on."""

from __future__ import annotations

MAX_ID = 2_147_483_647  # ids are 32-bit integers in the database


def storable(value: object, limit: int) -> str:
    """``value`` as text of at most ``limit`` characters that SQLite and PostgreSQL accept: lone
    surrogates become U+FFFD, and so does NUL (PostgreSQL refuses it in text)."""
    text = str(value)[:limit]
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def record_id(value: object) -> int | None:
    """A typed id if it can be one (a whole number in the database's range), else None."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None
