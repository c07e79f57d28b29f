"""An insider who can read the whole database finds no link or code that answers in anyone's name.

Measured before: the outbox kept every personal link and code in clear after sending, and a
read-only database user approved a 500,000 € four-eyes deal as both directors. Here every text
column of every table is read as that insider would, every link- or code-shaped string found is
tried on the approval page's and the CLI's paths, and all are refused; the e-mails the directors
really receive (a real SMTP server on 127.0.0.1) carry links and codes that work.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, inspect, select
from sqlmodel import Session, SQLModel

from partnerflow.approvals import (
    Ask,
    Recorded,
    Reply,
    Subject,
    answer_by_code,
    answer_by_link,
    links_for,
    unsealer,
)
from partnerflow.approvals.inbox import SignedIn, request_sign_in, use_sign_in
from partnerflow.approvals.invitations import invite_role
from partnerflow.models import Role
from partnerflow.notify import MailSink, deliver_pending, plain_text
from partnerflow.settings import Settings
from tests.factories import NOW, RENDERER, add_person

DEAL = Subject("registration", 7)
DIRECTORS = ("director1@vendor.example", "director2@vendor.example")
TOKEN = re.compile(r"/(approve|signin)/([\w.-]+)")
CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")


@pytest.fixture
def four_eyes_asked(settings: Settings, engine: Engine) -> None:
    """Both directors asked to decide one deal, and a manager asked for a sign-in link."""
    links = links_for(settings)
    with Session(engine) as session:
        for email in DIRECTORS:
            add_person(session, email, Role.CHANNEL_DIRECTOR)
        add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        invite_role(
            session,
            RENDERER,
            links,
            Ask(
                DEAL,
                role="channel-director",
                approvers_required=2,
                summary="### Registration #7: 500 000 €",
                expires_at=NOW + timedelta(days=3),
                flow_run_id="0b8f1c56-7a1e-4d0f-9d55-2f9a0c1e2d3b",
            ),
            template="settlement_approval_requested",
            context={
                "period": "2026-10",
                "total": Decimal("500000"),
                "currency": "EUR",
                "statements": 12,
                "approvals_needed": 2,
            },
            now=NOW,
        )
        assert request_sign_in(session, links, RENDERER, "manager@vendor.example", now=NOW)
        session.commit()


def everything_an_insider_reads(engine: Engine) -> str:
    """Every text value of every table, as a read-only database user dumps it."""
    values: list[str] = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if not inspect(connection).has_table(table.name):
                continue
            for row in connection.execute(select(table)):
                values += [str(value) for value in row if value is not None]
    return "\n".join(values)


def insider_attempts(engine: Engine, settings: Settings) -> list[object]:
    """Every link and code found at rest, tried as the approval page and the CLI would."""
    keys = links_for(settings).keys
    dump = everything_an_insider_reads(engine)
    outcomes: list[object] = []
    with Session(engine) as session:
        for kind, token in TOKEN.findall(dump):
            if kind == "approve":
                outcomes.append(answer_by_link(session, keys, token, Reply("approve"), now=NOW))
            else:
                outcomes.append(use_sign_in(session, keys, token, now=NOW))
        for code in CODE.findall(dump):
            outcomes.append(answer_by_code(session, keys, DEAL, code, Reply("approve"), now=NOW))
        session.rollback()
    return outcomes


def deliver(engine: Engine, settings: Settings, sink: MailSink) -> dict[str, str]:
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    return {str(message["To"]): plain_text(message) for message in sink.messages()}


def test_before_sending_the_database_holds_no_usable_link_or_code(
    four_eyes_asked: None, engine: Engine, settings: Settings
) -> None:
    attempts = insider_attempts(engine, settings)
    assert not [outcome for outcome in attempts if isinstance(outcome, Recorded | SignedIn)]


def test_after_sending_neither_and_the_received_e_mails_do_carry_working_ones(
    four_eyes_asked: None, engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    received = deliver(engine, settings, smtp_server)

    attempts = insider_attempts(engine, settings)
    assert not [outcome for outcome in attempts if isinstance(outcome, Recorded | SignedIn)]

    keys = links_for(settings).keys
    with Session(engine) as session:
        first, second = (received[email] for email in DIRECTORS)
        by_link = answer_by_link(session, keys, TOKEN.findall(first)[0][1], Reply("approve"), now=NOW)
        [code] = CODE.findall(second)
        by_code = answer_by_code(session, keys, DEAL, code, Reply("approve"), now=NOW)
        [(_, sign_in)] = TOKEN.findall(received["manager@vendor.example"])
        signed_in = use_sign_in(session, keys, sign_in, now=NOW)
    assert isinstance(by_link, Recorded) and by_link.answer.person_email == DIRECTORS[0]
    assert isinstance(by_code, Recorded) and by_code.answer.person_email == DIRECTORS[1]
    assert isinstance(signed_in, SignedIn) and signed_in.person.email == "manager@vendor.example"


def test_a_message_whose_credential_this_installation_cannot_make_is_not_sent_as_is(
    four_eyes_asked: None, engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    def cannot(kind: str, ids: tuple[int, ...]) -> str:
        raise LookupError(kind)

    report = asyncio.run(deliver_pending(engine, settings, unseal=cannot))
    assert report.sent == 0 and report.failed == 3 and smtp_server.messages() == []


def test_each_director_gets_a_code_of_their_own_that_does_not_depend_on_the_database() -> None:
    keys = links_for(Settings(secret_key="a test key that is long enough")).keys  # type: ignore[arg-type]
    other = links_for(Settings(secret_key="another key, just as long")).keys  # type: ignore[arg-type]
    assert keys.grant_code(1, 1) == keys.grant_code(1, 1)
    assert len({keys.grant_code(1, 1), keys.grant_code(1, 2), keys.grant_code(2, 1)}) == 3
    assert keys.grant_code(1, 1) != other.grant_code(1, 1), "another key, other codes"
    assert CODE.fullmatch(keys.grant_code(41, 3))
