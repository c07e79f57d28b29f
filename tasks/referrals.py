"""The referral programme's I/O steps."""

from __future__ import annotations

from prefect import task

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.referrals.invitations import InvitationRound, invite_sponsors
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
