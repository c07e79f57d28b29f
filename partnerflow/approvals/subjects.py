"""What can be decided, and which answers each kind of subject accepts."""

from __future__ import annotations

from dataclasses import dataclass

DECISIONS: dict[str, tuple[str, ...]] = {
    "registration": ("approve", "reject", "request-info"),
    "close": ("approve", "reject"),  # book a won close far above its registration, or undo it
    "campaign": ("approve", "reject"),
    "settlement": ("approve", "reject"),
    "rebalancing": ("approve", "reject"),
    "partner-health": ("approve",),  # record the actions chosen for the at-risk partners
    "admission": ("approve", "reject"),  # admit a batch of candidates (minus those left out)
    "removal": ("approve", "reject"),  # remove a partner from the programme
    "referral": ("approve", "reject"),  # clear a flagged referral's fraud flags, or reject it
    "referral-pilot": ("rollout", "extend", "stop"),  # the programme owner, at the pilot's end
}
"""Subject kind -> the answers a person may give (the page shows one button per answer)."""

SUBJECT_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "registration": "Deal registration",
        "close": "Deal close to confirm",
        "campaign": "Discount campaign",
        "settlement": "Commission settlement",
        "rebalancing": "Reseller rebalancing",
        "partner-health": "Partner health actions",
        "admission": "Partner admission",
        "removal": "Partner removal",
        "referral": "Flagged referral",
        "referral-pilot": "Referral pilot",
    },
    "fr": {
        "registration": "Enregistrement d'affaire",
        "close": "Clôture d'affaire à confirmer",
        "campaign": "Campagne de remise",
        "settlement": "Paiement des commissions",
        "rebalancing": "Rééquilibrage des revendeurs",
        "partner-health": "Actions santé partenaires",
        "admission": "Admission de partenaires",
        "removal": "Retrait d'un partenaire",
        "referral": "Parrainage signalé",
        "referral-pilot": "Pilote de parrainage",
    },
}
"""Subject kind -> what people call it, per locale (the inbox, the digest)."""


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
