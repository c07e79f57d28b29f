"""The partner lifecycle's decisions: a batch of candidates to admit, a partner to remove."""

from __future__ import annotations

from partnerflow.approvals import DecisionKind, declare
from partnerflow.approvals.declarations import CHANNEL_PACE
from partnerflow.lifecycle import admission, removal

ADMISSION = declare(
    DecisionKind(
        name=admission.SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Partner admission", "fr": "Admission de partenaires"},
        apply=admission.apply_admission,
        template="admission_requested",
        clock=CHANNEL_PACE,
        help="admit them (minus those left out), or none",
        fields={"channel-manager": ("leave_out",)},
        read_details=admission.leave_out_reader,
        words={
            "en": {"leave_out": "Candidates not to admit (ids, comma-separated)"},
            "fr": {"leave_out": "Candidats à ne pas admettre (identifiants séparés par des virgules)"},
        },
    )
)
REMOVAL = declare(
    DecisionKind(
        name=removal.SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Partner removal", "fr": "Retrait d'un partenaire"},
        apply=removal.apply_removal,
        template="removal_requested",
        clock=CHANNEL_PACE,
        help="remove the partner, or keep it",
    )
)
