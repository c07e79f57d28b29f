"""The commission part of the demo: deals closed, accrued, one reversed, a month settled.

Deals are registered and closed in the past so that their hold is over for last month's
settlement; finance answers the settlement's form through the resume API, as a person would in
the UI. Run twice, the demo finds last month already settled and shows it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from rich.table import Table
from sqlmodel import Session, col, select

from demo.campaign import signer
from demo.deals import answer_from_email, deal, wait_for_state
from partnerflow.cli.output import console
from partnerflow.clock import programme_date
from partnerflow.commissions.periods import Period
from partnerflow.commissions.reversal import reverse_deal
from partnerflow.commissions.reward_payouts import payouts_of
from partnerflow.commissions.settlement import batch_for
from partnerflow.commissions.statements import period_report
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.models import Partner, PartnerTier, Role
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.registration.intake import take_in
from partnerflow.registration.protection import close_registration
from partnerflow.settings import get_settings

DEALS = (  # customer, domain, amount: small deals of trusted partners, approved by the policy
    ("Cabinet Lefèvre Architectes", "lefevre-archi.fr", 24_000),
    ("Clinique des Cèdres", "clinique-cedres.fr", 22_500),
    ("Transports Girard", "transports-girard.fr", 19_800),
    ("Mairie de Saint-Priest", "mairie-saint-priest.fr", 25_000),
    ("Fromagerie Vidal", "fromagerie-vidal.fr", 12_000),
    ("Lycée Ampère", "lycee-ampere.fr", 23_400),
    ("Imprimerie Roux", "imprimerie-roux.fr", 18_900),
    ("Hôtel du Parc", "hotel-du-parc.fr", 21_700),
)


def run_commission_demo() -> None:
    """Close eight registered deals won, accrue, reverse one, settle last month with finance's approval."""
    ctx = context()
    from prefect.deployments import run_deployment

    from flows.commission_accrual import accrue_missed_commissions
    from flows.commission_settlement import commission_settlement

    period = Period.before(ctx.clock.today())
    with Session(get_engine()) as session:
        settled = batch_for(session, period) is not None
    if settled:
        console.print(f"{period} is already settled (an earlier demo run): showing it")
    else:
        deals = _close_deals(period)
        accrued = accrue_missed_commissions()
        console.print(f"accrue-missed-commissions: {accrued}")
        with session_scope() as session:
            reversal = reverse_deal(
                session,
                deals[-1],
                reason="the customer returned the order",
                actor=signer(Role.FINANCE),
                plan_for=context().plan_for,
                now=ctx.clock.now(),
            )
        console.print(f"deal {deals[-1]} reversed before settlement: {reversal.outcome} ({reversal.amount})")
        with served_in_thread(commission_settlement, name="partnerflow-demo-settlement"):
            run = run_deployment(
                "commission-settlement/commission-settlement", parameters={"period": str(period)}, timeout=0
            )
            run_id = str(run.id)  # type: ignore[union-attr]
            answer_from_email(
                run_id, "approval-1", signer(Role.FINANCE), comment="Checked against the CRM close report."
            )
            wait_for_state(run_id, lambda state: state.is_final())
    _print(period)


def _close_deals(period: Period) -> list[int]:
    """Register deals three months before the period and close them won before its hold cut-off."""
    ctx = context()
    hold = context().plan_for(period.last_day).document.hold_days
    closed_on = period.last_day - timedelta(days=hold + 10)
    submitted = datetime.combine(closed_on - timedelta(days=45), time(9), tzinfo=UTC)
    policy = ctx.policy("deal_registration", programme_date(submitted))
    renderer = ctx.renderer
    ids = []
    with session_scope() as session:
        trusted = list(
            session.exec(
                select(Partner)
                .where(col(Partner.tier).in_([PartnerTier.GOLD, PartnerTier.PLATINUM]))
                .where(col(Partner.certified))
                .order_by(col(Partner.id))
                .limit(len(DEALS) // 2)
            )
        )
        for index, (customer, domain, amount) in enumerate(DEALS):
            partner = trusted[index % len(trusted)]
            raw = deal(partner, customer, domain, amount, ["network"])
            raw["expected_close_on"] = (closed_on + timedelta(days=5)).isoformat()
            result = take_in(session, raw, policy=policy, renderer=renderer, now=submitted)
            if result.outcome != "approve":
                continue
            close_registration(
                session,
                result.registration_id,
                won=True,
                amount=Decimal(amount),
                closed_on=closed_on,
                actor="demo",
                close_review=policy.document.close_review,
                now=datetime.combine(closed_on, time(17), tzinfo=UTC),
            )
            ids.append(result.registration_id)
    console.print(f"{len(ids)} registered deal(s) closed won on {closed_on}")
    return ids


def _print(period: Period) -> None:
    with Session(get_engine()) as session:
        report = period_report(session, period)
    batch = report["batch"]
    table = Table(
        title=f"Commission settlement {period}: {batch['status']}, {batch['total']} {batch['currency']}"
    )
    for column in ("partner", "lines", "earned", "clawed back", "net", "reference"):
        table.add_column(column)
    for statement in report["statements"]:
        table.add_row(
            statement["partner_name"],
            str(len(statement["lines"])),
            str(statement["earned"]),
            str(statement["clawed_back"]),
            str(statement["net"]),
            statement["payment_reference"],
        )
    console.print(table)
    with Session(get_engine()) as session:
        batch_row = batch_for(session, period)
        payouts = payouts_of(session, batch_row) if batch_row is not None else []
    for payout in payouts:
        console.print(
            f"referral rewards: {payout.name}: {payout.amount} {payout.currency} as a {payout.method.value} "
            f"({payout.payment_reference}), {payout.status.value}",
            markup=False,
            highlight=False,
        )
    folder = get_settings().payments_dir / str(period)
    console.print(f"payment files: {folder} (SEPA pain.001 + CSV, payment id {batch['payment_id']})")
