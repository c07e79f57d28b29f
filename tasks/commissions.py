"""Commission I/O steps: accrual, and each step of the monthly settlement in its own transaction."""

from datetime import timedelta
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from partnerflow.commissions.accrual import AccrualResult, accrual_exceptions, accrue_deal, accrue_missing
from partnerflow.commissions.payment_file import Payer
from partnerflow.commissions.periods import Period
from partnerflow.commissions.report import write_settlement_report
from partnerflow.commissions.reward_payouts import payouts_of, queue_reward_statements
from partnerflow.commissions.settlement import (
    OpenedSettlement,
    mark_paid,
    open_settlement,
    prepare_payment,
    save_payment_files,
)
from partnerflow.commissions.statements import (
    batch_markdown,
    queue_statement_emails,
    request_finance_approval,
    statement_views,
)
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import BatchStatus, SettlementBatch
from tasks.settings import STEP

APPROVAL_LINKS_WORK_FOR = timedelta(days=14)  # a settlement left unapproved this long is chased by hand


@task(name="accrue-deal", **STEP)
def accrue_closed_deal(registration_id: int) -> AccrualResult:
    """Accrue one won deal (idempotent: the database holds one line per deal)."""
    with session_scope() as session:
        return accrue_deal(session, registration_id, plan_for=context().plan_for, now=context().clock.now())


@task(name="accrue-missed-deals", **STEP)
def accrue_missed_deals() -> dict[str, int]:
    """Catch-up: accrue won deals that have no commission line yet; counts by outcome."""
    with session_scope() as session:
        results = accrue_missing(session, plan_for=context().plan_for, now=context().clock.now())
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts


@task(name="open-settlement", **STEP)
def open_settlement_batch(period: str, flow_run_id: str) -> OpenedSettlement:
    """The period's batch (created once), its artifacts, and finance asked when it needs approval."""
    ctx = context()
    target = Period.parse(period)
    with session_scope() as session:
        batch = open_settlement(
            session, target, plan=context().plan_for(target.last_day), now=ctx.clock.now()
        )
        if batch.flow_run_id is None:
            batch.flow_run_id = flow_run_id
            session.add(batch)
        set_aside = accrual_exceptions(session, plan_for=context().plan_for, now=ctx.clock.now())
        page = write_settlement_report(session, ctx.settings.reports_dir, batch)
        summary = batch_markdown(session, batch, set_aside) + _report_line(page.name)
        if batch.status is BatchStatus.AWAITING_APPROVAL:
            request_finance_approval(
                session,
                batch,
                ctx.renderer,
                links=ctx.links,
                summary=summary,
                run_id=flow_run_id,
                expires_at=batch.created_at + APPROVAL_LINKS_WORK_FOR,
                now=ctx.clock.now(),
            )
        table = [_row(view) for view in statement_views(session, batch)]
        assert batch.id is not None
        payouts = len(payouts_of(session, batch))
        opened = OpenedSettlement(batch.id, batch.status.value, summary, len(table) + payouts)
    key = f"commission-settlement-{period}"
    create_markdown_artifact(summary, key=key, description=f"Commission settlement {period}")
    create_table_artifact(table, key=f"{key}-statements", description=f"Statements {period}")
    return opened


def _report_line(name: str) -> str:
    return f"\n\n[Report, with the last 12 settlements]({context().links.report(name)})"


def _row(view: dict[str, Any]) -> dict[str, Any]:
    keys = ("partner_id", "partner_name", "earned", "clawed_back", "net", "payment_reference")
    return {key: str(view[key]) for key in keys} | {"lines": len(view["lines"])}


@task(name="write-payment-files", **STEP)
def write_payment_files(batch_id: int) -> dict[str, str]:
    """Generate (once) and write the SEPA pain.001 and CSV under ``payments_dir/<period>/``."""
    ctx = context()
    settings = ctx.settings
    payer = Payer(settings.payer_name, settings.payer_iban, settings.payer_bic)
    with session_scope() as session:
        files = prepare_payment(session, batch_id, payer=payer, now=ctx.clock.now())
        batch = session.get(SettlementBatch, batch_id)
        assert batch is not None
        folder = settings.payments_dir / batch.period
    xml_path, csv_path = save_payment_files(folder, files)
    return {"payment_id": files.payment_id, "sepa": str(xml_path), "csv": str(csv_path)}


@task(name="mark-paid", **STEP)
def mark_batch_paid(batch_id: int) -> int:
    """Statements and batch marked paid with the payment id; 0 when done before."""
    with session_scope() as session:
        return mark_paid(session, batch_id, now=context().clock.now())


@task(name="queue-statements", **STEP)
def queue_statements(batch_id: int) -> int:
    """Put each paid statement in the outbox for its partner, and each referral reward payout
    for its customer (once each)."""
    renderer = context().renderer
    with session_scope() as session:
        batch = session.get(SettlementBatch, batch_id)
        assert batch is not None
        return queue_statement_emails(session, batch, renderer) + queue_reward_statements(
            session, batch, renderer
        )


@task(name="publish-settlement", **STEP)
def publish_settlement(batch_id: int) -> str:
    """The settlement's artifact again, under the same key, as it ended (paid with its payment
    id, or rejected): the run shows the outcome, not the question finance was asked."""
    with session_scope() as session:
        batch = session.get_one(SettlementBatch, batch_id)
        page = write_settlement_report(session, context().settings.reports_dir, batch)
        summary = batch_markdown(session, batch) + _report_line(page.name)
        if batch.payment_id and batch.paid_at:
            summary += f"\n\n**Paid** on {batch.paid_at:%Y-%m-%d}: payment {batch.payment_id}."
        period, status = batch.period, batch.status.value
    create_markdown_artifact(
        summary, key=f"commission-settlement-{period}", description=f"Commission settlement {period}"
    )
    return status
