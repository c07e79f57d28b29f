"""The router and its deadlines, in memory: who is offered a lead, and by when they must accept."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from partnerflow.leads.routing import LeadToRoute, Router, Standing
from partnerflow.leads.working_hours import add_working_hours
from partnerflow.models import PartnerTier
from partnerflow.policy import load_file
from partnerflow.settings import PROJECT_ROOT

POLICY = load_file(PROJECT_ROOT / "policies" / "lead_routing" / "2026-01-01.yaml")
JULY = datetime(2026, 7, 2, 9, tzinfo=UTC)  # 10 due by November: 5.4 due, so the 6th lead is


def paris(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2026-12-02T10:00", "2026-12-04T10:00"),  # Wednesday: two working days later
        ("2026-12-04T16:00", "2026-12-08T16:00"),  # Friday afternoon: the weekend does not count
        ("2026-12-24T10:00", "2026-12-29T10:00"),  # Christmas (a Friday) and the weekend off
        ("2026-12-05T11:00", "2026-12-09T00:00"),  # offered on a Saturday: counting starts Monday
        ("2026-03-27T12:00", "2026-03-31T12:00"),  # across the spring clock change
    ],
)
def test_a_deadline_counts_only_working_days_in_paris(start: str, due: str) -> None:
    deadline = add_working_hours(paris(start), 48, timezone="Europe/Paris", country="FR")
    assert deadline == paris(due).astimezone(UTC)


def standing(reseller_id: int, departement: str = "69", **given: object) -> Standing:
    values: dict[str, object] = {
        "tier": PartnerTier.SILVER,
        "certified": False,
        "score": 0.8,
        "received": 5,
        "recent": deque(),
    }
    values.update(given)
    return Standing(reseller_id, departement, **values)  # type: ignore[arg-type]


def lead(lead_id: str = "L-1", departement: str = "69", **given: object) -> LeadToRoute:
    values: dict[str, object] = {"product_lines": ("network",), "source": "web", "consent": True, "passes": 0}
    values.update(given)
    return LeadToRoute(lead_id, departement, **values)  # type: ignore[arg-type]


def test_the_reseller_furthest_behind_its_pro_rata_floor_is_offered_the_lead_first() -> None:
    router = Router(POLICY, [standing(1, received=5, score=1.0), standing(2, received=2, score=0.1)])
    routed = router.route(lead(), JULY)
    assert routed.reseller_id == 2
    assert routed.rule_id == "default"
    assert [row["reseller_id"] for row in routed.ranking] == [2, 1]
    assert routed.ranking[0]["behind"] == 4  # 10 a year due by November: the 6th is due in July
    assert routed.deadline_at == datetime(2026, 7, 6, 9, tzinfo=UTC)  # Thursday + 48 working hours
    assert routed.remind_at == datetime(2026, 7, 3, 9, tzinfo=UTC)


def test_among_resellers_on_schedule_the_better_kpis_then_the_higher_tier_win() -> None:
    better = Router(POLICY, [standing(1, received=9, score=0.6), standing(2, received=8, score=0.9)])
    assert better.route(lead(), JULY).reseller_id == 2
    tier = Router(
        POLICY,
        [standing(1, score=0.9, tier=PartnerTier.SILVER), standing(2, score=0.9, tier=PartnerTier.GOLD)],
    )
    assert tier.route(lead(), JULY).reseller_id == 2


def test_each_offer_moves_the_standing_so_a_zone_is_shared_until_everyone_has_its_floor() -> None:
    resellers = [standing(n, received=0, score=0.5 + n / 10) for n in range(1, 5)]
    router = Router(POLICY, resellers)
    for number in range(20):
        router.route(lead(f"L-{number}"), JULY)
    assert sorted(s.received for s in resellers) == [5, 5, 5, 5]


def test_neighbours_certification_capacity_and_previous_holders_limit_who_may_receive() -> None:
    full = deque([JULY - timedelta(days=1)] * 10)  # a silver reseller's 10 leads in 30 days
    router = Router(
        POLICY,
        [
            standing(1, "01", received=0),  # 01 neighbours 69 in the policy
            standing(2, "75", received=0),  # not a neighbour
            standing(3, "69", received=0, recent=full),
            standing(4, "69", received=0, certified=True),
        ],
    )
    assert router.route(lead("L-1", had_it=frozenset({4})), JULY).reseller_id == 1
    assert router.route(lead("L-2", product_lines=("security",)), JULY).reseller_id == 4
    assert sorted(row["reseller_id"] for row in router.route(lead("L-3"), JULY).ranking) == [1, 4]


def test_a_lead_the_policy_keeps_from_resellers_or_no_one_may_take_goes_to_the_manager() -> None:
    router = Router(POLICY, [standing(1)])
    refused = router.route(lead(consent=False), JULY)
    assert (refused.reseller_id, refused.rule_id) == (None, "no-consent")
    assert "consent" in refused.reasons["en"]
    assert router.route(lead(passes=3), JULY).rule_id == "passed-on-too-often"
    nobody = router.route(lead(departement="2A"), JULY)
    assert (nobody.reseller_id, nobody.rule_id) == (None, "no-candidate")
    assert "2A" in nobody.reasons["fr"]


def test_ties_are_broken_per_lead_not_always_for_the_same_reseller() -> None:
    winners = set()
    for number in range(30):
        router = Router(POLICY, [standing(1), standing(2), standing(3)])
        winners.add(router.route(lead(f"L-{number}"), JULY).reseller_id)
    assert winners == {1, 2, 3}
    again = [
        Router(POLICY, [standing(1), standing(2)]).route(lead("L-7"), JULY).reseller_id for _ in range(3)
    ]
    assert len(set(again)) == 1


def test_a_new_year_starts_every_reseller_from_zero() -> None:
    resellers = [standing(1, received=40), standing(2, received=0)]
    router = Router(POLICY, resellers)
    router.route(lead("L-1"), datetime(2026, 12, 30, tzinfo=UTC))
    router.route(lead("L-2"), datetime(2027, 1, 5, tzinfo=UTC))
    assert sorted(s.received for s in resellers) == [0, 1]


def test_the_policy_file_is_the_one_in_the_repository() -> None:
    assert Path(POLICY.path).name == "2026-01-01.yaml"
