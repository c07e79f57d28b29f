"""Deal-registration I/O steps: intake, opening a review, applying a reviewer's answer.

Each step is idempotent in the database (a registration remembers the flow run that took it in;
a review round is stored once), so a retried or replayed task never decides twice.
"""

from prefect import task

from partnerflow.clock import programme_date
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import Registration
from partnerflow.registration.batch import ChunkReport, take_in_chunk
from partnerflow.registration.intake import IntakeResult, take_in_for_run
from partnerflow.registration.policies import submitted_on
from partnerflow.registration.review import request_review_until_deadline, review_summary
from partnerflow.registration.submission import DealSubmission
from tasks.settings import STEP, SWEEP


@task(name="take-in-submission", **STEP)
def take_in_submission(submission: DealSubmission, flow_run_id: str) -> IntakeResult:
    """Refuse or decide one submission, once per flow run (``registration.take_in_for_run``)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        policy = ctx.policy("deal_registration", programme_date(now))
        return take_in_for_run(
            session, submission, flow_run_id, policy=policy, renderer=ctx.renderer, now=now
        )


@task(name="open-review", **STEP)
def open_review(registration_id: int, flow_run_id: str) -> str:
    """Attach the review to this flow run, mail each reviewer their personal link and code, and
    return the form's summary."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        registration = session.get(Registration, registration_id)
        if registration is None:
            raise LookupError(f"registration {registration_id} does not exist")
        registration.flow_run_id = flow_run_id
        session.add(registration)
        policy = ctx.policy(
            "deal_registration", submitted_on(session, registration_id, today=programme_date(now))
        )
        request_review_until_deadline(
            session,
            registration,
            policy=policy,
            links=ctx.links,
            renderer=ctx.renderer,
            now=now,
        )
        return review_summary(session, registration)


@task(name="take-in-queued-chunk", **SWEEP)
def take_in_queued_chunk(limit: int) -> ChunkReport:
    """Decide one chunk of queued submissions in one transaction (all or nothing on retry)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        return take_in_chunk(
            session,
            limit=limit,
            now=now,
            renderer=ctx.renderer,
            policy=ctx.policy("deal_registration", programme_date(now)),
        )
