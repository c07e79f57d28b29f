"""Keys of the vendor's own systems: an API key without a partner (its CRM reads every
partner's registrations through /api/v1/vendor).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.alter_column("partner_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    key = sa.table("api_key", sa.column("partner_id", sa.Integer()))
    op.execute(sa.delete(key).where(key.c.partner_id.is_(None)))
    with op.batch_alter_table("api_key") as batch:
        batch.alter_column("partner_id", existing_type=sa.Integer(), nullable=False)
