"""Routers racing over the same 1,000 leads, each in its own process, and a router killed in the
middle (SQLite and PostgreSQL): every lead is offered once, to one reseller; nothing is lost."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert
from sqlmodel import Session, select

from partnerflow.db import make_engine
from partnerflow.leads import distribution
from partnerflow.leads.distribution import route_waiting
from partnerflow.models import Lead, LeadState, LeadTurn, Partner, PartnerTier
from partnerflow.policy import load_policy
from partnerflow.settings import PROJECT_ROOT
from tests.factories import add_partner

RACERS = 3
LEADS = 1_000
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def policy():  # type: ignore[no-untyped-def]
    return load_policy("lead_routing", NOW.date(), PROJECT_ROOT / "policies")


def network(engine: Engine) -> None:
    """60 platinum resellers (25 leads each per 30 days: room for every lead) in two départements,
    and 1,000 leads waiting."""
    with Session(engine) as session:
        for n in range(60):
            partner = add_partner(
                session, name=f"R{n}", territory="69" if n % 2 else "13", email=f"r{n}@x.example"
            )
            partner.tier = PartnerTier.PLATINUM
        session.connection().execute(
            insert(Lead),
            [
                {
                    "id": f"LD-{n:05d}",
                    "departement": "69" if n % 2 else "13",
                    "received_at": NOW,
                    "state": LeadState.NEW,
                    "company": f"Prospect {n}",
                    "product_lines": ["network"],
                    "source": "web",
                    "consent": True,
                }
                for n in range(LEADS)
            ],
        )
        session.commit()


def _route_in_own_process(url: str, start: Any, results: Any) -> None:
    engine = make_engine(url)
    start.wait()
    with Session(engine) as session:
        report = route_waiting(session, policy(), now=NOW)
        session.commit()
    results.put(len(report.offered) + len(report.to_manager))


def assert_each_lead_offered_once(engine: Engine) -> None:
    with Session(engine) as session:
        per_lead = session.exec(select(LeadTurn.lead_id, func.count()).group_by(LeadTurn.lead_id)).all()
        waiting = session.exec(
            select(func.count()).select_from(Lead).where(Lead.state == LeadState.NEW)
        ).one()
        partners = session.exec(select(func.count()).select_from(Partner)).one()
    assert len(per_lead) == LEADS and {count for _, count in per_lead} == {1}
    assert (waiting, partners) == (0, 60)


def test_routers_at_the_same_moment_offer_each_lead_once(engine: Engine) -> None:
    network(engine)
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(RACERS), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(target=_route_in_own_process, args=(url, start, results)) for _ in range(RACERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [process.exitcode for process in processes] == [0] * RACERS
    assert sum(results.get(timeout=5) for _ in range(RACERS)) == LEADS, "each lead claimed by one router"
    assert_each_lead_offered_once(engine)


def _killed_while_storing(url: str) -> None:
    engine = make_engine(url)
    store = distribution._store_offers
    calls = []

    def store_then_die(*args: Any) -> list[int]:
        calls.append(1)
        ids = store(*args)
        if len(calls) == 1:
            os._exit(9)  # the first chunk's offers written, the transaction never committed
        return ids

    distribution._store_offers = store_then_die  # type: ignore[assignment]
    with Session(engine) as session:
        route_waiting(session, policy(), now=NOW)
        session.commit()


def test_a_router_killed_halfway_leaves_every_lead_waiting_and_the_next_run_offers_them(
    engine: Engine,
) -> None:
    network(engine)
    process = multiprocessing.get_context("fork").Process(
        target=_killed_while_storing, args=(engine.url.render_as_string(hide_password=False),)
    )
    process.start()
    process.join(timeout=300)
    assert process.exitcode == 9
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(LeadTurn)).one() == 0
        report = route_waiting(session, policy(), now=NOW)
        session.commit()
    assert len(report.offered) == LEADS
    assert_each_lead_offered_once(engine)
