"""The programme's partners from the vendor's partner file (``partners import``), and back out in
the same columns (``partners export``).

A partner is known by its SIREN: a new one is added with its admin contact; a known one takes the
file's name, tier, certification, language and département. Its bank account is never changed by
a file (a CSV edited by one person would redirect commission payments): a different IBAN for a
known partner is refused with its reason. The file is all or nothing: one refused row and nothing
is stored, each refusal named ``row N: field: reason``; the same file twice changes nothing.
Every partner added or changed is audited under the proven operator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)
from sqlmodel import Session, col, select
from stdnum import bic as bic_number
from stdnum import iban as iban_number
from stdnum.fr import siren as siren_number

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.commissions.payment_file import iban_problem
from partnerflow.customers import siren_text
from partnerflow.models import ContactRole, Locale, Partner, PartnerContact, PartnerTier
from partnerflow.reference_data.rows import (
    Address,
    PlainText,
    blank_cells_left_out,
    ensure_territory,
    refusal,
    territory_of,
)
from partnerflow.values import IsoDate

COLUMNS = (
    "name",
    "siren",
    "departement",
    "tier",
    "certified",
    "locale",
    "contact_email",
    "contact_name",
    "iban",
    "bic",
    "joined_on",
)
CHANGEABLE = ("name", "tier", "certified", "locale", "territory_code")


class PartnerRow(BaseModel):
    """One partner: ``certified`` is ``true`` or ``false`` (an empty cell is false, never a
    guess from ``yes`` or ``1``); ``iban`` and ``bic`` are where its commissions are paid."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: PlainText = Field(min_length=1, max_length=200)
    siren: str
    departement: str
    tier: PartnerTier = PartnerTier.REGISTERED
    certified: StrictBool = False
    locale: Locale = Locale.FR
    contact_email: Address = Field(max_length=254)
    contact_name: PlainText = Field(default="", max_length=200)
    iban: str | None = Field(default=None, max_length=42)
    bic: str | None = Field(default=None, max_length=11)
    joined_on: IsoDate | None = None

    @field_validator("certified", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value

    @field_validator("siren")
    @classmethod
    def _siren(cls, value: str) -> str:
        digits = siren_text(value)
        if not (len(digits) == 9 and digits.isascii() and digits.isdigit() and siren_number.is_valid(digits)):
            raise ValueError(f"{value!r} is not a SIREN (nine digits and their check digit)")
        return digits

    @field_validator("departement")
    @classmethod
    def _departement(cls, value: str) -> str:
        return territory_of(value)

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        problem = iban_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return str(iban_number.compact(value))

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str) -> str:
        if not bic_number.is_valid(value):
            raise ValueError(f"{value!r} is not a BIC")
        return str(bic_number.compact(value))


@dataclass
class PartnerImport:
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # row number, reasons


def import_partners(
    session: Session, rows: list[dict[str, Any]], *, actor: str, now: datetime
) -> PartnerImport:
    """Add or update every row by its SIREN, or store nothing when one is refused."""
    read, refused = _checked(session, rows, programme_date(now))
    report = PartnerImport(refused=refused)
    if refused:
        return report
    for row, known in read:
        if known is None:
            report.added.append(_add(session, row, actor=actor, now=now))
        elif _update(session, known, row, actor=actor, now=now):
            report.updated.append(known.id or 0)
        else:
            report.unchanged += 1
    return report


def export_partners(session: Session) -> list[dict[str, str]]:
    """Every partner not removed, in the import's columns (its first admin as the contact)."""
    rows = []
    for partner in session.exec(select(Partner).order_by(col(Partner.id))):
        if partner.status.value == "removed":
            continue
        admin = next((c for c in partner.contacts if c.active and c.role == ContactRole.ADMIN), None)
        rows.append(
            {
                "name": partner.name,
                "siren": partner.siren or "",
                "departement": partner.territory_code,
                "tier": partner.tier.value,
                "certified": "true" if partner.certified else "false",
                "locale": partner.locale.value,
                "contact_email": admin.email if admin else "",
                "contact_name": admin.name if admin else "",
                "iban": partner.iban or "",
                "bic": partner.bic or "",
                "joined_on": partner.joined_on.isoformat() if partner.joined_on else "",
            }
        )
    return rows


def _checked(
    session: Session, rows: list[dict[str, Any]], today: date
) -> tuple[list[tuple[PartnerRow, Partner | None]], list[tuple[int, str]]]:
    read: list[tuple[PartnerRow, Partner | None]] = []
    refused: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            row = PartnerRow.model_validate(blank_cells_left_out(raw))
        except ValidationError as error:
            refused.append((number, refusal(error)))
            continue
        known = session.exec(select(Partner).where(Partner.siren == row.siren)).first()
        problem = _problem(row, known, today, seen.get(row.siren))
        if problem:
            refused.append((number, problem))
            continue
        seen[row.siren] = number
        read.append((row, known))
    return read, refused


def _problem(row: PartnerRow, known: Partner | None, today: date, earlier_row: int | None) -> str:
    if earlier_row is not None:
        return f"siren: {row.siren} is already on row {earlier_row}"
    if row.joined_on is not None and row.joined_on > today:
        return f"joined_on: {row.joined_on} is in the future"
    if row.iban and row.bic and (problem := iban_problem(row.iban, row.bic)):
        return f"iban: {problem}"  # the account and its bank together (New Caledonia: outside SEPA)
    if known is not None and row.iban is not None and row.iban != (known.iban or row.iban):
        return (
            f"iban: partner {known.id} is paid to another account; a file never changes where a "
            "partner is paid (its bank details are changed with its confirmation)"
        )
    return ""


def _add(session: Session, row: PartnerRow, *, actor: str, now: datetime) -> int:
    ensure_territory(session, row.departement)
    partner = Partner(
        name=row.name,
        siren=row.siren,
        tier=row.tier,
        certified=row.certified,
        locale=row.locale,
        territory_code=row.departement,
        iban=row.iban,
        bic=row.bic,
        joined_on=row.joined_on or programme_date(now),
        created_at=now,
    )
    session.add(partner)
    session.flush()
    assert partner.id is not None
    session.add(
        PartnerContact(
            partner_id=partner.id,
            name=row.contact_name,
            email=row.contact_email,
            locale=row.locale,
            role=ContactRole.ADMIN,
            created_at=now,
        )
    )
    record_event(
        session,
        actor=actor,
        action="partner.loaded",
        subject_type="partner",
        subject_id=partner.id,
        now=now,
        details={"siren": row.siren, "name": row.name, "departement": row.departement, "added": True},
    )
    return partner.id


def _update(session: Session, partner: Partner, row: PartnerRow, *, actor: str, now: datetime) -> bool:
    """The file's values for what a file may change; True when anything did (audited)."""
    wanted = {
        "name": row.name,
        "tier": row.tier,
        "certified": row.certified,
        "locale": row.locale,
        "territory_code": row.departement,
    }
    changed = {name: value for name, value in wanted.items() if getattr(partner, name) != value}
    if partner.iban is None and row.iban is not None:  # a first account may come from the file
        changed |= {"iban": row.iban, "bic": row.bic}
    if not changed:
        return False
    ensure_territory(session, row.departement)
    for name, value in changed.items():
        setattr(partner, name, value)
    session.add(partner)
    record_event(
        session,
        actor=actor,
        action="partner.loaded",
        subject_type="partner",
        subject_id=partner.id or 0,
        now=now,
        details={"changed": sorted(changed)},
    )
    return True
