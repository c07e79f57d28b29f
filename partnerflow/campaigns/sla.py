"""The sign-off clock: remind the roles that have not signed, alert the escalation role, then reject.

Like the review SLA, it runs outside the suspended runs (a scheduled sweep) and returns the runs
to wake once it has decided. Each reminder and alert is sent once (outbox dedupe keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from partnerflow.approvals import Links, close_requests, open_requests, people_with_role, sealed_links
from partnerflow.audit import record_event
from partnerflow.campaigns.notices import notify_person
from partnerflow.campaigns.signoffs import campaign_subject, signed_roles
from partnerflow.clock import programme_date
from partnerflow.models import Campaign, CampaignStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DiscountCampaignPolicy, Policy

ACTOR = "system:campaign-sla"


@dataclass
class SignOffSweep:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    timed_out: list[int] = field(default_factory=list)
    runs_to_wake: list[str] = field(default_factory=list)


def sweep_signoffs(
    session: Session,
    *,
    policy_for: Callable[[date], Policy[DiscountCampaignPolicy]],
    renderer: TemplateRenderer,
    links: Links,
    now: datetime,
) -> SignOffSweep:
    """Advance the clock of every campaign awaiting sign-off, by what ``now`` makes due."""
    report = SignOffSweep()
    waiting = session.exec(
        select(Campaign).where(Campaign.status == CampaignStatus.AWAITING_SIGNOFF).order_by(col(Campaign.id))
    ).all()
    for campaign in waiting:
        sla = policy_for(programme_date(campaign.created_at)).document.signoff_sla
        assert campaign.id is not None
        if sla is None:
            continue
        pending = [role for role in campaign.required_roles if role not in signed_roles(session, campaign.id)]
        waited = now - campaign.created_at
        if waited >= sla.final_timeout:
            campaign.status, campaign.decided_at = CampaignStatus.REJECTED, now
            close_requests(session, campaign_subject(campaign.id), now)
            campaign.reason = f"No sign-off from {', '.join(pending)} within {sla.final_timeout.days} days."
            session.add(campaign)
            record_event(
                session,
                now=now,
                actor=ACTOR,
                action="campaign.timeout.reject",
                subject_type="campaign",
                subject_id=campaign.id,
                details={"pending": pending},
            )
            notify_person(
                session,
                renderer,
                template="campaign_rejected",
                campaign=campaign,
                email=campaign.requester_email,
                key=campaign.requester_email,
            )
            report.timed_out.append(campaign.id)
            report.runs_to_wake += [
                campaign.signoff_runs[role] for role in pending if role in campaign.signoff_runs
            ]
            continue
        if waited >= sla.escalate_after:
            if _alert(session, campaign, pending, sla.escalate_to.value, renderer, links, escalated=True):
                report.escalated.append(campaign.id)
        elif waited >= sla.remind_after:
            # Every pending role is reminded: no short-circuit.
            queued = [
                _alert(session, campaign, [role], role, renderer, links, escalated=False) for role in pending
            ]
            if any(queued):
                report.reminded.append(campaign.id)
    session.flush()
    return report


def _alert(
    session: Session,
    campaign: Campaign,
    pending: list[str],
    audience: str,
    renderer: TemplateRenderer,
    links: Links,
    *,
    escalated: bool,
) -> bool:
    """Tell ``audience``'s people which sign-offs are overdue; True if anything new was queued.
    The role's own people get their personal link again; others (escalation) the run's page."""
    assert campaign.id is not None
    queued = False
    requests = {request.role: request for request in open_requests(session, campaign_subject(campaign.id))}
    for role in pending:
        url = links.operator(campaign.signoff_runs.get(role))
        own = sealed_links(session, requests[role]) if role in requests and role == audience else {}
        for person in people_with_role(session, audience):
            queued |= notify_person(
                session,
                renderer,
                template="campaign_signoff_overdue",
                campaign=campaign,
                email=person.email,
                key=f"{role}:{audience}:{person.id}",
                extra={
                    "role": role,
                    "approval_url": own.get(person.id or 0, ""),
                    "approval_code": "",
                    "operator_url": url,
                    "escalated": escalated,
                },
            )
    return queued
