"""Routing the leads that wait: claim them, ask the router, store the offers.

A lead waits in state ``new`` (taken in, or passed on by the deadline sweep). A routing run
claims a chunk with one conditional UPDATE (``new`` -> ``offered`` ... RETURNING id): two runs
racing over the same leads each get a disjoint part, and the database's one-holder index is the
last word if anything else races. Each offer is a :class:`LeadTurn` stamped with the policy's
rule, version and sha256 and the ranking it came from; the lead's e-mails are queued by
:mod:`partnerflow.leads.offers` in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from partnerflow.audit import record_event, record_events
from partnerflow.frozen_heap import objects_so_far_frozen
from partnerflow.leads.kpis import reseller_kpis
from partnerflow.leads.routing import WINDOW, LeadToRoute, Routed, Router, Standing
from partnerflow.models import (
    Lead,
    LeadHandover,
    LeadState,
    LeadTurn,
    Partner,
    PartnerStatus,
    PartnerTier,
    TurnState,
)
from partnerflow.policy import LeadRoutingPolicy, Policy

CHUNK = 5_000
ACTOR = "system:lead-routing"


@dataclass
class RoutingReport:
    offered: list[str] = field(default_factory=list)  # the leads offered (their e-mails: offers.py)
    to_manager: list[str] = field(default_factory=list)  # leads the channel manager decides

    def as_dict(self) -> dict[str, int]:
        return {"offered": len(self.offered), "to_manager": len(self.to_manager)}


def standings(session: Session, at: datetime) -> list[Standing]:
    """Every active reseller's standing at ``at``: leads received this calendar year, receptions
    in the last 30 days, and its KPI score over the year so far."""
    year_start = datetime(at.year, 1, 1, tzinfo=at.tzinfo)
    per_reseller = session.connection().execute(
        sa_select(col(LeadTurn.reseller_id), func.count())
        .where(col(LeadTurn.received_at) >= year_start)
        .group_by(col(LeadTurn.reseller_id))
    )
    received = {int(reseller_id): int(count) for reseller_id, count in per_reseller}
    recent: dict[int, deque[datetime]] = defaultdict(deque)
    for reseller_id, moment in session.connection().execute(
        sa_select(col(LeadTurn.reseller_id), col(LeadTurn.received_at))
        .where(col(LeadTurn.received_at) > at - WINDOW)
        .order_by(col(LeadTurn.received_at))
    ):
        recent[reseller_id].append(moment)
    scores = {
        k.partner_id: (k.open_rate + k.processing_rate + k.closing_rate) / 3
        for k in reseller_kpis(session, year_start.date(), (at + timedelta(days=1)).date())
        if k.leads
    }
    rows = session.connection().execute(
        sa_select(col(Partner.id), col(Partner.territory_code), col(Partner.tier), col(Partner.certified))
        .where(col(Partner.status) == PartnerStatus.ACTIVE)
        .order_by(col(Partner.id))
    )
    return [
        Standing(
            reseller_id=partner_id,
            departement=departement,
            tier=PartnerTier(tier),
            certified=bool(certified),
            score=scores.get(partner_id, -1.0),
            received=int(received.get(partner_id, 0)),
            recent=recent[partner_id],
        )
        for partner_id, departement, tier, certified in rows
    ]


def route_waiting(
    session: Session,
    policy: Policy[LeadRoutingPolicy],
    *,
    now: datetime,
    limit: int | None = None,
    as_received: bool = False,
) -> RoutingReport:
    """Route the leads waiting in state ``new`` (oldest first, at most ``limit``) into the
    session's transaction; the caller commits (and queues the offers' e-mails before it).

    ``as_received`` offers each lead at the time it was received instead of ``now``: a backlog
    replayed in order (the benchmark's year of leads, a migration from another system)."""
    resellers = standings(session, now)
    unknown = policy.document.ranking.kpi_score_without_history
    for standing in resellers:
        if standing.score < 0:
            standing.score = unknown
    router = Router(policy, resellers)
    report = RoutingReport()
    with objects_so_far_frozen():  # a year's backlog: 6 of 18 s were full garbage collections
        while limit is None or len(report.offered) + len(report.to_manager) < limit:
            size = (
                CHUNK if limit is None else min(CHUNK, limit - len(report.offered) - len(report.to_manager))
            )
            claimed = _claim(session, size)
            if not claimed:
                break
            _route_chunk(session, router, claimed, now, report, as_received=as_received)
    if report.offered or report.to_manager:
        record_event(
            session,
            actor=ACTOR,
            action="leads.routed",
            subject_type="lead-batch",
            subject_id=now.isoformat(),
            now=now,
            stamp=policy.stamp,
            details=report.as_dict(),
        )
    return report


def _claim(session: Session, size: int) -> list[LeadToRoute]:
    """Take up to ``size`` waiting leads for this run: one conditional UPDATE, so a lead another
    run claimed first is not returned here. Oldest first."""
    waiting = (
        sa_select(col(Lead.id))
        .where(col(Lead.state) == LeadState.NEW)
        .order_by(col(Lead.received_at), col(Lead.id))
        .limit(size)
        .scalar_subquery()
    )
    connection = session.connection()
    claimed = connection.execute(
        update(Lead)
        .where(col(Lead.id).in_(waiting), col(Lead.state) == LeadState.NEW)
        .values(state=LeadState.OFFERED)
        .returning(
            col(Lead.id),
            col(Lead.departement),
            col(Lead.product_lines),
            col(Lead.source),
            col(Lead.consent),
            col(Lead.passes),
            col(Lead.received_at),
        )
    ).all()
    passed_on = [row[0] for row in claimed if row[5]]  # only a lead passed on had turns before
    had_it: dict[str, set[int]] = defaultdict(set)
    for first in range(0, len(passed_on), 1000):
        for lead_id, reseller_id in connection.execute(
            sa_select(col(LeadTurn.lead_id), col(LeadTurn.reseller_id)).where(
                col(LeadTurn.lead_id).in_(passed_on[first : first + 1000])
            )
        ):
            had_it[lead_id].add(reseller_id)
    leads = [
        LeadToRoute(lead, code, tuple(lines), source, bool(consent), passes, frozenset(had_it[lead]), at)
        for lead, code, lines, source, consent, passes, at in claimed
    ]
    return sorted(leads, key=lambda lead: (lead.received_at, lead.id))  # RETURNING keeps no order


def _route_chunk(
    session: Session,
    router: Router,
    leads: list[LeadToRoute],
    now: datetime,
    report: RoutingReport,
    *,
    as_received: bool,
) -> None:
    offers: list[Routed] = []
    unrouted: list[Routed] = []
    for lead in leads:
        routed = router.route(lead, lead.received_at if as_received and lead.received_at else now)
        (unrouted if routed.reseller_id is None else offers).append(routed)
    if unrouted:
        ids = [routed.lead_id for routed in unrouted]
        session.connection().execute(
            update(Lead).where(col(Lead.id).in_(ids)).values(state=LeadState.UNROUTED)
        )
        stamp = router.policy.stamp
        record_events(
            session,
            [
                {
                    "actor": ACTOR,
                    "action": "lead.to-manager",
                    "subject_type": "lead",
                    "subject_id": routed.lead_id,
                    "occurred_at": now,
                    "policy_kind": stamp.kind,
                    "policy_version": stamp.version,
                    "policy_sha256": stamp.sha256,
                    "rule_id": routed.rule_id,
                    "details": {"reason": routed.reasons.get("en", "")},
                }
                for routed in unrouted
            ],
        )
        handovers = [
            {
                "lead_id": routed.lead_id,
                "rule_id": routed.rule_id,
                "opened_at": now,
                "awaiting": True,
                "reason": "",
            }
            for routed in unrouted
        ]  # each put to the département's channel manager (partnerflow.leads.handover)
        session.connection().execute(insert(LeadHandover), handovers)
        report.to_manager.extend(ids)
    report.offered.extend(_store_offers(session, router, offers))


def _store_offers(session: Session, router: Router, offers: list[Routed]) -> list[str]:
    """Write the offers' turns; the leads offered."""
    if not offers:
        return []
    stamp = router.policy.stamp
    rows = [
        {
            "lead_id": routed.lead_id,
            "reseller_id": routed.reseller_id,
            "state": TurnState.OFFERED,
            "received_at": routed.at,
            "deadline_at": routed.deadline_at,
            "remind_at": routed.remind_at,
            "reason": "",
            "rule_id": routed.rule_id,
            "policy_version": stamp.version,
            "policy_sha256": stamp.sha256,
            "ranking": routed.ranking,
        }
        for routed in offers
    ]
    # The turn is the record of the offer (when, to whom, why): no "sent" event repeats it (a
    # LeadEvent is what the reseller did; 100,000 of them were 1.7 s of a year's routing).
    session.connection().execute(insert(LeadTurn), rows)  # executemany: RETURNING per row cost 3x
    return [routed.lead_id for routed in offers]
