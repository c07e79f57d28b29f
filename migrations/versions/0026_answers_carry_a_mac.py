"""Answers carry a MAC: a row written into the database without the key is never applied.

Answers recorded before this revision and not applied yet are sealed here with the
installation's key (``PARTNERFLOW_SECRET_KEY``, or the development key file), so a review that
spans the upgrade goes on; applied ones are history and stay as they are.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=False, server_default=""))
    from partnerflow.approvals.answer_seal import answer_mac
    from partnerflow.approvals.keys import keys_for
    from partnerflow.models import ApprovalAnswer, ApprovalRequest
    from partnerflow.models.columns import UTCDateTime
    from partnerflow.settings import get_settings

    # The columns as of this revision, typed as the models read them (JSON details, aware UTC
    # times), so that the MAC is the one the application computes; written back by id.
    answers = sa.table(
        "approval_answer",
        *(sa.column(name, sa.Integer) for name in ("id", "request_id", "person_id")),
        *(sa.column(name, sa.String) for name in ("person_email", "decision", "via", "actor", "mac")),
        *(sa.column(name, sa.Text) for name in ("comment", "reason")),
        sa.column("details", sa.JSON),
        sa.column("answered_at", UTCDateTime),
        sa.column("applied_at", UTCDateTime),
    )
    requests = sa.table(
        "approval_request",
        *(sa.column(name, sa.Integer) for name in ("id", "subject_id", "round")),
        *(sa.column(name, sa.String) for name in ("subject_kind", "role")),
    )
    answer_columns = [column.name for column in answers.c if column.name not in ("applied_at", "mac")]
    request_columns = [column.name for column in requests.c]
    connection = op.get_bind()
    pending = (
        connection.execute(
            sa.select(
                *(answers.c[name] for name in answer_columns),
                *(requests.c[name].label(f"asked_{name}") for name in request_columns),
            )
            .select_from(answers.join(requests, answers.c.request_id == requests.c.id))
            .where(answers.c.applied_at.is_(None))
        )
        .mappings()
        .all()
    )
    if not pending:
        return
    keys = keys_for(get_settings())
    for row in pending:
        answer = ApprovalAnswer(**{name: row[name] for name in answer_columns})
        request = ApprovalRequest(**{name: row[f"asked_{name}"] for name in request_columns})
        connection.execute(
            answers.update().where(answers.c.id == row["id"]).values(mac=answer_mac(keys, answer, request))
        )


def downgrade() -> None:
    with op.batch_alter_table("approval_answer", schema=None) as batch_op:
        batch_op.drop_column("mac")
