"""Versioned, tested business rules in YAML, evaluated with CEL.

Usage::

    from partnerflow.policy import load_policy
    policy = load_policy("deal_registration", context().clock.today(), settings.policies_dir)
    decision = policy.decide({"deal": {...}, "partner": {...}, "conflict": {...}})
    decision.outcome, decision.rule_id, decision.reason, decision.stamp

Errors: :class:`PolicyError` (a file cannot be used; ``.problems`` lists each defect as
``PATH:LINE: rule <id>: message``), its subclass :class:`NoPolicyInForce`, and
:class:`PolicyEvaluationError` (facts that do not fit the kind's vocabulary).
"""

from partnerflow.policy.decision import Decision, Policy, PolicyStamp
from partnerflow.policy.diff import Change, diff_policies
from partnerflow.policy.errors import (
    NoPolicyInForce,
    PolicyError,
    PolicyEvaluationError,
    Problem,
)
from partnerflow.policy.kinds import (
    POLICY_KINDS,
    CampaignAction,
    CloseReview,
    CommissionAction,
    CommissionPlanPolicy,
    DealAction,
    DealRegistrationPolicy,
    DiscountCampaignPolicy,
    LeadRoutingPolicy,
    PartnerAdmissionPolicy,
    PartnerHealthPolicy,
    RebalancingAction,
    RebalancingPolicy,
    ReferralProgrammePolicy,
    RoutingAction,
)
from partnerflow.policy.loader import (
    PolicyLibrary,
    forget_loaded_policies,
    load_file,
    load_policy,
    policy_files,
)
from partnerflow.policy.replay import ChangedDecision, ReplayReport, StoredDecision, replay
from partnerflow.policy.selftest import run_policy_tests
from partnerflow.policy.validation import validate_paths

__all__ = [
    "POLICY_KINDS",
    "CampaignAction",
    "Change",
    "ChangedDecision",
    "CloseReview",
    "CommissionAction",
    "CommissionPlanPolicy",
    "DealAction",
    "DealRegistrationPolicy",
    "Decision",
    "DiscountCampaignPolicy",
    "LeadRoutingPolicy",
    "NoPolicyInForce",
    "PartnerAdmissionPolicy",
    "PartnerHealthPolicy",
    "Policy",
    "PolicyError",
    "PolicyEvaluationError",
    "PolicyLibrary",
    "PolicyStamp",
    "Problem",
    "RebalancingAction",
    "RebalancingPolicy",
    "ReferralProgrammePolicy",
    "ReplayReport",
    "RoutingAction",
    "StoredDecision",
    "diff_policies",
    "forget_loaded_policies",
    "load_file",
    "load_policy",
    "policy_files",
    "replay",
    "run_policy_tests",
    "validate_paths",
]
