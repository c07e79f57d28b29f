"""Is the referral programme worth it? Conversion against the bar and the break-even, per cohort
and month.

Per cohort (pilot, rollout) and month: invitations sent and their referral pages' visits (in the
month the invitation was sent), referrals created, and of those the first transactions (referrals
qualified, flags cleared; in the month the referral was created, so a month's conversion is the
share of its referrals that converted). The cost is every reward not cancelled, net of
clawbacks; the gross margin is the policy's margin rate on the referred first transactions.

The break-even conversion is where the margin left after rewards covers the programme's fixed
costs over the months it has run: fixed costs / (referrals x (margin - rewards) per conversion).
It needs a first transaction to be known; it is "never" when rewards eat the whole margin.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pygal
from defusedcsv import csv  # cells starting with = + - @ are neutralised (OWASP CSV injection)
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from partnerflow.charts import chart_options, inline_svg
from partnerflow.clock import programme_date
from partnerflow.markdown import md_text
from partnerflow.models import (
    Referral,
    ReferralReward,
    ReferralStatus,
    Registration,
    RewardClawback,
    RewardStatus,
    SponsorInvitation,
)
from partnerflow.policy import Policy, ReferralProgrammePolicy

ALL_MONTHS = "all"
_PAGES = Environment(
    loader=PackageLoader("partnerflow.referrals", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)


@dataclass(frozen=True)
class CohortMonth:
    cohort: str
    month: str  # YYYY-MM, or "all" for the cohort's totals
    invitations: int = 0
    visits: int = 0
    referrals: int = 0
    first_transactions: int = 0
    reward_cost: Decimal = Decimal(0)
    gross_margin: Decimal = Decimal(0)

    @property
    def conversion(self) -> float | None:
        return self.first_transactions / self.referrals if self.referrals else None


@dataclass(frozen=True)
class CohortVerdict:
    cohort: str
    conversion: float | None
    break_even: float | None  # None: not computable yet (no first transaction) or never reached
    break_even_note: str
    meets_bar: bool
    reason: str


@dataclass(frozen=True)
class ReferralFigures:
    as_of: date
    policy_version: str
    currency: str
    target_conversion: float
    months: list[CohortMonth]
    totals: list[CohortMonth]
    verdicts: list[CohortVerdict]

    def as_dict(self) -> dict[str, Any]:
        def row(item: CohortMonth) -> dict[str, Any]:
            values = {
                key: str(value) if isinstance(value, Decimal) else value
                for key, value in asdict(item).items()
            }
            return {**values, "conversion": item.conversion}

        return {
            "as_of": self.as_of.isoformat(),
            "policy_version": self.policy_version,
            "currency": self.currency,
            "target_conversion": self.target_conversion,
            "months": [row(item) for item in self.months],
            "totals": [row(item) for item in self.totals],
            "verdicts": [asdict(verdict) for verdict in self.verdicts],
        }


def referral_figures(
    session: Session, policy: Policy[ReferralProgrammePolicy], *, as_of: date
) -> ReferralFigures:
    """The programme's figures as of a day, per cohort and month (a few grouped queries)."""
    economics = policy.document.economics
    counts: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"invitations": 0, "visits": 0, "referrals": 0, "first_transactions": 0,
                 "reward_cost": Decimal(0), "gross_margin": Decimal(0)}
    )  # fmt: skip
    for cohort, sent_at, visits in session.exec(
        select(col(SponsorInvitation.cohort), col(SponsorInvitation.sent_at), col(SponsorInvitation.visits))
    ).all():
        row = counts[(cohort, _month(sent_at))]
        row["invitations"] += 1
        row["visits"] += visits
    costs = _reward_costs(session)
    referrals = (
        session.connection()
        .execute(
            sa_select(
                col(Referral.id),
                col(SponsorInvitation.cohort),
                col(Referral.created_at),
                col(Referral.status),
                col(Registration.closed_amount),
            )
            .join(SponsorInvitation, col(SponsorInvitation.id) == col(Referral.invitation_id))
            .outerjoin(Registration, col(Registration.id) == col(Referral.registration_id))
        )
        .all()
    )
    margin_rate = Decimal(str(economics.gross_margin_rate))
    for referral_id, cohort, created_at, status, deal_amount in referrals:
        row = counts[(cohort, _month(created_at))]
        row["referrals"] += 1
        row["reward_cost"] += costs.get(referral_id, Decimal(0))
        if status is ReferralStatus.QUALIFIED:
            row["first_transactions"] += 1
            row["gross_margin"] += (Decimal(deal_amount or 0) * margin_rate).quantize(Decimal("0.01"))
    months = [CohortMonth(cohort, month, **values) for (cohort, month), values in sorted(counts.items())]
    totals = [
        _total(cohort, [m for m in months if m.cohort == cohort])
        for cohort in sorted({m.cohort for m in months})
    ]
    first_month = {
        cohort: min(m.month for m in months if m.cohort == cohort) for cohort in {m.cohort for m in months}
    }
    verdicts = [
        _verdict(total, _months_between(first_month[total.cohort], as_of), policy) for total in totals
    ]
    return ReferralFigures(
        as_of,
        policy.version,
        policy.document.rewards.currency,
        economics.target_conversion,
        months,
        totals,
        verdicts,
    )


def _reward_costs(session: Session) -> dict[int, Decimal]:
    """Per referral: its rewards not cancelled, net of their clawbacks."""
    costs: dict[int, Decimal] = defaultdict(Decimal)
    rewards = select(col(ReferralReward.referral_id), func.sum(ReferralReward.amount)).where(
        col(ReferralReward.status) != RewardStatus.CANCELLED
    )
    clawbacks = select(col(RewardClawback.referral_id), func.sum(RewardClawback.amount))
    for query, column in ((rewards, ReferralReward.referral_id), (clawbacks, RewardClawback.referral_id)):
        for referral_id, amount in session.exec(query.group_by(col(column))).all():
            costs[referral_id] += Decimal(amount)
    return costs


def _total(cohort: str, months: list[CohortMonth]) -> CohortMonth:
    return CohortMonth(
        cohort,
        ALL_MONTHS,
        sum(m.invitations for m in months),
        sum(m.visits for m in months),
        sum(m.referrals for m in months),
        sum(m.first_transactions for m in months),
        sum((m.reward_cost for m in months), Decimal(0)),
        sum((m.gross_margin for m in months), Decimal(0)),
    )


def _verdict(
    total: CohortMonth, months_running: int, policy: Policy[ReferralProgrammePolicy]
) -> CohortVerdict:
    economics = policy.document.economics
    fixed = economics.fixed_costs_per_month * months_running
    conversion, bar = total.conversion, economics.target_conversion
    break_even: float | None = None
    if not total.first_transactions:
        note = "not known before the first transaction"
    else:
        left_per_conversion = (total.gross_margin - total.reward_cost) / total.first_transactions
        if left_per_conversion <= 0:
            note = "never: the rewards cost more than the margin they bring"
        else:
            break_even = float(fixed / (total.referrals * left_per_conversion))
            note = f"{break_even:.1%} (fixed costs {fixed} over {months_running} month(s))"
    if conversion is None:
        return CohortVerdict(total.cohort, None, break_even, note, False, "no referral yet")
    problems = []
    if conversion < bar:
        problems.append(f"conversion {conversion:.1%} under the {bar:.0%} bar")
    if break_even is None and total.first_transactions:
        problems.append("the rewards cost more than the margin they bring")
    elif break_even is not None and conversion < break_even:
        problems.append(f"conversion {conversion:.1%} under the break-even {break_even:.1%}")
    reason = (
        "; ".join(problems) or f"conversion {conversion:.1%} meets the {bar:.0%} bar and covers its costs"
    )
    return CohortVerdict(total.cohort, conversion, break_even, note, not problems, reason)


def _months_between(first_month: str, as_of: date) -> int:
    year, month = (int(part) for part in first_month.split("-"))
    return max(1, (as_of.year - year) * 12 + as_of.month - month + 1)


def _month(moment: datetime) -> str:
    day = programme_date(moment)
    return f"{day.year}-{day.month:02d}"


# --- the figures as Markdown, CSV and an HTML page with charts ------------------------------------

COLUMNS = ("cohort", "month", "invitations", "visits", "referrals", "first_transactions", "conversion",
           "reward_cost", "gross_margin")  # fmt: skip


def figures_markdown(figures: ReferralFigures) -> str:
    """What the programme owner reads: verdict per cohort, then the months."""
    lines = [
        f"# Referral programme as of {figures.as_of}",
        "",
        f"Policy {figures.policy_version}; the bar: **{figures.target_conversion:.0%}** conversion "
        "(first transactions / referrals).",
        "",
    ]
    for verdict in figures.verdicts:
        mark = "meets the bar" if verdict.meets_bar else "does not meet the bar"
        lines.append(f"- **{md_text(verdict.cohort)}**: {mark} — {md_text(verdict.reason)}; "
                     f"break-even conversion {md_text(verdict.break_even_note)}")  # fmt: skip
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for item in [*figures.months, *figures.totals]:
        lines.append("| " + " | ".join(md_text(cell) for cell in _cells(item)) + " |")
    return "\n".join(lines)


def figures_table(figures: ReferralFigures) -> list[dict[str, str]]:
    """One row per cohort and month, then the cohorts' totals (a Prefect table artifact)."""
    return [dict(zip(COLUMNS, _cells(item), strict=True)) for item in [*figures.months, *figures.totals]]


def figures_csv(figures: ReferralFigures) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_cells(item) for item in [*figures.months, *figures.totals])
    return buffer.getvalue()


def write_figures(directory: Path, figures: ReferralFigures) -> Path:
    """``referrals-<as_of>.csv`` and ``.html`` under ``directory``; returns the HTML path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"referrals-{figures.as_of}.csv").write_text(figures_csv(figures), encoding="utf-8")
    page = directory / f"referrals-{figures.as_of}.html"
    page.write_text(figures_html(figures), encoding="utf-8")
    return page


def figures_html(figures: ReferralFigures) -> str:
    return _PAGES.get_template("report.html.j2").render(
        figures=figures,
        rows=figures_table(figures),
        columns=COLUMNS,
        charts={
            "funnel": _funnel(figures),
            "conversion": _conversion(figures),
            "economics": _economics(figures),
        },
    )


def _cells(item: CohortMonth) -> list[str]:
    conversion = "" if item.conversion is None else f"{item.conversion:.1%}"
    counts = (item.invitations, item.visits, item.referrals, item.first_transactions)
    return [
        item.cohort,
        item.month,
        *map(str, counts),
        conversion,
        f"{item.reward_cost:.2f}",
        f"{item.gross_margin:.2f}",
    ]


def _funnel(figures: ReferralFigures) -> Markup:
    chart = pygal.Bar(**chart_options("From invitation to first transaction, per cohort"))
    chart.x_labels = ["invitations", "page visits", "referrals", "first transactions"]
    for total in figures.totals:
        chart.add(total.cohort, [total.invitations, total.visits, total.referrals, total.first_transactions])
    return inline_svg(chart)


def _conversion(figures: ReferralFigures) -> Markup:
    chart = pygal.Line(**chart_options("Conversion by month of referral (%)", range=(0, 100)))
    months = sorted({item.month for item in figures.months})
    chart.x_labels = months
    for cohort in sorted({item.cohort for item in figures.months}):
        by_month = {item.month: item.conversion for item in figures.months if item.cohort == cohort}
        chart.add(
            cohort, [None if by_month.get(m) is None else round(100 * (by_month[m] or 0), 1) for m in months]
        )
    chart.add(
        f"the {figures.target_conversion:.0%} bar", [round(100 * figures.target_conversion, 1)] * len(months)
    )
    return inline_svg(chart)


def _economics(figures: ReferralFigures) -> Markup:
    chart = pygal.Bar(**chart_options(f"Reward cost and gross margin by month ({figures.currency})"))
    months = sorted({item.month for item in figures.months})
    chart.x_labels = months
    for label, value in (("reward cost", "reward_cost"), ("gross margin", "gross_margin")):
        per_month: dict[str, Decimal] = defaultdict(Decimal)
        for item in figures.months:
            per_month[item.month] += getattr(item, value)
        chart.add(label, [float(per_month[m]) for m in months])
    return inline_svg(chart)
