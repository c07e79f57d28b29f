"""The lead deadlines, swept by the distribution run: an offer is reminded at the policy's share
of its deadline, then withdrawn and the lead waits for the next candidate; an accepted lead
without a status by its due date is reminded, and again after the same delay.

Each step is one conditional UPDATE ... RETURNING over the turns due: a late *Accept* and the
sweep race in the database, and whichever changes the turn first wins (the accept is refused
with "this lead went to another reseller", or the sweep skips the turn). 10,000 open leads are
swept in a handful of statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, update
from sqlmodel import Session, col

from partnerflow.audit import record_events
from partnerflow.models import Lead, LeadState, LeadTurn, TurnState
from partnerflow.policy import LeadRoutingPolicy

ACTOR = "system:lead-deadlines"


@dataclass
class DeadlineSweep:
    reminded: list[int] = field(default_factory=list)  # offers reminded to accept
    withdrawn: list[int] = field(default_factory=list)  # offers passed on
    status_reminded: list[int] = field(default_factory=list)  # accepted leads without a status

    def as_dict(self) -> dict[str, int]:
        return {name: len(ids) for name, ids in vars(self).items()}


def sweep_deadlines(session: Session, policy: LeadRoutingPolicy, now: datetime) -> DeadlineSweep:
    """Remind, withdraw and ask for statuses, into the session's transaction (the caller queues
    the e-mails, routes the withdrawn leads again and commits)."""
    sweep = DeadlineSweep()
    connection = session.connection()
    withdrawn = connection.execute(
        update(LeadTurn)
        .where(col(LeadTurn.state) == TurnState.OFFERED, col(LeadTurn.deadline_at) <= now)
        .values(state=TurnState.WITHDRAWN, ended_at=now)
        .returning(col(LeadTurn.id), col(LeadTurn.lead_id), col(LeadTurn.reseller_id))
    ).all()
    sweep.withdrawn = [row[0] for row in withdrawn]
    lead_ids = [row[1] for row in withdrawn]
    for start in range(0, len(lead_ids), 1000):
        connection.execute(
            update(Lead)
            .where(col(Lead.id).in_(lead_ids[start : start + 1000]), col(Lead.state) == LeadState.OFFERED)
            .values(state=LeadState.NEW, passes=col(Lead.passes) + 1)
        )
    sweep.reminded = _ids(
        connection.execute(
            update(LeadTurn)
            .where(
                col(LeadTurn.state) == TurnState.OFFERED,
                col(LeadTurn.remind_at) <= now,
                col(LeadTurn.reminded_at).is_(None),
            )
            .values(reminded_at=now)
            .returning(col(LeadTurn.id))
        )
    )
    sweep.status_reminded = _ids(
        connection.execute(
            update(LeadTurn)
            .where(col(LeadTurn.state) == TurnState.ACCEPTED, col(LeadTurn.status_due_at) <= now)
            .values(status_due_at=now + policy.acceptance.status_within)
            .returning(col(LeadTurn.id))
        )
    )
    record_events(
        session,
        [
            {
                "actor": ACTOR,
                "action": "lead.withdrawn",
                "subject_type": "lead",
                "subject_id": lead_id,
                "occurred_at": now,
                "details": {"turn": turn_id, "reseller": reseller_id},
            }
            for turn_id, lead_id, reseller_id in withdrawn
        ],
    )
    return sweep


def _ids(result: Iterable[Row[tuple[int | None]]]) -> list[int]:
    return [int(row[0]) for row in result if row[0] is not None]
