"""The review clock: remind reviewers, escalate to the next level, then apply the final outcome.

A suspended flow run has no compute and a pause timeout cannot be caught inside the flow, so the
clock runs outside it: a scheduled sweep calls :func:`sweep_reviews`, which acts in the database
and returns the flow runs to wake (resumed with a signed wake-up, never a vote). Escalation opens
a new approval round for the next level: the lower level's links stop working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from partnerflow.approvals import Links, close_requests, open_requests, people_with_role, sealed_links
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.models import OPEN_STATUSES, Partner, Registration, Role
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.intake import approve, reject
from partnerflow.registration.notices import notify_reviewer
from partnerflow.registration.reasons import REVIEW_DEADLINE_PASSED
from partnerflow.registration.review import request_review, review_subject

SLA_ACTOR = "system:review-sla"
PolicyForDate = Callable[[date], Policy[DealRegistrationPolicy]]


@dataclass
class SweepReport:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    timed_out: list[int] = field(default_factory=list)
    runs_to_wake: list[str] = field(default_factory=list)
    without_run: list[int] = field(default_factory=list)


def sweep_reviews(
    session: Session, *, policy_for: PolicyForDate, renderer: TemplateRenderer, links: Links, now: datetime
) -> SweepReport:
    """Advance the SLA of every open review by what ``now`` makes due (each step happens once)."""
    report = SweepReport()
    open_reviews = session.exec(
        select(Registration)
        .where(col(Registration.status).in_(OPEN_STATUSES))
        .where(col(Registration.review_requested_at).is_not(None))
        .order_by(col(Registration.id))
    ).all()
    for registration in open_reviews:
        assert registration.review_requested_at is not None and registration.id is not None
        if registration.flow_run_id is None:
            report.without_run.append(registration.id)  # submitted while no server ran
        sla = policy_for(programme_date(registration.submitted_at)).document.review_sla
        waited = now - registration.review_requested_at
        if waited >= sla.final_timeout:
            _time_out(session, registration, policy_for, renderer, now, sla.on_final_timeout)
            report.timed_out.append(registration.id)
            if registration.flow_run_id:
                report.runs_to_wake.append(registration.flow_run_id)
        elif waited >= sla.escalate_after and registration.escalated_at is None:
            deadline = registration.review_requested_at + sla.final_timeout
            if _escalate(session, registration, sla.escalation_chain, renderer, links, deadline, now):
                report.escalated.append(registration.id)
        elif waited >= sla.remind_after and registration.reminded_at is None:
            registration.reminded_at = now
            _remind_level(session, registration, renderer, links)
            report.reminded.append(registration.id)
        session.add(registration)
    session.flush()
    return report


def _escalate(
    session: Session,
    registration: Registration,
    chain: list[Role],
    renderer: TemplateRenderer,
    links: Links,
    deadline: datetime,
    now: datetime,
) -> bool:
    """Move the review one level up the chain; the new level is notified and becomes entitled."""
    registration.escalated_at = now
    current = Role(registration.review_level or chain[0].value)
    higher = chain[chain.index(current) + 1 :] if current in chain else []
    if not higher:
        return False
    registration.review_level = higher[0].value
    record_event(
        session,
        now=now,
        actor=SLA_ACTOR,
        action="review.escalated",
        subject_type="registration",
        subject_id=registration.id or 0,
        details={"from": current.value, "to": higher[0].value},
    )
    request_review(
        session, registration, links=links, renderer=renderer, expires_at=deadline, now=now, event="escalated"
    )
    return True


def _time_out(
    session: Session,
    registration: Registration,
    policy_for: PolicyForDate,
    renderer: TemplateRenderer,
    now: datetime,
    outcome: str,
) -> None:
    """Apply the policy's final outcome through the same path as a reviewer's decision."""
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None and registration.id is not None
    close_requests(session, review_subject(registration.id), now)
    record_event(
        session,
        now=now,
        actor=SLA_ACTOR,
        action=f"review.timeout.{outcome}",
        subject_type="registration",
        subject_id=registration.id or 0,
    )
    policy = policy_for(programme_date(registration.submitted_at))
    if outcome == "approve" and approve(
        session, registration, partner, policy=policy, renderer=renderer, now=now
    ):
        return
    reject(
        session,
        registration,
        partner,
        renderer=renderer,
        now=now,
        reasons=REVIEW_DEADLINE_PASSED,
    )


def _remind_level(
    session: Session, registration: Registration, renderer: TemplateRenderer, links: Links
) -> None:
    """Remind who has not answered yet, with their personal link again (the code is not repeated)."""
    assert registration.id is not None
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    level = registration.review_level or Role.CHANNEL_MANAGER.value
    for request in open_requests(session, review_subject(registration.id)):
        unanswered = sealed_links(session, request)
        for reviewer in people_with_role(session, level):
            if reviewer.id in unanswered:
                notify_reviewer(
                    session,
                    renderer,
                    event="reminder",
                    registration=registration,
                    partner=partner,
                    reviewer=reviewer,
                    links={
                        "approval_url": unanswered[reviewer.id],
                        "operator_url": links.operator(registration.flow_run_id),
                    },
                    suffix=f":{request.round}",
                )
