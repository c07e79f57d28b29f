"""Inviting sponsors, and the companies they refer.

The launch gate comes first (the programme's material: be sure the service is good before
asking customers to recommend it): while the customers' average satisfaction is under the
policy's floor or too many customers have gone quiet, nobody is invited and the reason is given.
The pilot invites the policy's number of sponsors, best first (satisfaction, purchases,
revenue). Each gets an e-mail with a personal referral link (signed over the invitation) and a
code; on the referral page the referred company leaves its details, with consent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.approvals import Keys
from partnerflow.approvals.keys import CODE_ALPHABET
from partnerflow.approvals.sealing import referral_link
from partnerflow.customers import business_domain, customer_key, names_a_company, siren_text
from partnerflow.models import Customer, Referral, ReferralReward, SponsorInvitation
from partnerflow.notify import TemplateRenderer, enqueue
from partnerflow.policy import Policy, ReferralProgrammePolicy
from partnerflow.referrals.pilot import PILOT, STOPPED, Stage, programme_stage
from partnerflow.referrals.sponsors import judge_sponsors
from partnerflow.text import is_clean

QUIET_AFTER = timedelta(days=540)
CODE_LENGTH = 8
REFERRALS_PER_DAY = 10  # companies one sponsor link may recommend in a day


@dataclass(frozen=True)
class LaunchGate:
    open: bool
    average_satisfaction: float | None
    quiet_share: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InvitationRound:
    gate: LaunchGate
    invited: int
    cohort: str  # pilot, rollout, stopped
    note: str = ""  # why nobody was invited although the gate is open


def launch_gate(session: Session, policy: Policy[ReferralProgrammePolicy], today: date) -> LaunchGate:
    """Open when the customers are happy enough and few have gone quiet (computed in SQL)."""
    gate = policy.document.launch
    average = session.exec(
        select(func.avg(Customer.satisfaction)).where(col(Customer.satisfaction).is_not(None))
    ).one()
    bought = session.exec(select(func.count()).where(col(Customer.last_purchase_on).is_not(None))).one()
    quiet = session.exec(
        select(func.count()).where(col(Customer.last_purchase_on) < today - QUIET_AFTER)
    ).one()
    share = quiet / bought if bought else 0.0
    reasons = []
    if average is None:
        reasons.append("no customer satisfaction is known yet (import it with partnerflow customers import)")
    elif float(average) < gate.min_average_satisfaction:
        reasons.append(f"average satisfaction {float(average):.1f}/10 under {gate.min_average_satisfaction}")
    if share > gate.max_quiet_share:
        reasons.append(
            f"{share:.0%} of customers bought nothing in 18 months (at most {gate.max_quiet_share:.0%})"
        )
    return LaunchGate(not reasons, float(average) if average is not None else None, share, reasons)


def invite_sponsors(
    session: Session,
    policy: Policy[ReferralProgrammePolicy],
    *,
    today: date,
    now: datetime,
    renderer: TemplateRenderer,
) -> InvitationRound:
    """Invite the best eligible sponsors not invited yet (once each): up to the pilot's size
    during the pilot, every one once rolled out, nobody after the pilot's end until the owner
    decides, nor once stopped."""
    gate = launch_gate(session, policy, today)
    stage = programme_stage(session, policy)
    if not gate.open:
        return InvitationRound(gate, 0, stage.name)
    if not stage.invites(today):
        return InvitationRound(gate, 0, stage.name, _not_inviting(stage))
    room: int | None = None  # rolled out: every eligible sponsor
    if stage.name == PILOT:
        in_pilot = session.exec(select(func.count()).where(SponsorInvitation.cohort == PILOT)).one()
        room = policy.document.pilot.sponsors - in_pilot
        if room <= 0:
            return InvitationRound(
                gate, 0, PILOT, f"the pilot's {policy.document.pilot.sponsors} sponsors are invited"
            )
    known = set(session.exec(select(SponsorInvitation.customer_id)).all())
    eligible = {d.customer_id for d in judge_sponsors(session, policy, today, eligible_only=True)} - known
    best = session.exec(
        select(Customer)
        .where(col(Customer.id).in_(eligible))
        .order_by(
            col(Customer.satisfaction).desc().nulls_last(),
            col(Customer.purchases).desc(),
            col(Customer.revenue).desc(),
            col(Customer.id),
        )
        .limit(room)
    ).all()
    for customer in best:
        invitation = SponsorInvitation(
            customer_id=customer.id or 0,
            code=_new_code(),
            cohort=stage.name,
            policy_version=policy.version,
            sent_at=now,
        )
        session.add(invitation)
        session.flush()
        enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"sponsor-invitation:{customer.id}",
            recipient=customer.email or "",
            template="sponsor_invitation",
            locale=customer.locale,
            context={
                "customer_name": customer.name,
                "referral_url": referral_link(invitation.id or 0),
                "referral_code": invitation.code,
            },
        )
    return InvitationRound(gate, len(best), stage.name)


def _not_inviting(stage: Stage) -> str:
    if stage.name == STOPPED:
        return "the programme owner stopped the programme: nobody new is invited"
    if stage.awaiting:
        return f"the pilot ended {stage.pilot_ends_on}: invitations wait for the programme owner's decision"
    return f"the pilot ended {stage.pilot_ends_on}"


class ReferredCompany(BaseModel):
    """What the referred company leaves on the page."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    company: Annotated[str, AfterValidator(names_a_company)] = Field(min_length=1, max_length=200)
    siren: str | None = Field(default=None, pattern=r"^[0-9]{9}$")
    domain: str | None = Field(default=None, max_length=253)
    contact_name: str = Field(min_length=1, max_length=200)
    contact_email: str = Field(max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$")
    consent: bool

    @field_validator("siren", mode="before")
    @classmethod
    def _siren_digits(cls, value: Any) -> Any:
        """Digits of any width made ASCII before the check, as every SIREN is."""
        return siren_text(value) if isinstance(value, str) else value

    @field_validator("company", "contact_name")
    @classmethod
    def _plain(cls, value: str) -> str:
        if not is_clean(value):
            raise ValueError("contains a control character")
        return value

    @model_validator(mode="after")
    def _consented(self) -> ReferredCompany:
        if not self.consent:
            raise ValueError("consent is required to be contacted")
        return self


@dataclass(frozen=True)
class ReferralOutcome:
    created: bool
    locale: str
    problem: str = ""  # invalid, already-referred, or the fields at fault


def find_invitation(session: Session, keys: Keys, token: str) -> tuple[SponsorInvitation, Customer] | None:
    invitation_id = keys.read_referral(token)
    invitation = session.get(SponsorInvitation, invitation_id) if invitation_id is not None else None
    if invitation is None:
        return None
    return invitation, session.get_one(Customer, invitation.customer_id)


def count_visit(session: Session, invitation: SponsorInvitation) -> None:
    """A referral page shown (mail scanners count too: visits are an upper bound)."""
    session.execute(
        update(SponsorInvitation)
        .where(col(SponsorInvitation.id) == invitation.id)
        .values(visits=col(SponsorInvitation.visits) + 1)
    )


def refer(
    session: Session, keys: Keys, token: str, given: dict[str, str], *, now: datetime
) -> ReferralOutcome:
    """Record the referred company (once per sponsor and company, at most ``REFERRALS_PER_DAY``
    a link: one sponsor link once recorded 40 spam referrals)."""
    found = find_invitation(session, keys, token)
    if found is None:
        return ReferralOutcome(False, "", "invalid")
    invitation, sponsor = found
    today = session.exec(
        select(func.count())
        .select_from(Referral)
        .where(Referral.invitation_id == invitation.id, col(Referral.created_at) > now - timedelta(days=1))
    ).one()
    if today >= REFERRALS_PER_DAY:
        return ReferralOutcome(False, sponsor.locale, "too-many")
    try:
        company = ReferredCompany.model_validate(
            {
                **{key: value for key, value in given.items() if value},
                "consent": given.get("consent") == "yes",
            }
        )
    except ValidationError as error:
        fields = sorted({str(item["loc"][0]) if item["loc"] else "consent" for item in error.errors()})
        return ReferralOutcome(False, sponsor.locale, ", ".join(fields))
    domain = business_domain(company.domain or company.contact_email)
    key = customer_key(name=company.company, siren=company.siren, domain=domain)
    referral = Referral(
        invitation_id=invitation.id or 0,
        company=company.company,
        siren=company.siren,
        domain=domain,
        contact_name=company.contact_name,
        contact_email=company.contact_email,
        customer_key=key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(referral)
    except IntegrityError:
        return ReferralOutcome(False, sponsor.locale, "already-referred")
    return ReferralOutcome(True, sponsor.locale)


def referrals_with_sponsors(session: Session) -> list[tuple[Referral, str]]:
    """Every referral with its sponsor's name, oldest first."""
    rows = session.exec(
        select(Referral, Customer.name)
        .join(SponsorInvitation, col(SponsorInvitation.id) == col(Referral.invitation_id))
        .join(Customer, col(Customer.id) == col(SponsorInvitation.customer_id))
        .order_by(col(Referral.id))
    ).all()
    return [(referral, name) for referral, name in rows]


def referral_details(session: Session, referral_id: int) -> dict[str, Any] | None:
    """A referral as people read it: company, sponsor, state, flags and both rewards."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        return None
    invitation = session.get_one(SponsorInvitation, referral.invitation_id)
    sponsor = session.get_one(Customer, invitation.customer_id)
    rewards = session.exec(
        select(ReferralReward)
        .where(ReferralReward.referral_id == referral_id)
        .order_by(col(ReferralReward.side))
    ).all()
    return {
        "id": referral.id,
        "company": referral.company,
        "customer_key": referral.customer_key,
        "sponsor": sponsor.name,
        "status": referral.status.value,
        "registration_id": referral.registration_id,
        "flags": list(referral.flags),
        "rewards": [
            {
                "side": reward.side,
                "amount": str(reward.amount),
                "currency": reward.currency,
                "status": reward.status.value,
                "payable_from": reward.payable_from.isoformat(),
                "explanation": reward.explanation,
            }
            for reward in rewards
        ],
    }


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
