"""Partners' webhooks: every two minutes, POST what was published and retry what failed before."""

from prefect import flow

from flows.parameters import DeliveryLimit
from flows.results import Webhooks
from tasks.webhooks import send_webhooks


@flow(name="deliver-webhooks", flow_run_name="deliver-webhooks")
def deliver_webhooks(limit: DeliveryLimit = 200) -> Webhooks:
    """Send the due webhook deliveries to partners' endpoints, signed (Standard Webhooks).

    Args:
        limit: the most deliveries to send in this run; the rest wait for the next run.
    """
    report = send_webhooks(limit)
    return Webhooks(delivered=report.delivered, retrying=report.retrying, failed=report.failed)
