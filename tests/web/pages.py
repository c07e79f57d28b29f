"""Personal links to the approval page, as the processes hand them out, for the web tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Ask, Subject, open_round
from partnerflow.models import ApprovalAnswer, Locale, Role
from tests.factories import LINKS, add_person

DEAL = Subject("registration", 42)
RUN = "8c1f2a9e-1b2c-4d5e-8f90-0a1b2c3d4e5f"
SUMMARY = "### Registration #42: Acme <script>alert(1)</script>\n\n| Amount | 400000 EUR |\n|---|---|"


def invite(engine: Engine, *, locale: Locale = Locale.EN, expires_in: timedelta = timedelta(days=2)) -> str:
    """A director's personal link to decide registration 42 (the path part)."""
    now = datetime.now(UTC)
    with Session(engine) as session:
        person = add_person(session, f"director-{locale.value}@vendor.example", Role.CHANNEL_DIRECTOR)
        person.locale = locale
        session.add(person)
        [invitation] = open_round(
            session,
            LINKS,
            Ask(
                DEAL,
                role="channel-director",
                approvers_required=1,
                summary=SUMMARY,
                expires_at=now + expires_in,
                flow_run_id=RUN,
                round_number=1,
            ),
            now=now,
        )
        session.commit()
    return invitation.link.removeprefix(LINKS.web_url)


def answers(engine: Engine) -> list[ApprovalAnswer]:
    with Session(engine) as session:
        return list(session.exec(select(ApprovalAnswer)))
