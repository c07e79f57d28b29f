"""Commission payout at scale: accrual + settlement + SEPA file against the core computation alone.

    uv run python bench/commissions.py [--deals 100000] [--partners 2000]

Won, registered deals of 2026 are written straight into a fresh SQLite file (not timed). Timed:
the settlement's database steps, as its tasks run them: bulk accrual, statements, the finance
approval, the pain.001 + CSV (generated, schema-validated, stored and written) and mark paid.
Baseline in the same run: the same pricing and per-partner netting in memory, plus the SEPA
document, with no database. Target: the database pipeline under 10 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlmodel import Session, select
from stdnum import iban

from bench._support import installation, report
from partnerflow.approvals import Reply, answer_by_link, open_requests
from partnerflow.commissions.accrual import ClosedDeal, accrue_missing, price_deal
from partnerflow.commissions.payment_file import Payer, Transfer, sepa_credit_transfer
from partnerflow.commissions.periods import Period
from partnerflow.commissions.settlement import (
    apply_finance_answers,
    mark_paid,
    open_settlement,
    prepare_payment,
    save_payment_files,
    settlement_subject,
)
from partnerflow.commissions.statements import request_finance_approval
from partnerflow.context import Context, context
from partnerflow.db import make_engine, migrate
from partnerflow.models import (
    ApprovalGrant,
    BatchStatus,
    PartnerTier,
    Person,
    PersonRole,
    Registration,
    Role,
    SettlementBatch,
    Territory,
)
from partnerflow.sample_data import insert_partners
from partnerflow.settings import DEMO_PAYER_IBAN

PERIOD = Period(2026, 10)
PAYER = Payer("Vendor Bench SAS", DEMO_PAYER_IBAN, "BNPAFRPPXXX")
LINES = ("network", "wifi", "security", "storage", "services", "software")
TIERS = (PartnerTier.REGISTERED, PartnerTier.SILVER, PartnerTier.GOLD, PartnerTier.PLATINUM)
NOW = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
FINANCE = "finance@vendor.example"


def generate(deals: int, partners: int, seed: int = 5) -> tuple[list[dict[str, object]], list[ClosedDeal]]:
    """Partner rows and the won deals (closed January to August 2026, so past their hold)."""
    rng = random.Random(seed)
    partner_rows = []
    for number in range(1, partners + 1):
        bban = f"30006{number:05d}{rng.randrange(10**11):011d}{rng.randrange(100):02d}"
        partner_rows.append(
            {
                "id": number,
                "name": f"Revendeur {number} SAS",
                "tier": TIERS[number % 4],
                "territory_code": "69",
                "contact_email": f"contact@revendeur{number}.example",
                "iban": f"FR{iban.calc_check_digits('FR00' + bban)}{bban}",
                "bic": "BNPAFRPPXXX",
                "created_at": NOW,
            }
        )
    won = []
    for number in range(1, deals + 1):
        closed_on = date(2026, 1, 1) + timedelta(days=rng.randrange(240))
        won.append(
            ClosedDeal(
                registration_id=number,
                partner_id=rng.randint(1, partners),
                tier=TIERS[0],  # replaced below from the partner
                partner_status="active",
                amount=Decimal(rng.choice([4000, 18000, 60000, 300000])),
                currency="EUR",
                product_line=rng.choice(LINES),
                closed_on=closed_on,
                registered_on=closed_on - timedelta(days=rng.randint(3, 120)),
            )
        )
    tiers = {row["id"]: row["tier"] for row in partner_rows}
    won = [
        ClosedDeal(**{**deal.__dict__, "tier": tiers[deal.partner_id]})  # type: ignore[arg-type]
        for deal in won
    ]
    return partner_rows, won


def reset_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def load(url: str, partner_rows: list[dict[str, object]], won: list[ClosedDeal]) -> None:
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(Territory(code="69", name="Rhône"))
        session.flush()
        insert_partners(session, partner_rows)
        person = Person(email=FINANCE, name="Finance")
        session.add(person)
        session.flush()
        assert person.id is not None
        session.add(PersonRole(person_id=person.id, role=Role.FINANCE))
        session.execute(
            insert(Registration),
            [
                {
                    "id": deal.registration_id,
                    "partner_id": deal.partner_id,
                    "status": "won",
                    "customer_name": f"Client {deal.registration_id}",
                    "product_lines": [deal.product_line],
                    "amount": deal.amount,
                    "closed_amount": deal.amount,
                    "closed_on": deal.closed_on,
                    "submitted_at": datetime.combine(deal.registered_on, datetime.min.time(), UTC),
                    "submission": {},
                    "problems": [],
                    "facts": {},
                }
                for deal in won
            ],
        )
        session.commit()
    engine.dispose()


def finance_approves(session: Session, ctx: Context, batch_id: int) -> None:
    """As the run does when the batch needs approval: finance is invited, the finance person
    answers with their personal link, the answer is applied."""
    batch = session.get(SettlementBatch, batch_id)
    assert batch is not None
    if batch.status is not BatchStatus.AWAITING_APPROVAL:
        return
    at = replace(ctx.asking(session, "bench"), now=NOW)
    request_finance_approval(at, batch, summary=f"Settlement {PERIOD}", expires_at=NOW + timedelta(days=14))
    [request] = open_requests(session, settlement_subject(batch_id))
    grant = session.exec(select(ApprovalGrant).where(ApprovalGrant.request_id == request.id)).one()
    token = ctx.links.personal(grant).rsplit("/", 1)[1]  # the link in finance's e-mail
    answer_by_link(session, ctx.links.keys, token, Reply("approve"), now=NOW)
    apply_finance_answers(ctx.applying(session), batch_id)


def pipeline(ctx: Context, payments: Path) -> dict[str, float]:
    """The settlement's database steps, each committed like its task; seconds per step."""
    engine = make_engine(ctx.settings.database_url)
    steps: dict[str, float] = {}

    def step(name: str, action):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        with Session(engine) as session:
            result = action(session)
            session.commit()
        steps[name] = time.perf_counter() - started
        return result

    step("accrual", lambda s: accrue_missing(s, plan_for=context().plan_for, now=NOW))
    batch_id = step(
        "statements",
        lambda s: open_settlement(s, PERIOD, plan=context().plan_for(PERIOD.last_day), now=NOW).id,
    )
    step("approval", lambda s: finance_approves(s, ctx, batch_id))
    files = step("payment file", lambda s: prepare_payment(s, batch_id, payer=PAYER, now=NOW))
    started = time.perf_counter()
    save_payment_files(payments, files)
    steps["payment file"] += time.perf_counter() - started
    step("mark paid", lambda s: mark_paid(s, batch_id, now=NOW))
    engine.dispose()
    return steps


def core(won: list[ClosedDeal]) -> Decimal:
    """The same pricing, netting and SEPA document in memory: no database at all."""
    policy = context().plan_for(date(2026, 6, 30))
    decide = policy.memoized()
    running: dict[int, Decimal] = defaultdict(Decimal)
    per_partner: dict[int, Decimal] = defaultdict(Decimal)
    for deal in sorted(won, key=lambda d: (d.closed_on, d.registration_id)):
        _, calculation = price_deal(policy, deal, running[deal.partner_id], decide)
        running[deal.partner_id] += deal.amount
        if calculation is not None:
            per_partner[deal.partner_id] += calculation.commission
    transfers = [
        Transfer(
            pid, f"Revendeur {pid} SAS", DEMO_PAYER_IBAN, None, net, "EUR", f"PF-{PERIOD}-{pid}", "bench"
        )
        for pid, net in sorted(per_partner.items())
    ]
    sepa_credit_transfer(PAYER, transfers, NOW.date())
    return sum(per_partner.values(), Decimal(0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=2_000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on this PostgreSQL database instead (its public schema is dropped and recreated)",
    )
    args = parser.parse_args()
    partner_rows, won = generate(args.deals, args.partners)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = installation(Path(tmp), args.postgres)
        if args.postgres:
            reset_schema(args.postgres)
        load(ctx.settings.database_url, partner_rows, won)
        started = time.perf_counter()
        total_core = core(won)
        core_seconds = time.perf_counter() - started
        started = time.perf_counter()
        steps = pipeline(ctx, ctx.settings.payments_dir)
        pipeline_seconds = time.perf_counter() - started
    print(f"core (in memory): {core_seconds:.2f} s, total commission {total_core}")
    print("pipeline: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items()))
    report(
        "commissions",
        value=pipeline_seconds,
        unit="s",
        baseline=core_seconds,
        target=10.0,
        higher_is_better=False,
        database="postgresql" if args.postgres else "sqlite",
        deals=args.deals,
        partners=args.partners,
        steps={name: round(seconds, 2) for name, seconds in steps.items()},
    )


if __name__ == "__main__":
    main()
