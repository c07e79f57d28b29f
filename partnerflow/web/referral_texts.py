"""The referral page's words, in the sponsor's language (the referred company is its contact)."""

from __future__ import annotations

REFERRAL_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Recommandé par {sponsor}",
        "intro": "{sponsor} pense que nos solutions peuvent vous être utiles. Laissez vos coordonnées : "
        "un conseiller vous contactera. Dès votre première commande, vous et {sponsor} êtes récompensés.",
        "company": "Votre entreprise",
        "siren": "SIREN (facultatif)",
        "domain": "Site web (facultatif)",
        "contact_name": "Votre nom",
        "contact_email": "Votre e-mail professionnel",
        "consent": "J'accepte d'être contacté au sujet de cette recommandation.",
        "submit": "Envoyer",
        "thanks": "Merci : un conseiller vous contactera.",
        "thanks_detail": "Votre recommandation est enregistrée.",
        "incomplete": "Vérifiez : {fields}.",
        "already-referred": "Cette entreprise a déjà été recommandée par ce lien",
        "too-many": "Ce lien a recommandé assez d'entreprises pour aujourd'hui : revenez demain",
        "invalid": "Ce lien n'est pas valide",
        "invalid_detail": "Il a été modifié ou vient d'une autre installation.",
    },
    "en": {
        "title": "Recommended by {sponsor}",
        "intro": "{sponsor} thinks our solutions could help you. Leave your details and an adviser will "
        "contact you. On your first order, both you and {sponsor} are rewarded.",
        "company": "Your company",
        "siren": "SIREN (optional)",
        "domain": "Website (optional)",
        "contact_name": "Your name",
        "contact_email": "Your work e-mail",
        "consent": "I agree to be contacted about this recommendation.",
        "submit": "Send",
        "thanks": "Thank you: an adviser will contact you.",
        "thanks_detail": "Your recommendation is recorded.",
        "incomplete": "Please check: {fields}.",
        "already-referred": "This company was already recommended through this link",
        "too-many": "This link has recommended enough companies for today: come back tomorrow",
        "invalid": "This link is not valid",
        "invalid_detail": "It was altered, or comes from another installation.",
    },
}


def referral_texts_for(locale: str) -> dict[str, str]:
    return REFERRAL_TEXTS.get(locale, REFERRAL_TEXTS["en"])
