"""Sign-offs: each required role answers on its own form, in any order; one rejection ends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.campaigns.notices import notify_person
from partnerflow.models import Campaign, CampaignStatus, Person, Role, SignOff
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import PolicyStamp
from partnerflow.registration.review import SYSTEM_REVIEWER, reviewers_for

SignOffState = Literal["waiting", "approved", "rejected"]


class SignOffAnswer(BaseModel):
    """One role's answer; the role-specific fields are used by the role that has them."""

    decision: Literal["approve", "reject"]
    signer_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    comment: str = Field(default="", max_length=2000)
    programme_reference: str | None = Field(default=None, max_length=80)
    confirmed_quantity: int | None = Field(default=None, ge=0)
    allocation: dict[str, int] = Field(default_factory=dict)


@dataclass(frozen=True)
class SignOffResult:
    state: SignOffState
    message: str
    signed_roles: tuple[str, ...] = ()


def record_signoff(
    session: Session,
    campaign_id: int,
    role: str,
    answer: SignOffAnswer,
    *,
    renderer: TemplateRenderer,
    now: datetime,
) -> SignOffResult:
    """Apply one role's answer: refused (and audited) unless the signer holds that role."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"campaign {campaign_id} does not exist")
    if campaign.status != CampaignStatus.AWAITING_SIGNOFF:
        return SignOffResult(_final_state(campaign), f"campaign is {campaign.status.value}")
    if answer.signer_email == SYSTEM_REVIEWER:
        return SignOffResult("waiting", "woken up by partnerflow; still open")
    signed = signed_roles(session, campaign_id)
    refusal = _refusal(session, campaign, role, answer, signed)
    if refusal:
        record_event(
            session,
            actor=answer.signer_email,
            action="campaign.signoff.refused",
            subject_type="campaign",
            subject_id=campaign_id,
            details={"role": role, "refusal": refusal},
        )
        return SignOffResult("waiting", refusal, tuple(signed))
    details = answer.model_dump(
        include={"programme_reference", "confirmed_quantity", "allocation"}, exclude_defaults=True
    )
    session.add(
        SignOff(
            campaign_id=campaign_id,
            role=role,
            signer_email=answer.signer_email.lower(),
            decision=answer.decision,
            comment=answer.comment,
            details=details,
            decided_at=now,
        )
    )
    record_event(
        session,
        actor=answer.signer_email,
        action=f"campaign.signoff.{answer.decision}",
        stamp=_stamp(campaign),
        subject_type="campaign",
        subject_id=campaign_id,
        details={"role": role, "comment": answer.comment, **details},
    )
    _apply_details(campaign, answer)
    signed.append(role)
    if answer.decision == "reject":
        campaign.status, campaign.decided_at = CampaignStatus.REJECTED, now
        campaign.reason = f"Rejected by {role} ({answer.signer_email}): {answer.comment or 'no reason given'}"
        _tell_about_rejection(session, campaign, renderer)
    elif set(campaign.required_roles) <= set(signed):
        campaign.status, campaign.decided_at = CampaignStatus.APPROVED, now
    session.add(campaign)
    session.flush()
    state = _final_state(campaign)
    message = (
        f"{len(signed)} of {len(campaign.required_roles)} sign-offs"
        if state == "waiting"
        else campaign.status.value
    )
    return SignOffResult(state, message, tuple(signed))


def signed_roles(session: Session, campaign_id: int) -> list[str]:
    return list(
        session.exec(
            select(SignOff.role).where(SignOff.campaign_id == campaign_id).order_by(col(SignOff.decided_at))
        )
    )


def request_signoffs(
    session: Session, campaign: Campaign, *, role: str, renderer: TemplateRenderer, url: str
) -> int:
    """E-mail the people holding ``role`` a link to their sign-off form."""
    people = reviewers_for(session, role)
    for person in people:
        notify_person(
            session,
            renderer,
            template="campaign_signoff_requested",
            campaign=campaign,
            email=person.email,
            key=f"{role}:{person.id}",
            extra={"role": role, "signoff_url": url},
        )
    return len(people)


def signoff_summary(session: Session, campaign: Campaign, role: str) -> str:
    """The Markdown a signer reads above their form."""
    price = (
        f"{campaign.discount_pct} % off"
        if campaign.discount_pct is not None
        else "net prices: " + ", ".join(f"{sku} {price}" for sku, price in campaign.net_prices.items())
    )
    signed = session.exec(select(SignOff).where(SignOff.campaign_id == campaign.id)).all()
    lines = [
        f"### Campaign #{campaign.id}: {campaign.name}",
        "",
        "| | |",
        "|---|---|",
        f"| Product line | {campaign.product_line} ({', '.join(campaign.skus) or 'all SKUs'}) |",
        f"| Offer | {price} |",
        f"| Dates | {campaign.starts_on} to {campaign.ends_on} |",
        f"| Quantity to clear | {campaign.quantity} (stock value {campaign.stock_value}) |",
        f"| Eligible | tiers {', '.join(campaign.eligibility.get('tiers') or ['all'])}; "
        f"territories {', '.join(campaign.eligibility.get('territories') or ['all'])} |",
        f"| Requested by | {campaign.requester_email} |",
        "",
        f"**Your role: {role}.** Sign-offs needed: {', '.join(campaign.required_roles)} "
        f"(policy {campaign.policy_version}, rule `{campaign.rule_id}`).",
        "",
        "Signed so far: " + (", ".join(f"{s.role} by {s.signer_email}" for s in signed) or "none"),
    ]
    if campaign.rationale:
        lines += ["", f"> {campaign.rationale}"]
    return "\n".join(lines)


def _refusal(
    session: Session, campaign: Campaign, role: str, answer: SignOffAnswer, signed: list[str]
) -> str | None:
    if role not in campaign.required_roles:
        return f"{role} is not a sign-off this campaign needs ({', '.join(campaign.required_roles)})"
    person = session.exec(select(Person).where(Person.email == answer.signer_email.lower())).first()
    if person is None or not person.active or Role(role) not in person.roles:
        return f"{answer.signer_email} does not hold the {role} role"
    if role in signed:
        return f"{role} has already signed this campaign"
    return None


def _apply_details(campaign: Campaign, answer: SignOffAnswer) -> None:
    if answer.programme_reference:
        campaign.programme_reference = answer.programme_reference
    if answer.confirmed_quantity is not None:
        campaign.confirmed_quantity = answer.confirmed_quantity
    if answer.allocation:
        campaign.allocation = dict(answer.allocation)


def _tell_about_rejection(session: Session, campaign: Campaign, renderer: TemplateRenderer) -> None:
    signers = session.exec(select(SignOff.signer_email).where(SignOff.campaign_id == campaign.id)).all()
    for email in dict.fromkeys([campaign.requester_email, *signers]):
        notify_person(
            session, renderer, template="campaign_rejected", campaign=campaign, email=email, key=email
        )


def _stamp(campaign: Campaign) -> PolicyStamp | None:
    """The policy version the campaign was decided under, carried onto each sign-off event."""
    if campaign.policy_version is None or campaign.policy_sha256 is None:
        return None
    return PolicyStamp("discount_campaign", campaign.policy_version, campaign.policy_sha256)


def _final_state(campaign: Campaign) -> SignOffState:
    if campaign.status == CampaignStatus.REJECTED:
        return "rejected"
    if campaign.status == CampaignStatus.AWAITING_SIGNOFF:
        return "waiting"
    return "approved"
