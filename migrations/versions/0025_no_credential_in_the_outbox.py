"""No credential at rest in the outbox: each row says how to make its links and codes again.

The outbox kept every personal approval link and code, sign-in link and survey link in clear
after sending, so a read-only database user could answer in anyone's name. Rows now carry
``sealed`` (marker -> kind and ids) and the sender signs at delivery. Messages already sent are
redacted here: their links and codes are replaced by a note (the grants they stood for keep
working from the e-mail the person received).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Personal links (approval, sign-in, surveys, referral pages) and XXXXX-XXXXX approval codes.
CREDENTIAL = re.compile(r"/(?:approve|signin|survey|exit|refer)/[\w.-]+|\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")
REDACTED = "[removed]"


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.JSON(), nullable=False, server_default="{}"))
    notification = sa.table(
        "notification",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("text_body", sa.Text),
        sa.column("html_body", sa.Text),
    )
    connection = op.get_bind()
    sent = connection.execute(
        sa.select(notification.c.id, notification.c.text_body, notification.c.html_body).where(
            notification.c.status != "pending"
        )
    )
    for row_id, text, html in sent.all():
        redacted = CREDENTIAL.sub(REDACTED, text), CREDENTIAL.sub(REDACTED, html)
        if redacted != (text, html):
            connection.execute(
                notification.update()
                .where(notification.c.id == row_id)
                .values(text_body=redacted[0], html_body=redacted[1])
            )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("sealed")
