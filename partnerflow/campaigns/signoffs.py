"""Sign-offs: each required role answers, in any order; one rejection ends it.

Each role is one approval request (round 1) whose people get a personal link and code; the
answers :mod:`partnerflow.approvals` recorded are applied here in order, each once, into one
``SignOff`` per role.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    Ask,
    DecisionOutcome,
    DetailsReader,
    Links,
    Subject,
    close_requests,
    decision_kind,
    mark_applied,
    open_round,
    unapplied_answers,
)
from partnerflow.approvals.form_items import FormItem
from partnerflow.audit import record_event
from partnerflow.campaigns.eligibility import eligible_partners
from partnerflow.campaigns.notices import notify_person
from partnerflow.markdown import md_text
from partnerflow.models import ApprovalAnswer, Campaign, CampaignStatus, SignOff
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DiscountCampaignPolicy, PolicyStamp
from partnerflow.territories import ORDERED_CODES, departement_label
from partnerflow.text import MAX_ID


class SignOffDetails(BaseModel):
    """What some roles add to their answer (channel ops a reference, supply chain quantities)."""

    programme_reference: str | None = Field(
        default=None, max_length=80, description="Programme or price-list reference created"
    )
    confirmed_quantity: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="Quantity confirmed available"
    )
    allocation: dict[str, Annotated[int, Field(ge=0, le=MAX_ID)]] = Field(
        default_factory=dict, description="Units per département, if allocated"
    )


def signoff_details_reader(session: Session, campaign_id: int) -> DetailsReader:
    """The reader of a sign-off form's details for one campaign: checked field by field
    (pydantic), then against the campaign (raises ValueError saying why). Supply chain confirms
    at most the quantity asked, and allocates at most what it confirmed (or, confirming nothing,
    what was asked): measured before, 900 units could be allocated of 10 confirmed."""

    def read(values: dict[str, Any]) -> dict[str, Any]:
        details = SignOffDetails.model_validate(values)
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise ValueError(f"campaign {campaign_id} does not exist")
        confirmed = details.confirmed_quantity
        if confirmed is not None and confirmed > campaign.quantity:
            raise ValueError(
                f"confirmed_quantity: {confirmed} is more than the {campaign.quantity} units "
                "the campaign clears"
            )
        available = confirmed if confirmed is not None else campaign.confirmed_quantity
        ceiling = campaign.quantity if available is None else available
        allocated = sum(details.allocation.values())
        if allocated > ceiling:
            raise ValueError(
                f"allocation: {allocated} units allocated, more than the {ceiling} "
                + ("asked" if available is None else "confirmed available")
            )
        return details.model_dump(exclude_defaults=True)

    return read


SUBJECT_KIND = "campaign"


def campaign_subject(campaign_id: int) -> Subject:
    return Subject(SUBJECT_KIND, campaign_id)


def apply_signoffs(at: Applying, campaign_id: int) -> DecisionOutcome:
    """Apply every recorded sign-off not applied yet; the campaign is approved once every required
    role signed, rejected by the first rejection. Each role waits in its own run (``at``'s run):
    that run is done once its role signed; once the campaign is decided, the runs of the roles
    that had not signed are named to be woken (their requests are closed)."""
    session, now = at.session, at.now
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"campaign {campaign_id} does not exist")
    for answer, request in unapplied_answers(session, campaign_subject(campaign_id), at.keys, now=now):
        mark_applied(session, answer, now)
        if campaign.status == CampaignStatus.AWAITING_SIGNOFF:
            _apply(session, campaign, request.role, answer, at.renderer, now)
    signed = signed_roles(session, campaign_id)
    if campaign.status == CampaignStatus.AWAITING_SIGNOFF:
        runs_role = next((role for role, run in campaign.signoff_runs.items() if run == at.flow_run_id), None)
        message = f"{len(signed)} of {len(campaign.required_roles)} sign-offs"
        return DecisionOutcome(runs_role in signed, campaign.status.value, message)
    close_requests(session, campaign_subject(campaign_id), now)
    others = tuple(
        run for role, run in campaign.signoff_runs.items() if role not in signed and run != at.flow_run_id
    )
    return DecisionOutcome(True, campaign.status.value, campaign.status.value, others)


def _apply(
    session: Session,
    campaign: Campaign,
    role: str,
    answer: ApprovalAnswer,
    renderer: TemplateRenderer,
    now: datetime,
) -> None:
    assert campaign.id is not None
    details = SignOffDetails.model_validate(answer.details).model_dump(exclude_defaults=True)
    session.add(
        SignOff(
            campaign_id=campaign.id,
            role=role,
            signer_email=answer.person_email,
            decision=answer.decision,
            comment=answer.comment,
            details=details,
            decided_at=now,
        )
    )
    record_event(
        session,
        now=now,
        actor=answer.actor,
        action=f"campaign.signoff.{answer.decision}",
        stamp=_stamp(campaign),
        subject_type="campaign",
        subject_id=campaign.id,
        details={"role": role, "person": answer.person_email, "comment": answer.comment, **details},
    )
    _apply_details(campaign, SignOffDetails.model_validate(details))
    session.flush()
    if answer.decision == "reject":
        campaign.status, campaign.decided_at = CampaignStatus.REJECTED, now
        reason = answer.comment or "no reason given"
        campaign.reason = f"Rejected by {role} ({answer.person_email}): {reason}"
        _tell_about_rejection(session, campaign, renderer)
    elif set(campaign.required_roles) <= set(signed_roles(session, campaign.id)):
        campaign.status, campaign.decided_at = CampaignStatus.APPROVED, now
    session.add(campaign)
    session.flush()


def signed_roles(session: Session, campaign_id: int) -> list[str]:
    return list(
        session.exec(
            select(SignOff.role).where(SignOff.campaign_id == campaign_id).order_by(col(SignOff.decided_at))
        )
    )


def request_signoffs(
    session: Session,
    campaign: Campaign,
    *,
    role: str,
    links: Links,
    renderer: TemplateRenderer,
    flow_run_id: str,
    expires_at: datetime,
    now: datetime,
) -> int:
    """Mail the people holding ``role`` their personal link and code to sign off (once; nobody
    once the campaign is decided)."""
    assert campaign.id is not None
    if campaign.status != CampaignStatus.AWAITING_SIGNOFF:
        return 0
    invitations = open_round(
        session,
        links,
        Ask(
            campaign_subject(campaign.id),
            role=role,
            approvers_required=1,
            summary=signoff_summary(session, campaign, role),
            expires_at=expires_at,
            flow_run_id=flow_run_id,
            round_number=1,
        ),
        now=now,
    )
    for invitation in invitations:
        notify_person(
            session,
            renderer,
            template=decision_kind(SUBJECT_KIND).template,
            campaign=campaign,
            email=invitation.person.email,
            key=f"{role}:{invitation.person.id}",
            extra={"role": role, **invitation.mailed()},
        )
    return len(invitations)


def allocation_items(session: Session, campaign: Campaign, policy: DiscountCampaignPolicy) -> list[FormItem]:
    """The départements supply chain may allocate units to: those of the campaign's eligible
    partners, in the INSEE order, each named with how many partners it has."""
    partners = eligible_partners(
        session,
        tiers=campaign.eligibility.get("tiers", []),
        territories=campaign.eligibility.get("territories", []),
        policy=policy,
    )
    counts = Counter(partner.territory_code for partner in partners)
    return [
        FormItem(code, f"{departement_label(code)}: {counts[code]} partner{'s' if counts[code] > 1 else ''}")
        for code in ORDERED_CODES
        if code in counts
    ]


def signoff_summary(session: Session, campaign: Campaign, role: str) -> str:
    """The Markdown a signer reads above their form."""
    price = (
        f"{campaign.discount_pct} % off"
        if campaign.discount_pct is not None
        else "net prices: "
        + ", ".join(f"{md_text(sku)} {price}" for sku, price in campaign.net_prices.items())
    )
    signed = session.exec(select(SignOff).where(SignOff.campaign_id == campaign.id)).all()
    lines = [
        f"### Campaign #{campaign.id}: {md_text(campaign.name)}",
        "",
        "| | |",
        "|---|---|",
        f"| Product line | {campaign.product_line} ({md_text(', '.join(campaign.skus)) or 'all SKUs'}) |",
        f"| Offer | {price} |",
        f"| Dates | {campaign.starts_on} to {campaign.ends_on} |",
        f"| Quantity to clear | {campaign.quantity} (stock value {campaign.stock_value}) |",
        f"| Eligible | tiers {', '.join(campaign.eligibility.get('tiers') or ['all'])}; "
        f"territories {', '.join(campaign.eligibility.get('territories') or ['all'])} |",
        f"| Requested by | {md_text(campaign.requester_email)} |",
        "",
        f"**Your role: {role}.** Sign-offs needed: {', '.join(campaign.required_roles)} "
        f"(policy {campaign.policy_version}, rule `{campaign.rule_id}`).",
        "",
        "Signed so far: " + (", ".join(f"{s.role} by {md_text(s.signer_email)}" for s in signed) or "none"),
    ]
    if campaign.rationale:  # the requester's words, one quoted line: no table, link or heading of theirs
        lines += ["", f"> {md_text(campaign.rationale)}"]
    return "\n".join(lines)


def _apply_details(campaign: Campaign, answer: SignOffDetails) -> None:
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


def signoff_rows(session: Session, campaign_id: int) -> list[dict[str, str]]:
    """The sign-offs so far, one row each, for the campaign's table in the Prefect UI."""
    return [
        {
            "role": s.role,
            "signer": s.signer_email,
            "decision": s.decision,
            "when": s.decided_at.isoformat(),
            "comment": s.comment,
        }
        for s in session.exec(
            select(SignOff).where(SignOff.campaign_id == campaign_id).order_by(col(SignOff.decided_at))
        )
    ]


def remember_signoff_runs(session: Session, campaign_id: int, runs: dict[str, str]) -> None:
    """Keep each role's sign-off run: the first role to decide the campaign wakes the others."""
    if not runs:
        return
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"campaign {campaign_id} does not exist")
    campaign.signoff_runs = runs
    session.add(campaign)
