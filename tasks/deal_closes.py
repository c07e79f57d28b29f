"""Confirming a close far above its registration: ask the channel directors, take the answer,
announce the deal once it is confirmed (``partnerflow.registration.close_review``)."""

from datetime import timedelta

from prefect import task

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.orchestration.prefect_api import emit_deal_closed
from partnerflow.registration.close_review import confirmed_close, request_close_decision
from tasks.settings import STEP

CLOSE_LINKS_WORK_FOR = timedelta(days=14)  # a director confirms within two weeks, or asks again


@task(name="ask-close-decision", **STEP)
def ask_close_decision(registration_id: int, flow_run_id: str) -> int:
    """Mail every channel director their link and code to confirm the close (once)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        return request_close_decision(
            session,
            registration_id,
            ctx.renderer,
            links=ctx.links,
            run_id=flow_run_id,
            expires_at=now + CLOSE_LINKS_WORK_FOR,
            now=now,
        )


@task(name="announce-confirmed-close", **STEP)
def announce_confirmed_close(registration_id: int) -> bool:
    """Emit ``partnerflow.deal.closed`` for a confirmed close (commissions accrue on it); False
    when there is nothing to announce (the close was rejected)."""
    with session_scope() as session:
        close = confirmed_close(session, registration_id)
    if close is None:
        return False
    emit_deal_closed(
        registration_id=close.registration_id,
        partner_id=close.partner_id,
        customer=close.customer,
        amount=close.amount,
        currency=close.currency,
        closed_on=close.closed_on,
    )
    return True
