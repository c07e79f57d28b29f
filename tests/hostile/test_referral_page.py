"""Hostile input to the referral page, served for real: forged links and poisoned details get a
clear page, record nothing, and the sponsor's link still works afterwards."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.models import Referral
from tests.hostile.test_web_forms import answered_clearly
from tests.referrals.test_invitations_and_page import REFERRED, referral_path

LINKS = {
    "a token of 10,000 characters": "/refer/" + "A" * 10_000,
    "a survey link's token": "/refer/MQ.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "a NUL in the token": "/refer/abc%00def",
}
DETAILS: dict[str, dict[str, Any]] = {
    "nothing": {},
    "no consent": {**REFERRED, "consent": "no"},
    "a company of 3,000 characters": {**REFERRED, "company": "x" * 3_000},
    "a NUL in the company": {**REFERRED, "company": "Boul\x00angerie"},
    "escape sequences in the name": {**REFERRED, "contact_name": "\x1b[2Jbad"},
    "an e-mail with a header": {**REFERRED, "contact_email": "a@b.example\r\nBcc: x@evil.example"},
    "a SIREN of 40 digits": {**REFERRED, "siren": "1" * 40},
    "a SIREN in letters": {**REFERRED, "siren": "ABCDEFGHI"},
    "consent twice": {**REFERRED, "consent": ["yes", "yes"]},
}


def referrals(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Referral)).one())


@pytest.mark.parametrize("name", list(LINKS))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_link_gets_a_clear_page(
    name: str, method: str, client: httpx.Client, engine: Engine
) -> None:
    referral_path(engine)
    started = time.monotonic()
    answered_clearly(
        client.request(method, LINKS[name], data=REFERRED if method == "POST" else None), started
    )
    assert referrals(engine) == 0


@pytest.mark.parametrize("name", list(DETAILS))
def test_poisoned_details_record_nothing_and_the_link_still_works(
    name: str, client: httpx.Client, engine: Engine
) -> None:
    path = referral_path(engine)
    started = time.monotonic()
    answered_clearly(client.post(path, data=DETAILS[name]), started)
    assert referrals(engine) == 0
    assert client.post(path, data=REFERRED).status_code == 200
