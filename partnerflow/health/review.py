"""The monthly partner-health review: every active partner's level stored, the at-risk ones put
to the channel managers, the actions they choose sent to the partners and followed up a month
later (did the level improve?).

A manager answers through the approvals module, with their personal link or code like every
decision: the answer carries an action per at-risk partner (coaching call, training invitation,
programme exception, no action); partners left out get no action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    Ask,
    Asking,
    DecisionOutcome,
    Subject,
)
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.contacts import contact_for
from partnerflow.health.assessment import LEVELS, PartnerHealth
from partnerflow.markdown import md_text
from partnerflow.models import (
    ApprovalAnswer,
    HealthReview,
    HealthReviewStatus,
    HealthSnapshot,
    Partner,
    PartnerStatus,
    Role,
    Territory,
)
from partnerflow.notify import TemplateRenderer, enqueue

SUBJECT_KIND = "partner-health"
AT_RISK = "at-risk"
NO_ACTION = "no-action"
ACTIONS = ("coaching-call", "training-invitation", "programme-exception", NO_ACTION)
_PAIR = re.compile(r"^\s*(\d{1,12})\s*[=:]\s*([a-z-]{1,40})\s*$")


@dataclass(frozen=True)
class FollowUp:
    """A partner given an action last month, and where its level stands now."""

    partner_id: int
    name: str
    action: str
    level_then: str
    level_now: str | None  # None: no longer active

    @property
    def verdict(self) -> str:
        if self.level_now is None:
            return "left"
        change = LEVELS.index(self.level_then) - LEVELS.index(self.level_now)  # LEVELS: worst first
        return "improved" if change < 0 else "worse" if change > 0 else "unchanged"


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def subject_of(review: HealthReview) -> Subject:
    assert review.id is not None
    return Subject(SUBJECT_KIND, review.id)


def record_review(
    session: Session, month: str, assessed: list[PartnerHealth], *, policy_version: str, now: datetime
) -> HealthReview:
    """Store the month's review and every partner's snapshot, once (a second run of the month
    finds the review as stored)."""
    existing = session.exec(select(HealthReview).where(HealthReview.month == month)).first()
    if existing is not None:
        return existing
    at_risk = any(health.level == AT_RISK for health in assessed)
    review = HealthReview(
        month=month,
        status=HealthReviewStatus.AWAITING_ACTIONS if at_risk else HealthReviewStatus.NOTHING_AT_RISK,
        policy_version=policy_version,
        created_at=now,
    )
    session.add(review)
    session.flush()
    if assessed:
        session.execute(
            insert(HealthSnapshot),
            [
                {
                    "review_id": review.id,
                    "partner_id": health.partner_id,
                    "level": health.level,
                    "weight": sum(driver.weight for driver in health.drivers),
                    "drivers": [driver.id for driver in health.drivers],
                }
                for health in assessed
            ],
        )
    record_event(
        session,
        now=now,
        actor="system",
        action="partner-health.reviewed",
        subject_type=SUBJECT_KIND,
        subject_id=month,
        details={"partners": len(assessed), "at_risk": sum(h.level == AT_RISK for h in assessed)},
    )
    return review


def follow_ups(session: Session, review: HealthReview) -> list[FollowUp]:
    """Last review's partners given an action, with their level in ``review``."""
    previous = session.exec(
        select(HealthReview).where(HealthReview.month < review.month).order_by(col(HealthReview.month).desc())
    ).first()
    if previous is None:
        return []
    actioned = session.exec(
        select(HealthSnapshot, Partner.name)
        .join(Partner, col(Partner.id) == col(HealthSnapshot.partner_id))
        .where(HealthSnapshot.review_id == previous.id, col(HealthSnapshot.action).is_not(None))
        .where(HealthSnapshot.action != NO_ACTION)
        .order_by(col(HealthSnapshot.partner_id))
    ).all()
    now_levels = dict(
        session.exec(
            select(HealthSnapshot.partner_id, HealthSnapshot.level).where(
                HealthSnapshot.review_id == review.id
            )
        ).all()
    )
    return [
        FollowUp(
            snapshot.partner_id,
            name,
            snapshot.action or "",
            snapshot.level,
            now_levels.get(snapshot.partner_id),
        )
        for snapshot, name in actioned
    ]


def review_markdown(
    month: str, assessed: list[PartnerHealth], followed: list[FollowUp], report_link: str
) -> str:
    """What the channel managers read on the approval page and the run's artifact
    (``report_link``: the signed link to the month's HTML report)."""
    counts = {level: sum(h.level == level for h in assessed) for level in LEVELS}
    lines = [
        f"### Partner health {month}",
        "",
        f"{counts['at-risk']} at risk, {counts['watch']} to watch, {counts['healthy']} healthy "
        f"({len(assessed)} active partners). [Full report, with charts]({report_link})",
        "",
        "Choose an action per at-risk partner (`ID=action`, comma-separated; unnamed partners get "
        f"none): {', '.join(ACTIONS)}.",
        "",
        "| id | partner | dép. | drivers (suggested action) |",
        "|---|---|---|---|",
    ]
    for health in assessed:
        if health.level != AT_RISK:
            continue
        drivers = "; ".join(f"{d.reason_in('en')} → *{d.action}*" for d in health.drivers)
        lines.append(
            f"| {health.partner_id} | {_cell(health.name)} | {health.territory_code} | {_cell(drivers)} |"
        )
    if followed:
        lines += [
            "",
            "#### Last month's actions",
            "",
            "| partner | action | then | now |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(f.name)} | {f.action} | {f.level_then} | {f.level_now or 'left'} ({f.verdict}) |"
            for f in followed
        ]
    return "\n".join(lines)


def request_actions(
    at: Asking, review: HealthReview, *, summary: str, at_risk: int, expires_at: datetime
) -> int:
    """Mail every channel manager their personal link and code to choose the actions (once)."""
    return invite_role(
        at.session,
        at.renderer,
        at.links,
        Ask(
            subject_of(review),
            role=Role.CHANNEL_MANAGER,
            approvers_required=1,
            summary=summary,
            expires_at=expires_at,
            flow_run_id=at.flow_run_id,
        ),
        context={"month": review.month, "at_risk": at_risk},
        now=at.now,
    )


def actions_reader(session: Session, review_id: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Reads a form's ``actions``: a mapping (the Prefect form) or ``ID=action, ...`` text (the
    page); only the review's at-risk partners and the known actions are accepted."""
    at_risk = set(
        session.exec(
            select(HealthSnapshot.partner_id).where(
                HealthSnapshot.review_id == review_id, HealthSnapshot.level == AT_RISK
            )
        ).all()
    )

    def read(values: dict[str, Any]) -> dict[str, Any]:
        given = values.get("actions") or {}
        chosen = _pairs(given) if isinstance(given, str) else _mapping(given)
        unknown = sorted(set(chosen) - at_risk)
        if unknown:
            raise ValueError(
                f"partners {unknown} are not at risk this month: choose actions for at-risk ones"
            )
        wrong = sorted({action for action in chosen.values() if action not in ACTIONS})
        if wrong:
            raise ValueError(f"unknown action {', '.join(wrong)}: one of {', '.join(ACTIONS)}")
        return (
            {"actions": {str(partner): action for partner, action in sorted(chosen.items())}}
            if chosen
            else {}
        )

    return read


def apply_actions(at: Applying, review_id: int) -> DecisionOutcome:
    """Apply the recorded answer: each chosen action stored on the partner's snapshot and sent to
    the partner's contacts in their language; at-risk partners left out get no action."""
    session, now = at.session, at.now
    review = session.get_one(HealthReview, review_id)

    def decide(answer: ApprovalAnswer) -> None:
        chosen: dict[str, str] = dict(answer.details.get("actions") or {})
        snapshots = session.exec(
            select(HealthSnapshot, Partner)
            .join(Partner, col(Partner.id) == col(HealthSnapshot.partner_id))
            .where(HealthSnapshot.review_id == review_id, HealthSnapshot.level == AT_RISK)
        ).all()
        for snapshot, partner in snapshots:
            snapshot.action = chosen.get(str(snapshot.partner_id), NO_ACTION)
            session.add(snapshot)
            if snapshot.action != NO_ACTION:
                _mail_partner(session, at.renderer, review, partner, snapshot.action)
        review.status = HealthReviewStatus.DECIDED
        review.decided_by, review.decided_at, review.comment = answer.person_email, now, answer.comment
        session.add(review)
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action="partner-health.actions-chosen",
            subject_type=SUBJECT_KIND,
            subject_id=review.month,
            details={"actions": chosen},
        )

    done = first_answer_decides(
        at, subject_of(review), lambda: review.status is HealthReviewStatus.AWAITING_ACTIONS, decide
    )
    message = f"{review.month}: {review.status.value}" + (
        f" by {review.decided_by}" if review.decided_by else ""
    )
    return DecisionOutcome(done, review.status.value, message)


def partner_groups(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """Every active partner's tier and région (for the report's charts)."""
    rows = session.exec(
        select(Partner.id, Partner.tier, Territory.region)
        .join(Territory, col(Territory.code) == col(Partner.territory_code), isouter=True)
        .where(Partner.status == PartnerStatus.ACTIVE)
    ).all()
    tiers = {partner_id: str(tier) for partner_id, tier, _ in rows if partner_id is not None}
    regions = {partner_id: region or "—" for partner_id, _, region in rows if partner_id is not None}
    return tiers, regions


def _mail_partner(
    session: Session, renderer: TemplateRenderer, review: HealthReview, partner: Partner, action: str
) -> None:
    for email in partner.emails:
        enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"health-action:{review.month}:{partner.id}:{email}",
            recipient=email,
            template="health_action",
            locale=partner.locale.value,
            context={
                "partner_name": partner.name,
                "action": action,
                "month": review.month,
                "contact": contact_for(session, partner),
            },
        )


def _pairs(text: str) -> dict[int, str]:
    chosen: dict[int, str] = {}
    for part in filter(None, (piece.strip() for piece in text.replace(";", ",").split(","))):
        match = _PAIR.match(part)
        if match is None:
            raise ValueError(f"{part[:40]!r}: write ID=action, e.g. 42=coaching-call")
        chosen[int(match.group(1))] = match.group(2)
    return chosen


def _mapping(given: Any) -> dict[int, str]:
    if not isinstance(given, dict):
        raise ValueError("actions: a mapping of partner id to action")
    try:
        return {int(partner): str(action) for partner, action in given.items()}
    except (TypeError, ValueError):
        raise ValueError("actions: partner ids are numbers") from None


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def review_outcome_markdown(session: Session, review: HealthReview) -> str:
    """What was decided for the month's at-risk partners, for the run's artifact: who chose, when,
    and each partner's action."""
    chosen = session.exec(
        select(Partner.name, HealthSnapshot.partner_id, HealthSnapshot.action)
        .join(Partner, col(Partner.id) == HealthSnapshot.partner_id)
        .where(HealthSnapshot.review_id == review.id, col(HealthSnapshot.action).is_not(None))
        .order_by(col(HealthSnapshot.partner_id))
    ).all()
    when = f" on {review.decided_at:%Y-%m-%d}" if review.decided_at else ""
    who = f" by {md_text(review.decided_by)}{when}" if review.decided_by else ""
    lines = ["", "## Outcome", "", f"**{review.status.value}**{who}."]
    lines += [f"- {md_text(name)} (#{partner_id}): {action}" for name, partner_id, action in chosen]
    if review.comment:
        lines.append(f"\nComment: {md_text(review.comment)}")
    return "\n".join(lines)
