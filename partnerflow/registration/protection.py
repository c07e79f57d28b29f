"""Life after approval: expiry reminders, expiry, extensions, and the deal's close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.locales import RECORD_LOCALE
from partnerflow.models import Partner, ProtectionClaim, Registration, RegistrationStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import CloseReview, DealRegistrationPolicy, Policy
from partnerflow.registration.notices import notify_partner
from partnerflow.registration.reasons import extension_granted, extension_refused
from partnerflow.registration.sla import PolicyForDate

EXPIRY_ACTOR = "system:registration-expiry"

CLOSE_WINDOW = timedelta(days=3 * 366)  # a close is recorded within three years of the registration
MAX_AMOUNT = Decimal("999999999999.99")  # the amount columns hold 14 digits, 2 of them decimals


class ProtectionError(Exception):
    """The registration is not in a state that allows this (the message says which)."""


@dataclass
class ExpiryReport:
    reminded: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ExtensionDecision:
    granted: bool
    protection_ends_on: date | None
    reason: str


def expiry_sweep(
    session: Session, *, policy_for: PolicyForDate, renderer: TemplateRenderer, now: datetime
) -> ExpiryReport:
    """Remind partners before their protection ends, and expire it after its last day (days
    counted in the programme's time zone)."""
    report = ExpiryReport()
    today = programme_date(now)
    approved = session.exec(
        select(Registration)
        .where(Registration.status == RegistrationStatus.APPROVED)
        .where(col(Registration.protection_ends_on).is_not(None))
        .order_by(col(Registration.id))
    ).all()
    for registration in approved:
        assert registration.protection_ends_on is not None and registration.id is not None
        partner = _partner(session, registration)
        days_left = (registration.protection_ends_on - today).days
        if days_left < 0:
            release_protection(session, registration)
            registration.status = RegistrationStatus.EXPIRED
            session.add(registration)
            record_event(
                session,
                now=now,
                actor=EXPIRY_ACTOR,
                action="registration.expired",
                subject_type="registration",
                subject_id=registration.id,
            )
            notify_partner(session, renderer, event="expired", registration=registration, partner=partner)
            report.expired.append(registration.id)
            continue
        protection = policy_for(programme_date(registration.submitted_at)).document.protection
        due = [days for days in protection.remind_days_before if days_left <= days]
        if due:
            # The smallest threshold reached: a sweep that missed days still sends one reminder.
            suffix = f":{min(due)}:{registration.protection_ends_on}"
            if notify_partner(
                session,
                renderer,
                event="expiry_reminder",
                registration=registration,
                partner=partner,
                suffix=suffix,
            ):
                report.reminded.append(registration.id)
    session.flush()
    return report


def request_extension(
    session: Session,
    registration_id: int,
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> ExtensionDecision:
    """Extend an approved registration's protection as the policy allows, and tell the partner."""
    registration = _registration(session, registration_id)
    if registration.status != RegistrationStatus.APPROVED or registration.protection_ends_on is None:
        raise ProtectionError(
            f"registration {registration_id} is {registration.status.value}; only an approved "
            "registration can be extended"
        )
    protection = policy.document.protection
    if registration.extensions_used >= protection.max_extensions:
        reasons = extension_refused(protection.max_extensions, registration.extensions_used)
        decision = ExtensionDecision(False, registration.protection_ends_on, reasons[RECORD_LOCALE])
    else:
        registration.extensions_used += 1
        registration.protection_ends_on += timedelta(days=protection.extension_days)
        reasons = extension_granted(protection.extension_days)
        decision = ExtensionDecision(True, registration.protection_ends_on, reasons[RECORD_LOCALE])
    registration.reason, registration.reason_texts = decision.reason, reasons
    session.add(registration)
    record_event(
        session,
        now=now,
        actor=EXPIRY_ACTOR,
        action="registration.extension." + ("granted" if decision.granted else "refused"),
        subject_type="registration",
        subject_id=registration_id,
        stamp=policy.stamp,
        details={"protection_ends_on": str(decision.protection_ends_on)},
    )
    notify_partner(
        session,
        renderer,
        event="extension_decided",
        registration=registration,
        partner=_partner(session, registration),
        suffix=f":{now.isoformat()}",
    )
    session.flush()
    return decision


def close_registration(
    session: Session,
    registration_id: int,
    *,
    won: bool,
    amount: Decimal | None,
    closed_on: date,
    actor: str,
    close_review: CloseReview,
    now: datetime,
) -> Registration:
    """Record the deal's outcome; a won deal needs its final amount. Protection is released; a
    won amount more than ``close_review.amount_factor`` times the registered one is held for a
    channel director instead (status ``close-review``, protection kept until they confirm)."""
    registration = _registration(session, registration_id)
    if registration.status not in (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED):
        raise ProtectionError(
            f"registration {registration_id} is {registration.status.value}; only an approved "
            "or expired registration can be closed"
        )
    if won:
        _check_final_amount(amount)
    registered_on = programme_date(registration.submitted_at)
    latest = registered_on + CLOSE_WINDOW
    if not registered_on <= closed_on <= latest:
        raise ProtectionError(
            f"close date {closed_on} must be between the registration ({registered_on}) and {latest}"
        )
    held = won and amount is not None and far_above_registration(registration, amount, close_review)
    if held:
        registration.status = RegistrationStatus.CLOSE_REVIEW
    else:
        release_protection(session, registration)
        registration.status = RegistrationStatus.WON if won else RegistrationStatus.LOST
    registration.closed_on = closed_on
    registration.closed_amount = amount if won else None
    session.add(registration)
    record_event(
        session,
        now=now,
        actor=actor,
        action=f"registration.{registration.status.value}",
        subject_type="registration",
        subject_id=registration_id,
        details={"amount": str(amount) if won else None, "closed_on": str(closed_on)},
    )
    session.flush()
    return registration


def far_above_registration(registration: Registration, amount: Decimal, rule: CloseReview) -> bool:
    """The close is more than ``rule.amount_factor`` times the registered estimate."""
    return registration.amount is not None and amount > registration.amount * Decimal(str(rule.amount_factor))


def _check_final_amount(amount: Decimal | None) -> None:
    """A won deal's amount: a finite number of euros and cents, above 0, within the books' range."""
    if amount is None or not amount.is_finite() or amount <= 0:
        raise ProtectionError("a won deal needs its final amount: a number greater than 0")
    if amount > MAX_AMOUNT:
        raise ProtectionError(f"amount {amount} is above the largest amount recorded ({MAX_AMOUNT})")
    if amount != amount.quantize(Decimal("0.01")):
        raise ProtectionError(f"amount {amount} has more than two decimals (cents)")


def release_protection(session: Session, registration: Registration) -> None:
    """The registration's customer and product lines are free for other partners again."""
    session.exec(delete(ProtectionClaim).where(col(ProtectionClaim.registration_id) == registration.id))


def _registration(session: Session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise ProtectionError(f"registration {registration_id} does not exist")
    return registration


def _partner(session: Session, registration: Registration) -> Partner:
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    return partner
