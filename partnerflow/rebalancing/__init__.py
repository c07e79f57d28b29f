"""The annual reseller rebalancing: from the lead KPIs (``partnerflow.leads``), the policy's
proposals (keep, coach, pause; recruit or thin out), the channel manager's approval, scorecards."""

from partnerflow.rebalancing.decisions import exclusions_reader, proposals_of, rebalancing_for
from partnerflow.rebalancing.proposals import judged_on, plan_rebalancing
from partnerflow.rebalancing.report import write_report
from partnerflow.rebalancing.scorecard import PartnerScorecard, partner_scorecard
from partnerflow.rebalancing.summary import plan_markdown

__all__ = [
    "PartnerScorecard",
    "exclusions_reader",
    "judged_on",
    "partner_scorecard",
    "plan_markdown",
    "plan_rebalancing",
    "proposals_of",
    "rebalancing_for",
    "write_report",
]
