"""The referral programme's I/O steps."""

from __future__ import annotations

from prefect import task

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import Registration
from partnerflow.referrals.invitations import InvitationRound, invite_sponsors
from partnerflow.referrals.qualification import QualificationReport, qualify_referrals
from tasks.settings import SWEEP


@task(name="invite-sponsors", **SWEEP)
def invite_pilot_sponsors() -> InvitationRound:
    """Behind the launch gate, invite the best eligible sponsors up to the pilot's size."""
    ctx = context()
    today = ctx.clock.today()
    with session_scope() as session:
        return invite_sponsors(
            session,
            ctx.policy("referral_programme", today),
            today=today,
            now=ctx.clock.now(),
            renderer=ctx.renderer,
            links=ctx.links,
        )


@task(name="qualify-referrals", **SWEEP)
def qualify_pending(registration_id: int | None) -> QualificationReport:
    """Qualify the pending referrals of the company that registration names (all, without one)."""
    ctx = context()
    with session_scope() as session:
        key = None
        if registration_id is not None:
            registration = session.get(Registration, registration_id)
            if registration is None:
                return QualificationReport()
            key = registration.customer_key
        return qualify_referrals(
            session,
            ctx.policy("referral_programme", ctx.clock.today()),
            now=ctx.clock.now(),
            customer_key=key,
        )
