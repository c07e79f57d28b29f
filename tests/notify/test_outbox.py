"""The outbox stores rendered messages once per business event."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.models import DeliveryStatus, Notification
from partnerflow.notify import TemplateRenderer, enqueue, find_by_key
from partnerflow.notify.outbox import message_row, store_messages
from partnerflow.settings import PROJECT_ROOT

RENDERER = TemplateRenderer(PROJECT_ROOT / "email_templates")
SAMPLE = yaml.safe_load((PROJECT_ROOT / "email_templates" / "samples.yaml").read_text("utf-8"))


def queue(session: Session, key: str = "partner-welcome:1", locale: str = "fr") -> bool:
    return enqueue(
        session,
        renderer=RENDERER,
        dedupe_key=key,
        recipient="contact@acme.example",
        template="partner_welcome",
        locale=locale,
        context=SAMPLE["partner_welcome"],
    )


def test_enqueue_stores_a_pending_rendered_message(engine: Engine) -> None:
    with Session(engine) as session:
        assert queue(session) is True
        session.commit()
        row = find_by_key(session, "partner-welcome:1")
    assert row is not None
    assert (row.status, row.attempts, row.locale) == (DeliveryStatus.PENDING, 0, "fr")
    assert row.subject.startswith("Bienvenue") and "&lt;script&gt;" in row.html_body


def test_enqueueing_the_same_key_twice_is_a_no_op(engine: Engine) -> None:
    with Session(engine) as session:
        assert queue(session) is True
        assert queue(session, locale="en") is False
        session.commit()
        count = session.exec(select(func.count()).select_from(Notification)).one()
        row = find_by_key(session, "partner-welcome:1")
    assert count == 1
    assert row is not None and row.locale == "fr"


def test_enqueue_rolls_back_with_the_business_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        queue(session)
        session.rollback()
        assert find_by_key(session, "partner-welcome:1") is None


@pytest.mark.postgres
def test_enqueue_tells_the_truth_on_postgresql(postgres_engine: Engine) -> None:
    """psycopg reports no row count for a batch: enqueue said False for a message it had stored."""
    with Session(postgres_engine) as session:
        assert queue(session) is True
        assert queue(session, locale="en") is False
        rows = [row_for(key) for key in ("partner-welcome:1", "partner-welcome:2", "partner-welcome:3")]
        assert store_messages(session, rows) == 2
        session.commit()
        assert session.exec(select(func.count()).select_from(Notification)).one() == 3


def row_for(key: str) -> dict[str, object]:
    return message_row(
        RENDERER,
        dedupe_key=key,
        recipient="contact@acme.example",
        template="partner_welcome",
        locale="fr",
        context=SAMPLE["partner_welcome"],
    )
