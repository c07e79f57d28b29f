"""The vendor's end customers, as the referral programme knows them: who may sponsor others.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import timestamp_field


class Customer(SQLModel, table=True):
    """An end customer company (keyed like registrations: SIREN, else domain, else folded name),
    with its purchase history and satisfaction as imported from the CRM or counted from won deals."""

    id: int | None = Field(default=None, primary_key=True)
    customer_key: str = Field(max_length=260, unique=True)
    name: str = Field(max_length=200)
    siren: str | None = Field(default=None, max_length=9)
    domain: str | None = Field(default=None, max_length=253)
    email: str | None = Field(default=None, max_length=254)
    locale: str = Field(default="fr", max_length=5)
    first_purchase_on: date | None = None
    last_purchase_on: date | None = None
    purchases: int = Field(default=0, ge=0)
    revenue: Decimal = Field(default=Decimal(0), sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    satisfaction: int | None = Field(default=None, ge=0, le=10, description="0-10, as last surveyed")
    updated_at: datetime = timestamp_field()
