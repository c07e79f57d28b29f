"""What arrives on an operator's form (Prefect UI Resume, API): an answer with its code, or a
signed wake-up. Whatever arrives, malformed included, becomes an outcome, never an exception:
a run waiting for a decision must not fail because someone typed nonsense."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError
from sqlmodel import Session

from partnerflow.approvals.answers import COMMENT_LIMIT, Outcome, Refused, Reply, answer_by_code, refuse
from partnerflow.approvals.declarations import Applying, DecisionOutcome, decision_kind
from partnerflow.approvals.form_items import folded
from partnerflow.approvals.keys import WAKE_PREFIX, Keys
from partnerflow.approvals.subjects import Subject

FORM_FIELDS = frozenset({"decision", "approval_code", "comment"})


class AnswerFields(BaseModel):
    """The fields every decision form has besides its decision (the flows' forms derive from it)."""

    approval_code: str = Field(
        max_length=400,
        description="The code printed in your e-mail (XXXXX-XXXXX): it proves the answer is yours",
    )  # required: the Prefect form marked it "(Optional)", yet no answer counts without it
    comment: str = Field(default="", max_length=COMMENT_LIMIT, description="Why, especially for a rejection")


class FormAnswer(BaseModel):
    """One submission of a decision's form as it crosses from the flow to the task that takes
    it: typed once, where the flow reads it from Prefect (whose form validated it), and read by
    attribute after that. ``details`` are the role's own fields (an allocation, a programme
    reference...), per-item fields folded into their group, for the kind's ``read_details``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: str = ""
    approval_code: str = ""
    comment: str = ""
    details: dict[str, JsonValue] = Field(default_factory=dict)

    @classmethod
    def of(cls, answer: BaseModel) -> FormAnswer:
        """The answer read from a decision form (a ``DecisionFormBase`` with any fields)."""
        values = folded(answer)
        details = {key: value for key, value in values.items() if key not in FORM_FIELDS}
        return cls(
            decision=str(values.get("decision") or ""),
            approval_code=str(values.get("approval_code") or ""),
            comment=str(values.get("comment") or ""),
            details=details,
        )


@dataclass(frozen=True)
class Woken:
    """A genuine wake-up from partnerflow: look at the database again; nothing was answered."""


def wake_values(keys: Keys, flow_run_id: str, kind: str) -> dict[str, str]:
    """The form values that wake one run waiting on a ``kind`` decision: the run then applies
    what the database holds. The decision field is there only because Prefect checks the values
    against the run's form, which takes only the kind's own answers (a lead handover's are
    offer and close: a wake-up saying "approve" was refused, and the run never applied)."""
    decision = decision_kind(kind).answers[0]
    return {"decision": decision, "approval_code": keys.wake_token(flow_run_id), "comment": ""}


def receive_form(
    session: Session,
    keys: Keys,
    subject: Subject,
    answer: FormAnswer,
    *,
    flow_run_id: str,
    now: datetime,
) -> Outcome | Woken:
    """Turn one submission of ``flow_run_id``'s form into a recorded answer, a refusal (audited)
    or a wake-up. The form's other fields become the answer's details through the kind's
    ``read_details`` (which raises ValueError, pydantic's ValidationError included, to refuse
    them); a kind without one keeps none."""
    code = answer.approval_code.strip()
    if keys.is_wake_for(code, flow_run_id):
        return Woken()
    if code.startswith(WAKE_PREFIX):
        return refuse(session, subject, "unknown", "form", "a wake-up that partnerflow did not sign", now=now)
    if not code:
        return refuse(
            session, subject, "unknown", "form", "the approval code from your e-mail is required", now=now
        )
    details, problem = read_details(session, subject, answer.details, answer.decision)
    if problem is not None:
        return refuse(session, subject, "unknown", "form", problem, now=now)
    reply = Reply(answer.decision, answer.comment, details)
    return answer_by_code(session, keys, subject, code, reply, now=now)


def read_details(
    session: Session, subject: Subject, given: dict[str, Any], decision: str
) -> tuple[dict[str, Any], str | None]:
    """A form's extra fields as the answer's details, read by the kind's own reader (the same for
    the page, the Prefect form and the CLI), or why they are refused: also a field the chosen
    answer does not take, or one it needs and lacks (the kind's ``answer_fields``)."""
    kind = decision_kind(subject.kind)
    if decision in kind.answer_fields:
        wanted = kind.answer_fields[decision]
        given = {name: value for name, value in given.items() if value not in (None, "", [])}
        for name in sorted(given):
            if name not in wanted:
                return {}, f"{name}: not taken when the answer is {decision}"
        for name in wanted:
            if name not in given:
                return {}, f"{name}: required when the answer is {decision}"
    if kind.read_details is None:
        return {}, None
    try:
        return kind.read_details(session, subject.id)(given), None
    except ValidationError as error:
        where = (".".join(map(str, e["loc"])) for e in error.errors())
        problems = (
            f"{at}: {e['msg']}" if at else e["msg"] for at, e in zip(where, error.errors(), strict=True)
        )
        return {}, "invalid details: " + "; ".join(problems)
    except ValueError as error:
        return {}, str(error)


def _problem(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def reply_message(received: Outcome | Woken, *, decided: bool, status: str) -> str:
    """What the form's submitter reads: why their answer was refused while the decision still
    waits, else where the decision stands (``status``)."""
    if isinstance(received, Refused) and not decided:
        return received.reason
    return status


def take_answer(at: Applying, subject: Subject, answer: FormAnswer) -> DecisionOutcome:
    """One submission of a decision form: recorded (or refused, with the reason), then the
    kind's ``apply`` of every answer recorded so far; the outcome's message is for whoever
    submitted. Every decision takes its answers this way."""
    received = receive_form(at.session, at.keys, subject, answer, flow_run_id=at.flow_run_id, now=at.now)
    outcome = decision_kind(subject.kind).apply(at, subject.id)
    return replace(outcome, message=reply_message(received, decided=outcome.done, status=outcome.message))
