"""The vendor's end customers: imported from the CRM (history, satisfaction) and counted from the
deals partners won, one row per company key (``partnerflow.customers.customer_key``).

A file is checked row by row: a bad row is named with its number and skipped. Importing the same
export twice changes nothing; a later export updates the company's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from stdnum import bic as bic_number
from stdnum import iban as iban_number

from partnerflow.clock import programme_date
from partnerflow.customers import business_domain, customer_key, names_a_company, siren_text
from partnerflow.models import Customer, Locale, Registration, RegistrationStatus
from partnerflow.text import is_clean
from partnerflow.values import Amount, IsoDate, WholeNumber


class CustomerRow(BaseModel):
    """``name,siren,domain,email,locale,first_purchase_on,last_purchase_on,purchases,revenue,
    satisfaction,iban,bic``: a company and what the CRM knows of it (the IBAN, when given, is
    where its referral rewards are transferred; without one they come as vouchers)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, AfterValidator(names_a_company)] = Field(min_length=1, max_length=200)
    siren: str | None = Field(default=None, pattern=r"^[0-9]{9}$")
    domain: str | None = Field(default=None, max_length=253)
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$"
    )
    locale: Locale = Locale.FR
    first_purchase_on: IsoDate | None = None
    last_purchase_on: IsoDate | None = None
    purchases: WholeNumber = Field(default=0, ge=0, le=1_000_000)
    revenue: Amount = Field(default=Decimal(0), ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    satisfaction: WholeNumber | None = Field(default=None, ge=0, le=10)
    iban: str | None = Field(default=None, max_length=42)
    bic: str | None = Field(default=None, max_length=11)

    @field_validator("siren", mode="before")
    @classmethod
    def _siren_digits(cls, value: Any) -> Any:
        """Digits of any width made ASCII before the check (two companies with full-width SIRENs
        were merged into one row: their keys had no digit left)."""
        return siren_text(value) if isinstance(value, str) else value

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        if not iban_number.is_valid(value):
            raise ValueError("not a valid IBAN (check digits or format)")
        return str(iban_number.compact(value))

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str) -> str:
        if not bic_number.is_valid(value):
            raise ValueError("not a valid BIC")
        return str(bic_number.compact(value))

    @field_validator("name")
    @classmethod
    def _plain(cls, value: str) -> str:
        if not is_clean(value):
            raise ValueError("contains a control character")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> CustomerRow:
        first, last = self.first_purchase_on, self.last_purchase_on
        if first is not None and last is not None and last < first:
            raise ValueError(f"last_purchase_on {last} is before first_purchase_on {first}")
        return self

    @property
    def key(self) -> str:
        return customer_key(name=self.name, siren=self.siren, domain=self.domain, email=self.email)


@dataclass
class CustomerImport:
    added: int = 0
    updated: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # row number, reasons


def import_customers(session: Session, rows: list[dict[str, Any]], *, now: datetime) -> CustomerImport:
    """Store or update each valid row by its company key; refuse the others with their number."""
    report = CustomerImport()
    today = programme_date(now)
    for number, raw in enumerate(rows, start=1):
        row = _valid(raw, today)
        if isinstance(row, str):
            report.refused.append((number, row))
            continue
        values = {**row.model_dump(), "locale": row.locale.value, "domain": business_domain(row.domain or "")}
        known = session.exec(select(Customer).where(Customer.customer_key == row.key)).first()
        if known is None:
            session.add(Customer(customer_key=row.key, updated_at=now, **values))
            report.added += 1
        else:
            known.sqlmodel_update({**values, "updated_at": now})
            session.add(known)
            report.updated += 1
        session.flush()
    return report


def count_won_deals(session: Session, *, now: datetime) -> int:
    """Customers' purchase history from the deals partners won (in SQL, per company key): a
    company not imported yet is added; a known one keeps the larger of the two histories."""
    won = session.execute(
        sa_select(
            col(Registration.customer_key),
            func.max(col(Registration.customer_name)),
            func.max(col(Registration.customer_siren)),
            func.max(col(Registration.customer_email)),
            func.count(),
            func.min(col(Registration.closed_on)),
            func.max(col(Registration.closed_on)),
            func.coalesce(func.sum(col(Registration.closed_amount)), 0),
        )
        .where(col(Registration.status) == RegistrationStatus.WON, col(Registration.closed_on).is_not(None))
        .group_by(col(Registration.customer_key))
    ).all()
    known = {
        customer.customer_key: customer
        for customer in session.exec(
            select(Customer).where(col(Customer.customer_key).in_([row[0] for row in won]))
        )
    }
    touched = 0
    for key, name, siren, email, purchases, first, last, revenue in won:
        customer = known.get(key)
        if customer is None:
            customer = Customer(customer_key=key, name=name or key, siren=siren, email=email, updated_at=now)
        if (
            purchases > customer.purchases
            or customer.last_purchase_on is None
            or last > customer.last_purchase_on
        ):
            customer.purchases = max(customer.purchases, int(purchases))
            customer.revenue = max(customer.revenue, Decimal(revenue))
            customer.first_purchase_on = min(filter(None, (customer.first_purchase_on, first)))
            customer.last_purchase_on = max(filter(None, (customer.last_purchase_on, last)))
            customer.updated_at = now
            session.add(customer)
            touched += 1
    session.flush()
    return touched


def _valid(raw: dict[str, Any], today: date) -> CustomerRow | str:
    try:
        row = CustomerRow.model_validate(
            {key: value for key, value in raw.items() if value not in ("", None)}
        )
    except ValidationError as error:
        return "; ".join(_reason(item["loc"], item["msg"]) for item in error.errors())
    for name in ("first_purchase_on", "last_purchase_on"):
        day = getattr(row, name)
        if day is not None and not date(1950, 1, 1) <= day <= today:
            return f"{name}: {day} is not a past date"
    return row


def _reason(location: tuple[int | str, ...], message: str) -> str:
    """``field: reason``; a reason about the whole row (dates out of order) has no field."""
    reason = message.removeprefix("Value error, ")
    return f"{'.'.join(str(part) for part in location)}: {reason}" if location else reason
