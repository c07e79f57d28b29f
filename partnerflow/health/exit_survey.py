"""The exit survey: a partner paused or removed is asked why, on the survey page.

Unlike the quarterly survey this one is not anonymous (its page says so): the answer is the
partner's own account of its exit, and gives the exit its cause when nobody recorded one (a
rebalancing pause records its rule, not a cause). One invitation per exit, to the partner's
first contact, within ``INVITE_WITHIN`` of leaving.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from partnerflow.approvals import Keys
from partnerflow.approvals.sealing import exit_survey_link
from partnerflow.contacts import contact_for
from partnerflow.health.survey import CAUSE_QUESTIONS, NotAnswered, read_answer
from partnerflow.models import AttritionCause, ExitInvitation, Partner, PartnerExit
from partnerflow.notify import TemplateRenderer, enqueue

INVITE_WITHIN = timedelta(days=30)
MAIN_CAUSE = "main_cause"


@dataclass(frozen=True)
class ExitAnswered:
    locale: str


def invite_leavers(session: Session, *, today: date, now: datetime, renderer: TemplateRenderer) -> int:
    """Invite each partner that left in the last 30 days and was not asked yet."""
    asked = select(ExitInvitation.exit_id)
    leavers = session.exec(
        select(PartnerExit, Partner)
        .join(Partner, col(Partner.id) == col(PartnerExit.partner_id))
        .where(col(PartnerExit.left_on) >= today - INVITE_WITHIN, col(PartnerExit.id).not_in(asked))
        .order_by(col(PartnerExit.id))
    ).all()
    invited = 0
    for left, partner in leavers:
        if not partner.emails or left.id is None:
            continue
        invitation = ExitInvitation(
            exit_id=left.id,
            email=partner.primary_email,
            locale=partner.locale.value,
            scores={},
            sent_at=now,
        )
        session.add(invitation)
        session.flush()
        assert invitation.id is not None
        invited += enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"exit-survey:{left.id}",
            recipient=invitation.email,
            template="exit_survey_invitation",
            locale=invitation.locale,
            context={
                "partner_name": partner.name,
                "survey_url": exit_survey_link(invitation.id),
                "contact": contact_for(session, partner),
            },
        )
    return invited


def find_exit_invitation(session: Session, keys: Keys, token: str) -> ExitInvitation | NotAnswered:
    invitation_id = keys.read_exit(token)
    invitation = session.get(ExitInvitation, invitation_id) if invitation_id is not None else None
    if invitation is None:
        return NotAnswered("invalid", "")
    if invitation.answered_at is not None:
        return NotAnswered("already-answered", invitation.locale)
    return invitation


def answer_exit(
    session: Session, keys: Keys, token: str, given: dict[str, str], now: datetime
) -> ExitAnswered | NotAnswered:
    """Record the leaving partner's answer once; its main cause becomes the exit's cause if the
    exit has none."""
    found = find_exit_invitation(session, keys, token)
    if isinstance(found, NotAnswered):
        return found
    values, problem = read_answer(given)
    cause = given.get(MAIN_CAUSE, "").strip()
    if problem is None and cause not in CAUSE_QUESTIONS:
        problem = f"{MAIN_CAUSE}: choose one of the six causes"
    if problem is not None:
        return NotAnswered("incomplete", found.locale, problem)
    found.cause, found.scores = AttritionCause(cause), values
    found.comment, found.answered_at = given.get("comment", "").strip(), now
    session.add(found)
    left = session.get_one(PartnerExit, found.exit_id)
    if left.cause is None:
        left.cause = AttritionCause(cause)
        session.add(left)
    return ExitAnswered(found.locale)


def exits_by_cause(session: Session, since: date, until: date) -> dict[str, int]:
    """Exits in [since, until) by cause (``unknown`` when nobody, not even the partner, said)."""
    causes = session.exec(
        select(PartnerExit.cause).where(col(PartnerExit.left_on) >= since, col(PartnerExit.left_on) < until)
    ).all()
    counted = Counter(str(cause) if cause else "unknown" for cause in causes)
    return dict(counted.most_common())
