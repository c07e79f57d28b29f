"""Lead distribution: leads taken in, deadlines swept, waiting leads offered to resellers."""

from datetime import date
from typing import Annotated, Any

from prefect import flow

from flows.parameters import LeftEmpty, MonthText, ParameterRefused
from flows.results import LeadDistribution, LeadIntakeResult
from tasks.leads import (
    purge_lead_contacts,
    queue_lead_feedback,
    route_leads,
    start_lead_handovers,
    sweep_lead_deadlines,
    take_in,
)
from tasks.runs import day_of_run


@flow(name="distribute-leads", flow_run_name="distribute-leads")
def distribute_leads() -> LeadDistribution:
    """Remind, pass on and route: what the deadlines make due, then every lead that waits; the
    leads no reseller may take go to their channel manager (a hand-over-lead run each)."""
    sweep = sweep_lead_deadlines()
    routed = route_leads()
    start_lead_handovers()
    return LeadDistribution(
        offered=len(routed.offered),
        to_manager=len(routed.to_manager),
        reminded=len(sweep.reminded),
        withdrawn=len(sweep.withdrawn),
        status_reminded=len(sweep.status_reminded),
    )


@flow(name="lead-intake", flow_run_name="lead-intake")
def lead_intake(leads: list[dict[str, Any]]) -> LeadIntakeResult:
    """Take in leads (prospect, contact, département, product lines, source, consent,
    external_id) and offer them to resellers at once.

    Args:
        leads: one object per lead, the fields of ``partnerflow leads submit``.
    """
    results = take_in(leads)
    routed = route_leads()
    start_lead_handovers()
    return LeadIntakeResult(
        taken=sum(r.outcome == "taken" for r in results),
        known=sum(r.outcome == "known" for r in results),
        refused=[{"row": n, "problems": list(r.problems)} for n, r in enumerate(results, 1) if r.problems],
        offered=len(routed.offered),
        to_manager=len(routed.to_manager),
    )


@flow(name="lead-feedback", flow_run_name="lead-feedback")
def lead_feedback(month: Annotated[MonthText | None, LeftEmpty] = None) -> int:
    """Tell every reseller what it did with its leads: the month, the year so far, the
    objectives and its département's median (the outbox delivers them).

    Args:
        month: YYYY-MM; empty tells last month (the schedule runs on the 1st). A month not
            begun yet is refused.
    """
    first = None if month is None else date.fromisoformat(f"{month}-01")
    if first is not None and first > day_of_run():
        raise ParameterRefused(f"month: {month} has not begun: feedback tells a month's leads")
    return queue_lead_feedback(first)


@flow(name="purge-lead-contacts", flow_run_name="purge-lead-contacts")
def purge_prospect_contacts() -> int:
    """Blank the prospects' names, e-mails, phones and notes kept longer than
    ``PARTNERFLOW_LEAD_CONTACT_RETENTION_DAYS`` (the leads and their history stay)."""
    return purge_lead_contacts()
