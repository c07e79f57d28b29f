"""Delivering partners' webhooks, as a Prefect task (retries for database hiccups).

A partner's endpoint being down does not fail the task: each delivery records its answer and
is tried again later. Never cached: each run sends what is due now.
"""

from prefect import task

from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.webhooks import WebhookReport, deliver_webhooks
from tasks.settings import SWEEP


@task(name="send-webhooks", **SWEEP)
def send_webhooks(limit: int = 200) -> WebhookReport:
    """POST the due deliveries, signed; the report counts delivered, retrying and failed."""
    ctx = context()
    return deliver_webhooks(
        get_engine(ctx.settings.database_url),
        ctx.links.keys,
        allow_private=ctx.settings.webhooks_allow_private,
        limit=limit,
    )
