"""Telling partners: the offer on the start date, a reminder before the end, then the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from sqlmodel import Session, col, select

from partnerflow.campaigns.eligibility import eligible_partners
from partnerflow.campaigns.notices import notify_partner, offered_quantity
from partnerflow.clock import programme_date
from partnerflow.contacts import contacts_by_territory
from partnerflow.models import Campaign, CampaignStatus, Partner
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DiscountCampaignPolicy, Policy


@dataclass
class OffersReport:
    announced: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    offers_queued: int = 0
    reminders_queued: int = 0
    preview: dict[int, dict[str, int]] = field(default_factory=dict)


def preview(partners: list[Partner]) -> dict[str, int]:
    """Counts by tier and by territory: what the channel team checks before partners are told."""
    counts: Counter[str] = Counter()
    for partner in partners:
        counts[f"tier:{partner.tier.value}"] += 1
        counts[f"territory:{partner.territory_code}"] += 1
    return dict(sorted(counts.items()))


def send_due_offers(
    session: Session,
    *,
    policy_for: Callable[[date], Policy[DiscountCampaignPolicy]],
    renderer: TemplateRenderer,
    now: datetime,
) -> OffersReport:
    """Announce approved campaigns that start today or earlier, remind, and end finished ones."""
    today = programme_date(now)
    report = OffersReport()
    mail = partial(notify_partner, session, renderer, contacts=contacts_by_territory(session))
    campaigns = session.exec(
        select(Campaign)
        .where(col(Campaign.status).in_([CampaignStatus.APPROVED, CampaignStatus.ANNOUNCED]))
        .order_by(col(Campaign.id))
    ).all()
    for campaign in campaigns:
        assert campaign.id is not None and campaign.starts_on and campaign.ends_on
        policy = policy_for(programme_date(campaign.created_at))  # the rules the campaign was approved under
        if today > campaign.ends_on:
            campaign.status = CampaignStatus.ENDED
            report.ended.append(campaign.id)
        elif campaign.status == CampaignStatus.APPROVED and today >= campaign.starts_on:
            partners = _eligible(session, campaign, policy)
            report.offers_queued += sum(
                mail(template="campaign_offer", campaign=campaign, partner=p) for p in partners
            )
            report.preview[campaign.id] = preview(partners)
            campaign.status, campaign.announced_at = CampaignStatus.ANNOUNCED, now
            report.announced.append(campaign.id)
        elif campaign.status == CampaignStatus.ANNOUNCED and today >= campaign.ends_on - timedelta(
            days=policy.document.reminder_days_before_end
        ):
            queued = sum(
                mail(template="campaign_reminder", campaign=campaign, partner=p)
                for p in _eligible(session, campaign, policy)
            )
            if queued:
                report.reminders_queued += queued
                report.reminded.append(campaign.id)
        session.add(campaign)
    session.flush()
    return report


def _eligible(session: Session, campaign: Campaign, policy: Policy[DiscountCampaignPolicy]) -> list[Partner]:
    """The eligible partners who have something to be offered: with an allocation by département,
    only partners of a département allocated at least one unit; with 0 confirmed, nobody."""
    partners = eligible_partners(
        session,
        tiers=campaign.eligibility.get("tiers", []),
        territories=campaign.eligibility.get("territories", []),
        policy=policy.document,
    )
    return [p for p in partners if offered_quantity(campaign, p) > 0]
