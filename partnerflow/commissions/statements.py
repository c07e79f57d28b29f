"""What partners and finance read: statements with every line, the batch summary, explanations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from partnerflow.approvals import Ask, Asking, Subject
from partnerflow.approvals.invitations import invite_role
from partnerflow.commissions.accrual import AccrualResult
from partnerflow.commissions.periods import Period
from partnerflow.commissions.reward_payouts import payouts_of
from partnerflow.commissions.settlement import batch_for, statements_of
from partnerflow.contacts import contacts_by_territory, lookup
from partnerflow.markdown import md_text
from partnerflow.models import (
    CommissionLine,
    LineKind,
    Registration,
    SettlementBatch,
    Statement,
    StatementStatus,
)
from partnerflow.notify import TemplateRenderer, enqueue
from partnerflow.partners import partner_names, partners_by_id
from partnerflow.report_files import rows_csv
from partnerflow.webhooks import listeners, publish


def statement_views(session: Session, batch: SettlementBatch) -> list[dict[str, Any]]:
    """Every statement of the batch with every line (accruals and clawbacks) and the deal it
    comes from: three queries for the whole batch, whatever the number of partners."""
    return views_of(session, statements_of(session, batch))


def partner_statement(session: Session, partner_id: int, statement_id: int) -> dict[str, Any] | None:
    """One statement of ``partner_id`` with its lines, as its e-mail shows it; None when it is
    not one of the partner's (the portal answers 404 either way)."""
    statement = session.get(Statement, statement_id)
    if statement is None or statement.partner_id != partner_id:
        return None
    return views_of(session, [statement])[0]


def partner_statements(session: Session, partner_id: int) -> list[Statement]:
    """The partner's statements, newest period first."""
    query = select(Statement).where(Statement.partner_id == partner_id)
    return list(session.exec(query.order_by(col(Statement.period).desc(), col(Statement.id).desc())))


_CSV_COLUMNS = {
    "fr": (
        "affaire",
        "client",
        "type",
        "conclue le",
        "gamme",
        "montant affaire",
        "commission",
        "devise",
        "calcul",
    ),
    "en": (
        "deal",
        "customer",
        "kind",
        "closed on",
        "product line",
        "deal amount",
        "commission",
        "currency",
        "how",
    ),
}


def statement_csv(view: dict[str, Any], locale: str) -> str:
    """A statement's lines as CSV for the partner's spreadsheet (exact amounts as text, the
    calculation in words; cells a spreadsheet would run as formulas are neutralised)."""
    header = _CSV_COLUMNS.get(locale, _CSV_COLUMNS["en"])
    rows = [
        dict(
            zip(
                header,
                (
                    line["registration_id"],
                    line["customer_name"],
                    line["kind"],
                    line["closed_on"],
                    line["product_line"],
                    f"{line['deal_amount']:.2f}",
                    f"{line['amount']:.2f}",
                    view["currency"],
                    " ; ".join(line["explanation"]) or line["reason"],
                ),
                strict=True,
            )
        )
        for line in view["lines"]
    ]
    return rows_csv(rows) or ",".join(header) + "\n"


def views_of(session: Session, statements: Sequence[Statement]) -> list[dict[str, Any]]:
    """``statements`` with their lines and deals, in three queries."""
    names = partner_names(session, (s.partner_id for s in statements))
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, registration in session.exec(
        select(CommissionLine, Registration)
        .join(Registration, col(Registration.id) == col(CommissionLine.registration_id))
        .where(col(CommissionLine.statement_id).in_([s.id for s in statements]))
        .order_by(col(CommissionLine.closed_on), col(CommissionLine.id))
    ):
        assert line.statement_id is not None
        lines[line.statement_id].append(_line_view(line, registration))
    return [
        {
            "statement_id": statement.id,
            "period": statement.period,
            "partner_id": statement.partner_id,
            "partner_name": names[statement.partner_id],
            "status": statement.status.value,
            "currency": statement.currency,
            "earned": statement.earned,
            "clawed_back": statement.clawed_back,
            "net": statement.net,
            "payment_reference": statement.payment_reference,
            "iban_ending": statement.iban[-4:],
            "lines": lines[statement.id] if statement.id is not None else [],
        }
        for statement in statements
    ]


def _line_view(line: CommissionLine, registration: Registration) -> dict[str, Any]:
    return {
        "registration_id": line.registration_id,
        "customer_name": registration.customer_name,
        "kind": line.kind.value,
        "closed_on": line.closed_on.isoformat(),
        "deal_amount": line.deal_amount,
        "amount": line.amount,
        "product_line": line.product_line,
        "plan_version": line.plan_version,
        "explanation": line.explanation,
        "steps": line.details if line.kind is LineKind.ACCRUAL and "parts" in line.details else None,
        "reason": line.details.get("reason", ""),
    }


def period_report(session: Session, period: Period) -> dict[str, Any]:
    """The period's batch and statements, for ``partnerflow commissions statements``."""
    batch = batch_for(session, period)
    if batch is None:
        return {"period": str(period), "batch": None, "statements": []}
    return {"period": str(period), "batch": batch_view(batch), "statements": statement_views(session, batch)}


def batch_view(batch: SettlementBatch) -> dict[str, Any]:
    return {
        "batch_id": batch.id,
        "status": batch.status.value,
        "currency": batch.currency,
        "total": str(batch.total),
        "approvals_needed": batch.approvals_needed,
        "payment_id": batch.payment_id,
        "plan_version": batch.plan_version,
        "held_back": batch.held_back,
        "carried_forward": batch.carried_forward,
    }


def batch_markdown(session: Session, batch: SettlementBatch, set_aside: Sequence[AccrualResult] = ()) -> str:
    """The summary finance reads on the approval page, the form and the run's artifact;
    ``set_aside`` lists the won deals that could not be priced (paid once someone fixes them)."""
    statements = statements_of(session, batch)
    names = partner_names(session, (s.partner_id for s in statements))
    lines = [
        f"# Commission settlement {batch.period}",
        "",
        f"**{len(statements)} statements, {batch.total} {batch.currency} transferred** "
        f"(plan {batch.plan_version}; status {batch.status.value}).",
        "",
    ]
    if batch.approvals_needed:
        lines.append(
            f"Needs **{batch.approvals_needed} finance approval(s)** from different people, each with "
            "the link or code from their e-mail; a rejection returns every line to the next settlement."
        )
        lines.append("")
    lines += ["| Partner | Earned | Clawed back | Net |", "|---|---:|---:|---:|"]
    lines += [
        f"| {md_text(names[s.partner_id])} | {s.earned} | {s.clawed_back} | {s.net} |" for s in statements
    ]
    payouts = payouts_of(session, batch)
    if payouts:
        lines += ["", "## Referral rewards", "", "| Customer | Paid as | Net |", "|---|---|---:|"]
        lines += [f"| {md_text(p.name)} | {p.method.value} | {p.amount} |" for p in payouts]
    for title, entries in (
        ("Held back (cannot be paid)", batch.held_back),
        ("Carried forward", batch.carried_forward),
    ):
        if entries:
            lines += ["", f"## {title}", ""]
            lines += [
                f"- {md_text(entry['partner_name'])}: {entry['net']} — {md_text(entry['reason'])}"
                for entry in entries
            ]
    if set_aside:
        lines += [
            "",
            "## Set aside: won deals that cannot be priced (`partnerflow commissions exceptions`)",
            "",
        ]
        lines += [f"- deal #{result.registration_id}: {md_text(result.reason or '')}" for result in set_aside]
    return "\n".join(lines)


def queue_statement_emails(session: Session, batch: SettlementBatch, renderer: TemplateRenderer) -> int:
    """E-mail each paid statement to its partner, every line on it; once per statement."""
    views = [v for v in statement_views(session, batch) if v["status"] == StatementStatus.PAID]
    partners = partners_by_id(session, (v["partner_id"] for v in views))
    contacts = contacts_by_territory(session)
    queued = 0
    listening = listeners(session, "statement.available")  # one query, not one per statement
    for view in views:
        partner = partners[view["partner_id"]]
        if view["partner_id"] in listening:
            publish(
                session,
                view["partner_id"],
                "statement.available",
                key=f"statement.available:{view['statement_id']}",
                data={
                    "statement_id": view["statement_id"],
                    "period": view["period"],
                    "currency": view["currency"],
                    "net": f"{view['net']:.2f}",
                    "payment_reference": view["payment_reference"],
                    "lines": len(view["lines"]),
                },
                now=batch.paid_at or batch.created_at,
            )
        queued += enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"commission-statement:{view['statement_id']}",
            recipient=partner.primary_email,
            template="commission_statement",
            locale=partner.locale.value,
            context={
                **view,
                "payment_id": batch.payment_id,
                "paid_on": batch.paid_at,
                "contact": lookup(contacts, partner),
            },
        )
    return queued


def request_finance_approval(
    at: Asking, batch: SettlementBatch, *, summary: str, expires_at: datetime
) -> int:
    """Mail every finance person their personal link and code to approve the batch (once)."""
    assert batch.id is not None
    return invite_role(
        at.session,
        at.renderer,
        at.links,
        Ask(
            Subject("settlement", batch.id),
            role="finance",
            approvers_required=batch.approvals_needed,
            summary=summary,
            expires_at=expires_at,
            flow_run_id=at.flow_run_id,
        ),
        context={
            "period": batch.period,
            "total": batch.total,
            "currency": batch.currency,
            "statements": len(statements_of(at.session, batch)),
            "approvals_needed": batch.approvals_needed,
        },
        now=at.now,
    )


def explain_deal(session: Session, registration_id: int) -> dict[str, Any]:
    """Every commission line of a deal with how it was computed, for ``commissions explain``."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise LookupError(f"deal {registration_id} does not exist")
    lines = session.exec(
        select(CommissionLine)
        .where(CommissionLine.registration_id == registration_id)
        .order_by(col(CommissionLine.id))
    ).all()
    statements = {
        s.id: s
        for s in session.exec(
            select(Statement).where(
                col(Statement.id).in_([line.statement_id for line in lines if line.statement_id])
            )
        )
    }
    return {
        "registration_id": registration_id,
        "customer_name": registration.customer_name,
        "status": registration.status.value,
        "closed_on": registration.closed_on.isoformat() if registration.closed_on else None,
        "closed_amount": str(registration.closed_amount) if registration.closed_amount is not None else None,
        "lines": [
            {
                "kind": line.kind.value,
                "status": line.status.value,
                "amount": str(line.amount),
                "currency": line.currency,
                "payable_from": line.payable_from.isoformat(),
                "plan": f"{line.plan_version} ({line.plan_sha256[:12]})",
                "statement": (
                    f"{statements[line.statement_id].period} ({statements[line.statement_id].status.value})"
                    if line.statement_id in statements
                    else None
                ),
                "explanation": line.explanation,
            }
            for line in lines
        ],
    }
