"""I/O steps about the people who decide, across the processes."""

from __future__ import annotations

from prefect import task

from partnerflow.approvals.inbox import queue_digests
from partnerflow.context import context
from partnerflow.db import session_scope
from tasks.settings import SWEEP


@task(name="queue-decision-digests", **SWEEP)
def queue_decision_digests() -> int:
    """Each person with open decisions gets today's list of them, once."""
    ctx = context()
    with session_scope() as session:
        return queue_digests(session, ctx.links, ctx.renderer, now=ctx.clock.now())
