"""Manual review: asking the level's reviewers, applying their answers, the summary they read.

Who may answer, and whether an answer is genuinely theirs, is settled by
:mod:`partnerflow.approvals` (personal links and codes, one answer per person and round). Here
the answers it recorded are applied in order, each exactly once (``applied_at``), so a flow
re-run after a resume, or two wake-ups at once, decide nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from partnerflow.approvals import (
    Applying,
    Ask,
    DecisionOutcome,
    Links,
    Subject,
    approvals_given,
    close_requests,
    latest_round,
    mark_applied,
    open_requests,
    open_round,
    unapplied_answers,
)
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.locales import same_in_every_locale
from partnerflow.markdown import md_text
from partnerflow.models import (
    OPEN_STATUSES,
    ApprovalAnswer,
    ApprovalRequest,
    Partner,
    Registration,
    RegistrationStatus,
    Role,
)
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.intake import approve, reject
from partnerflow.registration.notices import notify_partner, notify_reviewer
from partnerflow.registration.reasons import PROTECTED_ELSEWHERE, REJECTED_AFTER_REVIEW

SUBJECT_KIND = "registration"


def review_subject(registration_id: int) -> Subject:
    return Subject(SUBJECT_KIND, registration_id)


def request_review_until_deadline(
    session: Session,
    registration: Registration,
    *,
    policy: Policy[DealRegistrationPolicy],
    links: Links,
    renderer: TemplateRenderer,
    now: datetime,
) -> int:
    """``request_review`` with links that work until the review's final timeout under ``policy``
    (counted from when the review was first requested): what the review run and a partner's
    update both do."""
    requested = registration.review_requested_at or now
    expires_at = requested + policy.document.review_sla.final_timeout
    return request_review(
        session, registration, links=links, renderer=renderer, expires_at=expires_at, now=now
    )


def request_review(
    session: Session,
    registration: Registration,
    *,
    links: Links,
    renderer: TemplateRenderer,
    expires_at: datetime,
    now: datetime,
    event: str = "requested",
) -> int:
    """Ask the registration's current level to decide: a new round with a personal link and code
    mailed to each of its reviewers, unless a round for that level is open. Returns how many."""
    assert registration.id is not None and registration.partner_id is not None
    subject = review_subject(registration.id)
    level = registration.review_level or Role.CHANNEL_MANAGER.value
    if any(request.role == level for request in open_requests(session, subject)):
        return 0
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    invitations = open_round(
        session,
        links,
        Ask(
            subject,
            role=level,
            approvers_required=registration.approvers_required,
            summary=review_summary(session, registration),
            expires_at=expires_at,
            flow_run_id=registration.flow_run_id,
            round_number=latest_round(session, subject) + 1,
        ),
        now=now,
    )
    for invitation in invitations:
        notify_reviewer(
            session,
            renderer,
            event=event,
            registration=registration,
            partner=partner,
            reviewer=invitation.person,
            links=invitation.mailed(),
            suffix=f":{invitation.request.round}",
        )
    return len(invitations)


def apply_answers(at: Applying, registration_id: int) -> DecisionOutcome:
    """Apply every recorded answer not applied yet, under the policy the partner submitted
    under; says whether the review waits or is decided, and the registration's status."""
    session, now = at.session, at.now
    registration = session.get(Registration, registration_id)
    if registration is None or registration.partner_id is None:
        raise LookupError(f"registration {registration_id} does not exist")
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    policy: Policy[DealRegistrationPolicy] = at.policy(
        "deal_registration", programme_date(registration.submitted_at)
    )
    done, message = False, "no new answer; still open"
    for answer, request in unapplied_answers(session, review_subject(registration_id), at.keys, now=now):
        mark_applied(session, answer, now)
        if registration.status in OPEN_STATUSES:
            given = approvals_given(session, request, at.keys, now=now)
            done, message = _apply(
                session, registration, partner, answer, request, given, policy, at.renderer, now
            )
    status = registration.status.value
    if registration.status not in OPEN_STATUSES:
        close_requests(session, review_subject(registration_id), now)
        return DecisionOutcome(True, status, message if done else status)
    return DecisionOutcome(False, status, message)


def _apply(
    session: Session,
    registration: Registration,
    partner: Partner,
    answer: ApprovalAnswer,
    request: ApprovalRequest,
    given: int,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> tuple[bool, str]:
    """One answer applied: whether it decided the review, and what its giver reads."""
    assert registration.id is not None
    record_event(
        session,
        now=now,
        actor=answer.actor,
        action=f"review.{answer.decision}",
        subject_type="registration",
        subject_id=registration.id,
        details={"person": answer.person_email, "comment": answer.comment, "round": request.round},
    )
    if answer.decision == "reject":
        reasons = same_in_every_locale(answer.comment) if answer.comment else REJECTED_AFTER_REVIEW
        reject(session, registration, partner, reasons=reasons, renderer=renderer, now=now)
        return True, "rejected"
    if answer.decision == "request-info":
        if registration.status == RegistrationStatus.INFO_REQUESTED:
            return False, "information has already been requested; wait for the partner's update"
        registration.status = RegistrationStatus.INFO_REQUESTED
        registration.info_request = answer.comment
        close_requests(session, review_subject(registration.id), now)  # the update opens a new round
        notify_partner(
            session,
            renderer,
            event="info_requested",
            registration=registration,
            partner=partner,
            suffix=f":{request.round}",
        )
        return False, "information requested from the partner"
    if given < request.approvers_required:
        return False, f"{given} of {request.approvers_required} approvals"
    if not approve(session, registration, partner, policy=policy, renderer=renderer, now=now):
        reject(session, registration, partner, reasons=PROTECTED_ELSEWHERE, renderer=renderer, now=now)
    return True, registration.status.value


def review_summary(session: Session, registration: Registration) -> str:
    """The Markdown a reviewer reads above the decision form."""
    assert registration.partner_id is not None
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    history = registration.facts.get("partner", {})
    conflict = registration.facts.get("conflict", {})
    certified = "certified" if partner.certified else "not certified"
    lines = [
        f"### Registration #{registration.id}: {md_text(registration.customer_name)}",
        "",
        "| | |",
        "|---|---|",
        f"| Partner | {md_text(partner.name)} ({partner.tier.value}, {certified}, "
        f"dept {partner.territory_code}) |",
        f"| Customer | {md_text(registration.customer_name)} — dept {registration.customer_departement} |",
        f"| Product lines | {md_text(', '.join(registration.product_lines))} |",
        f"| Amount | {registration.amount} {registration.currency} |",
        f"| Expected close | {registration.expected_close_on} |",
        f"| Partner history | {history.get('approved_registrations', 0)} approved registrations, "
        f"win rate {float(history.get('win_rate', 0.0)):.0%} |",
        "",
        f"**Escalated by rule `{registration.rule_id}`** (policy {registration.policy_version}): "
        f"{md_text(registration.reason or '')}",
        f"Needs **{registration.approvers_required}** approval(s) "
        f"from the **{registration.review_level}** level.",
    ]
    if conflict.get("exists"):
        lines.append(
            f"\n**Conflict:** partner #{conflict['partner_id']} holds a {conflict['status']} "
            f"registration for {md_text(conflict['product_line'])}."
        )
    if registration.notes:
        lines.append(f"\n> {md_text(registration.notes)}")
    lines.append(
        "\nAnswer with the approval code from your e-mail; *request-info* sends your comment to the "
        "partner as a question."
    )
    return "\n".join(lines)
