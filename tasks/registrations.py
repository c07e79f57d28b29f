"""Deal-registration I/O steps: intake, opening a review, applying a reviewer's answer.

Each step is idempotent in the database (a registration remembers the flow run that took it in;
a review round is stored once), so a retried or replayed task never decides twice.
"""

from datetime import UTC, date, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from partnerflow.db import session_scope
from partnerflow.models import Registration
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import load_policy
from partnerflow.registration.batch import take_in_chunk
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.registration.policies import policy_for_registration
from partnerflow.registration.review import ReviewAnswer, apply_answer, request_review, review_summary
from partnerflow.settings import get_settings

IO_RETRIES: dict[str, Any] = {"retries": 3, "retry_delay_seconds": [2, 10, 30], "persist_result": True}


@task(name="take-in-submission", **IO_RETRIES)
def take_in_submission(raw: dict[str, Any], flow_run_id: str) -> dict[str, Any]:
    """Refuse or decide one submission; a second call for the same flow run returns the first result."""
    settings = get_settings()
    with session_scope() as session:
        earlier = session.exec(select(Registration).where(Registration.flow_run_id == flow_run_id)).first()
        if earlier is not None and earlier.id is not None:
            return IntakeResult(
                earlier.id,
                earlier.outcome or "",
                earlier.rule_id,
                earlier.policy_version,
                earlier.reason,
                tuple(earlier.problems),
            ).as_dict()
        now = datetime.now(UTC)
        policy = load_policy("deal_registration", now.date(), settings.policies_dir)
        result = take_in(
            session, raw, policy=policy, renderer=TemplateRenderer(settings.templates_dir), now=now
        )
        registration = session.get(Registration, result.registration_id)
        assert registration is not None
        registration.flow_run_id = flow_run_id
        session.add(registration)
        return result.as_dict()


@task(name="open-review", **IO_RETRIES)
def open_review(registration_id: int, flow_run_id: str) -> str:
    """Attach the review to this flow run, e-mail the reviewers a link, return the form's summary."""
    settings = get_settings()
    with session_scope() as session:
        registration = session.get(Registration, registration_id)
        if registration is None:
            raise LookupError(f"registration {registration_id} does not exist")
        registration.flow_run_id = flow_run_id
        session.add(registration)
        request_review(
            session,
            registration,
            renderer=TemplateRenderer(settings.templates_dir),
            review_url=f"{settings.prefect_ui_url}/runs/flow-run/{flow_run_id}",
        )
        return review_summary(session, registration)


@task(name="apply-review-answer", **IO_RETRIES)
def apply_review_answer(registration_id: int, round_number: int, answer: dict[str, Any]) -> dict[str, str]:
    """Record one round's answer and say whether the review is decided."""
    settings = get_settings()
    with session_scope() as session:
        policy = policy_for_registration(
            session, registration_id, directory=settings.policies_dir, today=date.today()
        )
        result = apply_answer(
            session,
            registration_id,
            round_number,
            ReviewAnswer.model_validate(answer),
            policy=policy,
            renderer=TemplateRenderer(settings.templates_dir),
            now=datetime.now(UTC),
        )
        final = session.get(Registration, registration_id)
        return {
            "state": result.state,
            "message": result.message,
            "status": final.status.value if final else "",
        }


@task(name="take-in-queued-chunk", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def take_in_queued_chunk(limit: int) -> dict[str, Any]:
    """Decide one chunk of queued submissions in one transaction (all or nothing on retry)."""
    settings = get_settings()
    now = datetime.now(UTC)
    with session_scope() as session:
        report = take_in_chunk(
            session,
            limit=limit,
            now=now,
            renderer=TemplateRenderer(settings.templates_dir),
            policy=load_policy("deal_registration", now.date(), settings.policies_dir),
        )
    return dict(report.__dict__)
