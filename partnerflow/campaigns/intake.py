"""Taking in a campaign request: refuse it, let the policy reject it, or open its sign-offs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.campaigns.eligibility import eligible_partners
from partnerflow.campaigns.request import CampaignRequest, check_dates, parse_request
from partnerflow.clock import programme_date
from partnerflow.models import Campaign, CampaignStatus, Person
from partnerflow.policy import DiscountCampaignPolicy, Policy
from partnerflow.text import storable

ACTOR = "system:discount-campaign"


@dataclass(frozen=True)
class CampaignResult:
    campaign_id: int
    status: str
    required_roles: tuple[str, ...] = ()
    rule_id: str | None = None
    reason: str | None = None
    problems: tuple[str, ...] = ()
    eligible_partners: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "required_roles": list(self.required_roles), "problems": list(self.problems)}


def take_in_campaign(
    session: Session,
    given: CampaignRequest | dict[str, Any],
    *,
    policy: Policy[DiscountCampaignPolicy],
    now: datetime,
) -> CampaignResult:
    """Validate, check eligibility, decide by policy; an accepted request waits for its sign-offs.
    ``given`` is raw (a CLI file: validated here) or typed (a flow's parameter, which Prefect
    validated: not validated twice)."""
    raw = given.model_dump(mode="json") if isinstance(given, CampaignRequest) else given
    parsed = given if isinstance(given, CampaignRequest) else parse_request(given)
    problems = parsed if isinstance(parsed, list) else check_dates(parsed, today=programme_date(now))
    eligible = 0
    if isinstance(parsed, CampaignRequest) and not problems:
        eligible = len(
            eligible_partners(
                session,
                tiers=[t.value for t in parsed.tiers],
                territories=parsed.territories,
                policy=policy.document,
            )
        )
        if not eligible:
            problems = ["no eligible partner: widen the tiers or territories"]
        if not _is_a_person(session, parsed.requester_email):
            problems.append(
                f"requester_email {parsed.requester_email} is not an active person of the channel team"
            )
    if problems or not isinstance(parsed, CampaignRequest):
        campaign = Campaign(
            status=CampaignStatus.REFUSED,
            name=storable(raw.get("name") or "", 120),
            request={storable(key, 100): storable(value, 500) for key, value in raw.items()},
            problems=problems,
            requester_email=storable(raw.get("requester_email") or "", 254),
            created_at=now,
        )
        return _stored(session, campaign, "campaign.refused", problems=tuple(problems), now=now)

    decision = policy.decide(
        {
            "campaign": {
                "discount_pct": parsed.effective_discount_pct,
                "duration_days": (parsed.ends_on - parsed.starts_on).days + 1,
                "product_line": parsed.product_line,
                "stock_value": float(parsed.stock_value),
                "units": parsed.quantity,
                "territories": list(parsed.territories),
                "lead_days": (parsed.starts_on - programme_date(now)).days,
            }
        }
    )
    roles = list(dict.fromkeys([*policy.document.signoffs, *decision.action.add_signoffs]))
    campaign = Campaign(
        status=CampaignStatus.REJECTED if decision.outcome == "reject" else CampaignStatus.AWAITING_SIGNOFF,
        name=parsed.name,
        product_line=parsed.product_line,
        skus=list(parsed.skus),
        discount_pct=parsed.discount_pct,
        net_prices={k: str(v) for k, v in parsed.net_prices.items()},
        starts_on=parsed.starts_on,
        ends_on=parsed.ends_on,
        quantity=parsed.quantity,
        stock_value=parsed.stock_value,
        requester_email=parsed.requester_email,
        rationale=parsed.rationale,
        eligibility={"tiers": [t.value for t in parsed.tiers], "territories": list(parsed.territories)},
        request=parsed.model_dump(mode="json"),
        required_roles=[role.value for role in roles],
        rule_id=decision.rule_id,
        reason=decision.reason,
        policy_version=decision.stamp.version,
        policy_sha256=decision.stamp.sha256,
        created_at=now,
        decided_at=now if decision.outcome == "reject" else None,
    )
    session.add(campaign)
    session.flush()
    record_event(
        session,
        now=now,
        actor=parsed.requester_email,
        action=f"campaign.{decision.outcome}",
        subject_type="campaign",
        subject_id=campaign.id or 0,
        stamp=decision.stamp,
        rule_id=decision.rule_id,
        details={"required_roles": campaign.required_roles},
    )
    return CampaignResult(
        campaign.id or 0,
        campaign.status.value,
        tuple(campaign.required_roles),
        decision.rule_id,
        decision.reason,
        (),
        eligible,
    )


def _stored(
    session: Session, campaign: Campaign, action: str, problems: tuple[str, ...], *, now: datetime
) -> CampaignResult:
    session.add(campaign)
    session.flush()
    record_event(
        session,
        now=now,
        actor=campaign.requester_email or ACTOR,
        action=action,
        subject_type="campaign",
        subject_id=campaign.id or 0,
        details={"problems": list(problems)},
    )
    return CampaignResult(campaign.id or 0, campaign.status.value, problems=problems)


def take_in_campaign_for_run(
    session: Session,
    request: CampaignRequest,
    flow_run_id: str,
    *,
    policy: Policy[DiscountCampaignPolicy],
    now: datetime,
) -> CampaignResult:
    """``take_in_campaign`` for one flow run, at most once: the campaign remembers the run that
    took it in, and a second call for the same run returns the first result."""
    earlier = session.exec(select(Campaign).where(Campaign.flow_run_id == flow_run_id)).first()
    if earlier is not None and earlier.id is not None:
        return CampaignResult(
            earlier.id,
            earlier.status.value,
            tuple(earlier.required_roles),
            earlier.rule_id,
            earlier.reason,
            tuple(earlier.problems),
        )
    result = take_in_campaign(session, request, policy=policy, now=now)
    campaign = session.get(Campaign, result.campaign_id)
    assert campaign is not None
    campaign.flow_run_id = flow_run_id
    session.add(campaign)
    return result


def _is_a_person(session: Session, email: str) -> bool:
    """Whether ``email`` is an active person of the channel team (who answers for the request)."""
    found = session.exec(select(Person.id).where(Person.email == email).where(col(Person.active))).first()
    return found is not None
