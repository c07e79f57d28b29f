"""Deal registration: intake (one row or a file in bulk), review rounds, SLA, protection, close.

The use cases the tasks, the command line and the demo call; each is idempotent in the database
(a registration remembers its external id and the flow run that took it in, a review round is
stored once) and takes its clock (``now``/``today``), policy and renderer as arguments.
"""

from partnerflow.registration import (
    decisions as decisions,
)  # declares deal registration's decisions to approvals
from partnerflow.registration.batch import queue_submissions, take_in_chunk
from partnerflow.registration.bulk import take_in_many
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.registration.policies import submitted_on
from partnerflow.registration.protection import (
    ProtectionError,
    close_registration,
    expiry_sweep,
    request_extension,
)
from partnerflow.registration.review import apply_answers, request_review, review_subject, review_summary
from partnerflow.registration.sla import sweep_reviews
from partnerflow.registration.submission import DealSubmission
from partnerflow.registration.updates import UpdateRefused, update_registration

__all__ = [
    "DealSubmission",
    "IntakeResult",
    "ProtectionError",
    "UpdateRefused",
    "apply_answers",
    "close_registration",
    "expiry_sweep",
    "queue_submissions",
    "request_extension",
    "request_review",
    "review_subject",
    "review_summary",
    "submitted_on",
    "sweep_reviews",
    "take_in",
    "take_in_chunk",
    "take_in_many",
    "update_registration",
]
