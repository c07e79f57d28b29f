"""The policy kinds of the programme, one module each: their settings, outcomes and fact
vocabularies (thresholds and rates live in the YAML files)."""

from __future__ import annotations

from typing import Any as _Any

from partnerflow.policy.kinds.commission_plan import CommissionAction, CommissionPlanPolicy
from partnerflow.policy.kinds.deal_registration import CloseReview, DealAction, DealRegistrationPolicy
from partnerflow.policy.kinds.discount_campaign import CampaignAction, DiscountCampaignPolicy
from partnerflow.policy.kinds.lead_routing import LeadRoutingPolicy, RoutingAction
from partnerflow.policy.kinds.partner_admission import PartnerAdmissionPolicy
from partnerflow.policy.kinds.partner_health import PartnerHealthPolicy
from partnerflow.policy.kinds.rebalancing import RebalancingAction, RebalancingPolicy
from partnerflow.policy.kinds.referral_programme import ReferralProgrammePolicy
from partnerflow.policy.schema import PolicyDocument as _PolicyDocument

POLICY_KINDS: dict[str, type[_PolicyDocument[_Any]]] = {
    kind.KIND: kind
    for kind in (
        DealRegistrationPolicy,
        DiscountCampaignPolicy,
        CommissionPlanPolicy,
        RebalancingPolicy,
        PartnerHealthPolicy,
        PartnerAdmissionPolicy,
        ReferralProgrammePolicy,
        LeadRoutingPolicy,
    )
}

__all__ = [
    "POLICY_KINDS",
    "CampaignAction",
    "CloseReview",
    "CommissionAction",
    "CommissionPlanPolicy",
    "DealAction",
    "DealRegistrationPolicy",
    "DiscountCampaignPolicy",
    "LeadRoutingPolicy",
    "PartnerAdmissionPolicy",
    "PartnerHealthPolicy",
    "RebalancingAction",
    "RebalancingPolicy",
    "ReferralProgrammePolicy",
    "RoutingAction",
]
