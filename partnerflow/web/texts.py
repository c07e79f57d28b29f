"""The approval page's words, in the approver's language (their ``Person.locale``)."""

from __future__ import annotations

from partnerflow.approvals import decision_kind

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your decision",
        "round": "Round {round}, role {role}",
        "for": "Asked of {name} ({email})",
        "comment": "Comment (a reason for a rejection, the question for the partner)",
        "approve": "Approve",
        "reject": "Reject",
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


def texts_for(locale: str) -> dict[str, str]:
    return TEXTS.get(locale, TEXTS["en"])


def words_for(locale: str, kind: str) -> dict[str, str]:
    """The page's words with the decision's own: its answers' and fields' labels, as its
    process declared them."""
    own = decision_kind(kind).words
    return {**texts_for(locale), **(own.get(locale) or own.get("en") or {})}
