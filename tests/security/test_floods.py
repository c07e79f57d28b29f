"""Floods stop at a limit: posts per client address, referrals per sponsor link.

Measured before: anonymous requests wrote audit rows without a limit (200 in 5 s), and one
sponsor link recorded 40 spam referrals.
"""

from __future__ import annotations

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.context import build_context
from partnerflow.models import Referral
from partnerflow.notify import free_port
from partnerflow.referrals.invitations import REFERRALS_PER_DAY
from partnerflow.settings import Settings
from partnerflow.web import create_app
from partnerflow.web.rate_limits import SOURCES_KEPT, SlidingWindow
from partnerflow.web.server import web_in_thread
from tests.referrals.test_invitations_and_page import REFERRED, referral_path


def test_a_window_lets_the_limit_through_then_says_how_long_to_wait() -> None:
    now = [100.0]
    window = SlidingWindow(3, window=60, clock=lambda: now[0])
    assert [window.wait_before("10.0.0.1") for _ in range(3)] == [0, 0, 0]
    assert window.wait_before("10.0.0.1") == 60 and window.wait_before("10.0.0.2") == 0
    now[0] += 61
    assert window.wait_before("10.0.0.1") == 0


def test_sources_quiet_for_a_window_are_forgotten_past_the_bound() -> None:
    now = [0.0]
    window = SlidingWindow(3, window=60, clock=lambda: now[0])
    for number in range(SOURCES_KEPT + 1):
        window.wait_before(f"10.{number}")
    now[0] += 61
    window.wait_before("10.0.0.1")
    assert len(window._seen) == 1, "only the source seen in the last window is kept"


def test_past_the_limit_a_source_gets_429_and_nothing_is_done(settings: Settings, engine: Engine) -> None:
    limited = settings.model_copy(update={"web_posts_per_minute": 5})
    with (
        web_in_thread(create_app(build_context(limited)), "127.0.0.1", free_port()) as url,
        httpx.Client(base_url=url) as client,
    ):
        answers = [client.post("/signin", data={"email": "nobody@vendor.example"}) for _ in range(7)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429] * 2
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_a_sponsor_link_records_a_days_worth_of_companies_then_stops(
    client: httpx.Client, engine: Engine
) -> None:
    path = referral_path(engine)
    answers = [
        client.post(
            path, data={**REFERRED, "company": f"Spam {n} SAS", "contact_email": f"x@spam{n}.example"}
        )
        for n in range(REFERRALS_PER_DAY + 3)
    ]
    assert [answer.status_code for answer in answers].count(200) == REFERRALS_PER_DAY
    assert answers[-1].status_code == 409 and "demain" in answers[-1].text
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Referral)).one() == REFERRALS_PER_DAY
