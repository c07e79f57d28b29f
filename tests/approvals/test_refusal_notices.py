"""A refused answer is e-mailed to its author when partnerflow knows who that is; a guess from
nobody known is only audited."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Reply, Subject, answer_by_code
from partnerflow.approvals.refusals import queue_refusal_notices
from partnerflow.models import Notification, Role
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
