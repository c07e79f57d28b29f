"""The languages partnerflow speaks, and texts written once per language.

Partners and people each have a locale; anything partnerflow writes to them (e-mails, a policy's
reason, the approval page) exists in every locale listed here, so nobody reads another
language inside their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = ("fr", "en")
RECORD_LOCALE: Locale = "en"  # the language of audit events, logs and the command line


def every_locale(texts: Mapping[str, str]) -> dict[str, str]:
    """``texts`` checked to hold exactly one text per locale (raises ValueError naming the gap)."""
    gaps: dict[str, list[str]] = {
        "missing": [locale for locale in LOCALES if locale not in texts],
        "unknown": sorted(set(texts) - set(LOCALES)),
    }
    if any(gaps.values()):
        said = "; ".join(f"{name} {', '.join(locales)}" for name, locales in gaps.items() if locales)
        raise ValueError(f"needs one text per locale ({', '.join(LOCALES)}): {said}")
    return dict(texts)


def text_in(texts: Mapping[str, str], locale: str, fallback: str | None) -> str:
    """The text in ``locale``; ``fallback`` (the recorded text) when it has no translation."""
    return texts.get(locale) or fallback or ""


def same_in_every_locale(text: str) -> dict[str, str]:
    """A text a person wrote (a reviewer's comment): shown as written, whatever the locale."""
    return dict.fromkeys(LOCALES, text)
