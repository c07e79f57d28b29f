"""Scorecards for resellers and the summary for channel managers (fr/en, once each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from partnerflow.approvals import Ask, Asking, Subject
from partnerflow.approvals.invitations import invite_role, notify_role
from partnerflow.contacts import Contact, contacts_by_territory, lookup
from partnerflow.leads.kpis import reseller_kpis
from partnerflow.locales import text_in
from partnerflow.models import Partner, PartnerStatus, Rebalancing, Role
from partnerflow.notify import TemplateRenderer, enqueue
from partnerflow.partners import partners_by_id
from partnerflow.policy import RebalancingPolicy
from partnerflow.rebalancing.decisions import THINNED_OUT, proposals_of

KEPT_AFTER_REVIEW = {
    "fr": "Maintenu après examen par l'équipe canal.",
    "en": "Kept after review by the channel team.",
}


def targets(document: RebalancingPolicy) -> dict[str, Any]:
    t = document.thresholds
    return {
        "target_leads": t.min_leads_per_year,
        "target_open_rate": t.min_open_rate,
        "target_processing_rate": t.min_processing_rate,
        "target_closing_min": t.closing_rate.min,
        "target_closing_max": t.closing_rate.max,
    }


KPI_KEYS = ("leads", "open_rate", "processing_rate", "closing_rate", "sold", "conversion")


@dataclass(frozen=True)
class Scorecards:
    """What every scorecard of one run shares: the renderer, the targets, the contacts (each
    département's channel manager)."""

    renderer: TemplateRenderer
    targets: dict[str, Any]
    contacts: dict[str, Contact]

    def queue(
        self,
        session: Session,
        partner: Partner,
        *,
        key: str,
        label: str,
        kpis: dict[str, Any],
        outcome: str = "",
        reason: str = "",
    ) -> bool:
        return enqueue(
            session,
            renderer=self.renderer,
            dedupe_key=f"scorecard:{key}:{partner.id}",
            recipient=partner.primary_email,
            template="reseller_scorecard",
            locale=partner.locale.value,
            context={
                "partner_name": partner.name,
                "period_label": label,
                **{name: kpis[name] for name in KPI_KEYS},
                **self.targets,
                "outcome": outcome,
                "reason": reason,
                "contact": lookup(self.contacts, partner),
            },
        )


def queue_year_scorecards(
    session: Session, rebalancing: Rebalancing, document: RebalancingPolicy, renderer: TemplateRenderer
) -> int:
    """Every judged reseller's scorecard for the year, with its final outcome and the reason."""
    proposals = proposals_of(session, rebalancing)
    partners = partners_by_id(session, (p.partner_id for p in proposals))
    cards = Scorecards(renderer, targets(document), contacts_by_territory(session))
    queued = 0
    for proposal in proposals:
        outcome = proposal.applied_outcome or proposal.outcome
        partner = partners[proposal.partner_id]
        if outcome == proposal.outcome:
            reason = text_in(proposal.reason_texts, partner.locale, proposal.reason)
        else:  # the manager kept a proposed pause, or chose to thin out the département
            reason = (THINNED_OUT if outcome == "pause" else KEPT_AFTER_REVIEW)[partner.locale]
        queued += cards.queue(
            session,
            partner,
            key=str(rebalancing.year),
            label=str(rebalancing.year),
            kpis=proposal.kpis,
            outcome=outcome,
            reason=reason,
        )
    return queued


def queue_summary(
    session: Session, rebalancing: Rebalancing, renderer: TemplateRenderer, *, report_path: str
) -> int:
    """The year's outcome for every channel manager."""
    outcomes = [p.applied_outcome or p.outcome for p in proposals_of(session, rebalancing)]
    status = (
        f"Approved by {rebalancing.decided_by} and applied."
        if rebalancing.decided_by and rebalancing.status.value == "applied"
        else f"Status: {rebalancing.status.value} ({rebalancing.decided_by or 'no answer'})."
    )
    return notify_role(
        session,
        renderer,
        role=Role.CHANNEL_MANAGER,
        template="rebalancing_summary",
        key=f"rebalancing-summary:{rebalancing.year}",
        context={
            "year": rebalancing.year,
            "status_line": status,
            "kept": outcomes.count("keep"),
            "coached": outcomes.count("coach"),
            "paused": outcomes.count("pause"),
            "routed_more": outcomes.count("route-more"),
            "excluded": len(rebalancing.excluded),
            "thinned_out": len(rebalancing.thinned_out),
            "departements": rebalancing.departements,
            "report_path": report_path,
        },
    )


def request_approval(at: Asking, rebalancing: Rebalancing, *, summary: str, expires_at: datetime) -> int:
    """Mail every channel manager their personal link and code to answer (once)."""
    outcomes = [p.outcome for p in proposals_of(at.session, rebalancing)]
    return invite_role(
        at.session,
        at.renderer,
        at.links,
        Ask(
            Subject("rebalancing", rebalancing.year),
            role=Role.CHANNEL_MANAGER,
            approvers_required=1,
            summary=summary,
            expires_at=expires_at,
            flow_run_id=at.flow_run_id,
        ),
        context={
            "year": rebalancing.year,
            "kept": outcomes.count("keep"),
            "coached": outcomes.count("coach"),
            "paused": outcomes.count("pause"),
        },
        now=at.now,
    )


def queue_quarter_scorecards(
    session: Session, today: date, document: RebalancingPolicy, renderer: TemplateRenderer
) -> int:
    """Each active reseller's KPIs for the quarter so far (leads received since its first day)."""
    quarter = (today.month - 1) // 3 + 1
    start = date(today.year, 3 * quarter - 2, 1)
    rows = [k for k in reseller_kpis(session, start, today) if k.status == PartnerStatus.ACTIVE]
    partners = partners_by_id(session, (k.partner_id for k in rows))
    cards = Scorecards(renderer, targets(document), contacts_by_territory(session))
    queued = 0
    for kpis in rows:
        partner = partners[kpis.partner_id]
        label = f"T{quarter} {today.year}" if partner.locale.value == "fr" else f"Q{quarter} {today.year}"
        values = {name: getattr(kpis, name) for name in KPI_KEYS}
        queued += cards.queue(session, partner, key=f"{today.year}-Q{quarter}", label=label, kpis=values)
    return queued
