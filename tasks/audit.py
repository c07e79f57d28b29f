"""Recording audit events from flows (actors, decisions, the policy stamp that applied)."""

from typing import Any

from prefect import task

from partnerflow.audit import record_event
from partnerflow.db import session_scope
from partnerflow.policy import PolicyStamp


@task(name="record-audit-event", retries=3, retry_delay_seconds=[2, 10, 30])
def record_audit_event(
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    stamp: PolicyStamp | None = None,
    rule_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit event and return its id."""
    with session_scope() as session:
        event = record_event(
            session,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            stamp=stamp,
            rule_id=rule_id,
            details=details,
        )
        assert event.id is not None
        return event.id
