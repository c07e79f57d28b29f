"""What arrives on an operator's form (Prefect UI Resume, API): an answer with its code, or a
signed wake-up. Whatever arrives, malformed included, becomes an outcome, never an exception:
a run waiting for a decision must not fail because someone typed nonsense."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from partnerflow.approvals.answers import COMMENT_LIMIT, Outcome, Reply, answer_by_code, refuse
from partnerflow.approvals.keys import WAKE_PREFIX, Keys
from partnerflow.approvals.subjects import Subject

FORM_FIELDS = frozenset({"decision", "approval_code", "comment"})


class AnswerFields(BaseModel):
    """The fields every decision form has besides its decision (the flows' forms derive from it)."""

    approval_code: str = Field(
        default="",
        max_length=400,
        description="The code printed in your e-mail (XXXXX-XXXXX): it proves the answer is yours",
    )
    comment: str = Field(default="", max_length=COMMENT_LIMIT, description="Why, especially for a rejection")


@dataclass(frozen=True)
class Woken:
    """A genuine wake-up from partnerflow: look at the database again; nothing was answered."""


def wake_values(keys: Keys, subject: Subject) -> dict[str, str]:
    """The form values that wake ``subject``'s waiting run (valid for every decision form)."""
    return {"decision": "approve", "approval_code": keys.wake_token(subject.kind, subject.id), "comment": ""}


def receive_form(
    session: Session,
    keys: Keys,
    subject: Subject,
    values: Mapping[str, Any],
    *,
    now: datetime,
    details_model: type[BaseModel] | None = None,
) -> Outcome | Woken:
    """Turn one form submission into a recorded answer, a refusal (audited) or a wake-up."""
    code = str(values.get("approval_code") or "").strip()
    if keys.is_wake_for(code, subject.kind, subject.id):
        return Woken()
    if code.startswith(WAKE_PREFIX):
        return refuse(session, subject, "unknown", "form", "a wake-up that partnerflow did not sign")
    if not code:
        return refuse(session, subject, "unknown", "form", "the approval code from your e-mail is required")
    details = {key: value for key, value in values.items() if key not in FORM_FIELDS}
    if details_model is not None:
        try:
            details = details_model.model_validate(details).model_dump(exclude_defaults=True)
        except ValidationError as error:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            return refuse(session, subject, "unknown", "form", f"invalid details: {problem}")
    reply = Reply(str(values.get("decision") or ""), str(values.get("comment") or ""), details)
    return answer_by_code(session, keys, subject, code, reply, now=now)
