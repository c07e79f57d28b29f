"""Reading a public page's form: each field once, text only."""

from __future__ import annotations

from fastapi import Request


async def single_values(request: Request) -> dict[str, str]:
    """A survey form's fields; a field given twice, or a file, makes the whole answer empty (it
    is then refused as incomplete, naming what is missing)."""
    pairs = (await request.form()).multi_items()
    given = {key: value for key, value in pairs if isinstance(value, str)}
    return given if len(given) == len(pairs) else {}
