"""A partner's answer to a reviewer's question: the registration is corrected and decided again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.customers import customer_key
from partnerflow.models import Partner, Registration, RegistrationStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.intake import IntakeResult, decide
from partnerflow.registration.submission import DealSubmission, Refusal, check_submission, parse_submission


class UpdateRefused(Exception):
    """The update cannot be applied; ``problems`` says why (nothing was changed)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def update_registration(
    session: Session,
    registration_id: int,
    changes: dict[str, Any],
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> IntakeResult:
    """Merge ``changes`` into a registration waiting for information and evaluate it again.

    Raises:
        UpdateRefused: the registration is not waiting for information, or the merged
            submission is invalid.
    """
    registration = session.get(Registration, registration_id)
    if registration is None or registration.partner_id is None:
        raise UpdateRefused([f"registration {registration_id} does not exist"])
    if registration.status != RegistrationStatus.INFO_REQUESTED:
        raise UpdateRefused(
            [
                f"registration {registration_id} is {registration.status.value}; only one "
                "waiting for information can be updated"
            ]
        )
    merged = {**registration.submission, **changes, "partner_id": registration.partner_id}
    parsed = parse_submission(merged)
    if isinstance(parsed, Refusal):
        raise UpdateRefused(list(parsed.problems))
    problems = check_submission(parsed, today=programme_date(now), partner_known=True)
    if problems:
        raise UpdateRefused(problems)
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    _apply(registration, parsed)
    record_event(
        session,
        now=now,
        actor=partner.primary_email,
        action="registration.updated",
        subject_type="registration",
        subject_id=registration_id,
        details={"changes": sorted(changes)},
    )
    decide(session, registration, parsed, partner, policy=policy, renderer=renderer, now=now)
    return IntakeResult(
        registration_id,
        registration.outcome or "",
        registration.rule_id,
        registration.policy_version,
        registration.reason,
    )


def _apply(registration: Registration, submission: DealSubmission) -> None:
    registration.customer_name = submission.customer_name
    registration.customer_siren = submission.customer_siren
    registration.customer_domain = submission.customer_domain
    registration.customer_email = submission.customer_email
    registration.customer_departement = submission.customer_departement
    registration.customer_key = customer_key(
        name=submission.customer_name,
        siren=submission.customer_siren,
        domain=submission.customer_domain,
        email=submission.customer_email,
    )
    registration.product_lines = list(submission.product_lines)
    registration.amount = submission.amount
    registration.currency = submission.currency
    registration.expected_close_on = submission.expected_close_on
    registration.notes = submission.notes
    registration.submission = submission.model_dump(mode="json")
    registration.info_request = None
