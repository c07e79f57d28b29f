"""Every decision a person makes: who may decide, personal signed links and codes, one answer
store, four eyes over distinct authenticated people (see ``ARCHITECTURE`` in DESIGN.md).

Processes open a round (:func:`open_round`) and mail each :class:`Invitation`; answers arrive
by link (approval page), code (Prefect UI form, CLI) or an explicit operator act, and are
recorded here; the process then applies :func:`unapplied_answers` in its own terms.
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
from partnerflow.approvals.forms import (
    AnswerFields,
    DetailsReader,
    ReviewOutcome,
    Woken,
    receive_form,
    reply_message,
    take_answer,
    wake_values,
    with_reply,
)
from partnerflow.approvals.keys import Keys, keys_for
from partnerflow.approvals.links import Links, links_for
from partnerflow.approvals.requests import (
    Ask,
    Invitation,
    approvals_given,
    close_requests,
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
from partnerflow.approvals.subjects import DECISIONS, Subject

__all__ = [
    "DECISIONS",
    "AnswerFields",
    "Ask",
    "DetailsReader",
    "Grantee",
    "Invitation",
    "Keys",
    "Links",
    "Outcome",
    "Recorded",
    "Refused",
    "Reply",
    "ReviewOutcome",
    "Subject",
    "Woken",
    "answer_by_code",
    "answer_by_link",
    "answer_on_behalf",
    "approvals_given",
    "close_requests",
    "find_by_link",
    "grant_problem",
    "keys_for",
    "latest_round",
    "links_for",
    "mark_applied",
    "open_requests",
    "open_round",
    "people_with_role",
    "receive_form",
    "refuse",
    "reply_message",
    "runs_with_unapplied_answers",
    "sealed_links",
    "take_answer",
    "unapplied_answers",
    "unsealer",
    "wake_values",
    "with_reply",
]
