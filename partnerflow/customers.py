"""Who the end customer is: one normalised key per company, so two partners' spellings collide
(deal registration's conflicts) and a referred company is recognised (the referral programme).

The key is, by preference: the SIREN (``siren:552100554``), else the company's own web or e-mail
domain (``domain:acme.fr``; free-mail providers do not identify a company), else the company name
folded (``name:acme industrie``: case, accents, punctuation and legal forms removed, letters of
every script kept and look-alike letters of other scripts read as the Latin ones they imitate).
"""

from __future__ import annotations

import re
import unicodedata

from partnerflow.lookalikes import folded_letters

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.fr",
        "hotmail.com",
        "hotmail.fr",
        "outlook.com",
        "outlook.fr",
        "live.com",
        "live.fr",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.com",
        "gmx.fr",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "bbox.fr",
        "neuf.fr",
        "proton.me",
        "protonmail.com",
        "yandex.com",
    }
)
LEGAL_FORMS = frozenset(
    {
        "sa",
        "sas",
        "sasu",
        "sarl",
        "eurl",
        "sci",
        "snc",
        "scop",
        "selarl",
        "gie",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "plc",
        "corp",
        "corporation",
        "co",
        "gmbh",
        "ag",
        "kg",
        "bv",
        "nv",
        "spa",
        "srl",
        "sl",
        "oy",
        "ab",
    }
)


def customer_key(
    *, name: str, siren: str | None = None, domain: str | None = None, email: str | None = None
) -> str:
    """The key that identifies the customer company for conflict detection.

    Example:
        >>> customer_key(name="ACME Industrie S.A.S.", email="jane@acme.fr")
        'domain:acme.fr'
    """
    digits = siren_text(siren) if siren else ""
    if digits:
        return f"siren:{digits}"
    company_domain = business_domain(domain or email or "")
    if company_domain:
        return f"domain:{company_domain}"
    return f"name:{fold_company_name(name)}"


def siren_text(text: str) -> str:
    """A SIREN as typed, with digits of any width made ASCII (NFKC: ``５５２`` is ``552``) and
    spaces and dots dropped; other characters are kept for the check to refuse. Measured before:
    full-width digits were dropped from the key, so every such SIREN was the same customer."""
    return re.sub(r"[\s.]", "", unicodedata.normalize("NFKC", text))


def names_a_company(name: str) -> str:
    """``name`` when it holds at least one letter or digit, of any script (a pydantic
    ``AfterValidator``): a name of punctuation or invisible characters folds to the empty key
    ``name:``, shared with every other such name, so one of them blocked all the others."""
    if not fold_company_name(name):
        raise ValueError("has no letter or digit: it names no company")
    return name


def business_domain(value: str) -> str | None:
    """The registrable-looking domain of a URL, host or e-mail, or None for free mail / nothing;
    look-alike letters folded as in names (a homograph domain is the company it imitates)."""
    text = value.strip().lower()
    if not text:
        return None
    text = text.rpartition("@")[2] if "@" in text else text
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0].split(":", 1)[0]
    text = folded_letters(_unicode_host(text.removeprefix("www.").strip(".")))
    if "." not in text or text in FREE_MAIL_DOMAINS:
        return None
    return text


def _unicode_host(host: str) -> str:
    """``xn--`` labels read as the letters they encode, so a look-alike domain typed either way
    folds like its name (``аcme.fr`` with a Cyrillic ``а`` is ``acme.fr``); a label that is not
    valid punycode is kept as typed."""
    labels = []
    for label in host.split("."):
        try:
            labels.append(label.encode("ascii").decode("idna") if label.startswith("xn--") else label)
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)


def fold_company_name(name: str) -> str:
    """``"Société Générale d'Énergie SAS"`` → ``"societe generale d energie"``: letters of every
    script kept, look-alikes folded (:func:`partnerflow.lookalikes.folded_letters`), punctuation and
    legal forms removed."""
    text = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", folded_letters(name))  # S.A.S. -> sas
    text = "".join(char if _in_a_word(char) else " " for char in text.replace(".", ""))
    words = text.split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    while len(words) > 1 and words[0] in LEGAL_FORMS:
        words.pop(0)
    return " ".join(words)


def _in_a_word(char: str) -> bool:
    """Letters and digits of any script, and the marks that belong to them (Devanagari vowels)."""
    return char.isalnum() or unicodedata.category(char).startswith("M")
