"""The Markdown a channel manager reads above the approval form and in the run's artifact."""

from __future__ import annotations

from partnerflow.markdown import md_text
from partnerflow.rebalancing.proposals import RebalancingPlan


def plan_markdown(plan: RebalancingPlan, policy_version: str, report_link: str) -> str:
    """``report_link``: the signed link to the year's HTML report (see ``web.reports``)."""
    counts = plan.counts()
    lines = [
        f"# Reseller rebalancing {plan.year}",
        "",
        f"Policy {policy_version}: **{counts.get('keep', 0)} keep, {counts.get('coach', 0)} coach, "
        f"{counts.get('pause', 0)} pause, {counts.get('route-more', 0)} route more** (sent fewer leads than "
        f"the programme owes them: not paused for it). [Full report, with charts]({report_link}).",
        "",
        "Approve all, or tick the resellers to keep active although a pause is proposed; answer with "
        "the code from your e-mail.",
        "",
        "## Proposed pauses",
        "",
        "| Id | Reseller | Dépt | Leads | Rule | Reason |",
        "|---:|---|---|---:|---|---|",
    ]
    lines += [
        f"| {p.kpis.partner_id} | {md_text(p.kpis.name)} | {p.kpis.departement} | {p.kpis.leads} "
        f"| {p.rule_id} | {md_text(p.reason)} |"
        for p in plan.resellers
        if p.outcome == "pause"
    ]
    lines += ["", "## Départements", "", "| Dépt | Active after | Leads a reseller | Recommendation |"]
    lines += ["|---|---:|---:|---|"]
    lines += [
        f"| {c.departement} {md_text(c.name)} | {c.active_after} | {c.leads_per_reseller_after} | "
        f"{c.recommendation}: {md_text(c.detail)} |"
        for c in plan.coverage
    ]
    return "\n".join(lines)
