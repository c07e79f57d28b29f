"""The morning digest: everyone with decisions waiting gets the list once a day, each with its
personal link; nobody else is mailed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Subject
from partnerflow.approvals.inbox import queue_digests
from partnerflow.models import Notification, Role
from tests.factories import LINKS, NOW, RENDERER, add_person, ask, delivered_text


def test_each_person_with_open_decisions_gets_one_digest_a_day(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "finance@vendor.example", Role.FINANCE)
        add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "idle@vendor.example", Role.SUPPLY_CHAIN)
        ask(session, Subject("settlement", 4), "finance")
        ask(session, Subject("registration", 13), "channel-manager")
        ask(session, Subject("removal", 2), "channel-manager")
        first = queue_digests(session, LINKS, RENDERER, now=NOW)
        again = queue_digests(session, LINKS, RENDERER, now=NOW + timedelta(hours=2))
        next_day = queue_digests(session, LINKS, RENDERER, now=NOW + timedelta(days=1))
        session.commit()
        mails = session.exec(select(Notification).order_by(Notification.id)).all()  # type: ignore[arg-type]

    assert (first, again, next_day) == (2, 0, 2)
    assert sorted({mail.recipient for mail in mails}) == ["finance@vendor.example", "manager@vendor.example"]
    manager = next(mail for mail in mails if mail.recipient == "manager@vendor.example")
    assert manager.subject.startswith("2 décision(s)")
    assert (
        "Enregistrement d'affaire 13" in manager.text_body
        and "Retrait d'un partenaire 2" in manager.text_body
    )
    assert delivered_text(manager).count("/approve/") == 2 and "/inbox" in manager.text_body
