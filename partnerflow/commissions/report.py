"""The month's settlement as a page finance and the programme owner read: what each partner is
paid and why it stands where it stands, with the last twelve settlements drawn as bars
(commissions and referral rewards per month), so a month out of line shows at a glance.

Written when the month is opened (what finance is asked to approve) and again once it is paid
or rejected; served through a signed link (``web.reports``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.charts import chart_options, inline_svg
from partnerflow.commissions.reward_payouts import payouts_of
from partnerflow.commissions.settlement import statements_of
from partnerflow.models import RewardPayout, SettlementBatch, Statement
from partnerflow.partners import partner_names
from partnerflow.report_files import rows_csv

HISTORY_MONTHS = 12
_PAGES = Environment(
    loader=PackageLoader("partnerflow.commissions", "templates"),
    autoescape=True,  # partner and customer names are typed by people
    undefined=StrictUndefined,
)


def monthly_totals(session: Session, batch: SettlementBatch) -> list[dict[str, Any]]:
    """The last ``HISTORY_MONTHS`` settlements up to ``batch``'s month: commissions and rewards."""
    batches = session.exec(
        select(SettlementBatch)
        .where(col(SettlementBatch.period) <= batch.period)
        .order_by(col(SettlementBatch.period).desc())
        .limit(HISTORY_MONTHS)
    ).all()
    ids = [b.id for b in batches]
    commissions = dict(
        session.exec(
            select(Statement.batch_id, func.sum(Statement.net))
            .where(col(Statement.batch_id).in_(ids))
            .group_by(col(Statement.batch_id))
        ).all()
    )
    rewards = dict(
        session.exec(
            select(RewardPayout.batch_id, func.sum(RewardPayout.amount))
            .where(col(RewardPayout.batch_id).in_(ids))
            .group_by(col(RewardPayout.batch_id))
        ).all()
    )
    return [
        {
            "period": b.period,
            "status": b.status.value,
            "commissions": Decimal(commissions.get(b.id or 0) or 0),
            "rewards": Decimal(rewards.get(b.id or 0) or 0),
        }
        for b in reversed(batches)
    ]


def totals_chart(months: list[dict[str, Any]], currency: str) -> Markup:
    chart = pygal.StackedBar(**chart_options(f"Paid per settlement ({currency})", y_title=currency))
    chart.x_labels = [
        m["period"] if m["status"] == "paid" else f"{m['period']} ({m['status']})" for m in months
    ]
    chart.add("partner commissions", [float(m["commissions"]) for m in months])
    chart.add("referral rewards", [float(m["rewards"]) for m in months])
    return inline_svg(chart)


def _label(month: dict[str, Any]) -> str:
    """A month's bar: its period, with its status unless it was paid."""
    return month["period"] if month["status"] == "paid" else f"{month['period']} ({month['status']})"


def write_settlement_report(session: Session, directory: Path, batch: SettlementBatch) -> Path:
    """``settlement-<period>.html`` and ``.csv`` under ``directory``; returns the HTML path."""
    statements = statements_of(session, batch)
    names = partner_names(session, (s.partner_id for s in statements))
    rows = [
        {
            "partner_id": s.partner_id,
            "partner": names.get(s.partner_id, ""),
            "earned": s.earned,
            "clawed_back": s.clawed_back,
            "net": s.net,
            "status": s.status.value,
            "payment_reference": s.payment_reference,
        }
        for s in statements
    ]
    months = monthly_totals(session, batch)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"settlement-{batch.period}.csv").write_text(rows_csv(rows), encoding="utf-8")
    page = directory / f"settlement-{batch.period}.html"
    page.write_text(
        _PAGES.get_template("settlement.html.j2").render(
            batch=batch,
            rows=rows,
            payouts=payouts_of(session, batch),
            months=months,
            chart=totals_chart(months, batch.currency),
        ),
        encoding="utf-8",
    )
    return page
