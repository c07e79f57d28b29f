"""Delivery to a real SMTP server on 127.0.0.1: parts, headers, outages, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from partnerflow.approvals import links_for, unsealer
from partnerflow.models import DeliveryStatus, Notification
from partnerflow.notify import MailSink, TemplateRenderer, backoff, deliver_pending, enqueue
from partnerflow.notify.sender import stable_message_id
from partnerflow.settings import PROJECT_ROOT, Settings

RENDERER = TemplateRenderer(PROJECT_ROOT / "email_templates")
SAMPLE = yaml.safe_load((PROJECT_ROOT / "email_templates" / "samples.yaml").read_text("utf-8"))


def queue(engine: Engine, count: int = 1, recipient: str = "contact@acme.example") -> None:
    with Session(engine) as session:
        for number in range(count):
            enqueue(
                session,
                renderer=RENDERER,
                dedupe_key=f"test:{recipient}:{number}",
                recipient=recipient,
                template="partner_welcome",
                locale="fr",
                context=SAMPLE["partner_welcome"],
            )
        session.commit()


def rows(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]


def make_due_now(engine: Engine) -> None:
    with Session(engine) as session:
        session.exec(update(Notification).values(next_attempt_at=Notification.created_at))  # type: ignore[call-overload]
        session.commit()


def test_message_arrives_with_text_and_html_parts(
    engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    queue(engine)
    report = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    [message] = smtp_server.messages()
    assert report.sent == 1
    assert message["To"] == "contact@acme.example"
    assert message["From"] == settings.mail_sender
    assert message["Subject"].startswith("Bienvenue dans le programme partenaires")
    assert message["Message-ID"] and message["X-Partnerflow-Notification"] == "test:contact@acme.example:0"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in message.iter_parts())
    assert "Bonjour" in text and "&lt;script&gt;" in html


def test_sent_rows_record_the_delivery(engine: Engine, settings: Settings, smtp_server: MailSink) -> None:
    queue(engine)
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, None)
    assert row.sent_at is not None and row.message_id


def test_smtp_down_keeps_messages_pending_with_the_error_and_no_attempt_spent(
    engine: Engine, settings: Settings
) -> None:
    queue(engine, count=3)
    report = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    assert (report.sent, report.retry_later) == (0, 3)
    for row in rows(engine):
        assert row.status == DeliveryStatus.PENDING and row.attempts == 0
        assert row.last_error and "unavailable" in row.last_error
        assert row.next_attempt_at > row.created_at


def test_smtp_down_then_up_delivers_each_message_exactly_once(engine: Engine, settings: Settings) -> None:
    queue(engine, count=5)
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    make_due_now(engine)
    with MailSink(settings.mail_dir, port=settings.smtp_port) as sink:
        first = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
        make_due_now(engine)
        second = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
        assert (first.sent, second.attempted) == (5, 0)
        assert len(sink.messages()) == 5
    assert {row.status for row in rows(engine)} == {DeliveryStatus.SENT}


def test_rows_not_yet_due_are_left_for_later(
    engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    queue(engine)
    asyncio.run(
        deliver_pending(
            engine, settings.model_copy(update={"smtp_port": 9}), unseal=unsealer(links_for(settings))
        )
    )
    assert asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings)))).attempted == 0


class RefusingHandler:
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return "550 5.1.1 mailbox unavailable"


@pytest.fixture
def refusing_server(settings: Settings) -> Iterator[None]:
    controller = Controller(RefusingHandler(), hostname="127.0.0.1", port=settings.smtp_port)
    controller.start()
    yield
    controller.stop()


def test_permanent_refusal_fails_the_row_without_retry(
    engine: Engine, settings: Settings, refusing_server: None
) -> None:
    queue(engine)
    report = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    [row] = rows(engine)
    assert report.failed == 1
    assert row.status == DeliveryStatus.FAILED and row.last_error and "550" in row.last_error


class BusyHandler:
    """Accepts the envelope, then answers every message "try later"."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "451 4.3.0 try again later"


class DroppingHandler:
    """Accepts messages, but drops the connection during the second one's DATA."""

    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages += 1
        if self.messages == 2:
            server.transport.close()
        return "250 OK"


def serve(handler: object, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def test_giving_up_after_max_attempts_at_a_message_the_server_keeps_deferring(
    engine: Engine, settings: Settings
) -> None:
    queue(engine)
    limited = settings.model_copy(update={"mail_max_attempts": 2})
    controller = serve(BusyHandler(), settings.smtp_port)
    try:
        asyncio.run(deliver_pending(engine, limited, unseal=unsealer(links_for(limited))))
        make_due_now(engine)
        report = asyncio.run(deliver_pending(engine, limited, unseal=unsealer(links_for(limited))))
    finally:
        controller.stop()
    [row] = rows(engine)
    assert report.failed == 1 and row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert row.last_error and "451" in row.last_error


def test_a_dropped_connection_is_opened_again_and_only_the_message_in_flight_waits(
    engine: Engine, settings: Settings
) -> None:
    """The rest of the batch goes on a new connection in the same run (it waited for the next
    run, 5 minutes later, before); the message in flight may have reached the server: it is
    charged its attempt and not sent again in this run."""
    queue(engine, count=5)
    one_connection = settings.model_copy(update={"mail_connections": 1})
    controller = serve(DroppingHandler(), settings.smtp_port)
    try:
        report = asyncio.run(
            deliver_pending(engine, one_connection, unseal=unsealer(links_for(one_connection)))
        )
    finally:
        controller.stop()
    first, in_flight, *behind = rows(engine)
    assert (report.sent, report.retry_later, report.failed) == (4, 1, 0)
    assert (first.status, first.attempts) == (DeliveryStatus.SENT, 1)
    assert (in_flight.status, in_flight.attempts) == (DeliveryStatus.PENDING, 1)
    assert [(row.status, row.attempts) for row in behind] == [(DeliveryStatus.SENT, 1)] * 3


def test_every_attempt_at_a_notification_carries_the_same_message_id(
    engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    queue(engine)
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    with Session(engine) as session:  # as after a crash between the server's acceptance and our record
        session.exec(update(Notification).values(status=DeliveryStatus.PENDING))  # type: ignore[call-overload]
        session.commit()
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    first, again = smtp_server.messages()
    [row] = rows(engine)
    assert first["Message-ID"] == again["Message-ID"] == row.message_id
    assert row.message_id == stable_message_id(row.dedupe_key, settings.mail_sender)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert backoff(30) == timedelta(hours=6)


class OneSessionInThreeRefused:
    """A server that drops a third of its sessions at the greeting, as an overloaded relay does."""

    def __init__(self) -> None:
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.sessions += 1
        if self.sessions % 3 == 1:
            server.transport.close()
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 OK"


def test_a_relay_refusing_a_third_of_its_sessions_gets_every_message_in_one_run(
    engine: Engine, settings: Settings
) -> None:
    """37 to 43 runs (3 hours) sent 560 messages through a relay failing 30 % of its sessions."""
    queue(engine, count=30)
    controller = serve(OneSessionInThreeRefused(), settings.smtp_port)
    try:
        report = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    finally:
        controller.stop()
    assert (report.sent, report.retry_later, report.failed) == (30, 0, 0)
    assert {(row.status, row.attempts) for row in rows(engine)} == {(DeliveryStatus.SENT, 1)}
