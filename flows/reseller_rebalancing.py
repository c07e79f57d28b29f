"""Annual reseller rebalancing, and the quarterly scorecards.

``reseller-rebalancing`` judges a year: KPIs, proposals per reseller, coverage per département,
a report, then it waits (suspended, no compute) for a channel manager's answer on its form.
Approved, it pauses the resellers the policy proposed (minus the excluded ones) and those the
manager chose to thin out an over-served département, e-mails every reseller its scorecard and
the managers the summary.
"""

from datetime import date
from typing import Annotated

from prefect import flow

from flows.parameters import LeftEmpty, ParameterRefused, ProgrammeYear
from flows.results import FlowResult, Mail
from flows.runners import (
    DecisionRounds,
    bounded_threads,
    current_run_id,
    decision_form,
    subject_run_name,
    wait_for_decision,
)
from partnerflow.approvals.form_items import ItemFields, with_items
from partnerflow.context import context
from partnerflow.rebalancing.decisions import REBALANCING, AppliedYear
from tasks.notifications import send_pending_notifications
from tasks.rebalancing import (
    apply_approved_rebalancing,
    check_rebalancing_year,
    propose_rebalancing,
    publish_rebalancing_outcome,
    send_quarter_scorecards,
)
from tasks.runs import day_of_run

ManagerApproval = decision_form(
    REBALANCING, "ManagerApproval", "A channel manager's answer to the year's proposals, with their code."
)


KEEP = ItemFields(
    "exclude_from_pause", bool, False, "Tick to keep this reseller active although a pause is proposed"
)
THIN_OUT = ItemFields(
    "thin_out", bool, False, "Tick to pause this reseller: its département has more than the band"
)


class Rebalancing(FlowResult):
    """A judged year: the proposals by kind, and what applying the approved ones did."""

    year: int
    proposals: dict[str, int]
    applied: AppliedYear


class Scorecards(FlowResult):
    """The quarter's scorecards queued (as of ``quarter_of``), and the mail that sent."""

    quarter_of: date
    queued: int
    mail: Mail


@flow(
    name="reseller-rebalancing",
    flow_run_name=subject_run_name("rebalancing", "year", lambda: context().clock.today().year - 1),
    persist_result=True,
    task_runner=bounded_threads(),
)
def reseller_rebalancing(
    year: Annotated[ProgrammeYear | None, LeftEmpty] = None, partial_year: bool = False
) -> Rebalancing:
    """Judge a year of leads per reseller and département, then apply the approved changes.

    Args:
        year: the year to judge; empty judges last year (Europe/Paris). A year without leads,
            or not begun, is refused.
        partial_year: judge the current year so far (refused without it: not over yet).
    """
    judged = year or day_of_run().year - 1
    refusal = check_rebalancing_year(judged, partial_year)
    if refusal is not None:
        raise ParameterRefused(f"year: {refusal}")
    run_id = current_run_id()
    proposal = propose_rebalancing(judged, run_id)
    status = proposal.status
    if status == "awaiting-approval":
        send_pending_notifications()
        rounds = DecisionRounds(
            with_items(with_items(ManagerApproval, KEEP, proposal.items), THIN_OUT, proposal.thin_out),
            "approval",
            proposal.summary,
        )
        wait_for_decision(REBALANCING, judged, rounds)
    result = apply_approved_rebalancing(judged, proposal.report)
    publish_rebalancing_outcome(judged, proposal.summary, result)
    send_pending_notifications()
    return Rebalancing(year=judged, proposals=proposal.counts, applied=result)


@flow(name="reseller-scorecards", flow_run_name="reseller-scorecards", task_runner=bounded_threads())
def reseller_scorecards() -> Scorecards:
    """Quarterly: each active reseller gets its lead KPIs for the quarter so far."""
    today = context().clock.today()
    queued = send_quarter_scorecards(today.isoformat())
    return Scorecards(quarter_of=today, queued=queued, mail=Mail.of(send_pending_notifications()))
