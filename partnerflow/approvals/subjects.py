"""What can be decided, and which answers each kind of subject accepts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from partnerflow.models import Role


@dataclass(frozen=True)
class DecisionClock:
    """How an unanswered decision is chased (``partnerflow.approvals.deadlines``): everyone asked
    who has not answered gets their link again every ``remind_every``, valid ``links_last`` more;
    after ``escalate_after`` the ``escalate_to`` role is told, once, who has not answered, to
    chase them (they are not handed the decision: it stays with the role the process asked)."""

    remind_every: timedelta
    escalate_after: timedelta
    escalate_to: Role | None
    links_last: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class DecisionKind:
    """One kind of decision: the answers a person may give (one button each), what people call
    it in each locale, and its clock (None: the process keeps its own, from its policy)."""

    answers: tuple[str, ...]
    names: dict[str, str]
    clock: DecisionClock | None


_MONEY = DecisionClock(timedelta(days=1), timedelta(days=3), Role.PROGRAMME_OWNER)
_CHANNEL = DecisionClock(timedelta(days=2), timedelta(days=5), Role.CHANNEL_DIRECTOR)

DECISION_KINDS: dict[str, DecisionKind] = {
    # the review SLA of the deal_registration policy (registration/sla.py)
    "registration": DecisionKind(
        ("approve", "reject", "request-info"),
        {"en": "Deal registration", "fr": "Enregistrement d'affaire"},
        None,
    ),
    # book a won close far above its registration, or undo it
    "close": DecisionKind(
        ("approve", "reject"), {"en": "Deal close to confirm", "fr": "Clôture d'affaire à confirmer"}, _MONEY
    ),
    # the sign-off SLA of the discount_campaign policy (campaigns/sla.py)
    "campaign": DecisionKind(
        ("approve", "reject"), {"en": "Discount campaign", "fr": "Campagne de remise"}, None
    ),
    "settlement": DecisionKind(
        ("approve", "reject"), {"en": "Commission settlement", "fr": "Paiement des commissions"}, _MONEY
    ),
    "rebalancing": DecisionKind(
        ("approve", "reject"),
        {"en": "Reseller rebalancing", "fr": "Rééquilibrage des revendeurs"},
        _CHANNEL,
    ),
    # record the actions chosen for the at-risk partners
    "partner-health": DecisionKind(
        ("approve",), {"en": "Partner health actions", "fr": "Actions santé partenaires"}, _CHANNEL
    ),
    # admit a batch of candidates (minus those left out)
    "admission": DecisionKind(
        ("approve", "reject"), {"en": "Partner admission", "fr": "Admission de partenaires"}, _CHANNEL
    ),
    "removal": DecisionKind(
        ("approve", "reject"), {"en": "Partner removal", "fr": "Retrait d'un partenaire"}, _CHANNEL
    ),
    # clear a flagged referral's fraud flags, or reject it
    "referral": DecisionKind(
        ("approve", "reject"), {"en": "Flagged referral", "fr": "Parrainage signalé"}, _CHANNEL
    ),
    # the programme owner, at the pilot's end: nobody above to tell
    "referral-pilot": DecisionKind(
        ("rollout", "extend", "stop"),
        {"en": "Referral pilot", "fr": "Pilote de parrainage"},
        DecisionClock(timedelta(days=7), timedelta(days=28), None),
    ),
}
"""Every kind of decision, declared once: the page, the inbox, the digest, the CLI and the
decision clock read it."""

DECISIONS: dict[str, tuple[str, ...]] = {name: kind.answers for name, kind in DECISION_KINDS.items()}
"""Subject kind -> the answers a person may give (the page shows one button per answer)."""

SUBJECT_NAMES: dict[str, dict[str, str]] = {
    locale: {name: kind.names[locale] for name, kind in DECISION_KINDS.items()} for locale in ("en", "fr")
}
"""Locale -> subject kind -> what people call it (the inbox, the digest)."""


def subject_names_for(locale: str) -> dict[str, str]:
    return SUBJECT_NAMES.get(locale, SUBJECT_NAMES["fr"])


def subject_label(locale: str, kind: str, subject_id: object) -> str:
    """A subject as a person reads it in a message: "Enregistrement d'affaire 13"."""
    return f"{subject_names_for(locale).get(kind, kind)} {subject_id}"


@dataclass(frozen=True)
class Subject:
    """The thing decided: a registration, a campaign, a settlement batch, a year's rebalancing."""

    kind: str
    id: int

    def __post_init__(self) -> None:
        if self.kind not in DECISIONS:
            raise ValueError(f"unknown subject kind {self.kind!r}")

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
