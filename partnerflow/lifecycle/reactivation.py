"""A paused reseller comes back: the rebalancing paused it for a year's results (or for too few
leads, before the 2026-12-20 version), and a channel manager, having talked with it, makes it
active again. Its exit stays in the history (attrition counts the pause where it happened) with
the day it returned; from then on it is offered leads and judged like the others."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.models import ExitKind, Partner, PartnerExit, PartnerStatus


class ReactivationRefused(ValueError):
    """Why the partner cannot be reactivated (one line for the person who asked)."""


def reactivate(session: Session, partner_id: int, *, reason: str, actor: str, now: datetime) -> Partner:
    """Make the paused ``partner_id`` active again, audited with ``reason``."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise ReactivationRefused(f"partner {partner_id} does not exist")
    if partner.status is not PartnerStatus.PAUSED:
        raise ReactivationRefused(
            f"partner {partner_id} is {partner.status.value}: only a paused one returns"
        )
    why = " ".join(reason.split())
    if not why:
        raise ReactivationRefused("--reason: say why in a sentence (kept with the partner's history)")
    partner.status = PartnerStatus.ACTIVE
    session.add(partner)
    paused = session.exec(
        select(PartnerExit)
        .where(PartnerExit.partner_id == partner_id, PartnerExit.kind == ExitKind.PAUSED)
        .where(col(PartnerExit.returned_on).is_(None))
        .order_by(col(PartnerExit.left_on).desc())
    ).first()
    if paused is not None:
        paused.returned_on = programme_date(now)
        session.add(paused)
    record_event(
        session,
        actor=actor,
        action="partner.reactivated",
        subject_type="partner",
        subject_id=partner_id,
        now=now,
        details={"reason": why[:500], "paused_on": paused.left_on.isoformat() if paused else None},
    )
    return partner
