"""A partner's training path, by e-mail: the onboarding of a new partner (welcome on joining, a
training invitation a week later, a check-in after its first 90 days) and reminders before a
certification lapses, at the days the ``partner_health`` policy names.

Run daily (``partner-onboarding``). Every notice has a dedupe key, so a day run twice mails
nobody twice, and a day missed is caught up; a step later than ``catch_up_days`` is skipped, so
installing partnerflow does not welcome partners who joined years ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.contacts import channel_manager_for, contacts_by_territory, lookup
from partnerflow.lifecycle.welcome import queue_welcome
from partnerflow.models import Partner, PartnerStatus, Person, TrainingKind, TrainingRecord
from partnerflow.notify import TemplateRenderer, enqueue
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.policy.kinds.partner_health import TrainingSettings


@dataclass(frozen=True)
class TrainingNotices:
    welcomes: int
    invitations: int
    check_ins: int
    certification_reminders: int


def queue_training_notices(
    session: Session,
    *,
    today: date,
    settings: TrainingSettings,
    deal_policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
) -> TrainingNotices:
    """Queue the day's onboarding steps and certification reminders (each once)."""
    welcomes = invitations = check_ins = 0
    for partner in _recent_partners(session, today, settings):
        manager = channel_manager_for(session, partner.territory_code)
        assert partner.joined_on is not None
        days = (today - partner.joined_on).days
        if days < settings.catch_up_days and manager is not None:
            welcomes += queue_welcome(
                session, renderer=renderer, partner=partner, deal_policy=deal_policy, today=partner.joined_on
            )
        if _due(days, settings.training_invitation_after_days, settings):
            invitations += _notify(session, renderer, partner, "onboarding_training", manager)
        if _due(days, settings.check_in_after_days, settings):
            check_ins += _notify(session, renderer, partner, "onboarding_check_in", manager)
    reminders = _certification_reminders(session, today, settings, renderer)
    return TrainingNotices(welcomes, invitations, check_ins, reminders)


def _due(days_since_joining: int, step: int, settings: TrainingSettings) -> bool:
    return step <= days_since_joining < step + settings.catch_up_days


def _recent_partners(session: Session, today: date, settings: TrainingSettings) -> list[Partner]:
    horizon = today - timedelta(days=settings.check_in_after_days + settings.catch_up_days)
    return list(
        session.exec(
            select(Partner)
            .where(Partner.status == PartnerStatus.ACTIVE, col(Partner.joined_on) >= horizon)
            .where(col(Partner.joined_on) <= today)
            .order_by(col(Partner.id))
        )
    )


def _certification_reminders(
    session: Session, today: date, settings: TrainingSettings, renderer: TemplateRenderer
) -> int:
    """One reminder per certification at the nearest threshold reached (a day missed sends the
    nearest one only, not every threshold passed meanwhile)."""
    farthest = max(settings.certification_reminders_days_before)
    latest = (
        select(
            col(TrainingRecord.partner_id).label("partner_id"),
            col(TrainingRecord.course).label("course"),
            func.max(TrainingRecord.expires_on).label("expires_on"),
        )
        .where(col(TrainingRecord.kind) == TrainingKind.CERTIFICATION)
        .group_by(col(TrainingRecord.partner_id), col(TrainingRecord.course))
        .subquery()
    )
    lapsing = session.exec(
        select(Partner, latest.c.course, latest.c.expires_on)
        .join(latest, latest.c.partner_id == col(Partner.id))
        .where(Partner.status == PartnerStatus.ACTIVE)
        .where(latest.c.expires_on >= today, latest.c.expires_on <= today + timedelta(days=farthest))
        .order_by(col(Partner.id))
    ).all()
    queued = 0
    contacts = contacts_by_territory(session)
    for partner, course, expires_on in lapsing:
        days_left = (expires_on - today).days
        threshold = min(day for day in settings.certification_reminders_days_before if days_left <= day)
        for email in partner.emails:
            queued += enqueue(
                session,
                renderer=renderer,
                dedupe_key=f"certification-reminder:{partner.id}:{course}:{expires_on}:{threshold}:{email}",
                recipient=email,
                template="certification_reminder",
                locale=partner.locale.value,
                context={
                    "partner_name": partner.name,
                    "course": course,
                    "expires_on": expires_on,
                    "contact": lookup(contacts, partner),
                },
            )
    return queued


def _notify(
    session: Session, renderer: TemplateRenderer, partner: Partner, template: str, manager: Person | None
) -> int:
    queued = 0
    for email in partner.emails:
        queued += enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"{template}:{partner.id}:{email}",
            recipient=email,
            template=template,
            locale=partner.locale.value,
            context={
                "partner_name": partner.name,
                "channel_manager_name": manager.name if manager else "",
                "channel_manager_email": manager.email if manager else "",
                "contact": {"name": manager.name, "email": manager.email} if manager else {},
            },
        )
    return queued
