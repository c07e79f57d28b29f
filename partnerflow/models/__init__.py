"""SQLModel tables. Importing this package registers every table on ``SQLModel.metadata``."""

from partnerflow.models.approvals import ApprovalAnswer, ApprovalGrant, ApprovalRequest
from partnerflow.models.audit import AuditEvent, AuditTrailIsAppendOnly
from partnerflow.models.campaigns import Campaign, CampaignStatus, SignOff
from partnerflow.models.columns import UTCDateTime, utcnow
from partnerflow.models.commissions import (
    BatchStatus,
    CommissionLine,
    LineKind,
    LineStatus,
    SettlementBatch,
    Statement,
    StatementStatus,
)
from partnerflow.models.health import (
    AttritionCause,
    ExitKind,
    ExitSource,
    PartnerExit,
    TrainingKind,
    TrainingRecord,
)
from partnerflow.models.leads import (
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
    Proposal,
    Rebalancing,
    RebalancingStatus,
)
from partnerflow.models.network import (
    Locale,
    Partner,
    PartnerStatus,
    PartnerTier,
    Person,
    PersonRole,
    Role,
    Territory,
)
from partnerflow.models.outbox import DeliveryStatus, Notification
from partnerflow.models.registrations import (
    OPEN_STATUSES,
    PendingSubmission,
    ProtectionClaim,
    Registration,
    RegistrationStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "ApprovalAnswer",
    "ApprovalGrant",
    "ApprovalRequest",
    "AttritionCause",
    "AuditEvent",
    "AuditTrailIsAppendOnly",
    "BatchStatus",
    "Campaign",
    "CampaignStatus",
    "CommissionLine",
    "DeliveryStatus",
    "ExitKind",
    "ExitSource",
    "Lead",
    "LeadEvent",
    "LeadEventKind",
    "LeadStatus",
    "LineKind",
    "LineStatus",
    "Locale",
    "Notification",
    "Partner",
    "PartnerExit",
    "PartnerStatus",
    "PartnerTier",
    "PendingSubmission",
    "Person",
    "PersonRole",
    "Proposal",
    "ProtectionClaim",
    "Rebalancing",
    "RebalancingStatus",
    "Registration",
    "RegistrationStatus",
    "Role",
    "SettlementBatch",
    "SignOff",
    "Statement",
    "StatementStatus",
    "Territory",
    "TrainingKind",
    "TrainingRecord",
    "UTCDateTime",
    "utcnow",
]
