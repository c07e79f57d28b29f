"""Every decision has a clock (#28): whoever has not answered is reminded with their link renewed,
and the escalation role is told once; kinds with their policy's own clock are left to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.approvals import Ask, Recorded, Reply, Subject, answer_by_code, close_requests, open_round
from partnerflow.approvals.deadlines import DeadlineSweep, sweep_decisions
from partnerflow.approvals.declarations import DecisionClock, decision_kind, declared_kinds
from partnerflow.models import ApprovalGrant, AuditEvent, Notification, Role
from tests.factories import LINKS, RENDERER, add_person

NOW = datetime(2027, 4, 2, 8, tzinfo=UTC)
ASKED = ("asked1@vendor.example", "asked2@vendor.example")
CHASER = "chaser@vendor.example"
WITH_A_CLOCK = [name for name, kind in declared_kinds().items() if kind.clock is not None]


def clock_of(kind: str) -> DecisionClock:
    clock = decision_kind(kind).clock
    assert clock is not None
    return clock


def ask(engine: Engine, kind: str, escalate_to: Role | None) -> list[str]:
    """Two people of the finance role asked about ``kind`` 7; returns their codes."""
    with Session(engine) as session:
        for email in ASKED:
            add_person(session, email, Role.FINANCE)
        if escalate_to is not None:
            add_person(session, CHASER, escalate_to)
        invitations = open_round(
            session,
            LINKS,
            Ask(
                Subject(kind, 7),
                role=Role.FINANCE,
                approvers_required=2,
                summary="x",
                expires_at=NOW + timedelta(days=14),
                flow_run_id=None,
                round_number=1,
            ),
            now=NOW,
        )
        session.commit()
        return [invitation.code for invitation in invitations]


def sweep(engine: Engine, at: datetime) -> DeadlineSweep:
    with Session(engine) as session:
        report = sweep_decisions(session, renderer=RENDERER, links=LINKS, now=at)
        session.commit()
        return report


def mailed(engine: Engine, template: str) -> list[str]:
    with Session(engine) as session:
        query = select(Notification.recipient).where(Notification.template == template)
        return sorted(session.exec(query.order_by(col(Notification.id))).all())


@pytest.mark.parametrize("kind", WITH_A_CLOCK)
def test_every_decision_is_reminded_with_its_link_renewed_then_escalated_once(
    engine: Engine, kind: str
) -> None:
    clock = clock_of(kind)
    ask(engine, kind, clock.escalate_to)

    assert sweep(engine, NOW + clock.remind_every - timedelta(minutes=1)).reminded == []
    reminded_at = NOW + clock.remind_every
    assert sweep(engine, reminded_at).reminded != []
    assert sweep(engine, reminded_at + timedelta(minutes=15)).reminded == [], "once per period"
    assert mailed(engine, "decision_reminder") == sorted(ASKED)
    with Session(engine) as session:
        expiries = set(session.exec(select(ApprovalGrant.expires_at)).all())
    assert expiries == {max(NOW + timedelta(days=14), reminded_at + clock.links_last)}

    escalated = sweep(engine, NOW + clock.escalate_after).escalated
    again = sweep(engine, NOW + clock.escalate_after + timedelta(days=1)).escalated
    if clock.escalate_to is None:
        assert (escalated, mailed(engine, "decision_overdue")) == ([], [])
    else:
        assert escalated != [] and again == []
        assert mailed(engine, "decision_overdue") == [CHASER]


def test_a_link_past_its_first_lifetime_still_answers_once_reminded(engine: Engine) -> None:
    """Measured before: the links expired after 14 days and nobody could answer any more."""
    clock = clock_of("settlement")
    first, _second = ask(engine, "settlement", clock.escalate_to)
    day = NOW
    while day < NOW + timedelta(days=20):
        sweep(engine, day)
        day += clock.remind_every

    with Session(engine) as session:
        outcome = answer_by_code(
            session,
            LINKS.keys,
            Subject("settlement", 7),
            first,
            Reply("approve", ""),
            now=NOW + timedelta(days=20),
        )
        session.commit()
    assert isinstance(outcome, Recorded)


def test_who_answered_is_not_reminded_and_a_decided_subject_not_at_all(engine: Engine) -> None:
    clock = clock_of("removal")
    first, second = ask(engine, "removal", clock.escalate_to)
    with Session(engine) as session:
        answer_by_code(session, LINKS.keys, Subject("removal", 7), first, Reply("approve", ""), now=NOW)
        session.commit()
    sweep(engine, NOW + clock.remind_every)
    assert mailed(engine, "decision_reminder") == [ASKED[1]]

    with Session(engine) as session:
        answer_by_code(session, LINKS.keys, Subject("removal", 7), second, Reply("approve", ""), now=NOW)
        close_requests(session, Subject("removal", 7), NOW)
        session.commit()
    assert sweep(engine, NOW + 10 * clock.escalate_after) == DeadlineSweep()


@pytest.mark.parametrize("kind", [name for name in declared_kinds() if name not in WITH_A_CLOCK])
def test_a_kind_with_its_policys_own_clock_is_left_to_it(engine: Engine, kind: str) -> None:
    ask(engine, kind, Role.PROGRAMME_OWNER)
    assert sweep(engine, NOW + timedelta(days=60)) == DeadlineSweep()


def test_reminders_and_escalations_are_audited(engine: Engine) -> None:
    clock = clock_of("settlement")
    ask(engine, "settlement", clock.escalate_to)
    sweep(engine, NOW + clock.escalate_after)
    with Session(engine) as session:
        actions = sorted(
            session.exec(select(AuditEvent.action).where(AuditEvent.subject_type == "settlement"))
        )
    assert actions == ["approval.escalated", "approval.reminded"]
