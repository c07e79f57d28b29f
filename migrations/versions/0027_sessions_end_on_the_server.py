"""Inbox sessions end on the server at sign-out: the sign-in link that opened one records when.

Before, the session was a signed cookie alone and kept working for its 8 hours after sign-out.
Sessions opened before this revision carry the old cookie and must sign in again.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from partnerflow.models.columns import UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signinlink", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_out_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signinlink", schema=None) as batch_op:
        batch_op.drop_column("signed_out_at")
