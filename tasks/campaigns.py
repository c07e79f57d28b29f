"""Discount-campaign I/O steps: intake, one sign-off form per role, partner offers."""

from datetime import date, timedelta
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.deployments import run_deployment
from sqlmodel import select

from partnerflow.approvals import (
    runs_with_unapplied_answers,
)
from partnerflow.campaigns.intake import CampaignResult, take_in_campaign
from partnerflow.campaigns.offers import OffersReport, send_due_offers
from partnerflow.campaigns.signoffs import (
    SignOffProgress,
    request_signoffs,
    signoff_summary,
    take_signoff_answer,
)
from partnerflow.campaigns.sla import SignOffSweep, sweep_signoffs
from partnerflow.clock import programme_date
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import Campaign
from partnerflow.policy import DiscountCampaignPolicy, Policy
from tasks.settings import STEP, SWEEP

NO_SLA = timedelta(days=30)  # how long sign-off links work when the policy sets no sign-off clock


def _policy_for(day: date) -> Policy[DiscountCampaignPolicy]:
    return context().policy("discount_campaign", day)


@task(name="take-in-campaign", **STEP)
def take_in_campaign_request(raw: dict[str, Any], flow_run_id: str) -> CampaignResult:
    """Refuse, reject or open a campaign; a second call for the same run returns the first result."""
    with session_scope() as session:
        earlier = session.exec(select(Campaign).where(Campaign.flow_run_id == flow_run_id)).first()
        if earlier is not None and earlier.id is not None:
            return CampaignResult(
                earlier.id,
                earlier.status.value,
                tuple(earlier.required_roles),
                earlier.rule_id,
                earlier.reason,
                tuple(earlier.problems),
            )
        now = context().clock.now()
        result = take_in_campaign(session, raw, policy=_policy_for(programme_date(now)), now=now)
        campaign = session.get(Campaign, result.campaign_id)
        assert campaign is not None
        campaign.flow_run_id = flow_run_id
        session.add(campaign)
        return result


@task(name="start-signoff-runs", **STEP)
def start_signoff_runs(campaign_id: int, roles: list[str]) -> dict[str, str]:
    """One campaign-signoff run per role (answered in parallel, in any order); returns their ids."""
    runs: dict[str, str] = {}
    for role in roles:
        run = run_deployment(
            "campaign-signoff/campaign-signoff",
            timeout=0,
            as_subflow=False,  # a subflow cannot suspend
            parameters={"campaign_id": campaign_id, "role": role},
        )
        runs[role] = str(run.id)  # type: ignore[union-attr]
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.signoff_runs = runs
        session.add(campaign)
    return runs


@task(name="open-signoff", **STEP)
def open_signoff(campaign_id: int, role: str, flow_run_id: str) -> str:
    """Mail the role's people their personal link and code; return the form's summary."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"campaign {campaign_id} does not exist")
        sla = _policy_for(programme_date(campaign.created_at)).document.signoff_sla
        request_signoffs(
            session,
            campaign,
            role=role,
            links=ctx.links,
            renderer=ctx.renderer,
            flow_run_id=flow_run_id,
            expires_at=campaign.created_at + (sla.final_timeout if sla else NO_SLA),
            now=now,
        )
        return signoff_summary(session, campaign, role)


@task(name="apply-signoff", **STEP)
def apply_signoff(
    campaign_id: int, role: str, flow_run_id: str, round_number: int, values: dict[str, Any]
) -> SignOffProgress:
    """One round of a role's sign-off form (see ``campaigns.signoffs.take_signoff_answer``); the
    sign-offs so far are published as the run's table."""
    ctx = context()
    with session_scope() as session:
        progress = take_signoff_answer(
            session,
            campaign_id,
            role,
            values,
            keys=ctx.links.keys,
            flow_run_id=flow_run_id,
            renderer=ctx.renderer,
            now=ctx.clock.now(),
        )
    create_table_artifact(
        key=f"campaign-{campaign_id}-signoffs",
        table=list(progress.signoffs),
        description=f"Sign-offs of campaign #{campaign_id}",
    )
    return progress


@task(name="send-campaign-offers", **SWEEP)
def send_campaign_offers() -> OffersReport:
    """Queue offers of campaigns starting today, reminders before their end; publish a preview."""
    ctx = context()
    with session_scope() as session:
        report = send_due_offers(
            session,
            policy_for=_policy_for,
            renderer=ctx.renderer,
            now=ctx.clock.now(),
        )
    for campaign_id, counts in report.preview.items():
        create_table_artifact(
            key=f"campaign-{campaign_id}-preview",
            table=[{"group": group, "partners": n} for group, n in counts.items()],
            description=f"Partners offered campaign #{campaign_id}, by tier and territory",
        )
    return report


@task(name="sweep-campaign-signoffs", **SWEEP)
def sweep_campaign_signoffs() -> SignOffSweep:
    """Remind, escalate and time out pending sign-offs; returns what was done and the runs to wake."""
    ctx = context()
    with session_scope() as session:
        report = sweep_signoffs(
            session,
            policy_for=_policy_for,
            renderer=ctx.renderer,
            links=ctx.links,
            now=ctx.clock.now(),
        )
        unapplied = runs_with_unapplied_answers(session)
    report.runs_to_wake = list(dict.fromkeys([*report.runs_to_wake, *unapplied]))
    return report
