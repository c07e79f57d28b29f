"""Text folded so that what looks the same is the same, in every script (Unicode TR39).

A customer's key must not change with the keyboard a partner used: Cyrillic ``АСМЕ`` is Latin
``ACME`` on screen, ``Straße`` is ``Strasse`` and ``Œuvre`` is ``Oeuvre``. Measured before: the
fold kept ASCII only, so every name without Latin letters folded to nothing and blocked all the
others, and a look-alike letter from another script let a second partner register a protected
customer.

Each letter is replaced by its TR39 skeleton (ICU's ``SpoofChecker``, kept up to date with
Unicode's confusables list); a skeleton that is a Latin letter or digit is written as that ASCII
character, lower case, so a name typed in plain ASCII folds exactly as before (stored keys keep
their meaning). Letters with no Latin look-alike keep their own (skeleton) letter: a Cyrillic or
Chinese name keeps its words. Accents on Latin letters are dropped (``é`` is ``e``), other scripts'
marks kept (they change the word); digits of any script are read as their value; format and
bidirectional controls are invisible, so they are dropped.
"""

from __future__ import annotations

import string
import unicodedata
from functools import cache

import icu

_SPOOF_CHECKER = icu.SpoofChecker()
_MOST_FOLDS = 4  # a skeleton is stable after one step; two more are measured never to be needed


def folded_letters(text: str) -> str:
    """``text`` with each visible character folded to its look-alike prototype, lower case.

    Example:
        >>> folded_letters("АСМЕ Œuvre Straße")
        'acme oeuvre strasse'
    """
    folded: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        for part in char if category.startswith("M") else _prototype(char):
            if not unicodedata.category(part).startswith("M") or (folded and _carries_marks(folded[-1])):
                folded.append(part)
    return "".join(folded)


def _carries_marks(base: str) -> bool:
    """A mark is kept after a letter of a script whose marks change the word (Devanagari vowel
    signs), dropped after a Latin letter (an accent) and when it stands on nothing."""
    return not base.isascii() and (base.isalnum() or unicodedata.category(base).startswith("M"))


@cache
def _prototype(char: str) -> str:
    """One character's fold, the same for its upper and lower case (``ГАЗ`` is ``газ``), and a
    fixed point (folding a fold changes nothing)."""
    folded = _fold_once(char)
    for _ in range(_MOST_FOLDS):
        again = "".join(_fold_once(part) for part in unicodedata.normalize("NFKC", folded))
        if again == folded:
            break
        folded = again
    return folded


def _fold_once(char: str) -> str:
    """ASCII kept (lower case); digits by value; else, for a letter with a case, the Latin letter
    its capital looks like (``Н`` is ``H``), else the one the small letter looks like (``р`` is
    ``p``), else the small letter's skeleton."""
    if char.isascii():
        return char.lower()
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    capital, small = char.upper(), char.casefold()
    if len(capital) == 1 and capital != small:
        shape = _without_marks(_skeleton(capital))
        if latin := _UPPER_LOOKALIKES.get(shape) or _ascii_word(shape):
            return latin
    shape = _skeleton(small)
    bare = _without_marks(shape)
    folded = _LOWER_LOOKALIKES.get(bare) or _ascii_word(bare) or shape
    return folded if any(part.isalnum() for part in folded) else small


def _without_marks(shape: str) -> str:
    """``shape`` with its accents and overlays dropped (``l̸`` → ``l``)."""
    return "".join(part for part in unicodedata.normalize("NFD", shape) if not unicodedata.combining(part))


def _ascii_word(shape: str) -> str | None:
    """``shape`` in lower case when it is ASCII letters and digits (``OE``, ``ss``), else None."""
    return shape.lower() if shape.isascii() and shape.isalnum() else None


def _skeleton(text: str) -> str:
    return str(_SPOOF_CHECKER.getSkeleton(0, text))


_LOWER_LOOKALIKES = {_skeleton(char): char for char in string.digits + string.ascii_lowercase}
_UPPER_LOOKALIKES = {_skeleton(char): char.lower() for char in string.ascii_uppercase}
