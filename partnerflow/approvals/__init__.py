"""Every decision a person makes: who may decide, personal signed links and codes, one answer
store, four eyes over distinct authenticated people (see ``ARCHITECTURE`` in DESIGN.md).

Processes open a round (:func:`open_round`) and mail each :class:`Invitation`; answers arrive
by link (approval page), code (Prefect UI form, CLI) or an explicit operator act, and are
recorded here. Each process declares its kinds (:func:`declare`, in its ``decisions.py``) with
the ``apply`` that turns :func:`unapplied_answers` into its own state; :func:`take_answer` is
the one path from a submitted form to that ``apply``.
"""

from partnerflow.approvals.answers import (
    Grantee,
    Outcome,
    Recorded,
    Refused,
    Reply,
    answer_by_code,
    answer_by_link,
    answer_on_behalf,
    find_by_link,
    grant_problem,
    refuse,
)
from partnerflow.approvals.declarations import (
    Applying,
    Asking,
    DecisionClock,
    DecisionKind,
    DecisionOutcome,
    DetailsReader,
    decision_kind,
    declare,
    declared_kinds,
)
from partnerflow.approvals.forms import (
    AnswerFields,
    FormAnswer,
    Woken,
    read_details,
    receive_form,
    take_answer,
    wake_values,
)
from partnerflow.approvals.keys import Keys, keys_for
from partnerflow.approvals.links import Links, links_for
from partnerflow.approvals.requests import (
    Ask,
    Invitation,
    approvals_given,
    close_requests,
    kinds_of_runs,
    latest_round,
    mark_applied,
    open_requests,
    open_round,
    people_with_role,
    runs_with_unapplied_answers,
    sealed_links,
    unapplied_answers,
)
from partnerflow.approvals.sealing import unsealer
from partnerflow.approvals.subjects import Subject

__all__ = [
    "AnswerFields",
    "Applying",
    "Ask",
    "Asking",
    "DecisionClock",
    "DecisionKind",
    "DecisionOutcome",
    "DetailsReader",
    "FormAnswer",
    "Grantee",
    "Invitation",
    "Keys",
    "Links",
    "Outcome",
    "Recorded",
    "Refused",
    "Reply",
    "Subject",
    "Woken",
    "answer_by_code",
    "answer_by_link",
    "answer_on_behalf",
    "approvals_given",
    "close_requests",
    "decision_kind",
    "declare",
    "declared_kinds",
    "find_by_link",
    "grant_problem",
    "keys_for",
    "kinds_of_runs",
    "latest_round",
    "links_for",
    "mark_applied",
    "open_requests",
    "open_round",
    "people_with_role",
    "read_details",
    "receive_form",
    "refuse",
    "runs_with_unapplied_answers",
    "sealed_links",
    "take_answer",
    "unapplied_answers",
    "unsealer",
    "wake_values",
]
