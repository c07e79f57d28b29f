"""Opening a month's settlement for the run that will settle it: the batch (created once), the
report finance reads, and finance asked with their link and code when the batch needs approval.

A use case of its own, not a task's body: the settlement run calls it through a task (which adds
Prefect's artifacts), and anything else that must open a settlement (a command, a test) calls it
the same way with the Context's ``asking``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from partnerflow.approvals import Asking, Links
from partnerflow.commissions.accrual import accrual_exceptions
from partnerflow.commissions.periods import Period
from partnerflow.commissions.report import write_settlement_report
from partnerflow.commissions.reward_payouts import payouts_of
from partnerflow.commissions.settlement import OpenedSettlement, open_settlement
from partnerflow.commissions.statements import batch_markdown, request_finance_approval, statement_views
from partnerflow.models import BatchStatus
from partnerflow.policy import CommissionPlanPolicy, Policy

APPROVAL_LINKS_WORK_FOR = timedelta(days=14)  # a settlement left unapproved this long is chased by hand
STATEMENT_COLUMNS = ("partner_id", "partner_name", "earned", "clawed_back", "net", "payment_reference")


@dataclass(frozen=True)
class SettlementOpening:
    """The opened batch, and its statements as the rows of a table (one per partner)."""

    opened: OpenedSettlement
    statements: list[dict[str, Any]]


def open_settlement_for_run(at: Asking, period: Period) -> SettlementOpening:
    """The period's batch, claimed for ``at.flow_run_id`` if no run had it, its report written and
    linked from the summary, and finance asked when the batch awaits approval (once per round:
    asking again renews nobody's code)."""
    session = at.session

    def plan_for(day: date) -> Policy[CommissionPlanPolicy]:
        return at.policy("commission_plan", day)

    batch = open_settlement(session, period, plan=plan_for(period.last_day), now=at.now)
    if batch.flow_run_id is None:
        batch.flow_run_id = at.flow_run_id
        session.add(batch)
    set_aside = accrual_exceptions(session, plan_for=plan_for, now=at.now)
    page = write_settlement_report(session, at.reports_dir, batch)
    summary = batch_markdown(session, batch, set_aside) + report_line(at.links, page.name)
    if batch.status is BatchStatus.AWAITING_APPROVAL:
        request_finance_approval(
            at, batch, summary=summary, expires_at=batch.created_at + APPROVAL_LINKS_WORK_FOR
        )
    rows = [_row(view) for view in statement_views(session, batch)]
    assert batch.id is not None
    statements = len(rows) + len(payouts_of(session, batch))
    return SettlementOpening(OpenedSettlement(batch.id, batch.status.value, summary, statements), rows)


def report_line(links: Links, name: str) -> str:
    """The summary's last line: the link to the settlement report ``name``."""
    return f"\n\n[Report, with the last 12 settlements]({links.report(name)})"


def _row(view: dict[str, Any]) -> dict[str, Any]:
    return {key: str(view[key]) for key in STATEMENT_COLUMNS} | {"lines": len(view["lines"])}
