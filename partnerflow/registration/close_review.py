"""A won close far above its registration waits for a channel director (the deal_registration
policy's ``close_review.amount_factor``).

A final amount a thousand times the estimate is a typo (zeros, a unit) or another deal, and it
pays commission, hence the measured wrong acceptance: it was booked and accrued unreviewed.
``deals close`` now records such a close as ``close-review`` (protection kept) and starts the
``review-deal-close`` run: every channel director gets a personal link and code. Confirmed, the
deal is won as recorded and its ``partnerflow.deal.closed`` event is emitted then, so commissions
see it only now; refused, the close is undone (the registration is approved again, or expired if
its protection has ended) and the operator records the right amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    Ask,
    DecisionOutcome,
    Links,
    Subject,
)
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.markdown import md_text
from partnerflow.models import (
    ApprovalAnswer,
    Partner,
    ProtectionClaim,
    Registration,
    RegistrationStatus,
    Role,
)
from partnerflow.notify import TemplateRenderer
from partnerflow.registration.protection import release_protection

SUBJECT_KIND = "close"


@dataclass(frozen=True)
class ConfirmedClose:
    """What the ``partnerflow.deal.closed`` event carries, once a director confirmed the close."""

    registration_id: int
    partner_id: int
    customer: str
    amount: Decimal
    currency: str
    closed_on: date


def request_close_decision(
    session: Session,
    registration_id: int,
    renderer: TemplateRenderer,
    *,
    links: Links,
    run_id: str,
    expires_at: datetime,
    now: datetime,
) -> int:
    """Mail every channel director their link and code to confirm the close (once); LookupError
    for a registration with no close to confirm (a run started by hand with a wrong id)."""
    registration = session.get(Registration, registration_id)
    if registration is None or registration.status is not RegistrationStatus.CLOSE_REVIEW:
        raise LookupError(
            f"registration_id: registration {registration_id} has no close waiting for confirmation"
        )
    partner = session.get_one(Partner, registration.partner_id)
    registered, closed = registration.amount, registration.closed_amount
    assert registered is not None and closed is not None  # a close-review has both
    summary = (
        f"### Confirm the close of registration {registration_id}?\n\n"
        f"{md_text(partner.name)} recorded **{md_text(registration.customer_name)}** as won on "
        f"{registration.closed_on} for **{closed} {registration.currency}**; it was registered at "
        f"{registered} {registration.currency} ({closed / registered:.1f} times). Approve books it "
        "as won (commissions follow); reject undoes the close, to be recorded again."
    )
    return invite_role(
        session,
        renderer,
        links,
        Ask(
            Subject(SUBJECT_KIND, registration_id),
            role=Role.CHANNEL_DIRECTOR,
            approvers_required=1,
            summary=summary,
            expires_at=expires_at,
            flow_run_id=run_id,
        ),
        context={
            "registration_id": registration_id,
            "partner_name": partner.name,
            "customer_name": registration.customer_name,
            "registered_amount": registered,
            "closed_amount": closed,
            "currency": registration.currency,
        },
        now=now,
    )


def apply_close_answer(at: Applying, registration_id: int) -> DecisionOutcome:
    """Approved: won as recorded, protection released; rejected: the close undone. Only the first
    answer decides; later ones are recorded and change nothing."""
    session, now = at.session, at.now
    registration = session.get_one(Registration, registration_id)
    subject = Subject(SUBJECT_KIND, registration_id)

    def decide(answer: ApprovalAnswer) -> None:
        amount, closed_on = registration.closed_amount, registration.closed_on
        if answer.decision == "approve":
            release_protection(session, registration)
            registration.status = RegistrationStatus.WON
        else:
            registration.status = _status_before_close(session, registration_id)
            registration.closed_amount = registration.closed_on = None
        session.add(registration)
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action="registration.close-" + ("confirmed" if answer.decision == "approve" else "rejected"),
            subject_type="registration",
            subject_id=registration_id,
            details={"amount": str(amount), "closed_on": str(closed_on)},
        )

    in_review = RegistrationStatus.CLOSE_REVIEW
    done = first_answer_decides(at, subject, lambda: registration.status is in_review, decide)
    status = registration.status.value if done else "awaiting"
    return DecisionOutcome(done, status, f"registration {registration_id}: {status}")


def confirmed_close(session: Session, registration_id: int) -> ConfirmedClose | None:
    """The close to announce, once confirmed (None while it waits, or after a rejection)."""
    registration = session.get_one(Registration, registration_id)
    if registration.status is not RegistrationStatus.WON:
        return None
    assert registration.closed_amount is not None and registration.closed_on is not None
    assert registration.partner_id is not None
    return ConfirmedClose(
        registration_id,
        registration.partner_id,
        registration.customer_name,
        registration.closed_amount,
        registration.currency,
        registration.closed_on,
    )


def _status_before_close(session: Session, registration_id: int) -> RegistrationStatus:
    """Approved while it still holds its protection claims, else expired (claims go at expiry)."""
    claims = session.exec(
        select(ProtectionClaim).where(col(ProtectionClaim.registration_id) == registration_id)
    ).first()
    return RegistrationStatus.APPROVED if claims is not None else RegistrationStatus.EXPIRED
