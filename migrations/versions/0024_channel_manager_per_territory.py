"""A channel manager per département: whom its partners' e-mails name as their contact.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_territory_channel_manager_id_person"


def upgrade() -> None:
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_manager_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_territory_channel_manager_id"), ["channel_manager_id"], unique=False
        )
        batch_op.create_foreign_key(
            FOREIGN_KEY, "person", ["channel_manager_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_territory_channel_manager_id"))
        batch_op.drop_column("channel_manager_id")
