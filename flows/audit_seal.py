"""The audit trail sealed every 10 minutes, and checked whole each time (see partnerflow.audit_chain)."""

from prefect import flow

from flows.runners import bounded_threads
from partnerflow.audit_chain import SealReport
from tasks.audit import seal_audit_trail, verify_audit_trail


class AuditTrailTampered(Exception):
    """Sealed audit events were changed, deleted or inserted: the run fails, naming them."""


@flow(name="audit-seal", flow_run_name="audit-seal", task_runner=bounded_threads())
def audit_seal() -> SealReport:
    """Seal the new events, then recompute the whole chain; a tampered trail fails the run with
    the rows it names (the Prefect UI shows it Failed; `partnerflow audit verify` says the same)."""
    report = seal_audit_trail()
    problems = verify_audit_trail()
    if problems:
        raise AuditTrailTampered("; ".join(problems))
    return report
