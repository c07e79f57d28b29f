"""The approval page's words, in the approver's language (their ``Person.locale``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from partnerflow.approvals.forms import DetailsReader
from partnerflow.campaigns.signoffs import signoff_details_reader
from partnerflow.health.admission import leave_out_reader
from partnerflow.health.review import actions_reader
from partnerflow.rebalancing.decisions import exclusions_reader

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your decision",
        "round": "Round {round}, role {role}",
        "for": "Asked of {name} ({email})",
        "comment": "Comment (a reason for a rejection, the question for the partner)",
        "approve": "Approve",
        "reject": "Reject",
        "request-info": "Ask the partner for information",
        "rollout": "Roll out to every eligible sponsor",
        "extend": "Extend the pilot",
        "stop": "Stop inviting",
        "programme_reference": "Programme or price-list reference",
        "confirmed_quantity": "Quantity confirmed available",
        "exclude_from_pause": "Resellers to keep although a pause is proposed (ids, comma-separated)",
        "leave_out": "Candidates not to admit (ids, comma-separated)",
        "actions": "Actions, one per at-risk partner: ID=action, comma-separated (coaching-call, "
        "training-invitation, programme-exception, no-action)",
        "note": "Nothing is decided until you press a button. This page is yours alone: do not forward it.",
        "recorded": "Thank you: your answer ({decision}) is recorded.",
        "applied": "The process has taken it into account.",
        "pending": "The process will take it into account within a minute.",
        "refused": "Your answer was not recorded",
        "invalid": "This link is not valid",
        "invalid_detail": "It was altered, or comes from another installation. "
        "Use the link from your e-mail.",
        "cross_site": "This request came from another site",
        "cross_site_detail": "Nothing was done. Open the link from your e-mail directly.",
        "too_many": "Too many requests from your address",
        "too_many_detail": "Nothing was done. Wait a minute, then try again.",
        "closed": "Nothing to decide here any more",
    },
    "fr": {
        "title": "Votre décision",
        "round": "Tour {round}, rôle {role}",
        "for": "Demandée à {name} ({email})",
        "comment": "Commentaire (motif d'un refus, question pour le partenaire)",
        "approve": "Approuver",
        "reject": "Refuser",
        "request-info": "Demander des informations au partenaire",
        "rollout": "Généraliser à tous les parrains éligibles",
        "extend": "Prolonger le pilote",
        "stop": "Arrêter les invitations",
        "programme_reference": "Référence du programme ou de la liste de prix",
        "confirmed_quantity": "Quantité confirmée disponible",
        "exclude_from_pause": "Revendeurs à garder malgré la pause proposée "
        "(identifiants séparés par des virgules)",
        "leave_out": "Candidats à ne pas admettre (identifiants séparés par des virgules)",
        "actions": "Actions, une par partenaire à risque : ID=action, séparées par des virgules "
        "(coaching-call, training-invitation, programme-exception, no-action)",
        "note": "Rien n'est décidé avant que vous cliquiez sur un bouton. Cette page vous est personnelle : "
        "ne la transférez pas.",
        "recorded": "Merci : votre réponse ({decision}) est enregistrée.",
        "applied": "Le processus l'a prise en compte.",
        "pending": "Le processus la prendra en compte dans la minute.",
        "refused": "Votre réponse n'a pas été enregistrée",
        "invalid": "Ce lien n'est pas valide",
        "invalid_detail": "Il a été modifié ou provient d'une autre installation. "
        "Utilisez le lien de votre e-mail.",
        "cross_site": "Cette demande vient d'un autre site",
        "cross_site_detail": "Rien n'a été fait. Ouvrez directement le lien de votre e-mail.",
        "too_many": "Trop de demandes depuis votre adresse",
        "too_many_detail": "Rien n'a été fait. Attendez une minute, puis réessayez.",
        "closed": "Il n'y a plus rien à décider ici",
    },
}

DETAIL_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("campaign", "channel-ops"): ("programme_reference",),
    ("campaign", "supply-chain"): ("confirmed_quantity",),
    ("rebalancing", "channel-manager"): ("exclude_from_pause",),
    ("partner-health", "channel-manager"): ("actions",),
    ("admission", "channel-manager"): ("leave_out",),
}
"""(subject kind, role) -> the extra fields the page asks for (a supply-chain allocation per
département stays on the operators' Prefect form)."""

DETAIL_READERS: dict[tuple[str, str], Callable[[Session, int], DetailsReader]] = {
    ("campaign", "channel-ops"): signoff_details_reader,
    ("campaign", "supply-chain"): signoff_details_reader,
    ("rebalancing", "channel-manager"): exclusions_reader,
    ("partner-health", "channel-manager"): actions_reader,
    ("admission", "channel-manager"): leave_out_reader,
}
"""(subject kind, role) -> the process's reader of those fields, given the subject's id."""


def texts_for(locale: str) -> dict[str, str]:
    return TEXTS.get(locale, TEXTS["en"])
