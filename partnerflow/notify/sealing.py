"""Secrets an e-mail carries but the outbox never stores.

A personal approval link, its code, a sign-in link or a survey link is a credential: whoever
reads it can answer in its owner's name. The outbox keeps every message it sends, so a person
with read access to the database could once approve a four-eyes deal as both directors with
the links kept in ``notification.text_body``. Now a template is rendered with a :class:`Sealed`
value in the credential's place: the stored text holds only a random marker, the row holds how
to make the credential again (its kind and the ids it is signed over), and the sender opens the
message in memory just before it goes on the wire, with the installation's key. The key is not
in the database, so neither is any usable link or code, before or after sending.

``notify`` knows nothing of approvals: the sender is handed an :data:`Unseal` function (built by
``partnerflow.approvals.sealing.unsealer``) that turns a kind and its ids into the credential.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Unseal = Callable[[str, tuple[int, ...]], str]
"""(kind, ids) -> the credential; raises ``LookupError`` for a kind it does not make."""


def _marker() -> str:
    # Letters and digits only: the same in text, in HTML (autoescape leaves it alone) and in a URL.
    return f"pfsealed{secrets.token_hex(12)}"


@dataclass(frozen=True)
class Sealed:
    """A credential's place in a message: renders as a marker, stored as (kind, ids)."""

    kind: str
    ids: tuple[int, ...]
    marker: str = field(default_factory=_marker, compare=False)

    def __str__(self) -> str:
        return self.marker

    def __html__(self) -> str:
        return self.marker


def sealed_in(context: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Marker -> [kind, *ids] for every :class:`Sealed` value in a template context (nested in
    lists and mappings too: a digest lists many personal links)."""
    found: dict[str, list[Any]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, Sealed):
            found[value.marker] = [value.kind, *value.ids]
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(context)
    return found


def opened(text: str, sealed: Mapping[str, list[Any]], unseal: Unseal) -> str:
    """``text`` with each marker replaced by its credential, made again with the key."""
    for marker, (kind, *ids) in sealed.items():
        if marker in text:
            text = text.replace(marker, unseal(kind, tuple(int(value) for value in ids)))
    return text
