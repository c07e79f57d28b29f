"""What a reseller's contact does on a lead's page: reveal the prospect's contact (that is
*opened*), accept or decline, then declare it in progress, sold (with the amount) or lost (with
the reason). These are the events the KPIs count.

Every change of a turn is one conditional UPDATE on its state, so a late *Accept* racing the
deadline sweep, or two contacts of the same reseller pressing at once, settle in the database:
one wins, the other is refused with a clear reason. Every action and every refusal is audited
under the contact's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from partnerflow.approvals.keys import Keys
from partnerflow.audit import record_event
from partnerflow.models import (
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadState,
    LeadStatus,
    LeadTurn,
    Partner,
    PartnerContact,
    TurnState,
)
from partnerflow.policy import LeadRoutingPolicy
from partnerflow.values import amount_value

Refused = Literal["invalid", "withdrawn", "declined", "closed", "not-accepted", "incomplete"]
MAX_REASON = 500
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12  # the column holds 14 digits, 2 of them decimals


class LeadRefused(Exception):
    """Why an action on a lead's page is not done; ``reason`` names the page's explanation."""

    def __init__(self, reason: Refused, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason: Refused = reason
        self.detail = detail


@dataclass
class OnPage:
    """A turn a reseller acts on, with its lead, the reseller, who acts (a contact's address from
    their link, or the partner's API key) in which language, and what the reseller already did."""

    turn: LeadTurn
    lead: Lead
    partner: Partner
    actor: str
    locale: str
    events: list[LeadEvent]

    @property
    def opened(self) -> bool:
        return any(event.kind is LeadEventKind.OPENED for event in self.events)


def turns_of(session: Session, partner_id: int, since: datetime) -> list[tuple[LeadTurn, Lead]]:
    """A reseller's turns received since ``since`` and those it still holds, newest first (the
    portal's *My leads*): only its own, never another reseller's turn of the same lead."""
    held = col(LeadTurn.state).in_([TurnState.OFFERED, TurnState.ACCEPTED])
    rows = session.exec(
        select(LeadTurn, Lead)
        .join(Lead, col(Lead.id) == col(LeadTurn.lead_id))
        .where(LeadTurn.reseller_id == partner_id, (col(LeadTurn.received_at) >= since) | held)
        .order_by(col(LeadTurn.received_at).desc(), col(LeadTurn.id).desc())
    ).all()
    return [(turn, lead) for turn, lead in rows]


def open_link(session: Session, keys: Keys, token: str) -> OnPage:
    """The turn a contact's link names, or :class:`LeadRefused` ("invalid": tampered, or the
    contact was removed or no longer belongs to the reseller)."""
    claim = keys.read_lead(token)
    turn = session.get(LeadTurn, claim[0]) if claim else None
    contact = session.get(PartnerContact, claim[1]) if claim else None
    if turn is None or contact is None or not contact.active or contact.partner_id != turn.reseller_id:
        raise LeadRefused("invalid")
    return _on_page(session, turn, contact.email, contact.locale.value)


def open_turn(session: Session, partner_id: int, turn_id: int, *, actor: str, locale: str) -> OnPage:
    """The partner's own turn ``turn_id`` (its API), or :class:`LeadRefused` ("invalid"): another
    reseller's turn is refused exactly like one that does not exist."""
    turn = session.get(LeadTurn, turn_id)
    if turn is None or turn.reseller_id != partner_id:
        raise LeadRefused("invalid")
    return _on_page(session, turn, actor, locale)


def _on_page(session: Session, turn: LeadTurn, actor: str, locale: str) -> OnPage:
    lead = session.get_one(Lead, turn.lead_id)
    partner = session.get_one(Partner, turn.reseller_id)
    events = session.exec(
        select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.reseller_id == partner.id)
    ).all()
    return OnPage(turn, lead, partner, actor, locale, list(events))


def reveal(session: Session, page: OnPage, now: datetime) -> None:
    """Show the prospect's contact: records *opened* once per turn (a GET never does: a mail
    scanner following the link opens nothing)."""
    _usable(page, allow=(TurnState.OFFERED, TurnState.ACCEPTED, TurnState.CLOSED))
    if not page.opened:
        _event(session, page, LeadEventKind.OPENED, now)
        _audit(session, page, "lead.opened", now)


def accept(session: Session, page: OnPage, now: datetime, policy: LeadRoutingPolicy) -> None:
    """The reseller takes the lead: it is theirs to work; a status is due within the policy's
    delay. Accepting also reveals the contact (a lead cannot be worked without it)."""
    _move(
        session,
        page,
        TurnState.OFFERED,
        TurnState.ACCEPTED,
        now,
        status_due_at=now + policy.acceptance.status_within,
    )
    page.lead.state = LeadState.ACCEPTED
    _event(session, page, LeadEventKind.ACCEPTED, now)
    if not page.opened:
        _event(session, page, LeadEventKind.OPENED, now)
    _audit(session, page, "lead.accepted", now)


def decline(session: Session, page: OnPage, reason: str, now: datetime) -> None:
    """The reseller hands the lead back with its reason; it waits for the next candidate."""
    reason = _text(reason, "reason")
    _move(session, page, TurnState.OFFERED, TurnState.DECLINED, now, ended_at=now, reason=reason)
    page.lead.state = LeadState.NEW
    page.lead.passes += 1
    _event(session, page, LeadEventKind.DECLINED, now)
    _audit(session, page, "lead.declined", now, reason=reason)


def declare(
    session: Session, page: OnPage, status: str, now: datetime, *, amount: str = "", reason: str = ""
) -> None:
    """In progress, sold (an amount above zero, written as meant) or lost (with the reason)."""
    try:
        declared = LeadStatus(status)
    except ValueError:
        raise LeadRefused("incomplete", "status: choose in progress, sold or lost") from None
    values: dict[str, object] = {"status_due_at": None}
    if declared is LeadStatus.SOLD:
        values |= {"amount": _amount(amount), "ended_at": now}
    elif declared is LeadStatus.LOST:
        values |= {"reason": _text(reason, "reason"), "ended_at": now}
    target = TurnState.ACCEPTED if declared is LeadStatus.IN_PROGRESS else TurnState.CLOSED
    _move(session, page, TurnState.ACCEPTED, target, now, **values)
    if target is TurnState.CLOSED:
        page.lead.state = LeadState.CLOSED
    _event(session, page, LeadEventKind.STATUS, now, status=declared)
    _audit(
        session, page, f"lead.{declared.value.replace('_', '-')}", now, amount=str(values.get("amount", ""))
    )


ACTIONS = ("reveal", "accept", "decline", "status")


def perform(
    session: Session, page: OnPage, given: dict[str, str], now: datetime, policy: LeadRoutingPolicy
) -> None:
    """The action a page's form names (``action`` and its fields), or :class:`LeadRefused`."""
    match given.get("action", ""):
        case "reveal":
            reveal(session, page, now)
        case "accept":
            accept(session, page, now, policy)
        case "decline":
            decline(session, page, given.get("reason", ""), now)
        case "status":
            status, amount, reason = (given.get(name, "") for name in ("status", "amount", "reason"))
            declare(session, page, status, now, amount=amount, reason=reason)
        case _:
            raise LeadRefused("incomplete", f"action: one of {', '.join(ACTIONS)}")


def _move(
    session: Session, page: OnPage, before: TurnState, after: TurnState, now: datetime, **values: object
) -> None:
    """Change the turn's state only if it is still ``before`` (the database decides a race)."""
    _usable(page, allow=(before,))
    changed = session.connection().execute(
        update(LeadTurn)
        .where(col(LeadTurn.id) == page.turn.id, col(LeadTurn.state) == before)
        .values(state=after, **values)
    )
    session.refresh(page.turn)
    if changed.rowcount != 1:  # another request or the deadline sweep moved it first
        _usable(page, allow=(after,) if after is not before else ())


def _usable(page: OnPage, *, allow: tuple[TurnState, ...]) -> None:
    state = page.turn.state
    if state in allow:
        return
    if state is TurnState.WITHDRAWN:
        raise LeadRefused("withdrawn")
    if state is TurnState.DECLINED:
        raise LeadRefused("declined")
    if state is TurnState.OFFERED:
        raise LeadRefused("not-accepted")
    raise LeadRefused("closed")


def refusal_audited(
    session: Session, page: OnPage | None, refused: LeadRefused, now: datetime, *, actor: str = "lead-link"
) -> None:
    """Record a refused action (who, which turn, why): every refusal leaves a trace. Without a
    page the turn itself was refused: the actor is who asked (a link knows nobody)."""
    record_event(
        session,
        actor=page.actor if page else actor,
        action="lead.refused",
        subject_type="lead-turn",
        subject_id=(page.turn.id or 0) if page else 0,
        now=now,
        details={"reason": refused.reason, "detail": refused.detail},
    )


def _event(
    session: Session, page: OnPage, kind: LeadEventKind, now: datetime, *, status: LeadStatus | None = None
) -> None:
    suffix = f"{kind.value}-{status.value}" if status else kind.value
    number = sum(event.kind is kind for event in page.events) + 1
    event = LeadEvent(
        id=f"{page.lead.id}:{page.partner.id}:{suffix}:{number}",
        lead_id=page.lead.id,
        reseller_id=page.partner.id or 0,
        kind=kind,
        status=status,
        occurred_at=now,
    )
    session.add(event)
    page.events.append(event)


def _audit(session: Session, page: OnPage, action: str, now: datetime, **details: str) -> None:
    record_event(
        session,
        actor=page.actor,
        action=action,
        subject_type="lead",
        subject_id=page.lead.id,
        now=now,
        details={"turn": page.turn.id, "reseller": page.partner.id, **details},
    )


def _text(value: str, field: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise LeadRefused("incomplete", f"{field}: say why in a few words")
    if len(text) > MAX_REASON:
        raise LeadRefused("incomplete", f"{field}: at most {MAX_REASON} characters")
    return text


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(amount_value(value.strip()))
    except (ValueError, ArithmeticError) as error:
        raise LeadRefused("incomplete", f"amount: {error}") from None
    if amount <= 0 or amount != amount.quantize(CENT) or amount >= MAX_AMOUNT:
        raise LeadRefused("incomplete", "amount: above 0, below a trillion, at most two decimals")
    return amount
