"""Storing a year's proposals, the channel manager's answer, and applying it (the decision
``rebalancing`` is declared at the end).

One ``Rebalancing`` per year and one ``Proposal`` per reseller (unique keys): re-running the
flow for a year finds them and repeats nothing. Pauses change the partner's status, each change
audited with the policy stamp and the rule that proposed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    DecisionKind,
    DecisionOutcome,
    Subject,
    declare,
)
from partnerflow.approvals.declarations import CHANNEL_PACE
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.form_items import FormItem, listed_ids
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.markdown import md_text
from partnerflow.models import (
    ApprovalAnswer,
    ExitKind,
    ExitSource,
    PartnerExit,
    PartnerStatus,
    Proposal,
    Rebalancing,
    RebalancingStatus,
)
from partnerflow.partners import partners_by_id
from partnerflow.policy import Policy, RebalancingPolicy
from partnerflow.rebalancing.proposals import RebalancingPlan

ACTOR = "system:rebalancing"
THIN_OUT_RULE = "thin-out-chosen"
THINNED_OUT = {
    "fr": "Votre département compte plus de revendeurs que le programme n'en prévoit ; "
    "le responsable de canal a choisi de mettre votre activité en pause.",
    "en": "Your département has more resellers than the programme's band; "
    "the channel manager chose to pause your reseller account.",
}


def store_plan(
    session: Session, plan: RebalancingPlan, policy: Policy[RebalancingPolicy], *, now: datetime
) -> Rebalancing:
    """The year's rebalancing, created with its proposals on first call."""
    existing = rebalancing_for(session, plan.year)
    if existing is not None:
        return existing
    rebalancing = Rebalancing(
        year=plan.year,
        status=RebalancingStatus.AWAITING_APPROVAL,
        policy_version=policy.stamp.version,
        policy_sha256=policy.stamp.sha256,
        departements=[c.__dict__ for c in plan.coverage],
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(rebalancing)
    except IntegrityError:  # a concurrent run stored it first
        found = rebalancing_for(session, plan.year)
        assert found is not None
        return found
    assert rebalancing.id is not None
    session.add_all(
        [
            Proposal(
                rebalancing_id=rebalancing.id,
                partner_id=p.kpis.partner_id,
                outcome=p.outcome,
                rule_id=p.rule_id,
                reason=p.reason,
                reason_texts=p.reasons,
                kpis=p.as_row(),
            )
            for p in plan.resellers
        ]
    )
    record_event(
        session,
        now=now,
        actor=ACTOR,
        action="rebalancing.proposed",
        subject_type="rebalancing",
        subject_id=plan.year,
        stamp=policy.stamp,
        details={"counts": plan.counts()},
    )
    return rebalancing


@dataclass(frozen=True)
class ProposedYear:
    """A year's proposals as their run stored them: the counts, what managers read, the report."""

    year: int
    status: str
    counts: dict[str, Any]
    summary: str
    report: str
    items: tuple[FormItem, ...] = ()  # the proposed pauses, one tick each on the manager's form
    thin_out: tuple[FormItem, ...] = ()  # resellers of a crowded département, a tick each to pause


@dataclass(frozen=True)
class AppliedYear:
    """What applying a decided year did: partners paused, scorecards queued."""

    status: str
    applied: dict[str, int]  # partners paused, by outcome
    scorecards_queued: int


SUBJECT_KIND = "rebalancing"


def rebalancing_subject(year: int) -> Subject:
    return Subject(SUBJECT_KIND, year)


def thin_out_candidates(rebalancing: Rebalancing, proposals: list[Proposal]) -> list[Proposal]:
    """Of the year's ``proposals``, the resellers a channel manager may choose to pause to thin
    out their département: one the coverage recommends thinning out, not already proposed for a
    pause."""
    crowded = {row["departement"] for row in rebalancing.departements if row["recommendation"] == "thin-out"}
    return [p for p in proposals if p.outcome != "pause" and p.kpis.get("departement") in crowded]


def exclusions_reader(session: Session, year: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Reads a form's ``exclude_from_pause`` (only resellers proposed for a pause may be kept)
    and ``thin_out`` (only resellers of a département to thin out, not proposed for a pause)."""
    rebalancing = _required(session, year)
    proposals = proposals_of(session, rebalancing)
    pauses = {p.partner_id for p in proposals if p.outcome == "pause"}
    crowded = {p.partner_id for p in thin_out_candidates(rebalancing, proposals)}

    def read(values: dict[str, Any]) -> dict[str, Any]:
        excluded = set(listed_ids(values.get("exclude_from_pause")))
        thinned = set(listed_ids(values.get("thin_out")))
        if unknown := sorted(excluded - pauses):
            raise ValueError(
                f"resellers {unknown} have no proposed pause: exclude only ids proposed for a pause"
            )
        if unknown := sorted(thinned - crowded):
            raise ValueError(
                f"resellers {unknown} are not in a département to thin out, or a pause is already "
                "proposed for them: thin out only the resellers the form lists"
            )
        read_values: dict[str, Any] = {}
        if excluded:
            read_values["exclude_from_pause"] = sorted(excluded)
        if thinned:
            read_values["thin_out"] = sorted(thinned)
        return read_values

    return read


def apply_answers(at: Applying, year: int) -> DecisionOutcome:
    """Apply the channel manager's recorded answer: approve (minus exclusions) or reject."""
    session, now = at.session, at.now
    rebalancing = _required(session, year)

    def decide(answer: ApprovalAnswer) -> None:
        rebalancing.status = (
            RebalancingStatus.APPROVED if answer.decision == "approve" else RebalancingStatus.REJECTED
        )
        rebalancing.decided_by, rebalancing.decided_at = answer.person_email, now
        rebalancing.comment = answer.comment
        rebalancing.excluded = list(answer.details.get("exclude_from_pause", []))
        rebalancing.thinned_out = list(answer.details.get("thin_out", []))
        session.add(rebalancing)
        details = {
            "excluded": rebalancing.excluded,
            "thinned_out": rebalancing.thinned_out,
            "comment": answer.comment,
            "person": answer.person_email,
        }
        _audit(session, year, answer.actor, f"rebalancing.{rebalancing.status.value}", details, now=now)

    waiting = RebalancingStatus.AWAITING_APPROVAL
    done = first_answer_decides(at, rebalancing_subject(year), lambda: rebalancing.status is waiting, decide)
    return DecisionOutcome(done, rebalancing.status.value, rebalancing.status.value)


def apply_rebalancing(session: Session, year: int, *, now: datetime) -> dict[str, int]:
    """Pause the approved pauses (not the excluded ones) and the resellers the manager chose to
    thin out; every proposal gets its final outcome."""
    rebalancing = _required(session, year)
    if rebalancing.status is RebalancingStatus.APPLIED:
        return {}
    if rebalancing.status is not RebalancingStatus.APPROVED:
        return {}
    applied: dict[str, int] = {}
    proposals = proposals_of(session, rebalancing)
    partners = partners_by_id(session, (p.partner_id for p in proposals))
    for proposal in proposals:
        outcome = proposal.outcome
        if outcome == "pause" and proposal.partner_id in rebalancing.excluded:
            outcome = "keep"
        thinned = proposal.partner_id in rebalancing.thinned_out and outcome != "pause"
        if thinned:
            outcome = "pause"
        rule_id, reason = (
            (THIN_OUT_RULE, THINNED_OUT["en"]) if thinned else (proposal.rule_id, proposal.reason)
        )
        proposal.applied_outcome = outcome
        session.add(proposal)
        applied[outcome] = applied.get(outcome, 0) + 1
        partner = partners[proposal.partner_id]
        if outcome == "pause" and partner.status is PartnerStatus.ACTIVE:
            partner.status = PartnerStatus.PAUSED
            session.add(partner)
            session.add(
                PartnerExit(
                    partner_id=proposal.partner_id,
                    left_on=programme_date(now),
                    kind=ExitKind.PAUSED,
                    source=ExitSource.REBALANCING,
                    rule_id=rule_id,
                    reason=reason,
                    recorded_at=now,
                )
            )
            record_event(
                session,
                now=now,
                actor=rebalancing.decided_by or ACTOR,
                action="partner.paused",
                subject_type="partner",
                subject_id=proposal.partner_id,
                stamp=None,
                rule_id=rule_id,
                details={
                    "year": year,
                    "reason": reason,
                    "policy_version": rebalancing.policy_version,
                    "policy_sha256": rebalancing.policy_sha256,
                },
            )
    rebalancing.status = RebalancingStatus.APPLIED
    session.add(rebalancing)
    _audit(session, year, ACTOR, "rebalancing.applied", {"outcomes": applied}, now=now)
    return applied


def rebalancing_for(session: Session, year: int) -> Rebalancing | None:
    return session.exec(select(Rebalancing).where(Rebalancing.year == year)).first()


def proposals_of(session: Session, rebalancing: Rebalancing) -> list[Proposal]:
    return list(
        session.exec(
            select(Proposal)
            .where(Proposal.rebalancing_id == rebalancing.id)
            .order_by(col(Proposal.partner_id))
        )
    )


def _required(session: Session, year: int) -> Rebalancing:
    rebalancing = rebalancing_for(session, year)
    if rebalancing is None:
        raise LookupError(f"no rebalancing stored for {year}")
    return rebalancing


def _audit(
    session: Session, year: int, actor: str, action: str, details: dict[str, Any], *, now: datetime
) -> None:
    record_event(
        session,
        now=now,
        actor=actor,
        action=action,
        subject_type="rebalancing",
        subject_id=year,
        details=details,
    )


def outcome_markdown(rebalancing: Rebalancing, applied: AppliedYear) -> str:
    """What became of the year's proposals, to follow them in the run's artifact: who decided,
    what was kept, what was applied."""
    lines = ["", "## Outcome", ""]
    if rebalancing.decided_by:
        when = f" on {rebalancing.decided_at:%Y-%m-%d}" if rebalancing.decided_at else ""
        lines.append(f"**{rebalancing.status.value}** by {md_text(rebalancing.decided_by)}{when}.")
    else:
        lines.append(f"**{rebalancing.status.value}** (no decision was needed).")
    if rebalancing.excluded:
        kept = ", ".join(str(partner_id) for partner_id in rebalancing.excluded)
        lines.append(f"Kept although a pause was proposed: resellers {kept}.")
    if rebalancing.thinned_out:
        thinned = ", ".join(str(partner_id) for partner_id in rebalancing.thinned_out)
        lines.append(f"Paused to thin out their département: resellers {thinned}.")
    if rebalancing.comment:
        lines.append(f"Comment: {md_text(rebalancing.comment)}")
    done = ", ".join(f"{count} {outcome}" for outcome, count in sorted(applied.applied.items())) or "nothing"
    lines.append(f"Applied: {done}; {applied.scorecards_queued} scorecards queued.")
    return "\n".join(lines)


REBALANCING = declare(
    DecisionKind(
        name=SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Reseller rebalancing", "fr": "Rééquilibrage des revendeurs"},
        apply=apply_answers,
        template="rebalancing_approval_requested",
        clock=CHANNEL_PACE,
        help="approve (minus exclusions, plus the resellers chosen to thin out), or reject all",
        fields={"channel-manager": ("exclude_from_pause", "thin_out")},
        read_details=exclusions_reader,
        words={
            "en": {
                "exclude_from_pause": "Resellers to keep although a pause is proposed (ids, comma-separated)",
                "thin_out": "Resellers to pause to thin out a département above the band "
                "(ids, comma-separated)",
            },
            "fr": {
                "exclude_from_pause": "Revendeurs à garder malgré la pause proposée "
                "(identifiants séparés par des virgules)",
                "thin_out": "Revendeurs à mettre en pause pour alléger un département au-dessus de "
                "la fourchette (identifiants séparés par des virgules)",
            },
        },
    )
)
