"""Keeping what people typed, even when it is wrong: a refused submission is stored with its text,
so that text must be storable in every database partnerflow runs on."""

from __future__ import annotations

MAX_ID = 2_147_483_647  # ids are 32-bit integers in the database


def storable(value: object, limit: int) -> str:
    """``value`` as text of at most ``limit`` characters that SQLite and PostgreSQL accept: lone
    surrogates become U+FFFD, and so does NUL (PostgreSQL refuses it in text)."""
    text = str(value)[:limit]
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Embeddings, overrides and isolates: they reorder what is shown ("Trojan Source"), so a name can
read as another; the marks LRM/RLM and the joiners some scripts need stay allowed."""
CONTROL_CHARACTERS = frozenset(
    chr(code) for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *BIDI_CONTROLS)
)
"""C0 and C1 controls, the Unicode line and paragraph separators, and the bidi controls."""


def is_clean(text: str, *, allowed: str = "") -> bool:
    """True when ``text`` holds no control character (but ``allowed``) and no lone surrogate:
    nothing that rewrites a terminal, breaks a header or cannot be stored."""
    if set(text) & (CONTROL_CHARACTERS - set(allowed)):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def record_id(value: object) -> int | None:
    """A typed id if it can be one (a whole number in the database's range), else None."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None
