"""Lead distribution: a lead is a prospect that passes between resellers, each reseller's turn
with it is a row (what the KPIs count), and an event names the reseller that did it.

Every stored lead becomes one recorded turn of the reseller it was imported for; its events
name that reseller. The downgrade keeps each lead's first reseller and drops the leads that
were never handed to one.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from partnerflow.models.columns import UTCDateTime

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOLDING = "state IN ('offered', 'accepted')"
LEAD_COLUMNS = (
    sa.Column("external_id", sa.String(64), nullable=True),
    sa.Column("state", sa.String(16), nullable=False, server_default="history"),
    sa.Column("company", sa.String(200), nullable=False, server_default=""),
    sa.Column("contact_name", sa.String(200), nullable=True),
    sa.Column("contact_email", sa.String(254), nullable=True),
    sa.Column("contact_phone", sa.String(40), nullable=True),
    sa.Column("product_lines", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("source", sa.String(60), nullable=False, server_default=""),
    sa.Column("consent", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("note", sa.String(2000), nullable=False, server_default=""),
    sa.Column("passes", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("purged_at", UTCDateTime(), nullable=True),
)


def upgrade() -> None:
    op.create_table(
        "leadturn",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.String(64), sa.ForeignKey("lead.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "reseller_id", sa.Integer(), sa.ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("state", sa.String(17), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("deadline_at", UTCDateTime(), nullable=True),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("status_due_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("rule_id", sa.String(60), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.UniqueConstraint("lead_id", "reseller_id"),
    )
    op.create_index("ix_leadturn_reseller_received", "leadturn", ["reseller_id", "received_at"])
    op.create_index("ix_leadturn_state_deadline", "leadturn", ["state", "deadline_at"])
    op.create_index(
        "ux_leadturn_one_holder",
        "leadturn",
        ["lead_id"],
        unique=True,
        sqlite_where=sa.text(HOLDING),
        postgresql_where=sa.text(HOLDING),
    )
    op.execute(
        "INSERT INTO leadturn (lead_id, reseller_id, state, received_at, reason, rule_id, "
        "policy_version, policy_sha256, ranking) SELECT id, reseller_id, 'recorded', received_at, "
        "'', '', '', '', '[]' FROM lead"
    )
    with op.batch_alter_table("leadevent") as batch:
        batch.add_column(sa.Column("reseller_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE leadevent SET reseller_id = (SELECT reseller_id FROM lead WHERE lead.id = leadevent.lead_id)"
    )
    with op.batch_alter_table("leadevent") as batch:
        batch.alter_column("reseller_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("kind", existing_type=sa.String(14), type_=sa.String(16))
        batch.create_foreign_key(
            "fk_leadevent_reseller", "partner", ["reseller_id"], ["id"], ondelete="RESTRICT"
        )
        batch.create_index("ix_leadevent_lead_reseller", ["lead_id", "reseller_id"])
    with op.batch_alter_table("lead") as batch:
        batch.drop_index("ix_lead_reseller_received")
        batch.drop_column("reseller_id")
        for column in LEAD_COLUMNS:
            batch.add_column(column.copy())
        batch.create_unique_constraint("uq_lead_external_id", ["external_id"])
        batch.create_index("ix_lead_state_received", ["state", "received_at", "id"])


def downgrade() -> None:
    op.execute("DELETE FROM lead WHERE id NOT IN (SELECT lead_id FROM leadturn)")
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("reseller_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE lead SET reseller_id = (SELECT t.reseller_id FROM leadturn t WHERE t.lead_id = lead.id "
        "ORDER BY t.received_at, t.id LIMIT 1)"
    )
    op.execute("DELETE FROM leadevent WHERE kind IN ('accepted', 'declined')")
    op.execute(
        "DELETE FROM leadevent WHERE reseller_id <> "
        "(SELECT reseller_id FROM lead WHERE lead.id = leadevent.lead_id)"
    )
    with op.batch_alter_table("lead") as batch:
        batch.drop_index("ix_lead_state_received")
        batch.drop_constraint("uq_lead_external_id", type_="unique")
        for column in LEAD_COLUMNS:
            batch.drop_column(column.name)
        batch.alter_column("reseller_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_lead_reseller", "partner", ["reseller_id"], ["id"], ondelete="RESTRICT")
        batch.create_index("ix_lead_reseller_received", ["reseller_id", "received_at"])
    with op.batch_alter_table("leadevent") as batch:
        batch.drop_index("ix_leadevent_lead_reseller")
        batch.drop_constraint("fk_leadevent_reseller", type_="foreignkey")
        batch.drop_column("reseller_id")
        batch.alter_column("kind", existing_type=sa.String(16), type_=sa.String(14))
    op.drop_table("leadturn")
