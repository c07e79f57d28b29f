"""Deal registration against a real Prefect server: auto-decision, and review by suspend/resume
on a served deployment (the same resume API the UI's form uses)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.input.actions import read_flow_run_input
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.deal_registration import register_deal, review_registration
from partnerflow.models import AuditEvent, Registration, RegistrationStatus
from partnerflow.notify import MailSink
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.registration.submission import DealSubmission
from tests.factories import LINKS, mailed_invitation, submission

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
WAIT_SECONDS = 90


@pytest.fixture(scope="module")
def served_deployments(prefect_server: None) -> Iterator[None]:
    """register-deal and review-registration served by a runner polling every second."""
    with served_in_thread(register_deal, review_registration, name="partnerflow-tests"):
        yield


def read_run(flow_run_id: Any) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)


def wait_for(flow_run_id: Any, *, pause_key: str | None = None, final: bool = False) -> FlowRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = read_run(flow_run_id)
        state = run.state
        assert state is not None
        if final and state.is_final():
            return run
        if pause_key and state.is_paused() and state.state_details.pause_key == pause_key:
            return run
        time.sleep(0.5)
    raise TimeoutError(f"flow run {flow_run_id} did not reach {pause_key or 'a final state'}: {run.state}")


def saved_form_input(flow_run_id: Any, pause_key: str, part: str) -> Any:
    """What the run saved for its pause ``pause_key`` (``schema`` or ``description``). Prefect sets
    the Suspended state first and saves the form a moment later: poll, as the resumes do."""

    deadline = time.monotonic() + 10
    while (saved := read_flow_run_input(f"suspended-{pause_key}-{part}", flow_run_id=flow_run_id)) is None:
        assert time.monotonic() < deadline, f"no form {part} saved for {pause_key}"
        time.sleep(0.2)
    return saved


def form_schema(flow_run_id: Any, pause_key: str) -> dict[str, Any]:
    """The form Prefect shows for the run's pause ``pause_key``, as the run saved it."""
    schema = saved_form_input(flow_run_id, pause_key, "schema")
    assert isinstance(schema, dict), f"no form saved for {pause_key}"
    return schema


def stored_inputs(flow_run_id: Any) -> list[str]:
    """Everything Prefect keeps of the run's forms and answers, as stored (JSON text)."""
    with get_client(sync_client=True) as client:
        kept = client.filter_flow_run_input(
            flow_run_id, key_prefix="suspended-", limit=200, exclude_keys=set()
        )
    return [stored.value for stored in kept]


def answer(flow_run_id: Any, decision: str, code: str, comment: str = "") -> None:
    """An operator answers on the run's Resume form with a code from a reviewer's e-mail."""
    resume_with_input(flow_run_id, {"decision": decision, "approval_code": code, "comment": comment})


def test_a_small_trusted_deal_is_approved_and_mailed_without_review(
    engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    result = register_deal(DealSubmission.model_validate(submission(network["first"])))
    assert (result.intake.outcome, result.intake.rule_id, result.review) == ("approve", "small-trusted", None)
    [mail] = smtp_server.messages()
    assert mail["To"] == "contact@azur.example" and "approuvé" in str(mail["Subject"])


def four_eyes_deal_waiting(network: dict[str, int]) -> Any:
    """A 400,000 € deal registered on the served deployment: its run waits for two directors."""
    flow_run = run_deployment(
        "register-deal/register-deal",
        timeout=0,
        parameters={"submission": submission(network["first"], amount=400000)},
    )
    wait_for(flow_run.id, pause_key="review-1")
    return flow_run.id


def test_a_large_deal_waits_for_two_entitled_directors(
    served_deployments: None, engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    flow_run = read_run(four_eyes_deal_waiting(network))
    _link, first = mailed_invitation(engine, "director1@vendor.example")
    _link, second = mailed_invitation(engine, "director2@vendor.example")
    answer(flow_run.id, "approve", "")  # no code: refused, audited, still waiting
    wait_for(flow_run.id, pause_key="review-2")
    resume_with_input(flow_run.id, {"decision": "approve", "approval_code": "wake.forged"})  # forged
    wait_for(flow_run.id, pause_key="review-3")
    answer(flow_run.id, "approve", first)  # 1 of 2
    wait_for(flow_run.id, pause_key="review-4")
    told = saved_form_input(flow_run.id, "review-4", "description")
    assert told.startswith("**Your previous answer: 1 of 2 approvals"), "the form says where it stands"
    answer(flow_run.id, "approve", first)  # the same director again: refused
    wait_for(flow_run.id, pause_key="review-5")
    answer(flow_run.id, "approve", second)
    final = wait_for(flow_run.id, final=True)

    assert final.state is not None and final.state.is_completed()
    kept = " ".join(stored_inputs(flow_run.id))
    assert first not in kept and second not in kept, "Prefect keeps no code once the run has read it"
    assert kept.count('"approval_code": "(spent)"') == 4, "each answer with a code is kept, redacted"
    with Session(engine) as session:
        registration = session.exec(select(Registration)).one()
    assert registration.status == RegistrationStatus.APPROVED and registration.flow_run_id == str(flow_run.id)
    assert final.name == f"registration-{registration.id}-Acme Industrie SAS", "named as the e-mails name it"
    with Session(engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).all()
    reasons = [event.details["reason"] for event in refused]
    assert reasons[:2] == [
        "the approval code from your e-mail is required",
        "a wake-up that partnerflow did not sign",
    ]
    assert len(reasons) == 3 and "already used" in reasons[2]
    recipients = sorted(str(mail["To"]) for mail in smtp_server.messages())
    assert recipients == [
        "contact@azur.example",
        "contact@azur.example",
        "director1@vendor.example",
        "director2@vendor.example",
    ]


def test_the_batch_intake_flow_decides_the_queue(
    engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    from flows.deal_intake import deal_intake
    from partnerflow.registration.batch import queue_submissions
    from tests.factories import NOW

    with Session(engine) as session:
        queue_submissions(
            session,
            [submission(network["first"], customer_email=f"buyer@c{n}.fr") for n in range(5)],
            now=NOW,
        )
        session.commit()
    result = deal_intake(chunk_size=2, start_reviews=False)
    assert result.outcomes == {"approve": 5} and result.mail.sent == 5


def test_the_sla_final_timeout_decides_and_wakes_the_suspended_run(
    served_deployments: None, engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    from datetime import UTC, datetime, timedelta

    from partnerflow.registration.sla import sweep_reviews
    from tasks.runs import wake_suspended_runs
    from tests.factories import POLICY, RENDERER

    flow_run = run_deployment(
        "register-deal/register-deal", timeout=0, parameters={"submission": submission(network["newcomer"])}
    )
    wait_for(flow_run.id, pause_key="review-1")
    with Session(engine) as session:
        report = sweep_reviews(
            session,
            policy_for=lambda _day: POLICY,
            renderer=RENDERER,
            links=LINKS,
            now=datetime.now(UTC) + timedelta(days=6),
        )
        session.commit()
    assert report.runs_to_wake == [str(flow_run.id)]
    assert wake_suspended_runs.fn(report.runs_to_wake) == 1
    final = wait_for(flow_run.id, final=True)
    assert final.state is not None and final.state.is_completed()
    with Session(engine) as session:
        registration = session.exec(select(Registration)).one()
    assert registration.status == RegistrationStatus.REJECTED
