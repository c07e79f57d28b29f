"""A lead no reseller may take goes to its département's channel manager as a decision.

Routing leaves a lead ``unrouted`` when the policy sends it to the manager (no consent, passed
on too often) or no reseller is eligible, and opens a :class:`LeadHandover` for it
(``distribution``, in the routing's transaction). A
``hand-over-lead`` run claims it and asks the département's own channel manager (every channel
manager when the département has none) with their personal link and code, like every decision:
*offer* it to a reseller they name (any active reseller that has not had it: the manager may
look past the zone, the certification or the capacity the routing keeps to), or *close* it with
a reason. An offer is a turn like a routed one, with its deadline and its e-mails; declined or
left to expire, the lead comes back through routing, and to the manager again. A prospect who
did not consent is never offered to a reseller, by the manager either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from partnerflow.approvals import Applying, Ask, DecisionOutcome, Links, Subject
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.contacts import assigned_channel_manager
from partnerflow.leads.offers import announce_offers
from partnerflow.leads.working_hours import add_working_hours
from partnerflow.markdown import md_text
from partnerflow.models import (
    ApprovalAnswer,
    AuditEvent,
    HandoverOutcome,
    Lead,
    LeadHandover,
    LeadState,
    LeadTurn,
    Partner,
    PartnerStatus,
    Role,
    TurnState,
)
from partnerflow.notify import TemplateRenderer
from partnerflow.text import is_clean

SUBJECT_KIND = "lead-handover"
OFFERED_BY_MANAGER = "manager-offered"  # the rule id of a turn the manager gave
MAX_REASON = 500
SUGGESTED = 10  # resellers listed in the summary, fewest leads this year first
_DIGITS = re.compile(r"[0-9]{1,9}")


def handovers_to_start(session: Session) -> list[int]:
    """Awaiting handovers no run has claimed yet (the distribution sweep starts one run each)."""
    query = select(LeadHandover.id).where(col(LeadHandover.awaiting), col(LeadHandover.flow_run_id).is_(None))
    return [found for found in session.exec(query.order_by(col(LeadHandover.id))) if found is not None]


def claim_handover(session: Session, handover_id: int, run_id: str) -> bool:
    """Make ``run_id`` the run that asks about this handover; False when another run has it or it
    was decided (that run has nothing to do); LookupError for one that does not exist (a run
    started by hand with a wrong id)."""
    if session.get(LeadHandover, handover_id) is None:
        raise LookupError(f"handover_id: no lead handover {handover_id} (routing opens them)")
    session.connection().execute(
        update(LeadHandover)
        .where(
            col(LeadHandover.id) == handover_id,
            col(LeadHandover.awaiting),
            col(LeadHandover.flow_run_id).is_(None),
        )
        .values(flow_run_id=run_id)
    )
    handover = session.get(LeadHandover, handover_id, populate_existing=True)
    return handover is not None and handover.flow_run_id == run_id


def request_handover(
    session: Session,
    handover_id: int,
    renderer: TemplateRenderer,
    *,
    links: Links,
    neighbours: dict[str, list[str]],
    run_id: str,
    expires_at: datetime,
    now: datetime,
) -> int:
    """Mail the département's channel manager (every channel manager when it has none) their
    link and code, with the lead, why it came to them and the resellers they may choose from."""
    handover = session.get_one(LeadHandover, handover_id)
    lead = session.get_one(Lead, handover.lead_id)
    return invite_role(
        session,
        renderer,
        links,
        Ask(
            Subject(SUBJECT_KIND, handover_id),
            role=Role.CHANNEL_MANAGER,
            approvers_required=1,
            summary=_summary(session, handover, lead, neighbours),
            expires_at=expires_at,
            flow_run_id=run_id,
            only=_departement_manager(session, lead.departement),
        ),
        context={},
        now=now,
    )


def handover_reader(session: Session, handover_id: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Reads the manager's ``reseller`` (an active reseller that has not had the lead, and only
    for a prospect who consented) and ``reason`` (plain text)."""
    handover = session.get_one(LeadHandover, handover_id)
    lead = session.get_one(Lead, handover.lead_id)
    had_it = set(session.exec(select(LeadTurn.reseller_id).where(LeadTurn.lead_id == lead.id)))

    def read(values: dict[str, Any]) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if "reseller" in values:
            reseller_id = _partner_id(values["reseller"])
            partner = session.get(Partner, reseller_id)
            if partner is None or partner.status is not PartnerStatus.ACTIVE:
                raise ValueError(f"reseller: no active reseller has the id {reseller_id}")
            if reseller_id in had_it:
                raise ValueError(f"reseller: {reseller_id} already had this lead; choose another one")
            if not lead.consent:
                raise ValueError(
                    "reseller: the prospect did not consent to being passed to a reseller; close the lead"
                )
            details["reseller"] = reseller_id
        if "reason" in values:
            reason = str(values["reason"]).strip()
            if not reason or len(reason) > MAX_REASON or not is_clean(reason):
                raise ValueError(f"reason: plain text on one line, at most {MAX_REASON} characters")
            details["reason"] = reason
        return details

    return read


def apply_handover(at: Applying, handover_id: int) -> DecisionOutcome:
    """The first answer decides: *offer* gives the lead to the reseller named (a turn with the
    routing policy's deadline, its e-mails queued); *close* closes it with the reason given."""
    session, now = at.session, at.now
    handover = session.get_one(LeadHandover, handover_id)

    def decide(answer: ApprovalAnswer) -> None:
        lead = session.get_one(Lead, handover.lead_id)
        handover.awaiting, handover.decided_by, handover.decided_at = False, answer.person_email, now
        if answer.decision == "offer":
            handover.outcome, handover.reseller_id = HandoverOutcome.OFFERED, int(answer.details["reseller"])
            turn_id = _offer(at, lead, handover.reseller_id)
            action = "lead.offered-by-manager"
            details: dict[str, Any] = {"reseller_id": handover.reseller_id, "turn_id": turn_id}
        else:
            handover.outcome, handover.reason = HandoverOutcome.CLOSED, str(answer.details["reason"])
            lead.state = LeadState.CLOSED
            action, details = "lead.closed-by-manager", {"reason": handover.reason}
        session.add_all([handover, lead])
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action=action,
            subject_type="lead",
            subject_id=lead.id,
            details={"handover_id": handover_id, **details},
        )

    done = first_answer_decides(at, Subject(SUBJECT_KIND, handover_id), lambda: handover.awaiting, decide)
    status = handover.outcome.value if done and handover.outcome else "awaiting"
    return DecisionOutcome(done, status, f"lead {handover.lead_id}: {status}")


def _offer(at: Applying, lead: Lead, reseller_id: int) -> int:
    """The manager's offer: a turn as routing makes one (the deadline and reminder of the policy
    in force), the lead offered, the reseller's contacts mailed."""
    policy = at.policy("lead_routing", programme_date(at.now))
    acceptance = policy.document.acceptance

    def after(hours: float) -> datetime:
        return add_working_hours(
            at.now, hours, timezone=acceptance.timezone, country=acceptance.holidays_country
        )

    turn = LeadTurn(
        lead_id=lead.id,
        reseller_id=reseller_id,
        state=TurnState.OFFERED,
        received_at=at.now,
        deadline_at=after(acceptance.working_hours),
        remind_at=after(acceptance.working_hours * acceptance.remind_at),
        rule_id=OFFERED_BY_MANAGER,
        policy_version=policy.stamp.version,
        policy_sha256=policy.stamp.sha256,
    )
    lead.state = LeadState.OFFERED
    at.session.add_all([turn, lead])
    at.session.flush()  # the one-holder index speaks here if anything else gave the lead meanwhile
    assert turn.id is not None
    announce_offers(at.session, at.renderer, [turn.id], policy=policy.document, now=at.now)
    return turn.id


def _partner_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value)
    raise ValueError("reseller: a reseller's id, in digits")


def _departement_manager(session: Session, code: str) -> frozenset[int] | None:
    """The département's own channel manager while they hold the role; None asks every one."""
    manager = assigned_channel_manager(session, code)
    if manager is None or manager.id is None or Role.CHANNEL_MANAGER not in manager.roles:
        return None
    return frozenset({manager.id})


def _summary(session: Session, handover: LeadHandover, lead: Lead, neighbours: dict[str, list[str]]) -> str:
    """What the manager reads: the lead (never the prospect's contact), why it came to them,
    who had it, and the resellers of its zone with fewest leads this year first."""
    why = session.exec(
        select(AuditEvent.details)
        .where(AuditEvent.action == "lead.to-manager", AuditEvent.subject_id == lead.id)
        .order_by(col(AuditEvent.id).desc())
    ).first()
    turns = session.exec(
        select(LeadTurn, Partner.name)
        .join(Partner, col(Partner.id) == col(LeadTurn.reseller_id))
        .where(LeadTurn.lead_id == lead.id)
        .order_by(col(LeadTurn.received_at))
    ).all()
    had = "; ".join(
        f"{md_text(name)} ({turn.reseller_id}): {turn.state.value}"
        + (f", {md_text(turn.reason)}" if turn.reason else "")
        for turn, name in turns
    )
    lines = [
        f"### Lead {md_text(lead.id)}: {md_text(lead.company or '-')} (département {lead.departement})",
        "",
        f"Product lines: {md_text(', '.join(lead.product_lines) or '-')}; "
        f"source: {md_text(lead.source or '-')}; the prospect consented to be passed to a "
        f"reseller: **{'yes' if lead.consent else 'no'}**.",
        "",
        f"Why it comes to you: {md_text(str((why or {}).get('reason', '')))} (rule `{handover.rule_id}`).",
        "",
        f"Resellers that had it: {had or 'none'}.",
        "",
    ]
    if lead.consent:
        lines += _suggestions(session, lead, neighbours, {turn.reseller_id for turn, _name in turns})
        lines += ["", "Answer **offer** with the reseller's id, or **close** with the reason."]
    else:
        lines += ["Without the prospect's consent no reseller may have it: answer **close** with the reason."]
    return "\n".join(lines)


def _suggestions(
    session: Session, lead: Lead, neighbours: dict[str, list[str]], had_it: set[int]
) -> list[str]:
    zone = [lead.departement, *neighbours.get(lead.departement, ())]
    year_start = lead.received_at.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    received: dict[int | None, int] = dict(
        session.exec(
            select(LeadTurn.reseller_id, func.count())
            .where(col(LeadTurn.received_at) >= year_start)
            .group_by(col(LeadTurn.reseller_id))
        ).all()
    )
    resellers = [
        partner
        for partner in session.exec(
            select(Partner).where(
                col(Partner.territory_code).in_(zone), Partner.status == PartnerStatus.ACTIVE
            )
        )
        if partner.id not in had_it
    ]
    resellers.sort(key=lambda partner: (received.get(partner.id, 0), partner.id))
    if not resellers:
        return [f"No active reseller in {', '.join(zone)}: any active reseller's id may be given."]
    return [
        "| id | reseller | département | tier | certified | leads this year |",
        "|---|---|---|---|---|---|",
        *(
            f"| {p.id} | {md_text(p.name)} | {p.territory_code} | {p.tier.value} | "
            f"{'yes' if p.certified else 'no'} | {received.get(p.id, 0)} |"
            for p in resellers[:SUGGESTED]
        ),
    ]
