"""Webhooks in the portal (#26): a partner's admin adds an endpoint and gets its secret once,
sees the deliveries and sends one again; another partner's endpoint or delivery answers 404;
an address inside the network is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from standardwebhooks.webhooks import Webhook

from partnerflow.clock import FixedClock
from partnerflow.context import build_context
from partnerflow.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from partnerflow.notify import free_port
from partnerflow.settings import Settings
from partnerflow.web import create_app
from partnerflow.web.server import web_in_thread
from partnerflow.webhooks import deliver_webhooks
from tests.factories import LINKS, NOW, submission
from tests.web.test_portal import AZUR, BOREAL, sign_in
from tests.webhooks.receiver import Receiver, receiver

SECRET = re.compile(r'<pre id="new-secret">(whsec_[\w+/=]+)</pre>')


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as kept:
        yield kept


@pytest.fixture
def private_portal(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    """The portal of a development machine: endpoints on 127.0.0.1 allowed."""
    allowing = settings.model_copy(update={"webhooks_allow_private": True})
    app = create_app(
        build_context(allowing, FixedClock(NOW)), wake=lambda *_: True, start_review=lambda _: None
    )
    with web_in_thread(app, "127.0.0.1", free_port()) as url, httpx.Client(base_url=url) as client:
        yield client


def test_an_admin_adds_an_endpoint_and_its_secret_verifies_what_arrives(
    private_portal: httpx.Client, engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    sign_in(private_portal, engine, AZUR)
    added = private_portal.post("/portal/webhooks", data={"url": hooks.url, "events": "registration.decided"})
    secret = SECRET.search(added.text)
    assert added.status_code == 200 and secret is not None
    assert secret.group(1) not in private_portal.get("/portal/webhooks").text, "shown once"

    submit(submission(network["first"]))  # type: ignore[operator]
    deliver_webhooks(engine, LINKS.keys, allow_private=True)
    [request] = hooks.requests
    assert Webhook(secret.group(1)).verify(request.body, request.headers)["type"] == "registration.decided"

    listed = private_portal.get("/portal/webhooks")
    assert 'class="state">reçu' in listed.text, "the contact's language"
    with Session(engine) as session:
        delivery = session.exec(select(WebhookDelivery)).one()
    again = private_portal.post(f"/portal/webhooks/deliveries/{delivery.id}/replay")
    deliver_webhooks(engine, LINKS.keys, allow_private=True)
    assert again.status_code == 200 and hooks.ids() == [request.headers["webhook-id"]] * 2


def test_another_partners_endpoint_and_delivery_answer_404(
    private_portal: httpx.Client, engine: Engine, network: dict[str, int], submit: object, hooks: Receiver
) -> None:
    sign_in(private_portal, engine, BOREAL)
    private_portal.post("/portal/webhooks", data={"url": hooks.url, "events": "registration.decided"})
    submit(submission(network["second"]))  # type: ignore[operator]
    with Session(engine) as session:
        endpoint = session.exec(select(WebhookEndpoint)).one()
        delivery = session.exec(select(WebhookDelivery)).one()
    private_portal.cookies.clear()
    sign_in(private_portal, engine, AZUR)

    attempts = [
        private_portal.post(f"/portal/webhooks/{endpoint.id}/rotate"),
        private_portal.post(f"/portal/webhooks/{endpoint.id}/disable"),
        private_portal.post(f"/portal/webhooks/deliveries/{delivery.id}/replay"),
    ]

    assert [answer.status_code for answer in attempts] == [404, 404, 404]
    assert hooks.url not in private_portal.get("/portal/webhooks").text
    with Session(engine) as session:
        kept = session.get_one(WebhookEndpoint, endpoint.id)
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "portal.refused")).all()
    assert kept.disabled_at is None and kept.generation == 1 and len(refusals) == 3


def test_an_address_inside_the_network_is_refused_by_default(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    sign_in(portal, engine, AZUR)
    refused = portal.post(
        "/portal/webhooks",
        data={"url": "https://169.254.169.254/latest/meta-data", "events": "registration.decided"},
    )
    assert refused.status_code == 422 and "not a public internet address" in refused.text
    with Session(engine) as session:
        assert session.exec(select(WebhookEndpoint)).all() == []
