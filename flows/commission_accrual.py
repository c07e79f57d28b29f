"""Commission accrual: triggered by ``partnerflow.deal.closed``, with a catch-up for missed events."""

from prefect import flow

from flows.parameters import RecordNumber
from flows.runners import bounded_threads
from partnerflow.commissions.accrual import AccrualResult
from tasks.commissions import accrue_closed_deal, accrue_missed_deals


@flow(
    name="accrue-commission",
    flow_run_name="accrue-commission-{registration_id}",
    task_runner=bounded_threads(),
)
def accrue_commission(registration_id: RecordNumber) -> AccrualResult:
    """Accrue the commission of a deal that closed won (run by the deal.closed event).

    Args:
        registration_id: the won registration.
    """
    return accrue_closed_deal(registration_id)


@flow(
    name="accrue-missed-commissions", flow_run_name="accrue-missed-commissions", task_runner=bounded_threads()
)
def accrue_missed_commissions() -> dict[str, int]:
    """Accrue every won deal without a commission line (events missed while no server ran)."""
    return accrue_missed_deals()
