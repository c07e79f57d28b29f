"""Each active reseller classified by the 2026 rebalancing policy, at every threshold's edge."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.rebalancing.proposals import ResellerProposal, months_active, plan_rebalancing
from tests.rebalancing.leadbook import POLICY_2026, add_reseller, give_leads


def proposal_for(engine: Engine, reseller: int) -> ResellerProposal:
    with Session(engine) as session:
        plan = plan_rebalancing(session, 2026, POLICY_2026)
    return next(p for p in plan.resellers if p.kpis.partner_id == reseller)


@pytest.mark.parametrize(
    ("counts", "outcome", "rule"),
    [
        ({"leads": 10, "opened": 9, "processed": 8, "closed": 5}, "keep", "default"),  # every edge met
        ({"leads": 10, "opened": 9, "processed": 8, "closed": 6}, "keep", "default"),  # 60 % still in band
        ({"leads": 9, "opened": 9, "processed": 9, "closed": 5}, "route-more", "too-few-leads"),
        ({"leads": 5, "opened": 0, "processed": 0, "closed": 0}, "route-more", "too-few-leads"),
        ({"leads": 20, "opened": 17, "processed": 16, "closed": 10}, "coach", "misses-one"),  # opened 85 %
        ({"leads": 20, "opened": 18, "processed": 15, "closed": 10}, "coach", "misses-one"),  # processed 75 %
        ({"leads": 20, "opened": 20, "processed": 20, "closed": 13}, "keep", "default"),  # closed 65 %: fine
        ({"leads": 20, "opened": 20, "processed": 16, "closed": 9}, "coach", "misses-one"),  # closed 45 %
        ({"leads": 20, "opened": 17, "processed": 15, "closed": 10}, "pause", "misses-two-or-more"),
    ],
)
def test_a_reseller_is_classified_by_the_first_rule_that_holds(
    engine: Engine, counts: dict[str, int], outcome: str, rule: str
) -> None:
    reseller = add_reseller(engine)
    give_leads(engine, reseller, **counts)
    proposal = proposal_for(engine, reseller)
    assert (proposal.outcome, proposal.rule_id) == (outcome, rule)
    assert proposal.reason


def test_a_reseller_that_joined_late_in_the_year_is_not_paused_for_low_volume(engine: Engine) -> None:
    reseller = add_reseller(engine, joined_on=date(2026, 9, 15))
    give_leads(engine, reseller, leads=3, opened=1)
    proposal = proposal_for(engine, reseller)
    assert (proposal.outcome, proposal.rule_id, proposal.months_active) == ("keep", "joined-late", 4)


def test_a_reseller_that_joined_in_july_is_judged(engine: Engine) -> None:
    reseller = add_reseller(engine, joined_on=date(2026, 7, 1))
    give_leads(engine, reseller, leads=3, opened=3)
    assert proposal_for(engine, reseller).rule_id == "too-few-leads"


def test_months_active_counts_the_months_of_the_year_in_the_programme() -> None:
    assert [
        months_active(day, 2026) for day in (None, date(2019, 5, 1), date(2026, 1, 31), date(2026, 12, 1))
    ] == [
        12,
        12,
        12,
        1,
    ]


def test_closing_more_than_the_band_is_no_shortcoming_since_2026_12_15(engine: Engine) -> None:
    """The programme's guidance makes closing 50-60 % a minimal objective; the 2026-12-01 version
    (kept for replay) counted 70 % as a missed criterion and coached the reseller."""
    from tests.rebalancing.leadbook import LIBRARY

    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=20, opened=20, processed=20, closed=14)
    with Session(engine) as session:
        earlier = plan_rebalancing(session, 2026, LIBRARY.in_force("rebalancing", date(2026, 12, 1)))
    [before] = [p for p in earlier.resellers if p.kpis.partner_id == reseller]
    now = proposal_for(engine, reseller)
    assert (before.criteria_missed, before.outcome) == (1, "coach")
    assert (now.criteria_missed, now.outcome, POLICY_2026.stamp.version) == (0, "keep", "2026-12-20")


def test_a_reseller_the_vendor_sent_too_few_leads_is_routed_more_not_paused(engine: Engine) -> None:
    """Measured on the demo (2026-12-05): reseller #7 opened and processed all of its 5 leads and
    closed 80 %, and the 2026-12-15 version proposed to pause it; the shortfall is the vendor's."""
    from tests.rebalancing.leadbook import LIBRARY

    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=5, opened=5, processed=5, closed=4, sold=2)
    with Session(engine) as session:
        earlier = plan_rebalancing(session, 2026, LIBRARY.in_force("rebalancing", date(2026, 12, 15)))
    [before] = [p for p in earlier.resellers if p.kpis.partner_id == reseller]
    now = proposal_for(engine, reseller)
    assert before.outcome == "pause"
    assert (now.outcome, now.rule_id) == ("route-more", "too-few-leads")
    assert "5 of the 10 leads a year the programme owes you" in now.reasons["en"]
