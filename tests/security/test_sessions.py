"""An inbox session ends on the server at sign-out; production wants https and Secure cookies.

Measured before: the session cookie kept working for its 8 hours after sign-out (it was a signed
cookie alone), and without an https URL the cookie was not marked Secure in production.
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from partnerflow.settings import Settings
from tests.web.pages import invite
from tests.web.test_inbox import DIRECTOR, sign_in

PRODUCTION = {
    "environment": "production",
    "secret_key": "a production key of some length",
    "payer_iban": "FR7630006000011234567890189",
}


def test_a_copy_of_the_cookie_opens_nothing_after_sign_out(client: httpx.Client, engine: Engine) -> None:
    invite(engine)
    inbox = sign_in(client, engine, DIRECTOR)
    assert DIRECTOR in inbox.text
    copied = dict(client.cookies)
    client.post("/signout")
    with httpx.Client(base_url=client.base_url, cookies=copied) as elsewhere:
        assert 'action="/signin"' in elsewhere.get("/inbox").text, "the session ended on the server"


def test_signing_out_one_session_leaves_the_others(client: httpx.Client, engine: Engine) -> None:
    invite(engine)
    sign_in(client, engine, DIRECTOR)
    with httpx.Client(base_url=client.base_url) as laptop:
        sign_in(laptop, engine, DIRECTOR)
        client.post("/signout")
        assert DIRECTOR in laptop.get("/inbox").text


def test_production_requires_an_https_address_for_the_web_app() -> None:
    with pytest.raises(ValidationError, match="PARTNERFLOW_WEB_URL must be an https address in production"):
        Settings(**PRODUCTION, smtp_host="127.0.0.1", web_url="http://partners.example.com")  # type: ignore[arg-type]
    assert Settings(**PRODUCTION, smtp_host="127.0.0.1", web_url="https://partners.example.com")  # type: ignore[arg-type]
