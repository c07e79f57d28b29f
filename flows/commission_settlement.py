"""Monthly commission settlement: statements, finance approval, payment file, statements mailed.

Every step is a task with its own transaction and every step is idempotent (see
``partnerflow.commissions.settlement``), so a crashed or re-run settlement of a period picks up
where the database says it stopped: nothing is paid or mailed twice.
"""

from typing import Annotated

from prefect import flow
from pydantic import Field

from flows.parameters import LeftEmpty, MonthText, ParameterRefused
from flows.results import FlowResult
from flows.runners import (
    DecisionRounds,
    bounded_threads,
    current_run_id,
    decision_form,
    subject_run_name,
    wait_for_decision,
)
from partnerflow.commissions.decisions import SETTLEMENT
from partnerflow.commissions.periods import Period, settlement_refusal
from partnerflow.context import context
from tasks.commissions import (
    accrue_missed_deals,
    mark_batch_paid,
    open_settlement_batch,
    publish_settlement,
    queue_statements,
    write_payment_files,
)
from tasks.notifications import send_pending_notifications
from tasks.runs import day_of_run

FinanceApproval = decision_form(
    SETTLEMENT,
    "FinanceApproval",
    "The finance approver's answer on the operators' form, with the approver's code.",
)


class Settlement(FlowResult):
    """A month's settlement run: its batch, where it ended (paid, rejected...), the deals accrued
    first, and once paid the payment files written and the statements paid and mailed."""

    period: str
    batch_id: int
    accrued: dict[str, int]
    status: str
    files: dict[str, str] = Field(default_factory=dict)
    statements_paid: int = 0
    statements_mailed: int = 0


@flow(
    name="commission-settlement",
    flow_run_name=subject_run_name("settlement", "period", lambda: Period.before(context().clock.today())),
    persist_result=True,
    task_runner=bounded_threads(),
)
def commission_settlement(period: Annotated[MonthText | None, LeftEmpty] = None) -> Settlement:
    """Pay the commissions of a month: statements, finance approval, SEPA file, e-mails.

    Args:
        period: the month to settle, YYYY-MM; empty settles last month (Europe/Paris). A month
            not over yet is refused.
    """
    today = day_of_run()
    target = Period.parse(period) if period else Period.before(today)
    refusal = settlement_refusal(target, today)
    if refusal is not None:
        raise ParameterRefused(f"period: {refusal}")
    accrued = accrue_missed_deals()
    run_id = current_run_id()
    batch = open_settlement_batch(str(target), run_id)
    status = batch.status
    if status == "awaiting-approval":
        send_pending_notifications()
        rounds = DecisionRounds(FinanceApproval, "approval", batch.summary)
        status = wait_for_decision(SETTLEMENT, batch.batch_id, rounds).status
    report = Settlement(period=str(target), batch_id=batch.batch_id, accrued=accrued, status=status)
    if status == "rejected" or batch.statements == 0:
        publish_settlement(batch.batch_id)
        return report
    files = write_payment_files(batch.batch_id)
    paid = mark_batch_paid(batch.batch_id)
    mailed = queue_statements(batch.batch_id)
    publish_settlement(batch.batch_id)
    send_pending_notifications()
    return report.model_copy(
        update={"status": "paid", "files": files, "statements_paid": paid, "statements_mailed": mailed}
    )
