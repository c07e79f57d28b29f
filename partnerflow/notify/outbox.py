"""Putting messages in the outbox: render now, store, deliver later.

Storing first means a flow can commit a decision and its notification together, a retry cannot
send twice (``dedupe_key`` is unique) and an SMTP outage loses nothing.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.db import insert_new
from partnerflow.models import Notification
from partnerflow.notify.rendering import TemplateRenderer
from partnerflow.notify.sealing import sealed_in


def enqueue(
    session: Session,
    *,
    renderer: TemplateRenderer,
    dedupe_key: str,
    recipient: str,
    template: str,
    locale: str,
    context: dict[str, Any],
) -> bool:
    """Render ``template`` and store it for delivery; return False if the key was already queued.

    Args:
        dedupe_key: names the business event, e.g. ``deal-approved:42``; the same key twice is a
            no-op, so re-running a step never mails a partner twice.

    Example:
        >>> enqueue(session, renderer=r, dedupe_key="partner-welcome:7", recipient="a@b.fr",
        ...         template="partner_welcome", locale="fr", context={"partner_name": "Acme"})
    """
    row = message_row(
        renderer,
        dedupe_key=dedupe_key,
        recipient=recipient,
        template=template,
        locale=locale,
        context=context,
    )
    return store_messages(session, [row]) == 1


def message_row(
    renderer: TemplateRenderer,
    *,
    dedupe_key: str,
    recipient: str,
    template: str,
    locale: str,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The outbox row of one rendered message (see ``enqueue``), to store with others at once.
    Credentials in ``context`` are :class:`~partnerflow.notify.sealing.Sealed`: the row keeps
    their markers, never their value."""
    message = renderer.render(template, locale, context)
    now = SYSTEM_CLOCK.now()  # due at once on the machine's time, which delivery runs on
    return {
        "dedupe_key": dedupe_key,
        "recipient": recipient,
        "template": template,
        "locale": locale,
        "subject": message.subject,
        "text_body": message.text,
        "html_body": message.html,
        "sealed": sealed_in(context),
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def store_messages(session: Session, rows: list[dict[str, Any]]) -> int:
    """Queue rendered messages, each at most once per dedupe key; returns how many were new."""
    table = Notification.__table__  # type: ignore[attr-defined]  # Core: one multi-row INSERT
    return insert_new(session, table, rows, unique=["dedupe_key"])


def find_by_key(session: Session, dedupe_key: str) -> Notification | None:
    return session.exec(select(Notification).where(Notification.dedupe_key == dedupe_key)).first()
