"""A year's rebalancing proposed for the run that will wait for its approval: each reseller's
KPIs and the policy's proposal per reseller and département (stored once per year), the report
written, and the channel managers asked when a pause is proposed.

A use case of its own, not a task's body: the reseller-rebalancing run calls it through a task
(which adds Prefect's artifacts), and a command or a test calls it the same way with the
Context's ``asking`` (``leads plan`` only reads: it shows the plan without storing it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from partnerflow.approvals import Asking
from partnerflow.approvals.form_items import FormItem
from partnerflow.rebalancing.decisions import ProposedYear, proposals_of, store_plan, thin_out_candidates
from partnerflow.rebalancing.notices import request_approval, targets
from partnerflow.rebalancing.proposals import RebalancingPlan, judged_on, plan_rebalancing
from partnerflow.rebalancing.report import write_report
from partnerflow.rebalancing.summary import plan_markdown
from partnerflow.territories import departement_label

APPROVAL_LINKS_WORK_FOR = timedelta(days=30)  # the year's proposals wait this long for an answer


@dataclass(frozen=True)
class YearProposal:
    """The year as stored for its run, and the plan behind it (its coverage and resellers are
    the tables the run publishes)."""

    proposed: ProposedYear
    plan: RebalancingPlan


def propose_year(at: Asking, year: int) -> YearProposal:
    """Judge ``year`` under the rules in force on its last day, store the proposals (once: the
    first run claims them), write the report and ask the channel managers when a reseller's
    pause is proposed."""
    session = at.session
    policy = at.policy("rebalancing", judged_on(year))
    plan = plan_rebalancing(session, year, policy)
    rebalancing = store_plan(session, plan, policy, now=at.now)
    if rebalancing.flow_run_id is None:
        rebalancing.flow_run_id = at.flow_run_id
        session.add(rebalancing)
    page = write_report(at.reports_dir, plan, targets(policy.document), policy.stamp.version)
    report = at.links.report(page.name)
    summary = plan_markdown(plan, policy.stamp.version, report)
    status = rebalancing.status.value
    if status == "awaiting-approval":
        expires_at = rebalancing.created_at + APPROVAL_LINKS_WORK_FOR
        request_approval(at, rebalancing, summary=summary, expires_at=expires_at)
    pauses = tuple(
        FormItem(str(p.kpis.partner_id), f"Keep {p.kpis.name}, {departement_label(p.kpis.departement)}")
        for p in plan.resellers
        if p.outcome == "pause"
    )
    crowded = tuple(
        FormItem(
            str(p.partner_id),
            f"Pause {p.kpis['name']} to thin out {departement_label(p.kpis['departement'])}",
        )
        for p in thin_out_candidates(rebalancing, proposals_of(session, rebalancing))
    )
    proposed = ProposedYear(year, status, plan.counts(), summary, report, pauses, crowded)
    return YearProposal(proposed, plan)
