"""The partner lifecycle, apart from its health: admitting candidate resellers (the
``partner_admission`` policy, a channel manager's decision), welcoming and training a new
partner (onboarding e-mails, certification reminders) and removing a partner (a channel
manager's decision, with its cause)."""

from partnerflow.lifecycle import decisions as decisions  # declares its decisions to approvals
from partnerflow.lifecycle.admission import import_candidates, propose_batch
from partnerflow.lifecycle.removal import request_decision as request_removal

__all__ = ["import_candidates", "propose_batch", "request_removal"]
