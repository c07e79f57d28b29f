"""Taking in a submission: refuse it with reasons, or decide it by policy and store the decision.

Protection is enforced by the database: approving inserts one :class:`ProtectionClaim` per
(customer, product line), whose primary key lets only one partner hold it. A submission that
loses that race is decided again, now seeing the winner's protected registration as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.customers import customer_key
from partnerflow.locales import RECORD_LOCALE
from partnerflow.models import Partner, ProtectionClaim, Registration, RegistrationStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DealAction, DealRegistrationPolicy, Decision, Policy
from partnerflow.registration.facts import Claimant, deal_facts, find_conflict, partner_history
from partnerflow.registration.notices import notify_partner, publish_decided
from partnerflow.registration.reasons import PROTECTED_ELSEWHERE, already_protected
from partnerflow.registration.submission import DealSubmission, Refusal, check_submission, parse_submission
from partnerflow.text import record_id, storable

SYSTEM_ACTOR = "system:deal-registration"


@dataclass(frozen=True)
class IntakeResult:
    """What happened to one submission (what ``deals submit --json`` prints per row)."""

    registration_id: int
    outcome: str  # refused, approve, reject or review
    rule_id: str | None
    policy_version: str | None
    reason: str | None
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "problems": list(self.problems)}


def take_in(
    session: Session,
    given: DealSubmission | dict[str, Any],
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> IntakeResult:
    """Refuse or decide one submission; commit-ready, nothing raised at the user. ``given`` is
    raw (a CSV row, an API body: validated here) or already typed (a flow's parameter, which
    Prefect validated: not validated twice); either way the checks against the database and
    today's date follow."""
    today = programme_date(now)
    raw = given.model_dump(mode="json") if isinstance(given, DealSubmission) else given
    parsed = given if isinstance(given, DealSubmission) else parse_submission(given)
    partner = _partner(session, raw.get("partner_id"))
    if isinstance(parsed, Refusal):
        return _refuse(session, raw, partner, parsed.problems, renderer, now)
    problems = check_submission(parsed, today=today, partner_known=partner is not None)
    if problems or partner is None:
        return _refuse(session, raw, partner, tuple(problems), renderer, now)

    if parsed.external_id is not None:
        earlier = _submitted_before(session, partner, parsed.external_id)
        if earlier is not None:
            return earlier
    registration = Registration(**registration_values(parsed, partner, now))
    try:
        with session.begin_nested():
            session.add(registration)
    except IntegrityError:  # the same row submitted at the same moment by another process
        earlier = _submitted_before(session, partner, parsed.external_id or "")
        assert earlier is not None
        return earlier
    decide(session, registration, parsed, partner, policy=policy, renderer=renderer, now=now)
    return stored_result(registration)


def take_in_for_run(
    session: Session,
    submission: DealSubmission,
    flow_run_id: str,
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> IntakeResult:
    """``take_in`` for one flow run, at most once: the registration remembers the run that took it
    in, and a second call for the same run (a retried or replayed task) returns the first result."""
    earlier = session.exec(select(Registration).where(Registration.flow_run_id == flow_run_id)).first()
    if earlier is not None and earlier.id is not None:
        return stored_result(earlier)
    result = take_in(session, submission, policy=policy, renderer=renderer, now=now)
    registration = session.get(Registration, result.registration_id)
    assert registration is not None
    registration.flow_run_id = flow_run_id
    session.add(registration)
    return result


def stored_result(registration: Registration) -> IntakeResult:
    """The result a stored registration was given when it was taken in."""
    return IntakeResult(
        registration.id or 0,
        registration.outcome or "",
        registration.rule_id,
        registration.policy_version,
        registration.reason,
        tuple(registration.problems),
    )


def protection_refused(decision: Decision[DealAction], own: Claimant | None) -> Decision[DealAction]:
    """The policy approved, but the customer's protection is held: by the same partner (``own``,
    a duplicate of its own registration) or by another partner approved first."""
    reasons = already_protected(own.id or 0, own.protection_ends_on) if own else PROTECTED_ELSEWHERE
    return Decision(
        "reject",
        "duplicate-of-own" if own else "protected-elsewhere",
        reasons[RECORD_LOCALE],
        decision.stamp,
        decision.action,
        reasons,
    )


def registration_values(submission: DealSubmission, partner: Partner, now: datetime) -> dict[str, Any]:
    """The columns of a well-formed submission's registration, before it is decided."""
    return {
        "partner_id": partner.id,
        "external_id": submission.external_id,
        "status": RegistrationStatus.PENDING_REVIEW,
        "customer_name": submission.customer_name,
        "customer_siren": submission.customer_siren,
        "customer_domain": submission.customer_domain,
        "customer_email": submission.customer_email,
        "customer_departement": submission.customer_departement,
        "customer_key": customer_key(
            name=submission.customer_name,
            siren=submission.customer_siren,
            domain=submission.customer_domain,
            email=submission.customer_email,
        ),
        "product_lines": list(submission.product_lines),
        "amount": submission.amount,
        "currency": submission.currency,
        "expected_close_on": submission.expected_close_on,
        "notes": submission.notes,
        "referral_code": submission.referral_code,
        "submitted_at": now,
        "submission": submission.model_dump(mode="json"),
    }


def refusal_values(
    raw: dict[str, Any], partner: Partner | None, problems: tuple[str, ...], now: datetime
) -> dict[str, Any]:
    """The columns of a refused submission: what it said (cut to size), and why it was refused."""
    return {
        "partner_id": partner.id if partner else None,
        "status": RegistrationStatus.REFUSED,
        "customer_name": storable(raw.get("customer_name") or "", 200),
        "submitted_at": now,
        "submission": {storable(key, 100): storable(value, 500) for key, value in raw.items()},
        "problems": list(problems),
        "outcome": "refused",
        "decided_at": now,
    }


def decide(
    session: Session,
    registration: Registration,
    submission: DealSubmission,
    partner: Partner,
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> Decision[DealAction]:
    """Evaluate the policy for ``registration`` and apply the outcome (also after request-info)."""
    decision = _evaluate(session, registration, submission, partner, policy, programme_date(now))
    if decision.outcome == "approve" and not _claim_protection(session, registration, now):
        decision = _evaluate(session, registration, submission, partner, policy, programme_date(now))
        if decision.outcome == "approve":  # the policy ignores conflicts: the database does not
            decision = protection_refused(decision, _own_protection(session, registration))
    _store_decision(registration, decision)
    if decision.outcome == "approve":
        approve(session, registration, partner, policy=policy, renderer=renderer, now=now, claimed=True)
    elif decision.outcome == "reject":
        reject(session, registration, partner, reasons=decision.reasons, renderer=renderer, now=now)
    else:
        review = decision.action.review_requirement
        registration.status = RegistrationStatus.PENDING_REVIEW
        registration.review_level = review.level.value
        registration.approvers_required = review.approvers_required
        registration.review_requested_at = now
        notify_partner(
            session,
            renderer,
            event="received",
            registration=registration,
            partner=partner,
            suffix=f":{now.isoformat()}",
        )
    record_event(
        session,
        now=now,
        actor=SYSTEM_ACTOR,
        action=f"registration.{decision.outcome}",
        subject_type="registration",
        subject_id=registration.id or 0,
        stamp=decision.stamp,
        rule_id=decision.rule_id,
        details={"reason": decision.reason},
    )
    session.add(registration)
    session.flush()
    return decision


def approve(
    session: Session,
    registration: Registration,
    partner: Partner,
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
    claimed: bool = False,
) -> bool:
    """Protect the registration from ``now``; False if another partner got the protection first."""
    if not claimed and not _claim_protection(session, registration, now):
        return False
    registration.status = RegistrationStatus.APPROVED
    registration.decided_at = registration.approved_at = now
    registration.protection_ends_on = programme_date(now) + timedelta(days=policy.document.protection.days)
    session.add(registration)
    session.flush()
    notify_partner(session, renderer, event="approved", registration=registration, partner=partner)
    publish_decided(session, registration, registration.partner_id or 0, "approved", now)
    return True


def _own_protection(session: Session, registration: Registration) -> Registration | None:
    """The same partner's registration holding this customer's protection, if that is why the
    claim failed (a partner submitting its deal twice is not competing with anyone)."""
    holders = session.exec(
        select(Registration)
        .join(ProtectionClaim, col(ProtectionClaim.registration_id) == col(Registration.id))
        .where(ProtectionClaim.customer_key == registration.customer_key)
        .where(col(ProtectionClaim.product_line).in_(registration.product_lines))
    ).all()
    return next((holder for holder in holders if holder.partner_id == registration.partner_id), None)


def reject(
    session: Session,
    registration: Registration,
    partner: Partner,
    *,
    reasons: dict[str, str],
    renderer: TemplateRenderer,
    now: datetime,
) -> None:
    """Reject with ``reasons`` (one text per locale; the partner reads its own)."""
    registration.status = RegistrationStatus.REJECTED
    registration.reason = reasons.get(RECORD_LOCALE)
    registration.reason_texts = reasons
    registration.decided_at = now
    session.add(registration)
    session.flush()
    notify_partner(session, renderer, event="rejected", registration=registration, partner=partner)
    publish_decided(session, registration, registration.partner_id or 0, "rejected", now)


def _evaluate(
    session: Session,
    registration: Registration,
    submission: DealSubmission,
    partner: Partner,
    policy: Policy[DealRegistrationPolicy],
    today: date,
) -> Decision[DealAction]:
    assert partner.id is not None
    conflict = find_conflict(
        session,
        customer_key=registration.customer_key,
        product_lines=registration.product_lines,
        partner_id=partner.id,
        today=today,
        exclude_id=registration.id,
    )
    facts = deal_facts(
        submission, partner, conflict=conflict, history=partner_history(session, partner.id), today=today
    )
    registration.facts = facts
    return policy.decide(facts)


def _store_decision(registration: Registration, decision: Decision[DealAction]) -> None:
    registration.outcome = decision.outcome
    registration.rule_id = decision.rule_id
    registration.reason = decision.reason
    registration.reason_texts = decision.reasons
    registration.policy_version = decision.stamp.version
    registration.policy_sha256 = decision.stamp.sha256


def _claim_protection(session: Session, registration: Registration, now: datetime) -> bool:
    """Insert the claims in a savepoint; False (and nothing kept) if any is already held."""
    assert registration.id is not None
    try:
        with session.begin_nested():
            for line in registration.product_lines:
                session.add(
                    ProtectionClaim(
                        customer_key=registration.customer_key,
                        product_line=line,
                        registration_id=registration.id,
                        created_at=now,
                    )
                )
    except IntegrityError:
        return False
    return True


def _submitted_before(session: Session, partner: Partner, external_id: str) -> IntakeResult | None:
    """The result of the partner's row with this reference, if it was submitted before."""
    earlier = session.exec(
        select(Registration)
        .where(Registration.partner_id == partner.id)
        .where(Registration.external_id == external_id)
    ).first()
    if earlier is None or earlier.id is None:
        return None
    return stored_result(earlier)


def _partner(session: Session, partner_id: object) -> Partner | None:
    number = record_id(partner_id)
    return session.get(Partner, number) if number is not None else None


def _refuse(
    session: Session,
    raw: dict[str, Any],
    partner: Partner | None,
    problems: tuple[str, ...],
    renderer: TemplateRenderer,
    now: datetime,
) -> IntakeResult:
    registration = Registration(**refusal_values(raw, partner, problems, now))
    session.add(registration)
    session.flush()
    if partner is not None:
        notify_partner(session, renderer, event="refused", registration=registration, partner=partner)
    record_event(
        session,
        now=now,
        actor=SYSTEM_ACTOR,
        action="registration.refused",
        subject_type="registration",
        subject_id=registration.id or 0,
        details={"problems": list(problems)},
    )
    return IntakeResult(registration.id or 0, "refused", None, None, None, problems)
