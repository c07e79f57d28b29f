"""The partner network: territories (départements), partners (resellers) and internal people.

No ``from __future__ import annotations`` here: SQLModel resolves relationship types at runtime.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from partnerflow.models.columns import enum_type, timestamp_field


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


class ContactRole(StrEnum):
    """What a partner's contact may do in the portal: an admin also manages the partner's
    contacts and API keys."""

    ADMIN = "admin"
    SALES = "sales"


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
    iban: str | None = Field(default=None, max_length=34)
    bic: str | None = Field(default=None, max_length=11)
    joined_on: date | None = Field(default=None, description="when it joined the programme")


class Partner(PartnerBase, table=True):
    """A reseller. Its financial history references it with RESTRICT: partners are never deleted,
    they are set to ``removed``."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field()
    contacts: list["PartnerContact"] = Relationship(
        back_populates="partner",
        sa_relationship_kwargs={"lazy": "selectin", "order_by": "PartnerContact.id"},
    )

    @property
    def emails(self) -> list[str]:
        """Where the partner's e-mails go: its active contacts, admins first, each address once."""
        ordered = sorted(
            (contact for contact in self.contacts if contact.active),
            key=lambda contact: contact.role != ContactRole.ADMIN,
        )
        return list(dict.fromkeys(contact.email for contact in ordered))

    @property
    def primary_email(self) -> str:
        """The address of a message meant for one reader (its first admin); a partner always
        keeps an active admin (``partner_access.contacts`` refuses to remove the last one)."""
        if not self.emails:
            raise LookupError(f"partner {self.id} has no active contact")
        return self.emails[0]


class PartnerContact(SQLModel, table=True):
    """A person at a partner: receives its e-mails and signs in to the portal. The same address
    may be a contact of two partners (an accountant serving both): a sign-in link then names
    the partner it opens. Contacts are deactivated, never deleted (the audit trail names them)."""

    __tablename__ = "partner_contact"
    __table_args__ = (UniqueConstraint("partner_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    name: str = Field(default="", max_length=200)
    email: str = Field(max_length=254, index=True)
    locale: Locale = Field(default=Locale.FR, sa_type=enum_type(Locale))
    role: ContactRole = Field(default=ContactRole.SALES, sa_type=enum_type(ContactRole))
    active: bool = True
    created_at: datetime = timestamp_field()
    removed_at: datetime | None = timestamp_field(nullable=True)
    partner: Partner = Relationship(back_populates="contacts")


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
