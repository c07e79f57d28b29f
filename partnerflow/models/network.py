"""The partner network: territories (départements), partners (resellers) and internal people.

No ``from __future__ import annotations`` here: SQLModel resolves relationship types at runtime.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class PartnerTier(StrEnum):
    REGISTERED = "registered"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    REMOVED = "removed"


class Locale(StrEnum):
    FR = "fr"
    EN = "en"


class Role(StrEnum):
    """Roles of the vendor's channel team; policies name them as review levels and sign-offs."""

    CHANNEL_MANAGER = "channel-manager"
    CHANNEL_DIRECTOR = "channel-director"
    CHANNEL_SALES = "channel-sales"
    CHANNEL_OPS = "channel-ops"
    SUPPLY_CHAIN = "supply-chain"
    FINANCE = "finance"
    PROGRAMME_OWNER = "programme-owner"  # decides the referral pilot's roll-out


class Territory(SQLModel, table=True):
    """A French département: the unit of reseller coverage."""

    code: str = Field(primary_key=True, max_length=3, description="INSEE code, e.g. 75, 2A, 971")
    name: str = Field(max_length=80)
    region: str = Field(default="", max_length=80)
    channel_manager_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True, index=True),
        description="The channel manager partners of this département write to (every e-mail's footer)",
    )


class PartnerBase(SQLModel):
    name: str = Field(max_length=200, index=True)
    siren: str | None = Field(default=None, min_length=9, max_length=9, unique=True)
    tier: PartnerTier = Field(default=PartnerTier.REGISTERED, sa_type=enum_type(PartnerTier))
    certified: bool = False
    status: PartnerStatus = Field(default=PartnerStatus.ACTIVE, sa_type=enum_type(PartnerStatus), index=True)
    locale: Locale = Field(default=Locale.FR, sa_type=enum_type(Locale))
    territory_code: str = Field(
        sa_column=Column(
            String(3), ForeignKey("territory.code", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    contact_emails: list[str] = json_field(default_factory=list)
    iban: str | None = Field(default=None, max_length=34)
    bic: str | None = Field(default=None, max_length=11)
    joined_on: date | None = Field(default=None, description="when it joined the programme")


class Partner(PartnerBase, table=True):
    """A reseller. Its financial history references it with RESTRICT: partners are never deleted,
    they are set to ``removed``."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field()

    @property
    def primary_email(self) -> str:
        return self.contact_emails[0]


class PersonRole(SQLModel, table=True):
    """One role held by one person (a person may hold several)."""

    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    role: Role = Field(sa_type=enum_type(Role), index=True)
    person: "Person" = Relationship(back_populates="role_links")


class Person(SQLModel, table=True):
    """A member of the vendor's channel team who approves, signs off or reviews."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    locale: Locale = Field(default=Locale.FR, sa_type=enum_type(Locale))
    active: bool = True
    role_links: list[PersonRole] = Relationship(
        back_populates="person", sa_relationship_kwargs={"lazy": "selectin"}
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(link.role) for link in self.role_links)
