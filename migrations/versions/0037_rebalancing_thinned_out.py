"""Thinning out an over-served département is the channel manager's choice: the resellers they
chose to pause are kept on the year's rebalancing, beside the ones they kept.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rebalancing") as batch:
        batch.add_column(sa.Column("thinned_out", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("rebalancing") as batch:
        batch.drop_column("thinned_out")
