"""Discount-campaign I/O steps: intake, one sign-off form per role, partner offers."""

from datetime import date, timedelta

from prefect import task
from prefect.artifacts import create_table_artifact

from partnerflow.approvals import runs_with_unapplied_answers
from partnerflow.approvals.form_items import DecisionForm
from partnerflow.campaigns.intake import CampaignResult, take_in_campaign_for_run
from partnerflow.campaigns.offers import OffersReport, send_due_offers
from partnerflow.campaigns.request import CampaignRequest
from partnerflow.campaigns.signoffs import (
    allocation_items,
    remember_signoff_runs,
    request_signoffs,
    signoff_rows,
    signoff_summary,
)
from partnerflow.campaigns.sla import SignOffSweep, sweep_signoffs
from partnerflow.clock import programme_date
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import Campaign
from partnerflow.orchestration.prefect_api import start_run
from partnerflow.policy import DiscountCampaignPolicy, Policy
from tasks.settings import STEP, SWEEP

NO_SLA = timedelta(days=30)  # how long sign-off links work when the policy sets no sign-off clock


def _policy_for(day: date) -> Policy[DiscountCampaignPolicy]:
    return context().policy("discount_campaign", day)


@task(name="take-in-campaign", **STEP)
def take_in_campaign_request(request: CampaignRequest, flow_run_id: str) -> CampaignResult:
    """Refuse, reject or open a campaign, once per flow run (``campaigns.take_in_campaign_for_run``)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        policy = _policy_for(programme_date(now))
        return take_in_campaign_for_run(session, request, flow_run_id, policy=policy, now=now)


@task(name="start-signoff-runs", **STEP)
def start_signoff_runs(campaign_id: int, roles: list[str]) -> dict[str, str]:
    """One campaign-signoff run per role (answered in parallel, in any order); returns their ids."""
    runs = {
        role: start_run("campaign-signoff/campaign-signoff", {"campaign_id": campaign_id, "role": role})
        for role in roles
    }
    with session_scope() as session:
        remember_signoff_runs(session, campaign_id, runs)
    return runs


@task(name="open-signoff", **STEP)
def open_signoff(campaign_id: int, role: str, flow_run_id: str) -> DecisionForm:
    """Mail the role's people their personal link and code; return the form's summary (and for
    supply chain, the départements it may allocate units to)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"campaign {campaign_id} does not exist")
        policy = _policy_for(programme_date(campaign.created_at)).document
        sla = policy.signoff_sla
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
        items = allocation_items(session, campaign, policy) if role == "supply-chain" else []
        return DecisionForm(signoff_summary(session, campaign, role), tuple(items))


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


@task(name="publish-signoffs", **SWEEP)
def publish_signoffs(campaign_id: int) -> None:
    """The sign-offs so far as the campaign's table in the Prefect UI (after each round)."""
    with session_scope() as session:
        rows = signoff_rows(session, campaign_id)
    create_table_artifact(
        key=f"campaign-{campaign_id}-signoffs",
        table=rows,
        description=f"Sign-offs of campaign #{campaign_id}",
    )
