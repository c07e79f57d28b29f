"""What arrives on an operator's form (Prefect UI Resume, API): an answer with its code, or a
signed wake-up. Whatever arrives, malformed included, becomes an outcome, never an exception:
a run waiting for a decision must not fail because someone typed nonsense."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from partnerflow.approvals.answers import COMMENT_LIMIT, Outcome, Refused, Reply, answer_by_code, refuse
from partnerflow.approvals.keys import WAKE_PREFIX, Keys
from partnerflow.approvals.subjects import Subject

FORM_FIELDS = frozenset({"decision", "approval_code", "comment"})
DetailsReader = Callable[[dict[str, Any]], dict[str, Any]]


class AnswerFields(BaseModel):
    """The fields every decision form has besides its decision (the flows' forms derive from it)."""

    approval_code: str = Field(
        max_length=400,
        description="The code printed in your e-mail (XXXXX-XXXXX): it proves the answer is yours",
    )  # required: the Prefect form marked it "(Optional)", yet no answer counts without it
    comment: str = Field(default="", max_length=COMMENT_LIMIT, description="Why, especially for a rejection")


@dataclass(frozen=True)
class Woken:
    """A genuine wake-up from partnerflow: look at the database again; nothing was answered."""


def wake_values(keys: Keys, flow_run_id: str) -> dict[str, str]:
    """The form values that wake one waiting run (valid for every decision form): the run then
    applies what the database holds; the decision field is there only to satisfy the form."""
    return {"decision": "approve", "approval_code": keys.wake_token(flow_run_id), "comment": ""}


def receive_form(
    session: Session,
    keys: Keys,
    subject: Subject,
    values: Mapping[str, Any],
    *,
    flow_run_id: str,
    now: datetime,
    read_details: DetailsReader | None = None,
) -> Outcome | Woken:
    """Turn one submission of ``flow_run_id``'s form into a recorded answer, a refusal (audited)
    or a wake-up. ``read_details`` turns the form's other fields into the answer's details, or
    raises ValueError (pydantic's ValidationError is one) to refuse them; without it they are
    dropped."""
    code = str(values.get("approval_code") or "").strip()
    if keys.is_wake_for(code, flow_run_id):
        return Woken()
    if code.startswith(WAKE_PREFIX):
        return refuse(session, subject, "unknown", "form", "a wake-up that partnerflow did not sign", now=now)
    if not code:
        return refuse(
            session, subject, "unknown", "form", "the approval code from your e-mail is required", now=now
        )
    extra = {key: value for key, value in values.items() if key not in FORM_FIELDS}
    try:
        details = read_details(extra) if read_details is not None else {}
    except ValidationError as error:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return refuse(session, subject, "unknown", "form", f"invalid details: {problem}", now=now)
    except ValueError as error:
        return refuse(session, subject, "unknown", "form", str(error), now=now)
    reply = Reply(str(values.get("decision") or ""), str(values.get("comment") or ""), details)
    return answer_by_code(session, keys, subject, code, reply, now=now)


def reply_message(received: Outcome | Woken, *, decided: bool, status: str) -> str:
    """What the form's submitter reads: why their answer was refused while the decision still
    waits, else where the decision stands (``status``)."""
    if isinstance(received, Refused) and not decided:
        return received.reason
    return status


@dataclass(frozen=True)
class ReviewOutcome:
    """Where a decision stands after a form's submission, and what its submitter reads."""

    done: bool
    status: str
    message: str


def with_reply(received: Outcome | Woken, outcome: ReviewOutcome) -> ReviewOutcome:
    """``outcome`` with the message the form's submitter reads (why refused, or where it stands)."""
    return ReviewOutcome(
        outcome.done, outcome.status, reply_message(received, decided=outcome.done, status=outcome.message)
    )


def take_answer(
    session: Session,
    keys: Keys,
    subject: Subject,
    values: Mapping[str, Any],
    apply: Callable[[], ReviewOutcome],
    *,
    flow_run_id: str,
    now: datetime,
    read_details: DetailsReader | None = None,
) -> ReviewOutcome:
    """One submission of a decision form: recorded (or refused, with the reason), then the
    process's ``apply`` of every answer recorded so far; the outcome says what the submitter reads."""
    received = receive_form(
        session, keys, subject, values, flow_run_id=flow_run_id, now=now, read_details=read_details
    )
    return with_reply(received, apply())
