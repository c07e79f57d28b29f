"""A campaign request is refused with reasons, rejected by policy, or opened for sign-off."""

from __future__ import annotations

from collections.abc import Callable

from partnerflow.campaigns.intake import CampaignResult
from tests.factories import campaign_request

Request = Callable[..., CampaignResult]


def test_a_routine_campaign_needs_the_three_base_sign_offs(request_campaign: Request) -> None:
    result = request_campaign()
    assert result.status == "awaiting-signoff" and result.rule_id == "default"
    assert result.required_roles == ("channel-sales", "channel-ops", "supply-chain")
    assert result.eligible_partners == 2  # silver and above, active


def test_a_deep_discount_adds_finance(request_campaign: Request) -> None:
    result = request_campaign(campaign_request(discount_pct="40"))
    assert result.required_roles == ("channel-sales", "channel-ops", "supply-chain", "finance")


def test_beyond_the_maximum_discount_the_policy_rejects_with_its_reason(request_campaign: Request) -> None:
    result = request_campaign(campaign_request(discount_pct="70"))
    assert (result.status, result.rule_id) == ("rejected", "too-deep")
    assert result.reason is not None and "60 %" in result.reason


def test_end_before_start_and_a_past_start_are_refused(request_campaign: Request) -> None:
    result = request_campaign(campaign_request(starts_on="2026-01-10", ends_on="2026-01-01"))
    assert result.status == "refused"
    assert result.problems == (
        "ends_on 2026-01-01 is before starts_on 2026-01-10",
        "starts_on 2026-01-10 is in the past",
    )


def test_a_discount_outside_0_to_100_is_refused(request_campaign: Request) -> None:
    assert request_campaign(campaign_request(discount_pct="120")).problems == (
        "discount_pct: Input should be less than 100",
    )


def test_an_unknown_sku_format_is_refused(request_campaign: Request) -> None:
    [problem] = request_campaign(campaign_request(skus=["sw 24"])).problems
    assert problem.startswith("skus.0: unknown SKU format")


def test_no_eligible_partner_is_refused(request_campaign: Request) -> None:
    assert request_campaign(campaign_request(territories=["13"])).problems == (
        "no eligible partner: widen the tiers or territories",
    )


def test_net_prices_replace_the_discount(request_campaign: Request) -> None:
    result = request_campaign(campaign_request(discount_pct=None, net_prices={"SW-24P-POE": "289.00"}))
    assert result.status == "awaiting-signoff"


def test_a_requester_who_is_nobody_is_refused(request_campaign: Request) -> None:
    result = request_campaign(campaign_request(requester_email="someone@elsewhere.example"))
    assert result.status == "refused" and result.problems == (
        "requester_email someone@elsewhere.example is not an active person of the channel team",
    )
