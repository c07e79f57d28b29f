"""What reading a reference file's rows shares: lists in one cell, départements of the official
list, a refusal in ``field: reason`` words."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ValidationError
from sqlmodel import Session

from partnerflow.field_problems import field_problems
from partnerflow.models import Territory
from partnerflow.partner_access.contacts import ContactRefused, normal_address
from partnerflow.territories import CODES, DEPARTEMENTS
from partnerflow.text import is_clean

SEPARATOR = ";"


def listed(value: Any) -> Any:
    """``channel-manager;finance`` as a list; a list given as such (JSON) is kept."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(SEPARATOR) if item.strip()]
    return value


def _plain(value: str) -> str:
    if not is_clean(value):
        raise ValueError("contains a control character")
    return value


def _address(value: str) -> str:
    try:
        return normal_address(value)
    except ContactRefused as refused:
        raise ValueError(str(refused).removeprefix("email: ")) from None


PlainText = Annotated[str, AfterValidator(_plain)]
"""A name as typed, without control characters."""
Address = Annotated[str, AfterValidator(_address)]
"""An e-mail address as stored and compared (``partner_access.contacts.normal_address``)."""


def territory_of(code: str) -> str:
    """An INSEE code of the official list (``2a`` is ``2A``; nothing else is guessed)."""
    if code.upper() not in CODES:
        raise ValueError(f"{code!r} is not a département of the official list (69, 2A, 971...)")
    return code.upper()


def refusal(error: ValidationError) -> str:
    """Every problem of a row, ``field: reason``, on one line."""
    return "; ".join(field_problems(error, noun="this file"))


def blank_cells_left_out(raw: dict[str, Any]) -> dict[str, Any]:
    """A CSV's empty cell means "not given" (the field's default), never an empty value."""
    return {key: value for key, value in raw.items() if value not in ("", None)}


def ensure_territory(session: Session, code: str) -> Territory:
    """The département's row, made from the official list the first time it is named."""
    territory = session.get(Territory, code)
    if territory is None:
        name, region = next((n, r) for c, n, r in DEPARTEMENTS if c == code)
        territory = Territory(code=code, name=name, region=region)
        session.add(territory)
        session.flush()
    return territory
