"""The monthly settlement: statements, finance approval, payment file, paid, statement e-mails.

Each step reads the batch's state from the database, does its part in one transaction and moves
the state forward, so re-running any step (or the whole settlement after a crash) repeats nothing:
one batch per period, one statement per partner and period, one answer per approval round, the
payment file generated once and stored, one e-mail per statement (outbox dedupe key).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    DecisionOutcome,
    Subject,
    approvals_given,
    close_requests,
    mark_applied,
    unapplied_answers,
)
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.commissions.payment_file import (
    Payer,
    Transfer,
    iban_problem,
    sepa_credit_transfer,
    transfers_csv,
)
from partnerflow.commissions.periods import Period
from partnerflow.commissions.reward_payouts import (
    mark_payouts_paid,
    payout_transfers,
    payouts_of,
    reject_payouts,
    settle_rewards,
)
from partnerflow.models import (
    BatchStatus,
    CommissionLine,
    LineStatus,
    SettlementBatch,
    Statement,
    StatementStatus,
)
from partnerflow.partners import partner_names, partners_by_id
from partnerflow.policy import CommissionPlanPolicy, Policy

ACTOR = "system:commission-settlement"


class SettlementError(Exception):
    """A step was asked for in a state where it cannot run (e.g. paying an unapproved batch)."""


def open_settlement(
    session: Session, period: Period, *, plan: Policy[CommissionPlanPolicy], now: datetime
) -> SettlementBatch:
    """The period's batch, created on first call from the lines past their hold and not settled.

    Per partner the lines net (clawbacks are negative). A net under the plan's minimum payout, or
    not positive, is carried forward (its lines stay in the pool); a partner whose IBAN cannot be
    paid is held back and reported. The rest become statements. Above the plan's finance threshold
    the batch waits for approval (two approvers above ``four_eyes_above``).
    """
    existing = batch_for(session, period)
    if existing is not None:
        return existing
    payable = (
        col(CommissionLine.status) == LineStatus.ACCRUED,
        col(CommissionLine.statement_id).is_(None),
        col(CommissionLine.payable_from) <= period.last_day,
    )
    lines = (
        session.connection()
        .execute(
            sa_select(col(CommissionLine.partner_id), col(CommissionLine.amount))
            .where(*payable)
            .order_by(col(CommissionLine.partner_id), col(CommissionLine.id))
        )
        .all()
    )
    by_partner: dict[int, list[Decimal]] = defaultdict(list)
    for partner_id, amount in lines:
        by_partner[partner_id].append(amount)
    partners = partners_by_id(session, by_partner)
    document = plan.document
    batch = SettlementBatch(
        period=str(period),
        status=BatchStatus.APPROVED,
        currency=document.currency,
        total=Decimal(0),
        plan_version=plan.stamp.version,
        plan_sha256=plan.stamp.sha256,
        flow_run_id=None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:  # a concurrent settlement of the same period created it first
        found = batch_for(session, period)
        assert found is not None
        return found
    assert batch.id is not None
    carried: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    settled: list[Statement] = []
    for partner_id, amounts in by_partner.items():
        partner = partners[partner_id]
        net = sum(amounts, Decimal(0))
        facts = {"partner_id": partner_id, "partner_name": partner.name, "net": str(net)}
        if net <= 0 or net < document.minimum_payout:
            reason = f"net {net} is under the minimum payout {document.minimum_payout}"
            carried.append({**facts, "reason": reason})
            continue
        problem = iban_problem(partner.iban, partner.bic)
        if problem is not None:
            held.append({**facts, "reason": problem})
            continue
        statement = Statement(
            batch_id=batch.id,
            period=str(period),
            partner_id=partner_id,
            currency=document.currency,
            earned=sum((amount for amount in amounts if amount > 0), Decimal(0)),
            clawed_back=sum((amount for amount in amounts if amount < 0), Decimal(0)),
            net=net,
            iban=partner.iban or "",
            bic=partner.bic,
            payment_reference=f"PF-{period}-{partner_id}",
            created_at=now,
        )
        settled.append(statement)
        batch.total += net
    session.add_all(settled)
    session.flush()
    if settled:  # one UPDATE … FROM: each selected line joins its partner's statement of this batch
        session.connection().execute(
            update(CommissionLine)
            .where(*payable)
            .where(col(Statement.batch_id) == batch.id)
            .where(col(Statement.partner_id) == col(CommissionLine.partner_id))
            .values(statement_id=col(Statement.id), status=LineStatus.SETTLED)
        )
    rewards = settle_rewards(session, batch, period, now=now)
    batch.total += rewards.transferred
    batch.carried_forward = carried + rewards.carried_forward
    batch.held_back = held
    batch.approvals_needed = approvals_needed(document, batch.total)
    if batch.approvals_needed:
        batch.status = BatchStatus.AWAITING_APPROVAL
    elif not settled and not rewards.payouts:  # nobody to pay this month: nothing to approve
        batch.status, batch.decided_at, batch.paid_at = BatchStatus.PAID, now, now
    else:
        batch.decided_at = now
    session.add(batch)
    record_event(
        session,
        now=now,
        actor=ACTOR,
        action="settlement.opened",
        subject_type="settlement",
        subject_id=batch.id,
        stamp=plan.stamp,
        details={
            "period": str(period),
            "total": str(batch.total),
            "approvals_needed": batch.approvals_needed,
        },
    )
    return batch


def approvals_needed(plan: CommissionPlanPolicy, total: Decimal) -> int:
    """0 up to the finance threshold, 1 above it, 2 above the plan's four-eyes threshold."""
    if total <= Decimal(str(plan.finance_approval_above)):
        return 0
    return 2 if plan.four_eyes_above is not None and total > plan.four_eyes_above else 1


SUBJECT_KIND = "settlement"


def settlement_subject(batch_id: int) -> Subject:
    return Subject(SUBJECT_KIND, batch_id)


@dataclass(frozen=True)
class OpenedSettlement:
    """A period's batch as its run opened it: what finance reads, and how many statements."""

    batch_id: int
    status: str
    summary: str
    statements: int  # partner statements and referral reward payouts: 0, nothing to pay


def apply_finance_answers(at: Applying, batch_id: int) -> DecisionOutcome:
    """Apply the finance answers recorded so far, each once: a rejection ends it; the batch is
    approved once enough distinct finance people approved (two above the four-eyes threshold)."""
    session, keys, now = at.session, at.keys, at.now
    batch = _batch(session, batch_id)
    message = f"{batch.status.value}"
    for answer, request in unapplied_answers(session, settlement_subject(batch_id), keys, now=now):
        mark_applied(session, answer, now)
        if batch.status is not BatchStatus.AWAITING_APPROVAL:
            continue
        details = {"comment": answer.comment, "person": answer.person_email}
        if answer.decision == "reject":
            _reject(session, batch, now)
            _audit(session, batch, answer.actor, "settlement.rejected", details, now=now)
            message = "rejected: the lines return to the next settlement"
            continue
        approvals = approvals_given(session, request, keys, now=now)
        _audit(
            session, batch, answer.actor, "settlement.approved", {**details, "approvals": approvals}, now=now
        )
        if approvals >= batch.approvals_needed:
            batch.status, batch.decided_at = BatchStatus.APPROVED, now
            session.add(batch)
            message = "approved"
        else:
            message = f"{approvals} of {batch.approvals_needed} approvals"
    done = batch.status is not BatchStatus.AWAITING_APPROVAL
    if done:
        close_requests(session, settlement_subject(batch_id), now)
    return DecisionOutcome(done, batch.status.value, message)


def _reject(session: Session, batch: SettlementBatch, now: datetime) -> None:
    """The batch will not be paid: its statements are void and their lines go back to the pool."""
    batch.status = BatchStatus.REJECTED
    batch.decided_at = now
    session.add(batch)
    statements = statements_of(session, batch)
    for statement in statements:
        statement.status = StatementStatus.REJECTED
        session.add(statement)
    session.flush()
    session.connection().execute(
        update(CommissionLine)
        .where(col(CommissionLine.statement_id).in_([statement.id for statement in statements]))
        .values(statement_id=None, status=LineStatus.ACCRUED)
    )
    reject_payouts(session, batch)


@dataclass(frozen=True)
class PaymentFiles:
    payment_id: str
    sepa_xml: str
    csv: str


def prepare_payment(session: Session, batch_id: int, *, payer: Payer, now: datetime) -> PaymentFiles:
    """Generate the batch's SEPA file and CSV once, store them, and return them.

    The files are kept in the database, so a re-run after a crash hands back the same bytes (a
    regenerated pain.001 would carry a new message id and timestamp and could be paid twice).
    Runs of the same period at once queue on the batch's lock: the first generates, the others
    return what it stored.
    """
    batch = _locked_batch(session, batch_id)
    if batch.payment_xml is None:
        if batch.status is not BatchStatus.APPROVED:
            raise SettlementError(
                f"batch {batch.period} is {batch.status.value}: only an approved batch is paid"
            )
        statements = statements_of(session, batch)
        names = partner_names(session, (s.partner_id for s in statements))
        transfers = [_transfer(statement, names[statement.partner_id]) for statement in statements]
        transfers += payout_transfers(payouts_of(session, batch))
        by_bank = [transfer for transfer in transfers if transfer.by_bank]
        if by_bank:
            xml, payment_id = sepa_credit_transfer(payer, by_bank, programme_date(now))
        else:  # vouchers only: nothing for the bank, the CSV still lists them
            xml, payment_id = "", f"PF-{batch.period}-VOUCHERS"
        batch.payment_xml = xml
        batch.payment_id = payment_id
        batch.payment_csv = transfers_csv(transfers, payment_id)
        batch.status = BatchStatus.FILE_WRITTEN
        session.add(batch)
        _audit(session, batch, ACTOR, "settlement.file-written", {"payment_id": payment_id}, now=now)
    assert batch.payment_id is not None and batch.payment_csv is not None
    return PaymentFiles(batch.payment_id, batch.payment_xml, batch.payment_csv)


def stored_payment(session: Session, period: Period) -> PaymentFiles | None:
    """The period's payment files as generated once and kept in the database, if it was paid.

    Any host reads the same bytes: flows may run on several workers, each with its own disk.
    """
    batch = batch_for(session, period)
    if batch is None or batch.payment_xml is None or batch.payment_id is None:
        return None
    return PaymentFiles(batch.payment_id, batch.payment_xml, batch.payment_csv or "")


def save_payment_files(folder: Path, files: PaymentFiles) -> tuple[Path, Path]:
    """Write the stored files under ``folder``, named by payment id; rewriting gives the same bytes.

    Each goes through a temporary file, so a crash never leaves half a payment file behind. A
    batch of vouchers only has no SEPA file: its path is written empty.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / f"{files.payment_id}.xml", folder / f"{files.payment_id}.csv")
    for path, text in zip(paths, (files.sepa_xml, files.csv), strict=True):
        partial = path.with_suffix(path.suffix + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return paths


def mark_paid(session: Session, batch_id: int, *, now: datetime) -> int:
    """Mark the batch and its statements paid once its file exists; returns the statements paid
    by this call (0 when another run did it first)."""
    batch = _locked_batch(session, batch_id)
    if batch.status is BatchStatus.PAID:
        return 0
    if batch.status is not BatchStatus.FILE_WRITTEN:
        raise SettlementError(f"batch {batch.period} is {batch.status.value}: no payment file yet")
    paid = 0
    for statement in statements_of(session, batch):
        statement.status = StatementStatus.PAID
        statement.paid_at = now
        session.add(statement)
        paid += 1
    payouts = mark_payouts_paid(session, batch, now)
    batch.status = BatchStatus.PAID
    batch.paid_at = now
    session.add(batch)
    details = {"payment_id": batch.payment_id, "statements": paid, "reward_payouts": payouts}
    _audit(session, batch, ACTOR, "settlement.paid", details, now=now)
    return paid


def batch_for(session: Session, period: Period) -> SettlementBatch | None:
    return session.exec(select(SettlementBatch).where(SettlementBatch.period == str(period))).first()


def statements_of(session: Session, batch: SettlementBatch) -> list[Statement]:
    return list(
        session.exec(
            select(Statement).where(Statement.batch_id == batch.id).order_by(col(Statement.partner_id))
        ).all()
    )


def _transfer(statement: Statement, partner_name: str) -> Transfer:
    return Transfer(
        partner_id=statement.partner_id,
        partner_name=partner_name,
        iban=statement.iban,
        bic=statement.bic,
        amount=statement.net,
        currency=statement.currency,
        reference=statement.payment_reference,
        description=f"Commissions {statement.period} - {statement.payment_reference}",
    )


def _batch(session: Session, batch_id: int) -> SettlementBatch:
    batch = session.get(SettlementBatch, batch_id)
    if batch is None:
        raise LookupError(f"settlement batch {batch_id} does not exist")
    return batch


def _locked_batch(session: Session, batch_id: int) -> SettlementBatch:
    """The batch, locked until this transaction ends, read after the lock is held.

    Must be the transaction's first statement. A no-op UPDATE takes the row lock on PostgreSQL
    and the write lock on SQLite (which has no SELECT ... FOR UPDATE; a read first would make
    the later write fail with "database is locked" instead of waiting), so a second run waits
    for the first to commit and then sees what it stored.
    """
    session.connection().execute(
        update(SettlementBatch)
        .where(col(SettlementBatch.id) == batch_id)
        .values(period=SettlementBatch.period)
    )
    batch = session.get(SettlementBatch, batch_id, populate_existing=True)
    if batch is None:
        raise LookupError(f"settlement batch {batch_id} does not exist")
    return batch


def _audit(
    session: Session,
    batch: SettlementBatch,
    actor: str,
    action: str,
    details: dict[str, Any],
    *,
    now: datetime,
) -> None:
    assert batch.id is not None
    record_event(
        session,
        now=now,
        actor=actor,
        action=action,
        subject_type="settlement",
        subject_id=batch.id,
        details={"period": batch.period, **details},
    )
