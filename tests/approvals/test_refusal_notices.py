"""A refused answer is e-mailed to its author when partnerflow knows who that is; a guess from
nobody known is only audited."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Reply, Subject, answer_by_code
from partnerflow.approvals.refusals import NOTICES_PER_HOUR, queue_refusal_notices
from partnerflow.models import AuditEvent, Notification, Role
from tests.factories import LINKS, NOW, RENDERER, add_person, ask

SUBJECT = Subject("settlement", 4)


def test_a_person_whose_code_was_already_used_is_told_why_once(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "finance@vendor.example", Role.FINANCE)
        [invitation] = ask(session, SUBJECT, "finance")
        answer_by_code(session, LINKS.keys, SUBJECT, invitation.code, Reply("approve", ""), now=NOW)
        answer_by_code(session, LINKS.keys, SUBJECT, invitation.code, Reply("reject", ""), now=NOW)
        answer_by_code(session, LINKS.keys, SUBJECT, "ABCDE-FGHJK", Reply("approve", ""), now=NOW)  # a guess
        first = queue_refusal_notices(session, LINKS, RENDERER, now=NOW)
        again = queue_refusal_notices(session, LINKS, RENDERER, now=NOW)
        session.commit()
        [notice] = session.exec(select(Notification).where(Notification.template == "answer_refused")).all()

    assert (first, again) == (1, 0)
    assert notice.recipient == "finance@vendor.example"
    assert "Paiement des commissions 4" in notice.subject and "already used" in notice.text_body
    assert "/inbox" in notice.text_body


def test_a_flood_of_refusals_mails_its_owner_a_few_notices_an_hour(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "finance@vendor.example", Role.FINANCE)
        [invitation] = ask(session, SUBJECT, "finance")
        answer_by_code(session, LINKS.keys, SUBJECT, invitation.code, Reply("approve", ""), now=NOW)
        for _ in range(20):  # someone replays the used code, again and again
            answer_by_code(session, LINKS.keys, SUBJECT, invitation.code, Reply("reject", ""), now=NOW)
        first = queue_refusal_notices(session, LINKS, RENDERER, now=NOW)
        again = queue_refusal_notices(session, LINKS, RENDERER, now=NOW)
        session.commit()
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).all()
    assert (first, again) == (NOTICES_PER_HOUR, 0) and len(refused) == 20, "all audited, a few mailed"
