"""Commission maths, hand-checked: exact Decimals, marginal brackets, caps, rounding half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partnerflow.commissions import base_rate, calculate_commission, round_to_cent
from partnerflow.commissions.calculation import attainment
from partnerflow.models import PartnerTier
from partnerflow.policy import CommissionPlanPolicy, load_file
from partnerflow.settings import PROJECT_ROOT

PLAN_2027: CommissionPlanPolicy = load_file(
    PROJECT_ROOT / "policies" / "commission_plan" / "2027-01-01.yaml"
).document
PLAN_2026: CommissionPlanPolicy = load_file(
    PROJECT_ROOT / "policies" / "commission_plan" / "2026-01-01.yaml"
).document


def commission(
    amount: str,
    ytd: str = "0",
    tier: PartnerTier = PartnerTier.SILVER,
    line: str = "network",
    plan: CommissionPlanPolicy = PLAN_2027,
) -> Decimal:
    return calculate_commission(
        plan, tier=tier, product_line=line, amount=Decimal(amount), year_to_date_before=Decimal(ytd)
    ).commission


def test_the_product_line_rate_overrides_the_tier_default() -> None:
    assert base_rate(PLAN_2027, PartnerTier.GOLD, "services") == Decimal("0.09")
    assert base_rate(PLAN_2027, PartnerTier.GOLD, "network") == Decimal("0.07")


def test_a_deal_inside_the_first_bracket_earns_the_base_rate() -> None:
    assert commission("100000") == Decimal("5000.00")  # silver 5 %


def test_a_deal_straddling_a_bracket_is_split_at_the_boundary() -> None:
    # 200,000 closed: 50,000 at 5 % (2,500) + 50,000 at 6.25 % (3,125)
    assert commission("100000", ytd="200000") == Decimal("5625.00")


def test_a_deal_across_three_brackets() -> None:
    # 0-250k at 5 % = 12,500; 250k-1M at 6.25 % = 46,875; 1M-1.2M at 7.5 % = 15,000 → 74,375, capped at 50,000
    calculation = calculate_commission(
        PLAN_2027,
        tier=PartnerTier.SILVER,
        product_line="network",
        amount=Decimal("1200000"),
        year_to_date_before=Decimal("0"),
    )
    assert [part.commission for part in calculation.parts] == [
        Decimal("12500.00"),
        Decimal("46875.0000"),
        Decimal("15000.000"),
    ]
    assert calculation.uncapped == Decimal("74375.0000") and calculation.capped
    assert calculation.commission == Decimal("50000.00")


def test_rounding_is_half_up_to_the_cent_on_the_line() -> None:
    assert commission("0.10") == Decimal("0.01")  # 0.005 → 0.01
    assert round_to_cent(Decimal("2.345")) == Decimal("2.35")
    assert round_to_cent(Decimal("2.344999")) == Decimal("2.34")


def test_no_float_creeps_in() -> None:
    assert commission("33333.33") == Decimal("1666.67")  # 1,666.6665 → 1,666.67


def test_a_plan_without_brackets_is_one_bracket() -> None:
    assert commission("100000", ytd="900000", plan=PLAN_2026) == Decimal("5000.00")


def test_the_explanation_names_each_step() -> None:
    calculation = calculate_commission(
        PLAN_2027,
        tier=PartnerTier.SILVER,
        product_line="network",
        amount=Decimal("100000"),
        year_to_date_before=Decimal("200000"),
    )
    assert calculation.explanation() == [
        "base rate 5 % on 100000 (closed this year before the deal: 200000)",
        "50000 in bracket 0–250000 at 5 % = 2500.00",
        "50000 in bracket 250000–1000000 at 6.25 % = 3125.00",
        "commission 5625.00 (rounded to the cent, half up)",
    ]


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        commission("-1")


def plan_with_targets(**changes: object) -> CommissionPlanPolicy:
    """The 2026 plan with yearly targets per tier and accelerators past 100 % and 150 % of them."""
    data = {
        **PLAN_2026.model_dump(),
        "yearly_targets": {"registered": 50000, "silver": 200000, "gold": 500000, "platinum": 1000000},
        "accelerators": [
            {"from_attainment": 1.0, "multiplier": 1.25},
            {"from_attainment": 1.5, "multiplier": 1.5},
        ],
        **changes,
    }
    return CommissionPlanPolicy.model_validate(data, context={"vocabulary": CommissionPlanPolicy.VOCABULARY})


def test_accelerators_start_at_their_share_of_the_tiers_target() -> None:
    plan = plan_with_targets()
    # silver target 200,000; 180,000 closed: 20,000 at 5 % (1,000) + 80,000 at 6.25 % (5,000)
    assert commission("100000", ytd="180000", plan=plan) == Decimal("6000.00")
    # 290,000 closed: 10,000 at 6.25 % (625) + 90,000 past 150 % (300,000) at 7.5 % (6,750)
    assert commission("100000", ytd="290000", plan=plan) == Decimal("7375.00")
    assert commission("100000", ytd="0", plan=plan) == Decimal("5000.00"), "under target: base rate"


def test_attainment_is_revenue_closed_before_the_deal_over_the_tiers_target() -> None:
    plan = plan_with_targets()
    assert attainment(plan, PartnerTier.GOLD, Decimal("250000")) == 0.5
    assert attainment(PLAN_2026, PartnerTier.GOLD, Decimal("250000")) == 0.0, "no targets, no attainment"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"yearly_targets": {}}, "need a target for every tier; missing registered, silver, gold, platinum"),
        ({"yearly_targets": {"gold": 1}}, "missing registered, silver, platinum"),
        ({"brackets": [{"from_revenue": 0, "multiplier": 1}]}, "declare one way to accelerate"),
        (
            {
                "accelerators": [
                    {"from_attainment": 1.5, "multiplier": 1.5},
                    {"from_attainment": 1, "multiplier": 2},
                ]
            },
            "each starts at a higher attainment",
        ),
    ],
)
def test_accelerators_that_could_not_apply_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_with_targets(**changes)
