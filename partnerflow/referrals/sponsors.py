"""Who may sponsor: every customer judged by the ``referral_programme`` policy's sponsor rules
(loyalty and engagement first), from facts the database holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from partnerflow.models import Customer
from partnerflow.policy import Policy, ReferralProgrammePolicy

NEVER = 10_000  # days since the last purchase of a customer who never bought


@dataclass(frozen=True)
class SponsorDecision:
    customer_id: int
    name: str
    eligible: bool
    rule_id: str
    reason: str


def sponsor_facts(customer: Customer, today: date) -> dict[str, object]:
    first, last = customer.first_purchase_on, customer.last_purchase_on
    months = (
        (today.year - first.year) * 12 + today.month - first.month - (today.day < first.day) if first else 0
    )
    return {
        "customer": {
            "months_as_customer": max(0, months),
            "purchases": customer.purchases,
            "revenue": float(customer.revenue),
            "days_since_last_purchase": (today - last).days if last else NEVER,
            "has_satisfaction": customer.satisfaction is not None,
            "satisfaction": customer.satisfaction or 0,
            "has_email": bool(customer.email),
        }
    }


def judge_sponsors(
    session: Session, policy: Policy[ReferralProgrammePolicy], today: date, *, eligible_only: bool = False
) -> list[SponsorDecision]:
    """Every customer's sponsor decision (or only the eligible ones), by customer id."""
    decisions = []
    for customer in session.exec(select(Customer).order_by(col(Customer.id))):
        decision = policy.decide(sponsor_facts(customer, today))
        if eligible_only and decision.outcome != "eligible":
            continue
        decisions.append(
            SponsorDecision(
                customer.id or 0,
                customer.name,
                decision.outcome == "eligible",
                decision.rule_id,
                decision.reason or "",
            )
        )
    return decisions
