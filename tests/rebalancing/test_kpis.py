"""Lead KPIs per reseller, counted by the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.leads.kpis import ResellerKpis, departement_leads, reseller_kpis
from tests.rebalancing.leadbook import add_reseller, give_leads

YEAR = (date(2026, 1, 1), date(2027, 1, 1))


def kpis_of(engine: Engine, reseller_id: int) -> ResellerKpis:
    with Session(engine) as session:
        return next(k for k in reseller_kpis(session, *YEAR) if k.partner_id == reseller_id)


def test_each_rate_is_counted_over_the_leads_received(engine: Engine) -> None:
    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=10, opened=9, processed=8, closed=5, sold=3)
    k = kpis_of(engine, reseller)
    assert (k.leads, k.opened, k.processed, k.closed, k.sold) == (10, 9, 8, 5, 3)
    assert (k.open_rate, k.processing_rate, k.closing_rate, k.conversion) == (0.9, 0.8, 0.5, 0.3)


def test_leads_received_in_another_year_are_not_counted(engine: Engine) -> None:
    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=4, opened=4, year=2025)
    give_leads(engine, reseller, leads=2, opened=1)
    assert (kpis_of(engine, reseller).leads, kpis_of(engine, reseller).opened) == (2, 1)


def test_a_lead_with_several_status_events_counts_once(engine: Engine) -> None:
    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=1, opened=1, processed=1, closed=1, sold=1)  # in progress, then sold
    k = kpis_of(engine, reseller)
    assert (k.processed, k.closed, k.sold) == (1, 1, 1)


def test_a_reseller_without_leads_has_zero_rates(engine: Engine) -> None:
    reseller = add_reseller(engine)
    k = kpis_of(engine, reseller)
    assert (k.leads, k.open_rate, k.closing_rate) == (0, 0.0, 0.0)


def test_sqlite_and_postgresql_give_identical_kpis(engine: Engine, postgres_engine: Engine) -> None:
    results = []
    for database in (engine, postgres_engine):
        first, second = add_reseller(database, "69"), add_reseller(database, "13")
        give_leads(database, first, leads=12, opened=11, processed=9, closed=6, sold=2)
        give_leads(database, second, leads=7, opened=3, processed=1, closed=1, departement="13")
        give_leads(database, second, leads=3, opened=3, year=2025, departement="13")
        with Session(database) as session:
            results.append(
                [
                    (k.departement, k.leads, k.opened, k.processed, k.closed, k.sold)
                    for k in reseller_kpis(session, *YEAR)
                ]
            )
    assert results[0] == results[1]


def test_departement_leads_count_each_lead_where_it_was_received(engine: Engine) -> None:
    reseller = add_reseller(engine, "69")
    add_reseller(engine, "01")
    give_leads(engine, reseller, leads=3, departement="01")  # a Rhône reseller serving the Ain
    give_leads(engine, reseller, leads=2)
    with Session(engine) as session:
        assert departement_leads(session, *YEAR) == {"01": 3, "69": 2}
