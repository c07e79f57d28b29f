"""The loop of every decision one person settles (a removal, an admission batch, a flagged
referral, a deal's close, a month's health actions, a year's rebalancing, the pilot's end).

Seven processes wrote the same ten lines: take the answers recorded since the last apply, mark
each applied once, let the first one decide while the subject still waits, keep the later ones
in the record without effect, and close everybody's requests once decided. A process now says
only what "still waiting" and "decide" mean for its subject. (Four-eyes decisions, where answers
add up, keep their own loop: ``registration.review``, ``campaigns.signoffs``,
``commissions.settlement``.)
"""

from __future__ import annotations

from collections.abc import Callable

from partnerflow.approvals.declarations import Applying
from partnerflow.approvals.requests import close_requests, mark_applied, unapplied_answers
from partnerflow.approvals.subjects import Subject
from partnerflow.models import ApprovalAnswer


def first_answer_decides(
    at: Applying, subject: Subject, waiting: Callable[[], bool], decide: Callable[[ApprovalAnswer], None]
) -> bool:
    """Apply ``subject``'s new answers, each once: the first while ``waiting()`` is passed to
    ``decide``; the rest change nothing. Once decided, no one's link or code of it works any
    more. Returns whether it is decided."""
    for answer, _request in unapplied_answers(at.session, subject, at.keys, now=at.now):
        mark_applied(at.session, answer, at.now)
        if waiting():
            decide(answer)
    decided = not waiting()
    if decided:
        close_requests(at.session, subject, at.now)
    return decided
