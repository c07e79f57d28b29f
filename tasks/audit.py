"""Sealing and checking the audit trail (see ``partnerflow.audit_chain``)."""

from prefect import task

from partnerflow.audit_chain import SealReport, seal, verify
from partnerflow.context import context
from partnerflow.db import session_scope
from tasks.settings import STEP


@task(name="seal-audit-trail", **STEP)
def seal_audit_trail() -> SealReport:
    """Chain and seal the events settled since the last seal."""
    ctx = context()
    with session_scope() as session:
        return seal(session, ctx.links.keys, now=ctx.clock.now())


@task(name="verify-audit-trail", **STEP)
def verify_audit_trail() -> list[str]:
    """Every row of the sealed trail that is not as it was sealed, named."""
    with session_scope() as session:
        return verify(session, context().links.keys)
