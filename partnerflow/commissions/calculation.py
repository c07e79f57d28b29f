"""One deal's commission: base rate by tier and product line, marginal brackets, cap, rounding.

The deal's amount is laid on top of the partner's closed revenue of the calendar year so far;
each part that falls inside a bracket earns ``base rate x bracket multiplier`` (like tax bands).
The cap applies to the deal's total; the result is rounded to the cent, half up, once per line.
Every figure is a Decimal and every step is kept, so a statement can explain each line.

Example: base 5 %, brackets 0 → x1 and 250,000 → x1.25, 200,000 closed so far, a 100,000 deal:
50,000 at 5 % = 2,500 plus 50,000 at 6.25 % = 3,125, commission 5,625.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from partnerflow.models import PartnerTier
from partnerflow.policy import CommissionPlanPolicy

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BracketPart:
    """The slice of the deal inside one bracket and what it earns."""

    from_revenue: Decimal
    to_revenue: Decimal | None
    amount: Decimal
    rate: Decimal
    commission: Decimal


@dataclass(frozen=True)
class CommissionCalculation:
    deal_amount: Decimal
    year_to_date_before: Decimal
    base_rate: Decimal
    parts: tuple[BracketPart, ...]
    uncapped: Decimal
    cap: Decimal | None
    commission: Decimal

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.uncapped > self.cap

    def facts(self) -> dict[str, Any]:
        """The steps as data (Decimals as strings): statements render them in the partner's language."""
        return {
            "base_rate": str(self.base_rate),
            "year_to_date_before": str(self.year_to_date_before),
            "parts": [
                {
                    "from": str(part.from_revenue),
                    "to": str(part.to_revenue) if part.to_revenue is not None else None,
                    "amount": str(part.amount),
                    "rate": str(part.rate),
                    "commission": str(round_to_cent(part.commission)),
                }
                for part in self.parts
            ],
            "capped": self.capped,
            "cap": str(self.cap) if self.cap is not None else None,
            "uncapped": str(round_to_cent(self.uncapped)),
        }

    def explanation(self) -> list[str]:
        """One line per step, for statements and ``partnerflow commissions explain``."""
        lines = [
            f"base rate {_percent(self.base_rate)} % on {self.deal_amount} "
            f"(closed this year before the deal: {self.year_to_date_before})"
        ]
        for part in self.parts:
            bracket = (
                f"{part.from_revenue}–{part.to_revenue}"
                if part.to_revenue is not None
                else f"from {part.from_revenue} up"
            )
            lines.append(
                f"{part.amount} in bracket {bracket} at {_percent(part.rate)} % "
                f"= {round_to_cent(part.commission)}"
            )
        if self.capped:
            lines.append(f"capped at {self.cap} (uncapped {self.uncapped})")
        lines.append(f"commission {self.commission} (rounded to the cent, half up)")
        return lines


def round_to_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}"


def base_rate(plan: CommissionPlanPolicy, tier: PartnerTier, product_line: str) -> Decimal:
    """The tier's rate for the product line, else the tier's default rate."""
    rates = plan.rates[tier]
    return Decimal(str(rates.get(product_line, rates["default"])))


def attainment(plan: CommissionPlanPolicy, tier: PartnerTier, year_to_date_before: Decimal) -> float:
    """The share of the tier's yearly target closed before the deal (0 when the plan sets none)."""
    target = plan.yearly_targets.get(tier)
    return float(year_to_date_before / target) if target else 0.0


def revenue_bounds(plan: CommissionPlanPolicy, tier: PartnerTier) -> list[tuple[Decimal, Decimal]]:
    """Where each multiplier starts on the year's closed revenue: the plan's brackets, or its
    accelerators placed at their share of the tier's target, or one bracket x1."""
    if plan.brackets:
        return [(b.from_revenue, b.multiplier) for b in plan.brackets]
    target = plan.yearly_targets.get(tier)
    steps = [
        (target * Decimal(str(a.from_attainment)), Decimal(str(a.multiplier)))
        for a in plan.accelerators
        if target is not None
    ]
    return [(Decimal(0), Decimal(1)), *steps]


def calculate_commission(
    plan: CommissionPlanPolicy,
    *,
    tier: PartnerTier,
    product_line: str,
    amount: Decimal,
    year_to_date_before: Decimal,
) -> CommissionCalculation:
    """The commission on a won deal of ``amount``, the partner having closed ``year_to_date_before``.

    Raises:
        ValueError: a negative amount or year-to-date revenue (reversals are separate lines).
    """
    if amount < 0 or year_to_date_before < 0:
        raise ValueError("amount and year-to-date revenue must not be negative")
    rate = base_rate(plan, tier, product_line)
    bounds = revenue_bounds(plan, tier)
    start, end = year_to_date_before, year_to_date_before + amount
    parts = []
    for index, (low, multiplier) in enumerate(bounds):
        high = bounds[index + 1][0] if index + 1 < len(bounds) else None
        inside = min(end, high if high is not None else end) - max(start, low)
        if inside > 0:
            part_rate = rate * multiplier
            parts.append(BracketPart(low, high, inside, part_rate, inside * part_rate))
    uncapped = sum((part.commission for part in parts), Decimal(0))
    cap = Decimal(str(plan.cap_per_deal)) if plan.cap_per_deal is not None else None
    total = min(uncapped, cap) if cap is not None else uncapped
    return CommissionCalculation(
        amount, year_to_date_before, rate, tuple(parts), uncapped, cap, round_to_cent(total)
    )
