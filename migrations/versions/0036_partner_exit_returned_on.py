"""A paused reseller can come back: the day it was reactivated is kept on its exit.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partnerexit") as batch:
        batch.add_column(sa.Column("returned_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partnerexit") as batch:
        batch.drop_column("returned_on")
