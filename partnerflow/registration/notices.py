"""The e-mails of deal registration, queued in the outbox with one dedupe key per event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlmodel import Session

from partnerflow.contacts import Contact, contact_for
from partnerflow.locales import text_in
from partnerflow.models import Partner, Person, Registration
from partnerflow.notify import Sealed, TemplateRenderer, enqueue
from partnerflow.notify.outbox import message_row, store_messages
from partnerflow.webhooks import publish


class Notified(Protocol):
    """What a registration e-mail reads of a registration (stored, or being taken in in bulk)."""

    @property
    def id(self) -> int | None: ...
    @property
    def customer_name(self) -> str: ...
    @property
    def product_lines(self) -> list[str]: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def currency(self) -> str: ...
    @property
    def expected_close_on(self) -> date | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def reason_texts(self) -> dict[str, str]: ...
    @property
    def protection_ends_on(self) -> date | None: ...
    @property
    def problems(self) -> list[str]: ...
    @property
    def info_request(self) -> str | None: ...


def registration_context(registration: Notified, partner: Partner) -> dict[str, Any]:
    """What every registration e-mail may show about the deal."""
    return {
        "partner_name": partner.name,
        "registration_id": registration.id,
        "customer_name": registration.customer_name,
        "product_lines": ", ".join(registration.product_lines),
        "amount": registration.amount,
        "currency": registration.currency,
        "expected_close_on": registration.expected_close_on,
        "reason": text_in(registration.reason_texts, partner.locale, registration.reason),
        "protection_ends_on": registration.protection_ends_on,
        "problems": list(registration.problems),
        "info_request": registration.info_request or "",
    }


def notify_partner(
    session: Session,
    renderer: TemplateRenderer,
    *,
    event: str,
    registration: Notified,
    partner: Partner,
    suffix: str = "",
) -> bool:
    """Queue ``deal_<event>`` to the partner; ``suffix`` separates repeatable events."""
    contact = contact_for(session, partner)
    return (
        store_messages(session, [partner_message(renderer, event, registration, partner, contact, suffix)])
        == 1
    )


def publish_decided(
    session: Session, registration: Notified, partner_id: int, status: str, now: datetime
) -> int:
    """Tell the partner's systems that wanted it (``registration.decided`` webhooks) what was
    decided, with the reason in every language the policy wrote it in."""
    return publish(
        session,
        partner_id,
        "registration.decided",
        key=f"registration.decided:{registration.id}",
        data={
            "registration_id": registration.id,
            "status": status,
            "reason": registration.reason_texts
            or ({"en": registration.reason} if registration.reason else {}),
            "protection_ends_on": registration.protection_ends_on.isoformat()
            if registration.protection_ends_on
            else None,
            "decided_at": now.isoformat(),
        },
        now=now,
    )


def partner_message(
    renderer: TemplateRenderer,
    event: str,
    registration: Notified,
    partner: Partner,
    contact: Contact,
    suffix: str = "",
) -> dict[str, Any]:
    """The outbox row of ``deal_<event>`` for the partner (see ``notify_partner``)."""
    return message_row(
        renderer,
        dedupe_key=f"deal-{event}:{registration.id}{suffix}",
        recipient=partner.primary_email,
        template=f"deal_{event}",
        locale=partner.locale,
        context={**registration_context(registration, partner), "contact": contact},
    )


def notify_reviewer(
    session: Session,
    renderer: TemplateRenderer,
    *,
    event: str,
    registration: Registration,
    partner: Partner,
    reviewer: Person,
    links: Mapping[str, Sealed | str],
    suffix: str = "",
) -> bool:
    """Queue ``review_<event>`` (requested, reminder, escalated) to one internal reviewer, with
    ``links``: their personal ``approval_url``, ``approval_code`` (first e-mail of a round only)
    and the operators' ``operator_url``."""
    context = {
        **registration_context(registration, partner),
        "reviewer_name": reviewer.name,
        "approval_code": "",
        **links,
        "review_level": registration.review_level or "",
        "approvers_required": registration.approvers_required,
    }
    return enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"review-{event}:{registration.id}:{reviewer.id}{suffix}",
        recipient=reviewer.email,
        template=f"review_{event}",
        locale=reviewer.locale,
        context=context,
    )
