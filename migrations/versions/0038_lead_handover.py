"""A lead no reseller may take is put to its département's channel manager as a decision: offer
it to a reseller they choose, or close it (one awaiting handover per lead).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOME = sa.Enum("offered", "closed", name="handoveroutcome", native_enum=False, length=15)


def upgrade() -> None:
    op.create_table(
        "lead_handover",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.String(64), sa.ForeignKey("lead.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rule_id", sa.String(60), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awaiting", sa.Boolean(), nullable=False),
        sa.Column("flow_run_id", sa.String(36), nullable=True),
        sa.Column("outcome", OUTCOME, nullable=True),
        sa.Column(
            "reseller_id", sa.Integer(), sa.ForeignKey("partner.id", ondelete="RESTRICT"), nullable=True
        ),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("decided_by", sa.String(254), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_lead_handover_lead_id", "lead_handover", ["lead_id"])
    op.create_index(
        "ux_lead_handover_awaiting",
        "lead_handover",
        ["lead_id"],
        unique=True,
        sqlite_where=sa.text("awaiting"),
        postgresql_where=sa.text("awaiting"),
    )


def downgrade() -> None:
    op.drop_table("lead_handover")
