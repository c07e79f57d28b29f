"""The reasons partnerflow itself gives a partner (not a policy rule nor a reviewer), in every
locale: the partner reads them inside an e-mail in its own language."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from partnerflow.locales import LOCALES

REVIEW_DEADLINE_PASSED = {
    "fr": "Aucune décision n'a été prise dans le délai de revue.",
    "en": "No decision was taken within the review deadline.",
}
REJECTED_AFTER_REVIEW = {
    "fr": "Refusé après examen.",
    "en": "Rejected after review.",
}
PROTECTED_ELSEWHERE = {
    "fr": "L'enregistrement d'un autre partenaire pour ce client a été approuvé en premier.",
    "en": "Another partner's registration for this customer was approved first.",
}


def already_protected(registration_id: int, ends_on: date | None) -> dict[str, str]:
    until = {locale: format_date(ends_on, "long", locale=locale) if ends_on else "?" for locale in LOCALES}
    return {
        "fr": f"Vous détenez déjà la protection de ce client (enregistrement n° {registration_id}, "
        f"jusqu'au {until['fr']}) ; cet enregistrement la duplique.",
        "en": f"You already hold this customer's protection (registration #{registration_id}, until "
        f"{until['en']}); this registration duplicates it.",
    }


def extension_refused(allowed: int, used: int) -> dict[str, str]:
    return {
        "fr": f"Le programme autorise {allowed} prolongation(s) ; cet enregistrement en a utilisé {used}.",
        "en": f"The programme allows {allowed} extension(s); this registration has used {used}.",
    }


def extension_granted(days: int) -> dict[str, str]:
    return {
        "fr": f"Protection prolongée de {days} jours.",
        "en": f"Protection extended by {days} days.",
    }
