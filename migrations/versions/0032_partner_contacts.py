"""A partner's people: contacts with a name, a locale and a role (admin or sales), who receive
its e-mails and sign in to the portal; they replace ``partner.contact_emails``. A sign-in link
now opens the inbox for one of the vendor's people or the portal for a partner's contact.

Each address of ``contact_emails`` becomes a contact in the partner's locale, the first an admin
(it received every message meant for one reader), the others sales; their names are left empty
for the partner's admin to fill in the portal. The downgrade writes the active contacts' addresses
back, admins first.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from partnerflow.models.columns import UTCDateTime

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLE = sa.Enum("admin", "sales", name="contactrole", native_enum=False, length=13)
_LOCALE = sa.Enum("fr", "en", name="locale", native_enum=False, length=10)


def upgrade() -> None:
    contacts = op.create_table(
        "partner_contact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partner_id", sa.Integer(), sa.ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("locale", _LOCALE, nullable=False),
        sa.Column("role", _ROLE, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("partner_id", "email"),
    )
    op.create_index("ix_partner_contact_partner_id", "partner_contact", ["partner_id"])
    op.create_index("ix_partner_contact_email", "partner_contact", ["email"])
    partner = sa.table(
        "partner",
        sa.column("id", sa.Integer()),
        sa.column("locale", sa.String()),
        sa.column("contact_emails", sa.JSON()),
        sa.column("created_at", UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = []
    for partner_id, locale, emails, created_at in bind.execute(sa.select(partner).order_by(partner.c.id)):
        addresses = dict.fromkeys(email.strip().lower() for email in emails or [] if email.strip())
        rows += [
            {
                "partner_id": partner_id,
                "name": "",
                "email": email,
                "locale": locale,
                "role": "admin" if number == 0 else "sales",
                "active": True,
                "created_at": created_at,
            }
            for number, email in enumerate(addresses)
        ]
    if rows:
        op.bulk_insert(contacts, rows)
    # Not a batch: on SQLite it copies the table, and dropping the old one trips the foreign keys
    # of everything that refers to partners (SQLite has dropped columns itself since 3.35).
    op.execute("ALTER TABLE partner DROP COLUMN contact_emails")
    with op.batch_alter_table("signinlink") as batch:
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_signinlink_contact_id", "partner_contact", ["contact_id"], ["id"], ondelete="RESTRICT"
        )
        batch.create_check_constraint(
            "sign_in_link_one_holder", "(person_id IS NULL) <> (contact_id IS NULL)"
        )
        batch.create_index("ix_signinlink_person_id", ["person_id"])
        batch.create_index("ix_signinlink_contact_id", ["contact_id"])


def downgrade() -> None:
    sign_in = sa.table("signinlink", sa.column("contact_id", sa.Integer()))
    op.execute(sa.delete(sign_in).where(sign_in.c.contact_id.is_not(None)))
    with op.batch_alter_table("signinlink") as batch:
        batch.drop_index("ix_signinlink_contact_id")
        batch.drop_index("ix_signinlink_person_id")
        batch.drop_constraint("sign_in_link_one_holder", type_="check")
        batch.drop_constraint("fk_signinlink_contact_id", type_="foreignkey")
        batch.drop_column("contact_id")
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
    op.add_column("partner", sa.Column("contact_emails", sa.JSON(), nullable=False, server_default="[]"))
    partner = sa.table("partner", sa.column("id", sa.Integer()), sa.column("contact_emails", sa.JSON()))
    contact = sa.table(
        "partner_contact",
        sa.column("partner_id", sa.Integer()),
        sa.column("email", sa.String()),
        sa.column("role", sa.String()),
        sa.column("active", sa.Boolean()),
        sa.column("id", sa.Integer()),
    )
    bind = op.get_bind()
    emails: dict[int, list[str]] = {}
    found = sa.select(contact.c.partner_id, contact.c.email).where(contact.c.active)
    for partner_id, email in bind.execute(found.order_by(contact.c.role, contact.c.id)):
        emails.setdefault(partner_id, []).append(email)
    for partner_id, addresses in emails.items():
        op.execute(sa.update(partner).where(partner.c.id == partner_id).values(contact_emails=addresses))
    op.drop_index("ix_partner_contact_email", table_name="partner_contact")
    op.drop_index("ix_partner_contact_partner_id", table_name="partner_contact")
    op.drop_table("partner_contact")
