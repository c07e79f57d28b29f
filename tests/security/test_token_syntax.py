"""A token is exactly what partnerflow signed: no padding, no noise, no length beyond ours.

Measured before: a personal link with a trailing ``=`` or non-ASCII characters appended still
opened (itsdangerous' base64 decoder is lenient).
"""

from __future__ import annotations

import pytest

from partnerflow.approvals.keys import Keys, LinkClaim

KEYS = Keys("a test key that is long enough")
LINK = KEYS.link_token(LinkClaim(12, 3, 4))


def test_the_token_as_signed_opens() -> None:
    assert KEYS.read_link(LINK) == LinkClaim(12, 3, 4)


@pytest.mark.parametrize(
    "altered",
    [LINK + "=", LINK + "==", LINK + "é", "\u200b" + LINK, LINK + " ", LINK + "\n", LINK + "A" * 600, ""],
    ids=["padding", "double padding", "accent", "zero-width", "space", "newline", "too long", "empty"],
)
def test_anything_else_opens_nothing(altered: str) -> None:
    assert KEYS.read_link(altered) is None
    assert KEYS.read_survey(altered) is None
    assert KEYS.read_sign_in(altered, max_age=60) is None
    assert not KEYS.is_wake_for("wake." + altered, "run")
