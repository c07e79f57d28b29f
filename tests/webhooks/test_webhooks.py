"""Partners' webhooks (#26): a decision publishes one event per endpoint that wants it, in the
decision's transaction; the sender POSTs it signed as Standard Webhooks says (the reference
library verifies it), retries what failed with the same webhook-id, sends each delivery once
under two senders at once, refuses private addresses, and replays on request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from standardwebhooks.webhooks import Webhook

from partnerflow.clock import SYSTEM_CLOCK, FixedClock
from partnerflow.commissions.statements import queue_statement_emails
from partnerflow.models import DeliveryState, SettlementBatch, WebhookDelivery, WebhookEndpoint, WebhookEvent
from partnerflow.webhooks import (
    EndpointRefused,
    WebhookReport,
    add_endpoint,
    deliver_webhooks,
    publish,
    replay,
)
from partnerflow.webhooks.delivery import MAX_ATTEMPTS
from tests.factories import LINKS, NOW, RENDERER, paid_statement, submission
from tests.webhooks.receiver import Receiver, receiver


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as kept:
        yield kept


def endpoint(engine: Engine, partner_id: int, url: str, events: list[str] | None = None) -> str:
    """A live endpoint of ``partner_id``; its secret, as the portal shows it once."""
    with Session(engine) as session:
        made = add_endpoint(
            session,
            LINKS.keys,
            partner_id,
            url=url,
            events=events or ["registration.decided", "statement.available"],
            created_by="test",
            now=NOW,
            allow_private=True,
        )
        session.commit()
    return made.secret


def send(engine: Engine, at: datetime | None = None) -> WebhookReport:
    """One sender's run: at ``at``, or now (a receiver checks the signed timestamp is recent)."""
    clock = FixedClock(at) if at is not None else SYSTEM_CLOCK
    return deliver_webhooks(engine, LINKS.keys, allow_private=True, clock=clock)


def deliveries(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)))  # type: ignore[arg-type]


def test_an_approval_reaches_the_partners_system_signed_as_the_standard_says(
    engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    secret = endpoint(engine, network["first"], hooks.url)
    endpoint(engine, network["second"], hooks.url)  # another partner's: hears nothing of the first's
    result = submit(submission(network["first"], external_id="CRM-9"))  # type: ignore[operator]

    report = send(engine)

    assert report.delivered == 1
    [request] = hooks.requests
    payload = Webhook(secret).verify(request.body, request.headers)  # raises if forged or stale
    assert payload["type"] == "registration.decided"
    assert payload["data"]["registration_id"] == result.registration_id
    assert payload["data"]["status"] == "approved" and payload["data"]["protection_ends_on"]
    assert request.headers["webhook-id"].startswith("evt_")
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint(engine, network["first"], hooks.url + "/2")).verify(request.body, request.headers)


def test_an_event_is_published_once_per_business_event(engine: Engine, network: dict[str, int]) -> None:
    endpoint(engine, network["first"], "http://127.0.0.1:9/a")
    endpoint(engine, network["first"], "http://127.0.0.1:9/b", ["statement.available"])
    with Session(engine) as session:
        first = publish(session, network["first"], "registration.decided", key="k:1", data={}, now=NOW)
        again = publish(session, network["first"], "registration.decided", key="k:1", data={}, now=NOW)
        unheard = publish(session, network["newcomer"], "registration.decided", key="k:2", data={}, now=NOW)
        session.commit()
        events = session.exec(select(WebhookEvent)).all()
    assert (first, again, unheard) == (1, 0, 0), "one endpoint wants it; nobody listens for the newcomer"
    assert len(events) == 1


def test_a_failed_delivery_is_tried_again_later_with_the_same_id(
    engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    endpoint(engine, network["first"], hooks.url)
    submit(submission(network["first"]))  # type: ignore[operator]
    hooks.answers = [500, 503]

    first = send(engine, NOW)
    too_soon = send(engine, NOW + timedelta(seconds=30))
    second = send(engine, NOW + timedelta(minutes=1, seconds=1))
    third = send(engine, NOW + timedelta(minutes=4))

    assert (first.retrying, too_soon.retrying, second.retrying, third.delivered) == (1, 0, 1, 1)
    assert len(set(hooks.ids())) == 1 and len(hooks.ids()) == 3, "one event, three tries, one webhook-id"
    [delivery] = deliveries(engine)
    assert delivery.state is DeliveryState.DELIVERED and delivery.attempts == 3


def test_after_every_try_failed_the_delivery_is_failed_for_the_admin_to_send_again(
    engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    endpoint(engine, network["first"], hooks.url)
    submit(submission(network["first"]))  # type: ignore[operator]
    hooks.answers = [500] * MAX_ATTEMPTS
    reports = [send(engine, NOW + timedelta(days=day)) for day in range(MAX_ATTEMPTS + 1)]

    assert [report.failed for report in reports].count(1) == 1 and len(hooks.requests) == MAX_ATTEMPTS
    [delivery] = deliveries(engine)
    assert delivery.state is DeliveryState.FAILED and delivery.last_status == 500


def test_each_delivery_goes_once_when_two_senders_run_at_once(
    engine: Engine, network: dict[str, int], hooks: Receiver
) -> None:
    endpoint(engine, network["first"], hooks.url)
    with Session(engine) as session:
        for number in range(30):
            publish(session, network["first"], "registration.decided", key=f"k:{number}", data={}, now=NOW)
        session.commit()

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: send(engine), range(2)))

    assert sum(report.delivered for report in reports) == 30
    assert sorted(hooks.ids()) == sorted(set(hooks.ids())) and len(hooks.ids()) == 30


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://partner.example/hooks", "https:// only"),
        ("https://127.0.0.1/hooks", "not a public internet address"),
        ("https://10.1.2.3/hooks", "not a public internet address"),
        ("https://[::1]/hooks", "not a public internet address"),
        ("https://169.254.169.254/latest/meta-data", "not a public internet address"),
        ("https://localhost/hooks", "not a public internet address"),
        ("https://user:pw@partner.example/hooks", "without credentials"),
        ("https://" + "a" * 500 + ".example/", "at most 500"),
        ("javascript:alert(1)", "without credentials"),
    ],
)
def test_an_endpoint_inside_the_network_or_not_https_is_refused(
    url: str, why: str, engine: Engine, network: dict[str, int]
) -> None:
    with Session(engine) as session, pytest.raises(EndpointRefused, match=why):
        add_endpoint(
            session,
            LINKS.keys,
            network["first"],
            url=url,
            events=["registration.decided"],
            created_by="t",
            now=NOW,
        )


def test_a_host_that_became_private_is_not_posted_to(
    engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    endpoint(engine, network["first"], hooks.url)
    submit(submission(network["first"]))  # type: ignore[operator]

    report = deliver_webhooks(engine, LINKS.keys, allow_private=False, clock=FixedClock(NOW))

    assert report.retrying == 1 and hooks.requests == []
    assert "not a public internet address" in deliveries(engine)[0].last_error


def test_a_delivery_is_replayed_on_request_and_only_the_partners_own(
    engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    endpoint(engine, network["first"], hooks.url)
    submit(submission(network["first"]))  # type: ignore[operator]
    send(engine)
    [delivery] = deliveries(engine)
    assert delivery.id is not None
    with Session(engine) as session:
        theirs = replay(session, network["second"], delivery.id, actor="t", now=NOW)
        mine = replay(session, network["first"], delivery.id, actor="t", now=NOW)
        session.commit()
    send(engine)

    assert (theirs, mine) == (False, True)
    assert len(hooks.ids()) == 2 and len(set(hooks.ids())) == 1, "sent again, under the same webhook-id"


def test_a_disabled_endpoint_gets_nothing_more(
    engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    endpoint(engine, network["first"], hooks.url)
    submit(submission(network["first"]))  # type: ignore[operator]
    with Session(engine) as session:
        row = session.exec(select(WebhookEndpoint)).one()
        row.disabled_at = NOW
        session.add(row)
        session.commit()

    report = send(engine)

    assert report.failed == 1 and hooks.requests == []
    assert json.dumps(deliveries(engine)[0].last_error) == '"the endpoint is disabled"'


def test_a_paid_statement_is_announced_to_the_partners_system(
    engine: Engine, network: dict[str, int]
) -> None:
    endpoint(engine, network["first"], "http://127.0.0.1:9/hooks", ["statement.available"])
    statement_id = paid_statement(engine, network["first"])
    with Session(engine) as session:
        batch = session.exec(select(SettlementBatch)).one()
        queue_statement_emails(session, batch, RENDERER)
        queue_statement_emails(session, batch, RENDERER)  # a settlement run resumed: no second event
        session.commit()
        events = session.exec(select(WebhookEvent)).all()
    assert [(event.type, event.data["statement_id"], event.data["net"]) for event in events] == [
        ("statement.available", statement_id, "2000.00")
    ]
