"""The anonymous partner survey: a round a quarter, one personal link per partner contact, answers
that cannot be traced back to who gave them.

How anonymity holds, by construction rather than by promise:

- an answer is never stored as a row: it adds one to a *tally* per question and value in three
  groups (the whole programme, the partner's tier, its région); a free-text comment is stored
  alone, with its round and a random id;
- the invitation (who was asked, to remind them) keeps a flag ``answered`` without a time;
- groups are fixed when the round opens: a tier or région with fewer than ``min_group`` invited
  partners counts as ``other``, and results of a group with fewer than ``min_group`` answers are
  never shown; nor, then, are those of the smallest shown groups until the hidden ones hold
  ``min_group`` answers together (complementary suppression: a lone hidden group was the total
  minus the shown ones);
- results exist only once the round has closed: two reads around one partner's answer gave
  that partner's scores.

What it does not hide: someone watching the database live while one partner answers could see
which tallies moved. The link is signed over the invitation's id (no secret is stored).
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from partnerflow.approvals import Keys
from partnerflow.approvals.sealing import survey_link
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.models import (
    AttritionCause,
    Partner,
    PartnerStatus,
    SurveyComment,
    SurveyInvitation,
    SurveyRound,
    SurveyTally,
    Territory,
)
from partnerflow.notify import TemplateRenderer, enqueue
from partnerflow.policy.kinds.partner_health import SurveySettings
from partnerflow.text import is_clean

CAUSE_QUESTIONS = tuple(cause.value for cause in AttritionCause)  # 1 (bad) to 5 (good)
RECOMMENDATION = "recommendation"  # 0 to 10: would you recommend the programme?
SCALES: dict[str, range] = {**dict.fromkeys(CAUSE_QUESTIONS, range(1, 6)), RECOMMENDATION: range(0, 11)}
DIMENSIONS = ("all", "tier", "region")
EVERYONE = "all"
OTHER = "other"
MAX_COMMENT = 2000
TEMPLATE = "survey_invitation"
Grouping = Literal["tier", "region"]


@dataclass(frozen=True)
class OpenedRound:
    round: SurveyRound
    invited: int  # invitations created now (0 when the round was already open)


@dataclass(frozen=True)
class Answered:
    round_label: str
    locale: str


@dataclass(frozen=True)
class NotAnswered:
    """Why a link or an answer was refused (shown on the page, in the contact's language)."""

    reason: Literal["invalid", "closed", "already-answered", "incomplete"]
    locale: str
    detail: str = ""
    min_group: int = 0  # for the form shown again when incomplete


@dataclass(frozen=True)
class GroupResult:
    group: str
    answers: int
    shown: bool  # False: fewer than the round's min_group answers, nothing else is given
    averages: dict[str, float] = field(default_factory=dict)  # cause -> 1..5
    recommendation: float | None = None  # mean 0..10
    net_promoter: float | None = None  # % 9-10 minus % 0-6


@dataclass(frozen=True)
class RoundResults:
    label: str
    min_group: int
    invited: int
    answered: int
    groups: list[GroupResult]
    comments: list[str]
    open_until: datetime | None = None  # set while the round is open: no group, no comment yet


def open_round(
    session: Session,
    *,
    label: str,
    now: datetime,
    settings: SurveySettings,
    policy_version: str,
    renderer: TemplateRenderer,
) -> OpenedRound:
    """Open the round ``label`` (once: a second call returns it untouched), invite every contact
    of every active partner and queue their e-mails, all in the caller's transaction."""
    existing = session.exec(select(SurveyRound).where(SurveyRound.label == label)).first()
    if existing is not None:
        return OpenedRound(existing, 0)
    survey_round = SurveyRound(
        label=label,
        opened_at=now,
        closes_at=now + timedelta(days=settings.open_days),
        min_group=settings.min_group,
        remind_after_days=settings.remind_after_days,
        policy_version=policy_version,
    )
    session.add(survey_round)
    session.flush()
    assert survey_round.id is not None
    partners = session.exec(
        select(Partner, Territory.region)
        .join(Territory, col(Territory.code) == col(Partner.territory_code), isouter=True)
        .where(Partner.status == PartnerStatus.ACTIVE)
        .order_by(col(Partner.id))
    ).all()
    tiers = _groups({partner.id: partner.tier.value for partner, _ in partners}, settings.min_group)
    regions = _groups({partner.id: region or OTHER for partner, region in partners}, settings.min_group)
    invitations = [
        SurveyInvitation(
            round_id=survey_round.id,
            partner_id=partner.id,
            email=email,
            locale=partner.locale.value,
            tier_group=tiers[partner.id],
            region_group=regions[partner.id],
        )
        for partner, _ in partners
        if partner.id is not None
        for email in partner.emails
    ]
    session.add_all(invitations)
    session.add_all(_empty_tallies(survey_round.id, set(tiers.values()), set(regions.values())))
    session.flush()
    for invitation in invitations:
        _mail(session, invitation, survey_round, renderer, reminder=False)
    return OpenedRound(survey_round, len(invitations))


AUTOMATIC_OPENING_DAYS = 7  # a scheduled run opens the quarter's round only in its first week


def quarter_of(day: date) -> str:
    """``2026-Q4`` for any day of October to December 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def opens_by_itself(day: date) -> bool:
    """Scheduled runs open the quarter's round in the quarter's first week (a run missed on the
    first day still opens it), never in the middle of a quarter: installing partnerflow in
    mid-December does not survey the partners that week. By hand, any quarter opens."""
    first_of_quarter = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return (day - first_of_quarter).days < AUTOMATIC_OPENING_DAYS


def remind(session: Session, *, now: datetime, renderer: TemplateRenderer) -> int:
    """One reminder to every contact who has not answered an open round past its reminder day."""
    due = session.exec(
        select(SurveyInvitation, SurveyRound)
        .join(SurveyRound, col(SurveyRound.id) == col(SurveyInvitation.round_id))
        .where(
            col(SurveyInvitation.answered).is_(False),
            col(SurveyInvitation.reminded).is_(False),
            col(SurveyRound.closes_at) > now,
        )
    ).all()
    reminded = 0
    for invitation, survey_round in due:
        if now < survey_round.opened_at + timedelta(days=survey_round.remind_after_days):
            continue
        _mail(session, invitation, survey_round, renderer, reminder=True)
        invitation.reminded = True
        session.add(invitation)
        reminded += 1
    return reminded


def find_invitation(
    session: Session, keys: Keys, token: str, now: datetime
) -> tuple[SurveyInvitation, SurveyRound] | NotAnswered:
    """The invitation behind a link and its round, or why the link cannot be used now."""
    invitation_id = keys.read_survey(token)
    invitation = session.get(SurveyInvitation, invitation_id) if invitation_id is not None else None
    if invitation is None:
        return NotAnswered("invalid", "")
    survey_round = session.get_one(SurveyRound, invitation.round_id)
    if invitation.answered:
        return NotAnswered("already-answered", invitation.locale)
    if now >= survey_round.closes_at:
        return NotAnswered("closed", invitation.locale)
    return invitation, survey_round


def waiting_invitation(
    session: Session, partner_id: int, email: str, *, now: datetime
) -> tuple[SurveyInvitation, SurveyRound] | None:
    """The open round's invitation of this contact of ``partner_id``, if it is not answered yet
    (the portal offers its link: the same one the e-mail carried, nothing more is learnt)."""
    found = session.exec(
        select(SurveyInvitation, SurveyRound)
        .join(SurveyRound, col(SurveyRound.id) == col(SurveyInvitation.round_id))
        .where(
            SurveyInvitation.partner_id == partner_id,
            SurveyInvitation.email == email,
            col(SurveyInvitation.answered).is_(False),
            col(SurveyRound.opened_at) <= now,
            col(SurveyRound.closes_at) > now,
        )
        .order_by(col(SurveyRound.closes_at))
    ).first()
    return (found[0], found[1]) if found is not None else None


def answer(
    session: Session, keys: Keys, token: str, given: dict[str, str], now: datetime
) -> Answered | NotAnswered:
    """Record one answer: the invitation is marked answered (once, even under concurrency) and
    the tallies of its three groups move; nothing ties the two together afterwards."""
    found = find_invitation(session, keys, token, now)
    if isinstance(found, NotAnswered):
        return found
    invitation, survey_round = found
    values, problem = read_answer(given)
    if problem is not None:
        return NotAnswered("incomplete", invitation.locale, problem, survey_round.min_group)
    claimed = session.execute(
        update(SurveyInvitation)
        .where(col(SurveyInvitation.id) == invitation.id, col(SurveyInvitation.answered).is_(False))
        .values(answered=True)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return NotAnswered("already-answered", invitation.locale)
    groups = [("all", EVERYONE), ("tier", invitation.tier_group), ("region", invitation.region_group)]
    session.execute(
        update(SurveyTally)
        .where(
            col(SurveyTally.round_id) == survey_round.id,
            or_(*(and_(col(SurveyTally.dimension) == d, col(SurveyTally.grp) == g) for d, g in groups)),
            or_(
                *(
                    and_(col(SurveyTally.question) == question, col(SurveyTally.value) == value)
                    for question, value in values.items()
                )
            ),
        )
        .values(count=col(SurveyTally.count) + 1)
    )
    comment = given.get("comment", "").strip()
    if comment:
        session.add(SurveyComment(id=secrets.token_hex(16), round_id=survey_round.id or 0, text=comment))
    return Answered(survey_round.label, invitation.locale)


def read_answer(given: dict[str, str]) -> tuple[dict[str, int], str | None]:
    """Every question answered on its scale, and a comment within limits; or what is wrong."""
    values: dict[str, int] = {}
    missing = []
    for question, scale in SCALES.items():
        raw = given.get(question, "").strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and int(raw) in scale):
            missing.append(question)
            continue
        values[question] = int(raw)
    if missing:
        return {}, f"missing or out of scale: {', '.join(missing)}"
    comment = given.get("comment", "")
    if len(comment) > MAX_COMMENT:
        return {}, f"comment: at most {MAX_COMMENT} characters"
    if not is_clean(comment, allowed="\n\r\t"):
        return {}, "comment: control characters are not accepted"
    return values, None


def results(
    session: Session, label: str, by: Grouping | None = None, *, now: datetime
) -> RoundResults | None:
    """A round's results for the programme, or per tier or région, once it has closed (before:
    only how many answered); a group under the round's ``min_group`` answers shows only that it
    is too small, and hides the smallest others with it (see the module doc)."""
    survey_round = session.exec(select(SurveyRound).where(SurveyRound.label == label)).first()
    if survey_round is None:
        return None
    dimension = by or "all"
    tallies = session.exec(
        select(SurveyTally).where(SurveyTally.round_id == survey_round.id, SurveyTally.dimension == dimension)
    ).all()
    by_group: dict[str, list[SurveyTally]] = {}
    for tally in tallies:
        by_group.setdefault(tally.grp, []).append(tally)
    invitations = session.exec(
        select(SurveyInvitation.answered).where(SurveyInvitation.round_id == survey_round.id)
    ).all()
    comments = session.exec(
        select(SurveyComment.text)
        .where(SurveyComment.round_id == survey_round.id)
        .order_by(col(SurveyComment.id))
    ).all()
    still_open = now < survey_round.closes_at
    groups = [_group_result(name, rows, survey_round.min_group) for name, rows in sorted(by_group.items())]
    return RoundResults(
        label=survey_round.label,
        min_group=survey_round.min_group,
        invited=len(invitations),
        answered=sum(invitations),
        groups=[] if still_open else with_complements_hidden(groups, survey_round.min_group),
        comments=list(comments) if sum(invitations) >= survey_round.min_group and not still_open else [],
        open_until=survey_round.closes_at if still_open else None,
    )


def with_complements_hidden(groups: list[GroupResult], min_group: int) -> list[GroupResult]:
    """``groups`` with the smallest shown ones hidden too, until the hidden ones hold at least
    ``min_group`` answers together (or none at all): the programme's total minus the shown groups
    then reveals no fewer answers than a shown group does."""
    hidden_answers = sum(group.answers for group in groups if not group.shown)
    candidates = sorted(
        (group for group in groups if group.shown), key=lambda group: (group.answers, group.group)
    )
    also_hidden: set[str] = set()
    while 0 < hidden_answers < min_group and candidates:
        complement = candidates.pop(0)
        also_hidden.add(complement.group)
        hidden_answers += complement.answers
    return [GroupResult(g.group, g.answers, shown=False) if g.group in also_hidden else g for g in groups]


def close_round(session: Session, label: str, *, actor: str, now: datetime) -> SurveyRound | None:
    """End round ``label`` now, before its date (audited): its links stop answering and its
    results can be read. None if there is no such round; a closed round is left as it is."""
    survey_round = session.exec(select(SurveyRound).where(SurveyRound.label == label)).first()
    if survey_round is None or survey_round.closes_at <= now:
        return survey_round
    survey_round.closes_at = now
    session.add(survey_round)
    record_event(
        session,
        now=now,
        actor=actor,
        action="survey.closed-early",
        subject_type="survey-round",
        subject_id=survey_round.id or 0,
        details={"label": label},
    )
    return survey_round


def latest_round(session: Session, *, closed_by: datetime | None = None) -> str | None:
    """The latest round's label (the latest closed by ``closed_by`` when given)."""
    query = select(SurveyRound.label).order_by(col(SurveyRound.opened_at).desc())
    if closed_by is not None:
        query = query.where(col(SurveyRound.closes_at) <= closed_by)
    return session.exec(query).first()


def _group_result(name: str, rows: list[SurveyTally], min_group: int) -> GroupResult:
    counts: dict[str, Counter[int]] = {}
    for row in rows:
        counts.setdefault(row.question, Counter())[row.value] += row.count
    recommendation = counts.get(RECOMMENDATION, Counter())
    answers = sum(recommendation.values())
    if answers < min_group:
        return GroupResult(name, answers, shown=False)
    averages = {
        question: sum(value * n for value, n in counts[question].items()) / answers
        for question in CAUSE_QUESTIONS
    }
    promoters = sum(n for value, n in recommendation.items() if value >= 9)
    detractors = sum(n for value, n in recommendation.items() if value <= 6)
    return GroupResult(
        name,
        answers,
        shown=True,
        averages=averages,
        recommendation=sum(value * n for value, n in recommendation.items()) / answers,
        net_promoter=100.0 * (promoters - detractors) / answers,
    )


def _groups(values: dict[Any, str], min_group: int) -> dict[Any, str]:
    """Each partner's group, ``other`` where fewer than ``min_group`` partners share it."""
    sizes = Counter(values.values())
    return {key: value if sizes[value] >= min_group else OTHER for key, value in values.items()}


def _empty_tallies(round_id: int, tiers: set[str], regions: set[str]) -> list[SurveyTally]:
    groups = [("all", EVERYONE), *(("tier", t) for t in tiers), *(("region", r) for r in regions)]
    return [
        SurveyTally(round_id=round_id, dimension=dimension, grp=group, question=question, value=value)
        for dimension, group in groups
        for question, scale in SCALES.items()
        for value in scale
    ]


def _mail(
    session: Session,
    invitation: SurveyInvitation,
    survey_round: SurveyRound,
    renderer: TemplateRenderer,
    *,
    reminder: bool,
) -> None:
    assert invitation.id is not None
    kind = "reminder" if reminder else "invitation"
    enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"survey-{kind}:{survey_round.label}:{invitation.email}",
        recipient=invitation.email,
        template=TEMPLATE,
        locale=invitation.locale,
        context={
            "round_label": survey_round.label,
            "closes_on": programme_date(survey_round.closes_at),
            "survey_url": survey_link(invitation.id),
            "min_group": survey_round.min_group,
            "reminder": reminder,
        },
    )
