"""Outbox delivery: every few minutes, send what is due and retry what failed before."""

from prefect import flow

from flows.parameters import DeliveryLimit
from flows.results import Mail
from flows.runners import bounded_threads
from tasks.notifications import notify_refused_answers, send_pending_notifications


@flow(name="deliver-notifications", flow_run_name="deliver-notifications", task_runner=bounded_threads())
def deliver_notifications(limit: DeliveryLimit = 500) -> Mail:
    """Send the due notifications in the outbox (first queueing a notice for each answer refused
    since the last run, to the person who gave it).

    Args:
        limit: the most notifications to send in this run; the rest wait for the next run.
    """
    notify_refused_answers()
    return Mail.of(send_pending_notifications(limit))
