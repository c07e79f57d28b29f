"""Which partners a campaign is offered to: the request's targeting within the policy's limits."""

from __future__ import annotations

from sqlmodel import Session, col, select

from partnerflow.models import Partner, PartnerTier
from partnerflow.policy import DiscountCampaignPolicy

TIER_ORDER = list(PartnerTier)


def eligible_partners(
    session: Session, *, tiers: list[str], territories: list[str], policy: DiscountCampaignPolicy
) -> list[Partner]:
    """Partners in an allowed status, at or above the policy's minimum tier, matching the request."""
    rules = policy.eligibility
    allowed_tiers = [
        tier for tier in TIER_ORDER if TIER_ORDER.index(tier) >= TIER_ORDER.index(rules.min_tier)
    ]
    if tiers:
        allowed_tiers = [tier for tier in allowed_tiers if tier.value in tiers]
    query = (
        select(Partner)
        .where(col(Partner.status).in_(list(rules.statuses)))
        .where(col(Partner.tier).in_(allowed_tiers))
        .order_by(col(Partner.id))
    )
    if territories:
        query = query.where(col(Partner.territory_code).in_(territories))
    if rules.certified_only:
        query = query.where(col(Partner.certified))
    return list(session.exec(query))
