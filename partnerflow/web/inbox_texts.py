"""The inbox's words, in the person's language (their ``Person.locale``); the sign-in pages,
before anyone is known, in the installation's default language."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "My decisions",
        "sign_in": "Sign in to see what waits for you",
        "email": "Your work e-mail address",
        "send_link": "E-mail me a sign-in link",
        "sent": "Check your e-mail",
        "sent_detail": "If this address belongs to one of the programme's people, a sign-in link is on its "
        "way. It works once, for {minutes} minutes.",
        "open_link": "Open my decisions",
        "open_link_detail": "Press the button to sign in (the link then stops working).",
        "refused": "You are not signed in",
        "hello": "Signed in as {name} ({email})",
        "sign_out": "Sign out",
        "open": "Waiting for you ({count})",
        "none_open": "Nothing waits for you.",
        "decided": "Decided in the last 30 days",
        "none_decided": "No decision in the last 30 days.",
        "subject": "Subject",
        "what": "What",
        "role": "As",
        "waiting": "Waiting",
        "due": "Due",
        "days": "{days} d",
        "overdue": "overdue",
        "decide": "Decide",
        "decision": "Decision",
        "on": "On",
        "comment": "Comment",
        "reports": "Reports",
        "none_reports": "No report written yet.",
        "written": "written {day}",
        "report_invalid": "This report link is not valid",
        "report_invalid_detail": "It expired or was altered. Sign in to My decisions for a current link.",
    },
    "fr": {
        "title": "Mes décisions",
        "sign_in": "Connectez-vous pour voir ce qui vous attend",
        "email": "Votre adresse e-mail professionnelle",
        "send_link": "M'envoyer un lien de connexion",
        "sent": "Consultez votre messagerie",
        "sent_detail": "Si cette adresse est celle d'une personne du programme, un lien de connexion lui est "
        "envoyé. Il fonctionne une fois, pendant {minutes} minutes.",
        "open_link": "Ouvrir mes décisions",
        "open_link_detail": "Cliquez sur le bouton pour vous connecter "
        "(le lien ne fonctionnera plus ensuite).",
        "refused": "Vous n'êtes pas connecté",
        "hello": "Connecté en tant que {name} ({email})",
        "sign_out": "Se déconnecter",
        "open": "En attente de votre décision ({count})",
        "none_open": "Rien ne vous attend.",
        "decided": "Décidé ces 30 derniers jours",
        "none_decided": "Aucune décision ces 30 derniers jours.",
        "subject": "Sujet",
        "what": "Objet",
        "role": "En tant que",
        "waiting": "Attente",
        "due": "Échéance",
        "days": "{days} j",
        "overdue": "en retard",
        "decide": "Décider",
        "decision": "Décision",
        "on": "Le",
        "comment": "Commentaire",
        "reports": "Rapports",
        "none_reports": "Aucun rapport écrit pour l'instant.",
        "written": "écrit le {day}",
        "report_invalid": "Ce lien de rapport n'est pas valide",
        "report_invalid_detail": "Il a expiré ou a été modifié. Connectez-vous à « Mes décisions » pour "
        "un lien à jour.",
    },
}


def inbox_texts_for(locale: str) -> dict[str, str]:
    return TEXTS.get(locale, TEXTS["fr"])
