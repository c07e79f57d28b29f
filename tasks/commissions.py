"""Commission I/O steps: accrual, and each step of the monthly settlement in its own transaction."""

from datetime import timedelta

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from partnerflow.commissions.accrual import AccrualResult, accrue_deal, accrue_missing
from partnerflow.commissions.opening import open_settlement_for_run, report_line
from partnerflow.commissions.payment_file import Payer
from partnerflow.commissions.periods import Period
from partnerflow.commissions.report import write_settlement_report
from partnerflow.commissions.reward_payouts import queue_reward_statements
from partnerflow.commissions.settlement import (
    OpenedSettlement,
    mark_paid,
    prepare_payment,
    save_payment_files,
)
from partnerflow.commissions.statements import (
    batch_markdown,
    queue_statement_emails,
)
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import SettlementBatch
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
    """The period's batch opened for this run (``commissions.opening``), and its summary and
    statements published as the run's artifacts."""
    with session_scope() as session:
        opening = open_settlement_for_run(context().asking(session, flow_run_id), Period.parse(period))
    key = f"commission-settlement-{period}"
    create_markdown_artifact(opening.opened.summary, key=key, description=f"Commission settlement {period}")
    create_table_artifact(opening.statements, key=f"{key}-statements", description=f"Statements {period}")
    return opening.opened


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
        summary = batch_markdown(session, batch) + report_line(context().links, page.name)
        if batch.payment_id and batch.paid_at:
            summary += f"\n\n**Paid** on {batch.paid_at:%Y-%m-%d}: payment {batch.payment_id}."
        period, status = batch.period, batch.status.value
    create_markdown_artifact(
        summary, key=f"commission-settlement-{period}", description=f"Commission settlement {period}"
    )
    return status
