"""Partners' webhooks: endpoints (a URL and the events wanted; the signing secret is derived
from the installation's key, never stored), events published once per business event, and one
delivery per event and endpoint.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from partnerflow.models.columns import UTCDateTime

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _refers(table: str, column: str | None = None) -> sa.Column[int]:
    return sa.Column(
        column or f"{table}_id",
        sa.Integer(),
        sa.ForeignKey(f"{table}.id", ondelete="RESTRICT"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        _refers("partner"),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_webhook_endpoint_partner_id", "webhook_endpoint", ["partner_id"])
    op.create_table(
        "webhook_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        _refers("partner"),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False, unique=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_event_partner_id", "webhook_event", ["partner_id"])
    op.create_index("ix_webhook_event_created_at", "webhook_event", ["created_at"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        _refers("webhook_event", "event_id"),
        _refers("webhook_endpoint", "endpoint_id"),
        sa.Column(
            "state",
            sa.Enum("pending", "delivered", "failed", name="deliverystate", native_enum=False, length=17),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "endpoint_id"),
    )
    op.create_index("ix_webhook_delivery_endpoint_id", "webhook_delivery", ["endpoint_id"])
    op.create_index("ix_webhook_delivery_state", "webhook_delivery", ["state"])
    op.create_index("ix_webhook_delivery_next_attempt_at", "webhook_delivery", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_event")
    op.drop_table("webhook_endpoint")
