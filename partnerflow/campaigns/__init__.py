"""Discount campaigns: a request decided by policy, signed off role by role, then offered to the
eligible partners of each allocated département, reminded and ended."""

from partnerflow.campaigns import decisions as decisions  # declares the sign-off decision to approvals
from partnerflow.campaigns.intake import CampaignResult, take_in_campaign
from partnerflow.campaigns.offers import OffersReport, send_due_offers
from partnerflow.campaigns.request import CampaignRequest
from partnerflow.campaigns.signoffs import (
    apply_signoffs,
    campaign_subject,
    request_signoffs,
    signoff_details_reader,
)
from partnerflow.campaigns.sla import sweep_signoffs

__all__ = [
    "CampaignRequest",
    "CampaignResult",
    "OffersReport",
    "apply_signoffs",
    "campaign_subject",
    "request_signoffs",
    "send_due_offers",
    "signoff_details_reader",
    "sweep_signoffs",
    "take_in_campaign",
]
