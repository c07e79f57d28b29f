"""Partners' systems call the API: their API keys (scoped, a keyed digest kept, revocable) and
the responses kept for an Idempotency-Key (24 hours).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from partnerflow.models.columns import UTCDateTime

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owner(table: str) -> sa.Column[int]:
    """A reference to ``table``'s row (RESTRICT: nothing is deleted under what refers to it)."""
    return sa.Column(
        f"{table}_id", sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete="RESTRICT"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner("partner"),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=40), nullable=False, unique=True),
        sa.Column("secret_digest", sa.String(length=64), nullable=False, unique=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_key_partner_id", "api_key", ["partner_id"])
    op.create_table(
        "idempotent_response",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner("api_key"),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("api_key_id", "idempotency_key"),
    )
    op.create_index("ix_idempotent_response_created_at", "idempotent_response", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotent_response_created_at", table_name="idempotent_response")
    op.drop_table("idempotent_response")
    op.drop_index("ix_api_key_partner_id", table_name="api_key")
    op.drop_table("api_key")
