"""Lead distribution I/O as Prefect tasks: take leads in, sweep the deadlines, route.

Each task is one transaction with the e-mails it queues: killed halfway, nothing is half done,
and the next run picks up what is still due (leads still ``new``, turns still past their dates).
"""

from datetime import date, timedelta
from typing import Any

from prefect import get_run_logger, task

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.leads.deadlines import DeadlineSweep
from partnerflow.leads.decisions import LEAD_HANDOVER
from partnerflow.leads.distribution import RoutingReport
from partnerflow.leads.feedback import Objectives, queue_monthly_feedback
from partnerflow.leads.handover import claim_handover, handovers_to_start, request_handover
from partnerflow.leads.intake import LeadIntake, take_in_leads
from partnerflow.leads.offers import route_and_offer, sweep_and_tell
from partnerflow.leads.retention import purge_contacts
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run
from tasks.settings import STEP, SWEEP

ACTOR = "system:lead-intake"


@task(name="take-in-leads", **SWEEP)
def take_in(rows: list[dict[str, Any]]) -> list[LeadIntake]:
    """Store the valid rows as leads waiting for routing; one result per row."""
    ctx = context()
    with session_scope() as session:
        return take_in_leads(session, rows, now=ctx.clock.now(), actor=ACTOR)


@task(name="sweep-lead-deadlines", **SWEEP)
def sweep_lead_deadlines() -> DeadlineSweep:
    """Remind offers at half their deadline, withdraw the expired ones (their leads wait for the
    next candidate), remind accepted leads without a status; with their e-mails."""
    ctx = context()
    policy = ctx.policy("lead_routing", ctx.clock.today()).document
    with session_scope() as session:
        return sweep_and_tell(session, ctx.renderer, policy, ctx.clock.now())


@task(name="route-leads", **SWEEP)
def route_leads() -> RoutingReport:
    """Offer the waiting leads to resellers by the lead_routing policy, with their e-mails."""
    ctx = context()
    policy = ctx.policy("lead_routing", ctx.clock.today())
    with session_scope() as session:
        return route_and_offer(session, ctx.renderer, policy, ctx.clock.now())


@task(name="start-lead-handovers", **SWEEP)
def start_lead_handovers() -> int:
    """Start a hand-over-lead run for each lead left to a channel manager that no run has
    claimed. Without a served deployment nothing is lost: the next sweep starts it."""
    with session_scope() as session:
        handover_ids = handovers_to_start(session)
    try:
        for handover_id in handover_ids:
            start_run("hand-over-lead/hand-over-lead", {"handover_id": handover_id})
    except PrefectUnavailable as error:
        get_run_logger().warning("leads for the channel managers wait for the next sweep: %s", error)
        return 0
    return len(handover_ids)


@task(name="ask-lead-handover", **STEP)
def ask_lead_handover(handover_id: int, flow_run_id: str) -> bool:
    """Claim the handover for this run and mail the département's channel manager; False:
    another run has it."""
    ctx = context()
    now = ctx.clock.now()
    neighbours = ctx.policy("lead_routing", ctx.clock.today()).document.eligibility.neighbours
    with session_scope() as session:
        if not claim_handover(session, handover_id, flow_run_id):
            return False
        assert LEAD_HANDOVER.clock is not None
        request_handover(
            session,
            handover_id,
            ctx.renderer,
            links=ctx.links,
            neighbours=neighbours,
            run_id=flow_run_id,
            expires_at=now + LEAD_HANDOVER.clock.links_last,
            now=now,
        )
    return True


@task(name="queue-lead-feedback", **SWEEP)
def queue_lead_feedback(month: date | None = None) -> int:
    """Queue each reseller's feedback for ``month`` (its first day; last month when None),
    against the objectives of the rebalancing policy in force at the month's end."""
    ctx = context()
    if month is None:
        month = (ctx.clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    thresholds = ctx.policy("rebalancing", month_end).document.thresholds
    objectives = Objectives(
        leads_per_year=thresholds.min_leads_per_year,
        open_rate=thresholds.min_open_rate,
        processing_rate=thresholds.min_processing_rate,
        closing_rate=thresholds.closing_rate.min,
    )
    with session_scope() as session:
        return queue_monthly_feedback(
            session, ctx.renderer, month, objectives=objectives, portal_url=f"{ctx.links.portal()}/leads"
        )


@task(name="purge-lead-contacts", **SWEEP)
def purge_lead_contacts() -> int:
    """Blank the prospects' contact details past the retention setting (audited)."""
    ctx = context()
    with session_scope() as session:
        return purge_contacts(
            session, now=ctx.clock.now(), retention_days=ctx.settings.lead_contact_retention_days
        )
