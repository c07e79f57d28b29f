"""A partner's training path by e-mail (see partnerflow.lifecycle.onboarding)."""

from prefect import flow

from flows.results import FlowResult, Mail
from flows.runners import bounded_threads
from partnerflow.lifecycle.onboarding import TrainingNotices
from tasks.lifecycle import queue_training
from tasks.notifications import send_pending_notifications


class Onboarding(FlowResult):
    """The onboarding and certification notices queued today, and the mail that sent."""

    notices: TrainingNotices
    mail: Mail


@flow(name="partner-onboarding", flow_run_name="partner-onboarding", task_runner=bounded_threads())
def partner_onboarding() -> Onboarding:
    """Daily: new partners' onboarding steps (welcome, training invitation, 90-day check-in) and
    reminders before a certification lapses, at the days the partner_health policy names."""
    queued = queue_training()
    return Onboarding(notices=queued, mail=Mail.of(send_pending_notifications()))
