"""The survey page's words, in the partner contact's language: one statement per cause of
attrition (agreeing is good news), the recommendation question, and the page's outcomes."""

from __future__ import annotations

SURVEY_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Votre avis sur le programme partenaires",
        "intro": "Sept questions, deux minutes. Vos réponses sont anonymes : nous savons que ce lien a "
        "servi, jamais ce que vous avez répondu. Les résultats ne sont lus que par groupes d'au moins "
        "{min_group} réponses.",
        "scale": "1 : pas du tout d'accord · 5 : tout à fait d'accord",
        "complexity": "Le programme est simple à utiliser (enregistrer une affaire, suivre ses commissions).",
        "inconsistency": "Les règles du programme sont stables et appliquées de façon cohérente.",
        "training": "La formation et le support reçus vous suffisent pour vendre nos produits.",
        "business-change": "Le programme reste adapté à l'évolution de votre activité.",
        "communication": "Nous sommes disponibles et répondons vite à vos questions.",
        "return-on-investment": "Le programme est rentable pour vous "
        "(marges, commissions, affaires gagnées).",
        "recommendation": "Recommanderiez-vous notre programme à un confrère ? (0 : certainement pas, "
        "10 : certainement)",
        "comment": "Quelque chose à ajouter ? (facultatif ; pour rester anonyme, ne vous nommez pas)",
        "submit": "Envoyer mes réponses",
        "thanks": "Merci : vos réponses sont enregistrées, anonymement.",
        "thanks_detail": "Ce lien ne sert plus. Les résultats du trimestre seront partagés avec le réseau.",
        "already-answered": "Ce questionnaire a déjà reçu une réponse par ce lien",
        "closed": "Ce questionnaire est clos",
        "closed_detail": "Merci de votre intérêt : le prochain vous parviendra au trimestre suivant.",
        "invalid": "Ce lien n'est pas valide",
        "invalid_detail": "Il a été modifié ou vient d'une autre installation. "
        "Utilisez le lien de votre e-mail.",
        "incomplete": "Répondez à chaque question, puis renvoyez le formulaire.",
        "exit_title": "Pourquoi quittez-vous le programme ?",
        "exit_intro": "Votre avis nous aide à corriger ce qui doit l'être. Ce questionnaire n'est pas "
        "anonyme : votre réponse est rattachée à votre départ.",
        "main_cause": "La raison principale de votre départ",
        "cause-complexity": "Un programme trop complexe",
        "cause-inconsistency": "Des règles qui changent ou s'appliquent mal",
        "cause-training": "Formation et support insuffisants",
        "cause-business-change": "Notre activité a changé",
        "cause-communication": "Une communication insuffisante",
        "cause-return-on-investment": "Pas assez rentable",
        "exit_thanks": "Merci : votre réponse est enregistrée.",
    },
    "en": {
        "title": "Your view of the partner programme",
        "intro": "Seven questions, two minutes. Your answers are anonymous: we know that this link was used, "
        "never what you answered. Results are only read for groups of at least {min_group} answers.",
        "scale": "1: strongly disagree · 5: strongly agree",
        "complexity": "The programme is simple to work with (registering a deal, following commissions).",
        "inconsistency": "The programme's rules are stable and applied consistently.",
        "training": "The training and support you get are enough to sell our products.",
        "business-change": "The programme still fits how your business is changing.",
        "communication": "We are available and answer your questions quickly.",
        "return-on-investment": "The programme pays off for you (margins, commissions, deals won).",
        "recommendation": "Would you recommend our programme to a peer? (0: certainly not, 10: certainly)",
        "comment": "Anything to add? (optional; to stay anonymous, do not name yourself)",
        "submit": "Send my answers",
        "thanks": "Thank you: your answers are recorded, anonymously.",
        "thanks_detail": "This link no longer works. The quarter's results will be shared with the network.",
        "already-answered": "This survey was already answered through this link",
        "closed": "This survey is closed",
        "closed_detail": "Thank you for your interest: the next one will reach you next quarter.",
        "invalid": "This link is not valid",
        "invalid_detail": "It was altered, or comes from another installation. "
        "Use the link from your e-mail.",
        "incomplete": "Answer every question, then send the form again.",
        "exit_title": "Why are you leaving the programme?",
        "exit_intro": "Your view helps us fix what needs fixing. This survey is not anonymous: your "
        "answer is attached to your departure.",
        "main_cause": "The main reason you are leaving",
        "cause-complexity": "The programme is too complex",
        "cause-inconsistency": "Rules that change or are applied unevenly",
        "cause-training": "Not enough training and support",
        "cause-business-change": "Our business has changed",
        "cause-communication": "Not enough communication",
        "cause-return-on-investment": "Not profitable enough",
        "exit_thanks": "Thank you: your answer is recorded.",
    },
}


def survey_texts_for(locale: str) -> dict[str, str]:
    return SURVEY_TEXTS.get(locale, SURVEY_TEXTS["en"])
